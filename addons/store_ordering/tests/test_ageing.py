# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Ageing buckets of receivables, worked out by hand on the calendar."""
import datetime
import unittest

from trytond.modules.store_ordering.ageing import bucket, limits

day = datetime.date


class AgeingTestCase(unittest.TestCase):
    "Ageing buckets"

    def test_bucket(self):
        "Days past maturity on 2026-06-30 give the bucket"
        on = day(2026, 6, 30)
        for maturity, expected in [
                (day(2026, 7, 15), 'not_due'),
                (day(2026, 6, 30), 'not_due'),  # due today
                (day(2026, 6, 29), 'days_1_30'),  # 1 day late
                (day(2026, 5, 31), 'days_1_30'),  # 30 days
                (day(2026, 5, 30), 'days_31_60'),  # 31 days
                (day(2026, 5, 1), 'days_31_60'),  # 60 days
                (day(2026, 4, 30), 'days_61_90'),  # 61 days
                (day(2026, 4, 1), 'days_61_90'),  # 90 days
                (day(2026, 3, 31), 'days_over_90'),  # 91 days
                (day(2025, 1, 1), 'days_over_90'),
                ]:
            with self.subTest(maturity=maturity):
                self.assertEqual(bucket(maturity, on), expected)

    def test_limits(self):
        "The date ranges of the buckets on 2026-06-30"
        self.assertEqual(limits(day(2026, 6, 30)), {
                'not_due': (day(2026, 6, 30), None),
                'days_1_30': (day(2026, 5, 31), day(2026, 6, 29)),
                'days_31_60': (day(2026, 5, 1), day(2026, 5, 30)),
                'days_61_90': (day(2026, 4, 1), day(2026, 4, 30)),
                'days_over_90': (None, day(2026, 3, 31)),
                })

    def test_limits_agree_with_bucket(self):
        "Every day of a year falls in the range of its own bucket"
        on = day(2026, 6, 30)
        ranges = limits(on)
        for offset in range(-20, 400):
            maturity = on - datetime.timedelta(days=offset)
            inside = [name for name, (low, high) in ranges.items()
                if (low is None or maturity >= low)
                and (high is None or maturity <= high)]
            self.assertEqual(inside, [bucket(maturity, on)])
