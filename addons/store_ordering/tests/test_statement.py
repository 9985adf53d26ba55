# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The pure statement: opening, entries in order, running and closing
balance, worked out by hand."""
import datetime
import unittest
from decimal import Decimal

from trytond.modules.store_ordering.statement import Entry, build_statement

D = Decimal
d = datetime.date


class StatementTestCase(unittest.TestCase):

    def test_running_balance(self):
        "Invoices add, payments take off, a day's invoice before payment"
        statement = build_statement(D('50.00'), [
                Entry(d(2026, 6, 3), 'payment', 'BT-1', D(0), D('100.00')),
                Entry(d(2026, 6, 1), 'invoice', 'INV-2', D('168.00'), D(0)),
                Entry(d(2026, 6, 3), 'invoice', 'INV-3', D('30.00'), D(0)),
                ])
        self.assertEqual(
            [(e.reference, balance) for e, balance in statement.rows],
            [('INV-2', D('218.00')), ('INV-3', D('248.00')),
                ('BT-1', D('148.00'))])
        self.assertEqual((statement.debit, statement.credit),
            (D('198.00'), D('100.00')))
        self.assertEqual(statement.closing, D('148.00'))

    def test_empty_period(self):
        "No entry: the closing balance is the opening one"
        statement = build_statement(D('12.50'), [])
        self.assertEqual(statement.closing, D('12.50'))
        self.assertEqual(statement.rows, [])
