# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Price list lines as pure rules: the line chosen and its formula, against
cases worked out by hand (the database test in test_module compares them
with Tryton's own price list computation)."""
import unittest
from decimal import Decimal

from trytond.modules.store_ordering.price_rules import (
    Rule, ancestors, evaluate, first_rule)

D = Decimal
# the lines of a price list, in their order
RULES = (
    Rule("Decimal('7.50')", product=5),
    Rule("unit_price * Decimal('0.8')", category=2, quantity=10),
    Rule("unit_price * Decimal('0.9')", category=2),
    Rule("list_price - Decimal('1')", quantity=100),
    Rule("unit_price"),
    )


class PriceRulesTestCase(unittest.TestCase):

    def test_ancestors(self):
        parent_of = {1: None, 2: 1, 3: 2, 4: None}
        self.assertEqual(ancestors([3, 4], parent_of), [3, 2, 1, 4])
        self.assertEqual(ancestors([], parent_of), [])

    def test_first_rule(self):
        CASES = [
            # (product, categories with parents, quantity, rule index)
            (5, [2], 50, 0),  # the product's own line comes first
            (6, [3, 2, 1], 10, 1),  # quantity break reached, via parent
            (6, [3, 2, 1], 9.99, 2),  # quantity break not reached
            (6, [2], -12, 1),  # a return's quantity counts as its size
            (7, [4], 100, 3),  # another category, big quantity
            (7, [4], 1, 4),  # the catch-all line
            ]
        for product, categories, quantity, index in CASES:
            with self.subTest(product=product, quantity=quantity):
                self.assertIs(first_rule(
                        RULES, product, categories, quantity), RULES[index])
        self.assertIsNone(first_rule(RULES[:3], 7, [4], 1))

    def test_evaluate(self):
        self.assertEqual(evaluate(RULES[1].formula, D('12.34'), D(0),
                D('12.34')), D('9.8720'))
        # rounded to the price digits (4): 1/3 of 10
        self.assertEqual(evaluate("unit_price / 3", D(10), D(0), D(10)),
            D('3.3333'))
        self.assertEqual(evaluate("cost_price * 2", None, D('1.5'), D(9)),
            D('3.0000'))
        # no unit price (the price list has no base price): no price
        self.assertIsNone(evaluate("unit_price * 2", None, D(0), D(9)))
        with self.assertRaises(ValueError):
            evaluate("'1'", D(1), D(1), D(1))  # a text, not a Decimal
        with self.assertRaises(Exception):
            evaluate("unknown * 2", D(1), D(1), D(1))
