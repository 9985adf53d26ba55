# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The pure price and promotion engine against tables of cases worked out
by hand."""
import datetime
import unittest
from decimal import Decimal

from trytond.modules.store_ordering import pricing
from trytond.modules.store_ordering.pricing import (
    FlashSale, Line, PriceBreak, Promotion)

D = Decimal
NOON = datetime.datetime(2026, 6, 18, 12, 0)
FLASH = FlashSale(1, product=1, unit_price=D('5.00'),
    start=datetime.datetime(2026, 6, 18, 10), end=datetime.datetime(
        2026, 6, 18, 14))
BREAKS = (PriceBreak(D(1), D('9.00')), PriceBreak(D(10), D('8.50')),
    PriceBreak(D(50), D('8.00')))


class UnitPriceTestCase(unittest.TestCase):
    "Which price a store pays for one product"

    CASES = [
        # (description, quantity, tier, store breaks, flash, at, expected)
        ("list price without tier nor override",
            D(1), None, (), None, None, (D('12.00'), 'list')),
        ("level tier price beats list price",
            D(1), D('10.00'), (), None, None, (D('10.00'), 'tier')),
        ("store override beats tier price",
            D(1), D('10.00'), BREAKS, None, None, (D('9.00'), 'override')),
        ("quantity break 10 reached",
            D(10), D('10.00'), BREAKS, None, None, (D('8.50'), 'override')),
        ("quantity 49 stays on break 10",
            D(49), D('10.00'), BREAKS, None, None, (D('8.50'), 'override')),
        ("quantity break 50",
            D(50), D('10.00'), BREAKS, None, None, (D('8.00'), 'override')),
        ("override from 10 only: tier below it",
            D(3), D('10.00'), (PriceBreak(D(10), D('7.00')),), None, None,
            (D('10.00'), 'tier')),
        ("flash sale in its window",
            D(2), D('10.00'), BREAKS, FLASH, NOON, (D('5.00'), 'flash')),
        ("flash sale not yet open",
            D(2), D('10.00'), BREAKS, FLASH,
            datetime.datetime(2026, 6, 18, 9, 59), (D('9.00'), 'override')),
        ("flash sale closed at its end",
            D(2), D('10.00'), BREAKS, FLASH,
            datetime.datetime(2026, 6, 18, 14), (D('9.00'), 'override')),
        ("flash price above the store's price is ignored",
            D(2), D('4.00'), (), FLASH, NOON, (D('4.00'), 'tier')),
        ]

    def test_cases(self):
        for (name, quantity, tier, breaks, flash, at, expected) in self.CASES:
            with self.subTest(name):
                self.assertEqual(pricing.unit_price(D('12.00'), quantity,
                        tier_price=tier, store_breaks=breaks,
                        flash_sale=flash, at=at), expected)


# An order: 3 × 40.00 of product 1 (category 7), 2 × 25.00 of product 2,
# 1 × 30.00 of product 3 at a flash price: 120 + 50 + 30 = 200.00
LINES = (
    Line(1, D(3), D('40.00'), categories=(7,)),
    Line(2, D(2), D('25.00')),
    Line(3, D(1), D('30.00'), flash=True),
    )
OFF_20_AT_150 = Promotion(1, 'discount', sequence=10, threshold=D(150),
    discount=D(20), name="满150减20")
OFF_10_PER_50 = Promotion(2, 'discount', sequence=20, threshold=D(50),
    discount=D(10), repeat=True, name="每满50减10")
GIFT_AT_100 = Promotion(3, 'gift', sequence=30, threshold=D(100),
    gift_product=9, gift_quantity=D(1), name="满100赠1")
BUY_2_GET_1 = Promotion(4, 'buy_gift', sequence=40, buy_product=1,
    buy_quantity=D(2), gift_product=1, gift_quantity=D(1), repeat=True,
    name="买2赠1")
EXCLUSIVE_30 = Promotion(5, 'discount', sequence=5, exclusive=True,
    threshold=D(300), discount=D(30), name="满300减30 exclusive")
COUPON_15 = Promotion(6, 'discount', sequence=1, threshold=D(0),
    discount=D(15), coupon=60, name="coupon 15")
CATEGORY_7 = Promotion(7, 'discount', sequence=15, threshold=D(100),
    discount=D(12), categories=frozenset({7}), name="category 7: 满100减12")
EXCLUSIVE_LOW = Promotion(8, 'discount', sequence=5, exclusive=True,
    threshold=D(100), discount=D(25), name="满100减25 exclusive")


class PromotionTestCase(unittest.TestCase):
    "Precedence and exclusivity of the promotions on one order"

    CASES = [
        # (description, promotions, coupons,
        #  expected discounts by promotion id, gifts (product, qty), total)
        ("no promotion", [], (), {}, [], D('200.00')),
        # eligible 170 (the flash line is out) reaches 150
        ("spend threshold", [OFF_20_AT_150], (), {1: D(20)}, [],
            D('180.00')),
        # 170 → 3 × 10 once per 50
        ("repeat per threshold", [OFF_10_PER_50], (), {2: D(30)}, [],
            D('170.00')),
        # 150-threshold first: 170-20 = 150 → 3 × 10
        ("stacked: second threshold on the reduced amount",
            [OFF_10_PER_50, OFF_20_AT_150], (), {1: D(20), 2: D(30)}, [],
            D('150.00')),
        ("gift on spend", [GIFT_AT_100], (), {}, [(9, D(1))], D('200.00')),
        # 3 of product 1 → one gift (2 per gift)
        ("buy 2 get 1", [BUY_2_GET_1], (), {}, [(1, D(1))], D('200.00')),
        # exclusive at 300 not reached: the others apply
        ("exclusive not reached",
            [EXCLUSIVE_30, OFF_20_AT_150, GIFT_AT_100], (), {1: D(20)},
            [(9, D(1))], D('180.00')),
        # exclusive reached first: it alone applies
        ("exclusive reached applies alone",
            [EXCLUSIVE_LOW, OFF_20_AT_150, GIFT_AT_100], (), {8: D(25)},
            [], D('175.00')),
        # a coupon promotion with precedence 1 applies before the exclusive
        # one, which is then skipped
        ("coupon before an exclusive promotion",
            [COUPON_15, EXCLUSIVE_LOW, OFF_20_AT_150], (60,),
            {6: D(15), 1: D(20)}, [], D('165.00')),
        ("coupon not given", [COUPON_15], (61,), {}, [], D('200.00')),
        # category 7: only product 1's 120.00 counts
        ("category restricted", [CATEGORY_7], (), {7: D(12)}, [],
            D('188.00')),
        # category restricted after a 20 off spread from the first line:
        # product 1 has 120 - 20 = 100 left, still reaches 100
        ("category after a discount", [OFF_20_AT_150, CATEGORY_7], (),
            {1: D(20), 7: D(12)}, [], D('168.00')),
        ]

    def test_cases(self):
        for name, promotions, coupons, discounts, gifts, total in self.CASES:
            with self.subTest(name):
                outcome = pricing.apply_promotions(LINES, promotions, coupons)
                self.assertEqual(
                    {p.id: a for p, a in outcome.discounts}, discounts)
                self.assertEqual(
                    [(product, qty) for _, product, qty in outcome.gifts],
                    gifts)
                self.assertEqual(pricing.order_total(LINES, outcome), total)

    def test_discount_never_below_zero(self):
        "A discount larger than the order takes it to zero, not below"
        lines = (Line(1, D(1), D('8.00')),)
        big = Promotion(1, 'discount', threshold=D(0), discount=D(50))
        outcome = pricing.apply_promotions(lines, [big])
        self.assertEqual(outcome.discount_total, D('8.00'))
        self.assertEqual(pricing.order_total(lines, outcome), D('0.00'))

    def test_same_result_whatever_the_order_of_declaration(self):
        "Precedence is the declared sequence, not the list order"
        forward = pricing.apply_promotions(
            LINES, [OFF_20_AT_150, OFF_10_PER_50, GIFT_AT_100])
        backward = pricing.apply_promotions(
            LINES, [GIFT_AT_100, OFF_10_PER_50, OFF_20_AT_150])
        self.assertEqual(forward.applied, backward.applied)
        self.assertEqual(forward.applied, [1, 2, 3])


class FlashAllowanceTestCase(unittest.TestCase):
    "How many flash sale units a store may still buy"

    CASES = [
        # (total, sold, per-store limit, store bought, quantity, allowed)
        (100, 0, 0, 0, 100, True),
        (100, 99, 0, 0, 1, True),
        (100, 99, 0, 0, 2, False),
        (100, 100, 0, 0, 1, False),
        (100, 10, 5, 3, 2, True),
        (100, 10, 5, 3, 3, False),
        (100, 10, 5, 0, 0, False),
        ]

    def test_cases(self):
        for total, sold, limit, bought, quantity, allowed in self.CASES:
            with self.subTest(total=total, sold=sold, limit=limit,
                    bought=bought, quantity=quantity):
                self.assertEqual(pricing.flash_allowance(
                        total, sold, limit, bought, quantity), allowed)
