# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Allocation and pull-window arithmetic, without a database"""
import datetime
import random
import unittest
from decimal import Decimal

from trytond.modules.ecom_connector import allocation, pulling
from trytond.modules.ecom_connector.allocation import Rule

UTC = datetime.timezone.utc
T = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
minutes = lambda m: datetime.timedelta(minutes=m)  # noqa: E731


class AllocationTestCase(unittest.TestCase):

    def test_available(self):
        "available = on hand - reserved - pending - buffer, floored at 0"
        for on_hand, reserved, pending, buffer, expected in [
                (10, 0, 0, 0, 10),
                (10, 3, 2, 1, 4),
                (10, 8, 3, 0, 0),        # never negative
                (Decimal('7.5'), 0, 0, 0, 7),   # whole units only
                (5, 0, 0, 5, 0),
                ]:
            with self.subTest(on_hand=on_hand, reserved=reserved):
                self.assertEqual(allocation.available(
                        on_hand, reserved, pending, buffer), expected)

    def test_allocate_table(self):
        "a table of rules computed by hand"
        p = lambda pct, **kw: Rule('percentage', Decimal(pct), **kw)  # noqa
        cases = [
            # (available, rules, expected)
            (10, {'a': p(100)}, {'a': 10}),
            (10, {'a': p(33)}, {'a': 3}),           # 3.3 rounded down
            (9, {'a': p(50), 'b': p(50)}, {'a': 4, 'b': 4}),  # never 9+
            (1, {'a': p(100), 'b': p(100), 'c': p(100)},
                {'a': 1, 'b': 1, 'c': 1}),
            (10, {'a': p(100, maximum=6)}, {'a': 6}),
            (3, {'a': p(100, zero_threshold=3)}, {'a': 0}),   # zero-out
            (4, {'a': p(100, zero_threshold=3)}, {'a': 4}),
            (10, {'a': Rule('fixed', quantity=4)}, {'a': 4}),
            (2, {'a': Rule('fixed', quantity=4)}, {'a': 2}),
            (10, {'x': Rule('exclusive', quantity=6), 'a': p(50)},
                {'x': 6, 'a': 2}),                # a shares 4, gets half
            (5, {'x': Rule('exclusive', quantity=6), 'a': p(100)},
                {'x': 5, 'a': 0}),
            (10, {'x': Rule('exclusive', quantity=3),
                    'y': Rule('exclusive', quantity=3),
                    'a': Rule('fixed', quantity=10)},
                {'x': 3, 'y': 3, 'a': 4}),
            (0, {'a': p(100), 'b': Rule('fixed', quantity=2)},
                {'a': 0, 'b': 0}),
            ]
        for quantity, rules, expected in cases:
            with self.subTest(quantity=quantity, rules=rules):
                self.assertEqual(
                    allocation.allocate(quantity, rules), expected)

    def test_unknown_mode(self):
        with self.assertRaises(ValueError):
            allocation.allocate(1, {'a': Rule('magic')})

    def test_diff(self):
        self.assertEqual(
            allocation.diff({1: 5, 2: 3, 3: 0}, {1: 5, 2: 4}),
            {2: (4, 3), 3: (None, 0)})

    def test_batches(self):
        self.assertEqual(list(allocation.batches(range(5), 2)),
            [[0, 1], [2, 3], [4]])


class PullingTestCase(unittest.TestCase):

    def test_windows_overlap_and_limit(self):
        "windows overlap by 3 min, never exceed 30 min, stop at now - lag"
        result = pulling.windows(T, T + minutes(60), minutes(30),
            minutes(3), minutes(3))
        self.assertEqual(result, [
                (T - minutes(3), T + minutes(27)),
                (T + minutes(24), T + minutes(54)),
                (T + minutes(51), T + minutes(57)),
                ])
        for start, end in result:
            self.assertLessEqual(end - start, minutes(30))

    def test_window_boundary_second_read_twice(self):
        "an order modified at the end of a window is in the next one"
        result = pulling.windows(T, T + minutes(60), minutes(30),
            minutes(3), minutes(3))
        boundary = result[0][1]
        first_start, first_end = result[0]
        self.assertFalse(first_start <= boundary < first_end)
        self.assertTrue(any(s <= boundary < e for s, e in result[1:]))

    def test_windows_up_to_date(self):
        self.assertEqual(pulling.windows(T, T + minutes(2), minutes(30),
                minutes(3), minutes(3)), [])

    def test_first_pull(self):
        result = pulling.windows(None, T, minutes(60 * 24), minutes(0),
            minutes(0), first_pull=datetime.timedelta(days=2))
        self.assertEqual(result, [
                (T - datetime.timedelta(days=2), T - datetime.timedelta(1)),
                (T - datetime.timedelta(days=1), T)])

    def test_backoff(self):
        self.assertEqual([pulling.backoff(a) for a in range(1, 9)],
            [1, 2, 4, 8, 16, 32, 60, 60])
        self.assertEqual(pulling.backoff(1, retry_after=30), 30)
        delay = pulling.backoff(3, jitter=random.Random(1))
        self.assertTrue(4 <= delay <= 5)

    def test_day_bounds(self):
        shanghai = datetime.timezone(datetime.timedelta(hours=8))
        start, end = pulling.day_bounds(datetime.date(2026, 3, 1), shanghai)
        self.assertEqual(start.astimezone(UTC),
            datetime.datetime(2026, 2, 28, 16, tzinfo=UTC))
        self.assertEqual(end - start, datetime.timedelta(days=1))
