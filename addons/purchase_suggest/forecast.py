# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Daily demand forecasts, vectorised across series, and the choice of a
method per series by backtest.

Arrays are (series, days), day 0 the oldest; a forecast is (series,
horizon) for the days that follow the history.  Every method loops over
time at most, never over series, so 100,000 series cost what a few do in
Python overhead.

Methods (the candidates, simplest first: ties go to the simpler one):

- ``moving_average``: mean of the last 56 days;
- ``weekday_average``: that mean times the weekday profile;
- ``holt_weekday``: damped Holt (level + trend) on the demand divided by
  the weekday profile, times the profile;
- ``croston``, ``sba``, ``tsb``: the intermittent-demand family (Croston's
  size / interval smoothing, its Syntetos-Boylan bias correction, and
  Teunter-Syntetos-Babai's demand probability), candidates for the series
  whose average demand interval is 1.32 days or more (Syntetos-Boylan);
- ``combination``: the mean of the moving average, TSB and Holt forecasts,
  a candidate for every series (combinations are the robust choice of the
  M competitions: on Online Retail it alone beats each of its parts).

``seasonal_naive`` (last week repeated) is an anchor for benchmarks, not a
candidate.  The yearly season factor (``yearly_factor``) multiplies the
chosen forecast when a year of history exists.
"""
from dataclasses import dataclass

import numpy as np

from .history import weekdays

SMOOTH_METHODS = ('moving_average', 'weekday_average', 'holt_weekday',
    'combination')
INTERMITTENT_METHODS = ('moving_average', 'croston', 'sba', 'tsb',
    'combination')
METHODS = ('moving_average', 'weekday_average', 'holt_weekday',
    'croston', 'sba', 'tsb', 'combination')
INTERMITTENT_INTERVAL = 1.32
TIE = 0.01
MA_WINDOW = 56
PROFILE_WINDOW = 56
ALPHA, BETA, PHI = 0.1, 0.05, 0.98
CROSTON_ALPHA = 0.1
TSB_ALPHA, TSB_BETA = 0.1, 0.05
YEAR = 364  # 52 weeks: the same weekday one year back


def _mean(y, window):
    return y[:, -window:].mean(axis=1)


def weekday_profile(y, start_weekday, window=PROFILE_WINDOW):
    """Factors per series and weekday (mean 1) from the last `window` days;
    a flat profile where the series sold nothing
    """
    n, days = y.shape
    first = max(days - window, 0)
    recent = y[:, first:]
    day_of_week = weekdays(start_weekday + first, days - first)
    overall = recent.mean(axis=1)
    profile = np.ones((n, 7))
    for weekday in range(7):
        column = day_of_week == weekday
        if column.any():
            profile[:, weekday] = np.divide(
                recent[:, column].mean(axis=1), overall,
                out=np.ones(n), where=overall > 0)
    return profile


def _future_profile(y, start_weekday, horizon):
    days = y.shape[1]
    profile = weekday_profile(y, start_weekday)
    return profile[:, weekdays(start_weekday + days, horizon)]


def moving_average(y, start_weekday, horizon, window=MA_WINDOW):
    return np.repeat(_mean(y, window)[:, None], horizon, axis=1)


def weekday_average(y, start_weekday, horizon, window=MA_WINDOW):
    return (moving_average(y, start_weekday, horizon, window)
        * _future_profile(y, start_weekday, horizon))


def holt_weekday(y, start_weekday, horizon, alpha=ALPHA, beta=BETA,
        phi=PHI):
    "Damped Holt on the weekday-adjusted series, times the weekday profile"
    n, days = y.shape
    profile = weekday_profile(y, start_weekday)
    factor = profile[:, weekdays(start_weekday, days)]
    adjusted = np.divide(y, factor, out=y.copy(), where=factor > 0)
    level = adjusted[:, :min(7, days)].mean(axis=1)
    # one contiguous row per day: the loop reads along the days
    by_day = np.ascontiguousarray(adjusted.T)
    trend = np.zeros(n)
    if days >= 14:
        # start from the first two weeks' slope, and from the level of the
        # first week's middle day: a line is then followed from day 0
        trend = (adjusted[:, 7:14].mean(axis=1) - level) / 7
        level = level - 3 * trend
    for t in range(days):
        previous = level
        level = alpha * by_day[t] + (1 - alpha) * (level + phi * trend)
        trend = beta * (level - previous) + (1 - beta) * phi * trend
    damping = np.cumsum(phi ** np.arange(1, horizon + 1))
    path = np.maximum(level[:, None] + trend[:, None] * damping, 0)
    return path * profile[:, weekdays(start_weekday + days, horizon)]


def _croston(y, alpha):
    "Smoothed demand size and interval (Croston), per series"
    n, days = y.shape
    occurred = y > 0
    first = occurred.argmax(axis=1)
    any_demand = occurred.any(axis=1)
    size = np.where(any_demand, y[np.arange(n), first], 0.)
    interval = np.where(any_demand, first + 1., days + 1.)
    since = np.zeros(n)
    # one contiguous row per day: the loop reads along the days
    by_day = np.ascontiguousarray(y.T)
    occurred_by_day = by_day > 0
    for t in range(days):
        since += 1
        hit = occurred_by_day[t] & (t > first)
        size = np.where(hit, alpha * by_day[t] + (1 - alpha) * size, size)
        interval = np.where(hit, alpha * since + (1 - alpha) * interval,
            interval)
        since = np.where(occurred_by_day[t], 0, since)
    return size, interval


def croston(y, start_weekday, horizon, alpha=CROSTON_ALPHA):
    size, interval = _croston(y, alpha)
    rate = np.divide(size, interval, out=np.zeros_like(size),
        where=interval > 0)
    return np.repeat(rate[:, None], horizon, axis=1)


def sba(y, start_weekday, horizon, alpha=CROSTON_ALPHA):
    return (1 - alpha / 2) * croston(y, start_weekday, horizon, alpha)


def tsb(y, start_weekday, horizon, alpha=TSB_ALPHA, beta=TSB_BETA):
    n, days = y.shape
    occurred = y > 0
    probability = occurred[:, :min(28, days)].mean(axis=1)
    positive = np.where(occurred, y, 0).sum(axis=1)
    count = occurred.sum(axis=1)
    size = np.divide(positive, count, out=np.zeros(n), where=count > 0)
    # one contiguous row per day: the loop reads along the days
    by_day = np.ascontiguousarray(y.T)
    occurred_by_day = by_day > 0
    for t in range(days):
        hit = occurred_by_day[t]
        probability = probability + beta * (hit - probability)
        size = np.where(hit, size + alpha * (by_day[t] - size), size)
    return np.repeat((probability * size)[:, None], horizon, axis=1)


def combination(y, start_weekday, horizon):
    return (moving_average(y, start_weekday, horizon)
        + tsb(y, start_weekday, horizon)
        + holt_weekday(y, start_weekday, horizon)) / 3


def seasonal_naive(y, start_weekday, horizon, season=7):
    last = y[:, -season:]
    reps = -(-horizon // season)
    return np.tile(last, (1, reps))[:, :horizon]


FUNCTIONS = {
    'moving_average': moving_average,
    'weekday_average': weekday_average,
    'holt_weekday': holt_weekday,
    'croston': croston,
    'sba': sba,
    'tsb': tsb,
    'combination': combination,
    'seasonal_naive': seasonal_naive,
    }


def yearly_factor(y, horizon, window=28, low=0.5, high=2.0):
    """Last year's demand rate over the coming `horizon` days against its
    rate over the `window` days before, clipped to [low, high]; 1 where the
    history is shorter than a year and the horizon
    """
    n, days = y.shape
    if days < YEAR + window:
        return np.ones(n)
    end = days - YEAR
    before = y[:, end - window:end].mean(axis=1)
    ahead = y[:, end:min(end + horizon, days)].mean(axis=1)
    ratio = np.divide(ahead, before, out=np.ones(n), where=before > 0)
    return np.clip(ratio, low, high)


def average_interval(y, window=None):
    "Average demand interval (days per day with demand)"
    recent = y if window is None else y[:, -window:]
    count = (recent > 0).sum(axis=1)
    return np.divide(recent.shape[1], count, out=np.full(len(y), np.inf),
        where=count > 0)


def wape(actual, forecast):
    "Weighted absolute percentage error per series (nan: no actual demand)"
    actual = np.asarray(actual, dtype=float)
    error = np.abs(actual - forecast).sum(axis=-1)
    total = np.abs(actual).sum(axis=-1)
    return np.divide(error, total, out=np.full(error.shape, np.nan),
        where=total > 0)


@dataclass
class Selection:
    method: np.ndarray     # (n,) index into METHODS
    wape: np.ndarray       # (n,) backtest WAPE of the chosen method
    sigma: np.ndarray      # (n,) backtest RMSE per day (for safety stock)
    forecast: np.ndarray   # (n, horizon) daily forecast of the chosen method
    season: np.ndarray     # (n,) yearly factor applied
    intermittent: np.ndarray  # (n,) bool

    def method_names(self):
        return [METHODS[i] for i in self.method]


def _backtest_predictions(train, start_weekday, holdout, intermittent):
    """The prediction of every method over the holdout, computed only for
    the series where a method using it is allowed (zero elsewhere), and
    each smoothing once: the combination reuses the moving average, TSB
    and Holt, SBA is Croston's rate scaled
    """
    n = len(train)

    def on(function, rows):
        result = np.zeros((n, holdout))
        if rows.any():
            result[rows] = function(train[rows], start_weekday, holdout)
        return result
    everyone = np.ones(n, dtype=bool)
    average = on(moving_average, everyone)
    holt = on(holt_weekday, everyone)
    bernoulli = on(tsb, everyone)
    rate = on(croston, intermittent)
    return {
        'moving_average': average,
        'weekday_average': on(weekday_average, ~intermittent),
        'holt_weekday': holt,
        'croston': rate,
        'sba': (1 - CROSTON_ALPHA / 2) * rate,
        'tsb': bernoulli,
        'combination': (average + bernoulli + holt) / 3,
        }


def select_and_forecast(y, start_weekday, horizon, holdout=28):
    """Backtest every candidate on the last `holdout` days, choose per series
    the lowest WAPE (within 1%, the simpler method), then forecast `horizon`
    days from the whole history with the chosen method
    """
    y = np.atleast_2d(np.asarray(y, dtype=float))
    n, days = y.shape
    holdout = min(holdout, max(days // 3, 1))
    train, test = y[:, :-holdout], y[:, -holdout:]
    intermittent = average_interval(y, window=min(days, 91)) \
        >= INTERMITTENT_INTERVAL
    scores = np.full((n, len(METHODS)), np.inf)
    sigmas = np.zeros((n, len(METHODS)))
    predictions = _backtest_predictions(train, start_weekday, holdout,
        intermittent)
    for index, name in enumerate(METHODS):
        allowed = np.where(intermittent, name in INTERMITTENT_METHODS,
            name in SMOOTH_METHODS)
        if not allowed.any():
            continue
        predicted = predictions[name]
        score = wape(test, predicted)
        # no demand in the holdout: judge by the units wrongly forecast
        score = np.where(np.isnan(score),
            np.abs(predicted).sum(axis=1) / holdout, score)
        scores[:, index] = np.where(allowed, score, np.inf)
        sigmas[:, index] = np.sqrt(((test - predicted) ** 2).mean(axis=1))
    # parsimony: the simplest candidate (first in METHODS) within 1% of
    # the best WAPE, since one backtest window cannot tell closer apart
    best = scores.min(axis=1, keepdims=True)
    method = (scores <= best * (1 + TIE) + 1e-12).argmax(axis=1)
    rows = np.arange(n)
    forecast = np.zeros((n, horizon))
    for index, name in enumerate(METHODS):
        chosen = method == index
        if chosen.any():
            forecast[chosen] = FUNCTIONS[name](
                y[chosen], start_weekday, horizon)
    season = yearly_factor(y, horizon)
    actual_total = test.sum(axis=1)
    kept_wape = np.where(actual_total > 0, scores[rows, method], np.nan)
    return Selection(method=method, wape=kept_wape,
        sigma=sigmas[rows, method], forecast=forecast, season=season,
        intermittent=intermittent)
