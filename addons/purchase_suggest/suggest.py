# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""From daily sales to suggested quantities, for many series at once.

This module glues the pure steps (history cleaning, method choice and
forecast, promotion uplift, safety stock, rounding) and returns every term
the suggestion lines show, so that a line can be checked by hand.
"""
import os
import pickle

import numpy as np

from . import forecast, history, quantity, safety

PROMOTION_PRIOR_DAYS = 7


def _per_series(value, n):
    return np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()


def compute_lines(sales, start_weekday, lead_time, lead_time_sigma,
        review_period, service_level, on_hand, incoming, reserved,
        minimum=0, multiple=0, promotion=None, stock_zero=None,
        planned_uplift=None, longest=None):
    """Every term of the suggestion of each series.

    sales: (n, T) daily quantities sold (returns negative), day T-1 being
    yesterday; lead_time / lead_time_sigma in days per series;
    planned_uplift: (n, days) planned promotion uplift per future day from
    today (0 where none).  Returns a dict of arrays of length n.
    """
    sales = np.atleast_2d(np.asarray(sales, dtype=float))
    n = len(sales)
    lead_time = _per_series(lead_time, n)
    lead_time_sigma = _per_series(lead_time_sigma, n)
    horizon = np.ceil(lead_time + review_period - 1e-9).astype(int)
    if longest is None:
        longest = int(horizon.max()) if n else 0
    clean = history.clean_history(sales, start_weekday,
        promotion=promotion, stock_zero=stock_zero)
    selection = forecast.select_and_forecast(
        clean.demand, start_weekday, longest)
    within = np.arange(longest)[None, :] < horizon[:, None]
    daily = selection.forecast * selection.season[:, None] * within
    baseline = (selection.forecast * within).sum(axis=1)
    expected = daily.sum(axis=1)

    planned = np.zeros((n, longest))
    if planned_uplift is not None:
        given = np.atleast_2d(np.asarray(planned_uplift, dtype=float))
        width = min(given.shape[1], longest)
        planned[:, :width] = given[:, :width]
    promoted = (planned != 0) & within
    applied = np.where(promoted, history.blend_uplift(
            clean.uplift[:, None], clean.promotion_days[:, None], planned,
            PROMOTION_PRIOR_DAYS), 0)
    promotion_units = (daily * applied).sum(axis=1)
    promoted_days = promoted.sum(axis=1)
    uplift = np.divide(applied.sum(axis=1), promoted_days,
        out=np.zeros(n), where=promoted_days > 0)
    demand = expected + promotion_units

    daily_mean = np.divide(expected, horizon, out=np.zeros(n),
        where=horizon > 0)
    safety_stock = safety.safety_stock(service_level, daily_mean,
        selection.sigma, lead_time, lead_time_sigma, review_period)
    need = quantity.need(demand, safety_stock, on_hand, incoming, reserved)
    suggested = quantity.round_quantity(need, minimum, multiple)
    return {
        'horizon': horizon,
        'method': np.array(selection.method_names()),
        'wape': selection.wape,
        'intermittent': selection.intermittent,
        'baseline': baseline,
        'season_factor': selection.season,
        'learned_uplift': clean.uplift,
        'promotion_days': clean.promotion_days,
        'uplift': uplift,
        'promotion_units': promotion_units,
        'demand': demand,
        'daily_mean': daily_mean,
        'sigma': selection.sigma,
        'safety_stock': safety_stock,
        'need': need,
        'quantity': suggested,
        'rounding': np.where(suggested > 0, suggested - need, 0),
        'stockout_days': clean.stockout.sum(axis=1),
        'capped_days': clean.capped.sum(axis=1),
        'returns': clean.returns,
        }


SERIES_ARGUMENTS = ('lead_time', 'lead_time_sigma', 'on_hand', 'incoming',
    'reserved', 'minimum', 'multiple', 'promotion', 'stock_zero',
    'planned_uplift')


def compute_lines_by_block(sales, start_weekday, review_period, block=2048,
        processes=1, **arguments):
    """compute_lines over blocks of `block` series, concatenated: the same
    figures (every term is per series; the days forecast are the longest
    horizon of all the series), in arrays small enough for the processor's
    cache instead of temporaries of (n, T) for all the series at once;
    with processes > 1 the blocks are shared among that many processes
    (forked: POSIX only)
    """
    sales = np.atleast_2d(np.asarray(sales, dtype=float))
    n = len(sales)
    for name in SERIES_ARGUMENTS:
        value = arguments.get(name)
        if value is not None and name not in {
                'promotion', 'stock_zero', 'planned_uplift'}:
            arguments[name] = _per_series(value, n)
    horizon = np.ceil(arguments['lead_time'] + review_period - 1e-9)
    longest = int(horizon.max()) if n else 0

    def compute(first, last):
        parts = []
        for start in range(first, max(last, first + 1), block):
            part = slice(start, min(start + block, last))
            parts.append(compute_lines(sales[part], start_weekday,
                    review_period=review_period, longest=longest, **{
                        name: (value[part] if name in SERIES_ARGUMENTS
                            and value is not None else value)
                        for name, value in arguments.items()}))
        return {name: np.concatenate([p[name] for p in parts])
            for name in parts[0]}
    if processes <= 1 or n < 2 * block or not hasattr(os, 'fork'):
        return compute(0, n)
    return _in_processes(compute, n, processes)


def _in_processes(compute, n, processes):
    """compute(first, last) of parts of the n series in forked processes
    (the last part in this one), concatenated in order: the children
    inherit the arrays, compute with NumPy only and send their result
    through a pipe
    """
    bounds = np.linspace(0, n, processes + 1).astype(int).tolist()
    children = []
    for first, last in zip(bounds[:-2], bounds[1:-1]):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: compute, send, leave at once
            status = 1
            try:
                os.close(read)
                with os.fdopen(write, 'wb') as pipe:
                    pickle.dump(compute(first, last), pipe,
                        protocol=pickle.HIGHEST_PROTOCOL)
                status = 0
            finally:
                # no cleanup of the parent's resources (connections ...)
                os._exit(status)
        os.close(write)
        children.append((pid, read))
    own = compute(bounds[-2], bounds[-1])
    results = []
    for pid, read in children:
        with os.fdopen(read, 'rb') as pipe:
            try:
                results.append(pickle.load(pipe))
            except EOFError:
                results.append(None)
        _, status = os.waitpid(pid, 0)
        if status or results[-1] is None:
            raise RuntimeError("a forecasting process failed")
    results.append(own)
    return {name: np.concatenate([r[name] for r in results])
        for name in own}
