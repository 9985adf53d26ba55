# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Replay of replenishment policies on the real Online Retail sales.

    .venv/bin/python -m bench.purchase_suggest_replay

Each stock code is a SKU whose true daily demand is its sales in the data.
The world is the same for every policy (../shared/reference/forecasting.md,
section 4): start stock = 1.2 x mean daily demand of the 90 days before x
(lead time + review), empty pipeline, weekly review on Mondays, lead time
drawn per order as 7 +- 2 days with one seed per (SKU, review) whatever the
policy orders (common random numbers), day order receive -> demand ->
review -> order, unmet demand lost.  A policy sees only the sales it made
(censored by its own stockouts), never the true demand.  Replayed
2011-03-07 .. 2011-08-28 (25 weeks, the first 4 discarded as warm-up).

Policies:
- order point (Tryton stock_supply's min / target, typed once): order up to
  target = d90 x (L + R) + d90 x L when the position falls below
  min = d90 x L, d90 the mean of the 90 days before the replay;
- moving average (Odoo's Suggest): every review, order d28 x (L + R) -
  position, d28 the mean of the last 28 days of sales;
- ours: every review, purchase_suggest.suggest.compute_lines on the sales
  so far (cleaning, method by backtest, safety stock for a 95% cycle
  service level with the lead-time deviation), i.e. the suggested quantity.

Each policy's knob is swept (order point min/target x k, moving-average
cover x k, our cycle service level) and the policies are compared at equal
fill rate: the average stock each needs for the fill rate ours reaches at
95% cycle service level, interpolated on its curve.
"""
import datetime
import sys

import numpy as np

from trytond.modules.purchase_suggest.suggest import compute_lines

from .common import report
from .purchase_suggest_accuracy import DATA, START, load

REPLAY_START = datetime.date(2011, 3, 7)   # a Monday
WEEKS = 25
WARM_UP = 28
LEAD, LEAD_SIGMA, REVIEW = 7, 2, 7
SEED = 42


def replay(policy, demand, first, lead_times):
    "Run one policy; returns the metrics"
    n, _ = demand.shape
    days = WEEKS * 7
    d90 = demand[:, first - 90:first].mean(axis=1)
    on_hand = np.ceil(1.2 * d90 * (LEAD + REVIEW))
    pipeline = np.zeros((n, days + 40))
    sales = demand[:, :first].copy()   # what the policy may see
    sold = lost = stock_days = inventory = lines = 0.
    for t in range(days):
        day = first + t
        on_hand += pipeline[:, t]
        want = demand[:, day]
        served = np.minimum(want, on_hand)
        on_hand -= served
        sales = np.concatenate([sales, served[:, None]], axis=1)
        if t >= WARM_UP:
            sold += served.sum()
            lost += (want - served).sum()
            stock_days += (want > served).sum()
            inventory += on_hand.sum()
        if t % 7 == 6:   # review at the end of each Sunday
            position = on_hand + pipeline[:, t + 1:].sum(axis=1)
            quantity = np.ceil(np.maximum(
                    policy(sales, position, d90), 0))
            week = t // 7
            arrival = t + lead_times[:, week]
            ordered = quantity > 0
            pipeline[ordered, arrival[ordered]] += quantity[ordered]
            if t >= WARM_UP:
                lines += ordered.sum()
    scored = days - WARM_UP
    return {
        'fill': sold / (sold + lost),
        'lost': lost,
        'stockout_days': stock_days,
        'inventory': inventory / scored,
        'lines': lines,
        }


def order_point(k):
    "Order points typed once, min and target scaled by k"
    def policy(sales, position, d90):
        minimum = k * d90 * LEAD
        target = k * d90 * (LEAD + REVIEW) + minimum
        return np.where(position < minimum, target - position, 0)
    return policy


def moving_average(k):
    "k x the last 28 days' mean over lead time + review, less the position"
    def policy(sales, position, d90):
        return k * sales[:, -28:].mean(axis=1) * (LEAD + REVIEW) - position
    return policy


def ours(service_level):
    def policy(sales, position, d90):
        history = sales[:, -182:]
        result = compute_lines(history,
            (START.weekday() + sales.shape[1] - history.shape[1]) % 7,
            lead_time=LEAD, lead_time_sigma=LEAD_SIGMA,
            review_period=REVIEW, service_level=service_level,
            on_hand=position, incoming=0, reserved=0)
        return result['quantity']
    return policy


def stock_at(curve, fill):
    "Average stock a policy needs for a fill rate, interpolated linearly"
    points = sorted((r['fill'], r['inventory']) for r in curve)
    fills, stocks = zip(*points)
    if not fills[0] <= fill <= fills[-1]:
        return None
    return float(np.interp(fill, fills, stocks))


def main():
    if not DATA.exists():
        print(f"skipped: {DATA} is absent")
        return 0
    demand = load()
    first = (REPLAY_START - START).days
    end = first + WEEKS * 7
    active = demand[:, first - 90:first].sum(axis=1) > 0
    demand = demand[active][:, :end]
    rng = np.random.default_rng(SEED)
    lead_times = np.clip(np.rint(rng.normal(LEAD, LEAD_SIGMA,
                (len(demand), WEEKS))), 1, 14).astype(int)
    curves = {
        'order point': [replay(order_point(k), demand, first, lead_times)
            for k in (1, 2, 3, 4)],
        'moving average': [replay(moving_average(k), demand, first,
                lead_times) for k in (1, 1.5, 2, 3)],
        'ours': [replay(ours(level), demand, first, lead_times)
            for level in (0.8, 0.95, 0.99)],
        }
    mine = curves['ours'][1]   # 95% cycle service level
    rows = []
    for anchor in ('order point', 'moving average'):
        rows.append((f"stock for our fill rate ({mine['fill']:.3f}) vs "
                f"{anchor}", mine['inventory'],
                stock_at(curves[anchor], mine['fill']), 'units',
                'less at equal fill rate'))
    notes = []
    for name, curve in curves.items():
        for result in curve:
            notes.append(f"{name:15} fill {result['fill']:.3f}, average "
                f"stock {result['inventory']:,.0f}, stockout SKU-days "
                f"{int(result['stockout_days']):,}, lost "
                f"{int(result['lost']):,}, purchase lines "
                f"{int(result['lines']):,}")
    report(f"purchase_suggest: replay on Online Retail, {len(demand):,} "
        f"SKUs, {REPLAY_START} + {WEEKS} weeks (lost sales, L = 7 +- 2, "
        "weekly review)", rows, notes=notes + [
            "order point k = 1, 2, 3, 4; moving average cover x 1, 1.5, 2, "
            "3; ours cycle service level 0.80, 0.95, 0.99",
            "'-' as anchor: the anchor's curve does not reach that fill"])
    return 0


if __name__ == '__main__':
    sys.exit(main())
