# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Forecast accuracy of purchase_suggest on the real Online Retail data.

Fit on 2010-12-01 .. 2011-05-31, forecast 2011-06-01 .. 2011-08-30
(13 weeks), scored weekly per stock code: WAPE = sum |actual - forecast| /
sum actual over all codes and weeks.  Ours: the history cleaning and the
per-series method chosen by backtest (purchase_suggest.forecast); anchors
measured in the same run: seasonal naive (the last week repeated) and the
28-day moving average.  Sales are the positive lines of non-cancelled
invoices; non-product codes (postage, fees, ...) are left out.

    .venv/bin/python -m bench.purchase_suggest_accuracy
"""
import csv
import datetime
import gzip
import sys
import time

import numpy as np

from trytond.modules.ecom_base.demo.dataset import (
    datasets_dir, is_product_code)
from trytond.modules.purchase_suggest import forecast, history

from .common import report

DATA = (datasets_dir() / 'online_retail'
    / 'online_retail_public_2010-12-01_2011-08-31.csv.gz')
START = datetime.date(2010, 12, 1)
FIT_END = datetime.date(2011, 5, 31)
WEEKS = 13


def load(path=DATA):
    "Daily quantities sold per stock code, (codes, days) from START"
    days = (START.replace(year=2011, month=9) - START).days
    index, rows = {}, []
    with gzip.open(path, 'rt', encoding='utf-8', newline='') as file:
        for row in csv.DictReader(file):
            code = row['StockCode'].strip()
            if (row['InvoiceNo'].startswith(('C', 'A'))
                    or not is_product_code(code)):
                continue
            quantity = float(row['Quantity'])
            if quantity <= 0:
                continue
            day = (datetime.date.fromisoformat(row['InvoiceDate'][:10])
                - START).days
            rows.append((index.setdefault(code, len(index)), day, quantity))
    sales = np.zeros((len(index), days))
    series, day, quantity = map(np.array, zip(*rows))
    np.add.at(sales, (series, day), quantity)
    return sales


def weekly(daily):
    return daily[:, :WEEKS * 7].reshape(len(daily), WEEKS, 7).sum(axis=2)


def pooled_wape(actual, predicted):
    return float(np.abs(actual - predicted).sum() / actual.sum())


def main():
    if not DATA.exists():
        print(f"skipped: {DATA} is absent")
        return 0
    sales = load()
    fit_days = (FIT_END - START).days + 1
    fit, future = sales[:, :fit_days], sales[:, fit_days:]
    # the codes sold in the fit window and in the scored one
    keep = (fit.sum(axis=1) > 0) & (future[:, :WEEKS * 7].sum(axis=1) > 0)
    fit, future = fit[keep], future[keep]
    actual = weekly(future)
    horizon = WEEKS * 7
    weekday = START.weekday()

    began = time.process_time()
    clean = history.clean_history(fit, weekday)
    selection = forecast.select_and_forecast(clean.demand, weekday, horizon)
    ours = weekly(selection.forecast * selection.season[:, None])
    ours_cpu = time.process_time() - began
    naive = weekly(forecast.seasonal_naive(fit, weekday, horizon))
    average = weekly(forecast.moving_average(fit, weekday, horizon,
        window=28))

    ours_wape = pooled_wape(actual, ours)
    naive_wape = pooled_wape(actual, naive)
    methods = dict(zip(*np.unique(selection.method_names(),
                return_counts=True)))
    report("purchase_suggest: forecast accuracy, Online Retail "
        "(fit 2010-12..2011-05, 13 weeks Jun-Aug 2011, weekly per code)", [
            ("WAPE vs seasonal naive", ours_wape, naive_wape, 'WAPE',
                '>= 15% lower than seasonal naive'),
            ("WAPE vs 28-day moving average", ours_wape,
                pooled_wape(actual, average), 'WAPE', 'lower'),
            ("CPU seconds, clean + choose + forecast", ours_cpu, None, 's',
                '-'),
            ], notes=[
            f"{len(fit):,} stock codes, "
            f"{actual.sum():,.0f} units sold in the scored weeks",
            f"our WAPE is {100 * (1 - ours_wape / naive_wape):.1f}% lower "
            "than seasonal naive",
            "methods chosen: " + ", ".join(
                f"{k} {v:,}" for k, v in sorted(methods.items())),
            ])
    return 0


if __name__ == '__main__':
    sys.exit(main())
