# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Cleaning of daily demand histories, vectorised across series.

Every function takes arrays of shape (series, days); day 0 is the oldest.
No ORM import: the models read the moves in bulk and hand arrays over.

The cleaning, in order:

1. returns excluded: negative quantities (customer returns, credit notes)
   are not demand and are set to zero;
2. stockout days detected: days flagged by the caller (stock was zero) and
   runs of zero sales too long to be chance for the series (a run of k
   zero days when the share of zero days is p0 has probability p0**k; runs
   with p0**k below 1% are taken as stockouts).  Runs that start the
   history (product not yet sold) are not stockouts;
3. promotion days flagged (given by the caller from past promotions);
4. outliers capped on the remaining "clean" days at
   median + 5 * 1.4826 * MAD of the non-zero clean days (a robust 5 sigma),
   never below 3 * median;
5. stockout and promotion days imputed with the series' weekday mean of the
   clean days of the last `window` days: sales were censored on stockout
   days, and promotion days would inflate the baseline;
6. promotion uplift learned: actual sales over imputed baseline on the
   promotion days, minus one.
"""
from dataclasses import dataclass

import numpy as np

STOCKOUT_RUN_PROBABILITY = 0.01
CAP_MADS = 5.0
CAP_MEDIANS = 3.0
MAD_SIGMA = 1.4826


@dataclass
class CleanHistory:
    demand: np.ndarray        # (n, T) cleaned and imputed demand
    promotion: np.ndarray     # (n, T) bool, promotion days
    stockout: np.ndarray      # (n, T) bool, detected stockout days
    capped: np.ndarray        # (n, T) bool, days whose sales were capped
    returns: np.ndarray       # (n,) units of returns excluded
    uplift: np.ndarray        # (n,) learned promotion uplift (nan: no history)
    promotion_days: np.ndarray  # (n,) number of past promotion days


def weekdays(start_weekday, days):
    "The weekday (Monday 0) of each of `days` days from `start_weekday`"
    return (start_weekday + np.arange(days)) % 7


def _run_lengths(zero):
    """For each cell of a boolean (n, T) array, the length of the run of
    True it belongs to (0 where False), and whether that run starts at day 0

    Vectorised over the flattened array: a False column on both sides of
    every row keeps the runs inside their row.
    """
    zero = np.asarray(zero, dtype=bool)
    n, days = zero.shape
    width = days + 2
    padded = np.zeros((n, width), dtype=np.int8)
    padded[:, 1:-1] = zero
    step = np.diff(padded.ravel())
    starts = np.flatnonzero(step == 1) + 1
    ends = np.flatnonzero(step == -1) + 1
    lengths = ends - starts
    delta = np.zeros(n * width + 1, dtype=np.int64)
    # runs never touch: starts and ends are distinct cells
    delta[starts] = lengths
    delta[ends] = -lengths
    length = np.cumsum(delta[:-1]).reshape(n, width)[:, 1:-1]
    first = (starts % width) == 1
    delta[:] = 0
    delta[starts[first]] = 1
    delta[ends[first]] = -1
    leading = np.cumsum(delta[:-1]).reshape(n, width)[:, 1:-1] > 0
    return length, leading


def detect_stockouts(sales, stock_zero=None,
        probability=STOCKOUT_RUN_PROBABILITY):
    "Stockout days: flagged ones and runs of zero sales unlikely by chance"
    sales = np.asarray(sales, dtype=float)
    zero = sales <= 0
    share = zero.mean(axis=1)
    with np.errstate(divide='ignore'):
        # the shortest run whose chance share**k is below the probability
        minimum = np.where((share > 0) & (share < 1),
            np.ceil(np.log(probability) / np.log(np.clip(share, 1e-12,
                        1 - 1e-12))), np.inf)
    minimum = np.maximum(minimum, 2)
    length, leading = _run_lengths(zero)
    stockout = zero & (length >= minimum[:, None]) & ~leading
    if stock_zero is not None:
        stockout |= np.asarray(stock_zero, dtype=bool) & zero
    return stockout


def _masked_median(values, mask):
    """Median per row of values where mask, nan where no value (as
    np.nanmedian, vectorised: one sort of the rows, nan last)"""
    values = np.asarray(values, dtype=float)
    n = len(values)
    ordered = np.sort(np.where(mask, values, np.nan), axis=1)
    count = np.asarray(mask, dtype=bool).sum(axis=1)
    rows = np.arange(n)
    low = ordered[rows, np.maximum((count - 1) // 2, 0)]
    high = ordered[rows, count // 2]
    return np.where(count > 0, (low + high) / 2, np.nan)


def outlier_caps(sales, clean):
    "Cap per series: robust 5 sigma above the median of non-zero clean days"
    nonzero = clean & (sales > 0)
    median = _masked_median(sales, nonzero)
    mad = _masked_median(np.abs(sales - median[:, None]), nonzero)
    cap = np.maximum(median + CAP_MADS * MAD_SIGMA * mad, CAP_MEDIANS * median)
    return np.where(np.isnan(cap), np.inf, cap)


def weekday_means(demand, valid, start_weekday, window=91):
    """Mean demand per series and weekday over the valid days of the last
    `window` days; the overall valid mean where a weekday has no valid day
    """
    n, days = demand.shape
    first = max(days - window, 0)
    recent, ok = demand[:, first:], valid[:, first:]
    day_of_week = weekdays(start_weekday + first, days - first)
    total = np.where(ok, recent, 0).sum(axis=1)
    count = ok.sum(axis=1)
    overall = np.divide(total, count, out=np.zeros(n), where=count > 0)
    means = np.empty((n, 7))
    for weekday in range(7):
        column = day_of_week == weekday
        w_total = np.where(ok[:, column], recent[:, column], 0).sum(axis=1)
        w_count = ok[:, column].sum(axis=1)
        means[:, weekday] = np.where(w_count > 0,
            w_total / np.maximum(w_count, 1), overall)
    return means


def clean_history(sales, start_weekday=0, promotion=None, stock_zero=None,
        window=91):
    "Clean (n, T) daily sales; see the module docstring for the steps"
    sales = np.atleast_2d(np.asarray(sales, dtype=float))
    n, days = sales.shape
    returns = -np.where(sales < 0, sales, 0).sum(axis=1)
    sales = np.maximum(sales, 0)
    promotion = (np.zeros((n, days), dtype=bool) if promotion is None
        else np.atleast_2d(np.asarray(promotion, dtype=bool)))
    stockout = detect_stockouts(sales, stock_zero) & ~promotion
    clean = ~(promotion | stockout)
    cap = outlier_caps(sales, clean)
    capped = clean & (sales > cap[:, None])
    demand = np.where(capped, cap[:, None], sales)
    means = weekday_means(demand, clean, start_weekday, window)
    imputed = means[:, weekdays(start_weekday, days)]
    flagged = promotion | stockout
    baseline_promo = np.where(promotion, imputed, 0).sum(axis=1)
    actual_promo = np.where(promotion, sales, 0).sum(axis=1)
    uplift = np.divide(actual_promo, baseline_promo,
        out=np.full(n, np.nan), where=baseline_promo > 0) - 1
    demand = np.where(flagged, imputed, demand)
    return CleanHistory(demand=demand, promotion=promotion,
        stockout=stockout, capped=capped, returns=returns, uplift=uplift,
        promotion_days=promotion.sum(axis=1))


def blend_uplift(learned, days, planned, prior_days=7):
    """The uplift to apply to a planned promotion: the planned (declared)
    uplift is a prior worth `prior_days` days of history, the learned one
    weighs its number of promotion days (credibility weighting)
    """
    learned = np.asarray(learned, dtype=float)
    days = np.asarray(days, dtype=float)
    planned = np.asarray(planned, dtype=float)
    has = ~np.isnan(learned) & (days > 0)
    weight = np.where(has, days, 0)
    return ((weight * np.where(has, learned, 0) + prior_days * planned)
        / (weight + prior_days))
