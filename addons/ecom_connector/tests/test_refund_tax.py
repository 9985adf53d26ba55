# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Refund plans and tax-included prices (pure, no database)"""
import datetime
import unittest
from decimal import Decimal as D

from trytond.modules.ecom_connector import refunds, taxes
from trytond.modules.ecom_connector.adapters.base import (
    UTC, Address, Order, OrderLine, OrderStatus, Refund)

NOW = datetime.datetime(2026, 3, 1, tzinfo=UTC)


def order(status=OrderStatus.PAID, refunds=()):
    lines = [OrderLine(platform_line_id=i, sku_id=i, product_id=None,
            sku_code=None, barcode=None, title=i, quantity=D(q),
            unit_price=D('10')) for i, q in (('a', 3), ('b', 2))]
    return Order(platform_order_id='1', status=status, platform_status='',
        created_at=NOW, modified_at=NOW, currency='CNY', lines=lines,
        address=Address(), refunds=list(refunds))


class RefundTestCase(unittest.TestCase):

    def test_refunded_quantities(self):
        self.assertEqual(refunds.refunded_quantities(order(refunds=[
                        Refund('r1', D(10), line_ids=['a'],
                            quantities={'a': D(1)}),
                        Refund('r2', D(20), line_ids=['a', 'b'],
                            quantities={'a': D(1)}),
                        Refund('r3', D(9), line_ids=['b'], completed=False),
                        ])), {'a': D(2), 'b': D(2)})
        # more than ordered is capped; unknown lines skipped
        self.assertEqual(refunds.refunded_quantities(order(refunds=[
                        Refund('r1', D(0), line_ids=['a', 'zz'],
                            quantities={'a': D(7)})])), {'a': D(3)})
        # refunded as a whole without details: every line
        self.assertEqual(refunds.refunded_quantities(
                order(OrderStatus.REFUNDED)), {'a': D(3), 'b': D(2)})
        self.assertEqual(refunds.refunded_quantities(order()), {})

    def test_money_refunds_once_per_id(self):
        "amount-only refunds: new ids once, completed, positive"
        money = [Refund('730', D('29.50'), money_only=True),
            Refund('731', D('4.90'), money_only=True, completed=False),
            Refund('732', D('0'), money_only=True),
            Refund('730', D('29.50'), money_only=True),
            Refund('r1', D(10), line_ids=['a']),
            Refund('733', D('1.00'), money_only=True)]
        self.assertEqual([r.platform_refund_id
                for r in refunds.money_refunds(order(refunds=money), {})],
            ['730', '733'])
        self.assertEqual([r.platform_refund_id
                for r in refunds.money_refunds(order(refunds=money),
                    {'730': {}})], ['733'])
        # amount-only refunds refund no line
        self.assertEqual(refunds.refunded_quantities(order(refunds=money)),
            {'a': D(3)})

    def test_credit_lines_tax_included(self):
        "untaxed + 13 % tax of the credit = the amount refunded"
        self.assertEqual(refunds.credit_lines(D('29.50')),
            [(D(-1), D('29.50'), False)])
        rate = D('0.13')
        for amount in ['29.50', '0.10', '0.01', '100.00', '7.77', '1.13']:
            for rounding in ('document', 'line'):
                with self.subTest(amount=amount, rounding=rounding):
                    lines = refunds.credit_lines(D(amount), rate, rounding)
                    untaxed = sum(((q * u).quantize(D('0.01'))
                            for q, u, _ in lines), D(0))
                    tax = sum(((q * u * rate).quantize(D('0.01'))
                            for q, u, taxed in lines if taxed), D(0))
                    self.assertEqual(untaxed + tax, -D(amount))
                    self.assertEqual(lines[0][0], D(-1))
        # on a draft invoice that has a credit of 5.00 already (−4.4248
        # untaxed): the negative lines' tax is rounded once, the second
        # credit's unit price makes them −10.00 together
        base = [(D(-1), D('4.4248'))]
        self.assertEqual(sum(taxes.totals(base, [D('4.4248')], rate)),
            D('-5.00'))
        lines = refunds.credit_lines(D('5.00'), rate, 'document', base)
        (quantity, unit, taxed), = lines
        units = base + [(quantity, unit)]
        untaxed, tax = taxes.totals(units, [u for _, u in units], rate)
        self.assertEqual(untaxed + tax, D('-10.00'))
        # 4.4248 again would give −8.84 − 1.15 = −9.99
        units = base + [(D(-1), D('4.4248'))]
        self.assertEqual(sum(taxes.totals(units, [u for _, u in units],
                    rate)), D('-9.99'))
        # 29.50 / 1.13 = 26.1062 untaxed, 3.39 VAT (26.11 + 3.39)
        (quantity, unit, taxed), = refunds.credit_lines(D('29.50'), rate)
        self.assertEqual((unit, taxed), (D('26.1062'), True))

    def test_plan_reduce_then_return(self):
        ordered = {'a': D(3), 'b': D(2)}
        # nothing shipped: reduce
        steps = refunds.plan({'a': D(1)}, {}, ordered, {})
        self.assertEqual([(s.line_id, s.reduce, s.ret) for s in steps],
            [('a', D(1), D(0))])
        handled = refunds.record({}, steps)
        self.assertEqual(handled, {'a': {'reduced': '1', 'returned': '0'}})
        # the same again: nothing
        self.assertEqual(refunds.plan({'a': D(1)}, handled, ordered, {}), [])
        # 2 cups shipped (of the 2 left), one more cup and a pen refunded
        steps = refunds.plan({'a': D(2), 'b': D(1)}, handled, ordered,
            {'a': D(2), 'b': D(2)})
        self.assertEqual([(s.line_id, s.reduce, s.ret) for s in steps],
            [('a', D(0), D(1)), ('b', D(0), D(1))])
        handled = refunds.record(handled, steps)
        self.assertEqual(handled['a'], {'reduced': '1', 'returned': '1'})
        # partly shipped: the unshipped unit is reduced, the rest returned
        steps = refunds.plan({'b': D(2)}, {}, ordered, {'b': D(1)})
        self.assertEqual([(s.reduce, s.ret) for s in steps],
            [(D(1), D(1))])
        self.assertEqual(refunds.remaining(handled, ordered, 'a'), D(2))


