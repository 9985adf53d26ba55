# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Ageing of receivables: pure computation, no ORM.

An open receivable line falls in a bucket by how many days past its
maturity date (its date when it has none) it is on the reporting date:
not yet due, 1-30, 31-60, 61-90 and over 90 days overdue.
"""
import datetime

#: (bucket, first day overdue) in order; the last bucket is open-ended
BUCKETS = (
    ('not_due', None),
    ('days_1_30', 1),
    ('days_31_60', 31),
    ('days_61_90', 61),
    ('days_over_90', 91),
    )


def bucket(maturity, date):
    "The bucket of a line maturing on maturity, on the reporting date"
    overdue = (date - maturity).days
    name = BUCKETS[0][0]
    for candidate, first in BUCKETS[1:]:
        if overdue >= first:
            name = candidate
    return name


def limits(date):
    """{bucket: (earliest maturity, latest maturity)} on date, None for an
    open end: the date ranges the SQL view compares maturity dates to"""
    result = {}
    names = [n for n, _ in BUCKETS]
    firsts = [f for _, f in BUCKETS]
    for i, name in enumerate(names):
        first = firsts[i]
        latest = (date - datetime.timedelta(days=first)
            if first is not None else None)
        if i + 1 < len(names):
            earliest = date - datetime.timedelta(days=firsts[i + 1] - 1)
        else:
            earliest = None
        if first is None:
            # not due: maturing today or later
            earliest, latest = date, None
        result[name] = (earliest, latest)
    return result
