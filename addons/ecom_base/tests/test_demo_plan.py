# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The demo plan, computed without a database."""
import datetime
import unittest
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

from stdnum import ean

from trytond.modules.ecom_base.demo import dataset
from trytond.modules.ecom_base.demo.plan import (
    GBP_TO_CNY, make_plan, sizes)

END = datetime.date(2026, 3, 31)


def available():
    try:
        next(dataset.read_lines(start=datetime.date(2011, 8, 1)))
    except dataset.DatasetMissing as missing:
        return str(missing)


@unittest.skipIf(available(), f"Online Retail data not found: {available()}")
class DemoPlanTestCase(unittest.TestCase):
    "The plan is real, deterministic and consistent"

    @classmethod
    def setUpClass(cls):
        cls.plan = make_plan(seed=7, scale=1, end_date=END)

    def test_deterministic(self):
        "The same seed, scale and end date give the same plan"
        again = make_plan(seed=7, scale=1, end_date=END)
        self.assertEqual(again.products, self.plan.products)
        self.assertEqual(again.product_suppliers, self.plan.product_suppliers)
        self.assertEqual(again.moves, self.plan.moves)
        other = make_plan(seed=8, scale=1, end_date=END)
        self.assertNotEqual(
            [p.cost_price for p in other.products],
            [p.cost_price for p in self.plan.products])

    def test_sizes(self):
        "A scale gives its number of products, suppliers and customers"
        size = sizes(1)
        self.assertEqual(len(self.plan.products), size['products'])
        self.assertEqual(len(self.plan.suppliers), size['suppliers'])
        self.assertEqual(len(self.plan.customers), size['customers'])
        self.assertEqual(sizes(5)['products'], 200)

    def test_real_catalogue(self):
        "Products are real stock codes with their most used description"
        codes = {p.code for p in self.plan.products}
        descriptions = defaultdict(Counter)
        prices = defaultdict(Counter)
        window = self.plan.start_date - self.plan.shift, END - self.plan.shift
        for line in dataset.read_lines(*window, codes=codes):
            if (line.quantity > 0 and line.unit_price > 0
                    and not line.cancellation):
                descriptions[line.code][line.description] += 1
                prices[line.code][line.unit_price] += 1
        for product in self.plan.products:
            with self.subTest(code=product.code):
                self.assertIn(product.code, descriptions)
                self.assertTrue(dataset.is_product_code(product.code))
                price = prices[product.code].most_common(1)[0][0]
                self.assertEqual(product.list_price, (price * GBP_TO_CNY)
                    .quantize(Decimal('0.01'), rounding=ROUND_HALF_UP))
                self.assertTrue(ean.is_valid(product.barcode))
                self.assertLess(product.cost_price, product.list_price)
        self.assertEqual(len({p.barcode for p in self.plan.products}),
            len(self.plan.products))

    def test_supplier_terms(self):
        "Each product has suppliers; minimums are whole packs"
        supplied = Counter(t.product for t in self.plan.product_suppliers)
        for product in self.plan.products:
            with self.subTest(code=product.code):
                self.assertGreaterEqual(supplied[product.code], 1)
        for term in self.plan.product_suppliers:
            self.assertEqual(term.quantity_minimal % term.quantity_rounding, 0)
            self.assertGreater(term.lead_time, 0)

    def test_history_is_a_year_of_real_sales(self):
        "A year ending on the end date; every sale is a real invoice line"
        self.assertEqual((END - self.plan.start_date).days, 364)
        sales = [m for m in self.plan.moves if m.kind == 'sale']
        self.assertTrue(sales)
        self.assertLessEqual(max(m.date for m in self.plan.moves), END)
        self.assertGreaterEqual(
            min(m.date for m in self.plan.moves), self.plan.start_date)
        # The shop never traded on Saturdays: the shift kept the weekdays.
        self.assertNotIn(5, {m.date.weekday() for m in sales})
        real = Counter()
        codes = {p.code for p in self.plan.products}
        for line in dataset.read_lines(
                start=self.plan.start_date - self.plan.shift,
                end=END - self.plan.shift, codes=codes):
            # demand: positive lines but credit notes and found stock
            if (line.quantity > 0 and not line.cancellation
                    and (line.customer or line.unit_price)):
                real[line.code] += line.quantity
        sold = Counter()
        for move in sales:
            sold[move.product] += move.quantity
        # What was sold plus what stockouts lost is the real demand.
        self.assertEqual(sum(sold.values()) + self.plan.lost_units,
            sum(real.values()))

    def test_stock_never_negative(self):
        "The replay never ships what the warehouse does not hold"
        sign = {'receipt': 1, 'return': 1, 'found': 1, 'sale': -1,
            'lost': -1}
        stock = Counter(self.plan.opening)
        by_day = sorted(self.plan.moves,
            key=lambda m: (m.date, m.kind != 'receipt'))
        lowest = 0
        for move in by_day:
            key = (move.product, move.warehouse)
            stock[key] += sign[move.kind] * move.quantity
            lowest = min(lowest, stock[key])
        self.assertEqual(lowest, 0)
        self.assertGreater(self.plan.lost_units, 0)