class TaxIncludedTestCase(unittest.TestCase):
    rate = D('0.13')

    def check(self, lines, rounding='document'):
        units, rest = taxes.untaxed_prices(lines, self.rate, rounding)
        untaxed, tax = taxes.totals(lines, units, self.rate, rounding)
        paid = sum((round(D(q) * D(p), 2) for q, p in lines), D(0))
        self.assertEqual(untaxed + tax + rest, paid)
        return units, untaxed, tax, rest

    def test_simple(self):
        # 59.90 / 1.13 = 53.0088...: 53.01 + 6.89 (13 % of 53.0088)
        units, untaxed, tax, rest = self.check([(1, D('59.90'))])
        self.assertEqual((units, untaxed, tax, rest),
            ([D('53.0088')], D('53.01'), D('6.89'), D(0)))

    def test_difference_absorbed_by_largest_line(self):
        # 3 × 1.00 = 3.00; 1.00 / 1.13 = 0.8850: 3 × 0.8850 = 2.655 → 2.66
        # untaxed, round(0.34515) = 0.35 tax: 3.01, a cent too much
        lines = [(3, D('1.00'))]
        self.assertEqual(sum(taxes.totals(lines, [D('0.8850')], self.rate)),
            D('3.01'))
        # one step down: 2.6547 → 2.65 + round(0.345111) = 0.35 → 3.00
        units, untaxed, tax, rest = self.check(lines)
        self.assertEqual((units, untaxed, tax, rest),
            ([D('0.8849')], D('2.65'), D('0.35'), D(0)))
        # two lines: the larger (3 × 1.00) moves, the other keeps its price
        units, untaxed, tax, rest = self.check([(1, D('0.20')),
                (3, D('1.00'))])
        self.assertEqual(units[0], D('0.1770'))
        self.assertEqual(rest, D(0))

    def test_many_orders_exact(self):
        "every total reached; a separate line needed very rarely"
        import random
        generator = random.Random(3)
        rests = 0
        for rounding in ('document', 'line'):
            for _ in range(2000):
                lines = [(generator.randint(1, 5),
                        D(generator.randint(1, 99999)) / 100)
                    for _ in range(generator.randint(1, 4))]
                units, untaxed, tax, rest = self.check(lines, rounding)
                rests += bool(rest)
                self.assertLessEqual(abs(rest), D('0.02'))
        self.assertLess(rests, 40)

    def test_off_by_a_cent_is_corrected(self):
        "every price whose plain division misses the total is corrected"
        corrected = 0
        for quantity in (1, 2, 3):
            for cents in range(1, 3000):
                price = D(cents) / 100
                plain = [(price / (1 + self.rate)).quantize(D('0.0001'))]
                if sum(taxes.totals([(quantity, price)], plain, self.rate)
                        ) != round(quantity * price, 2):
                    corrected += 1
                    self.assertEqual(self.check([(quantity, price)])[3],
                        D(0))
        self.assertGreater(corrected, 0)
