# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The SCMS delivery history imported as purchases and receipts, scored per
quarter, checked against figures computed here straight from the CSV."""
import csv
import datetime
import gzip
import unittest
from collections import defaultdict
from decimal import Decimal

from trytond.modules.company.tests import create_company, set_company
from trytond.modules.currency.tests import (
    add_currency_rate, create_currency)
from trytond.modules.supplier_grading.scms_cli import default_file
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction

VENDORS = {
    'BIO-RAD LABORATORIES (FRANCE)',
    'EMCURE PHARMACEUTICALS LTD',
    'SUN PHARMACEUTICAL INDUSTRIES LTD (RANBAXY LABORATORIES LIMITED)',
    }
PATH = default_file()


def expected_quarters(path, tolerance):
    """{(vendor, quarter start): [lines, on time, ordered, received]}
    computed from the raw CSV"""
    figures = defaultdict(lambda: [0, 0, 0, 0])
    with gzip.open(path, 'rt', encoding='utf-8') as file:
        for row in csv.DictReader(file):
            vendor = ' '.join(row['Vendor'].split())
            if vendor not in VENDORS:
                continue
            scheduled = datetime.datetime.strptime(
                row['Scheduled Delivery Date'], '%d-%b-%y').date()
            delivered = datetime.datetime.strptime(
                row['Delivered to Client Date'], '%d-%b-%y').date()
            quantity = int(row['Line Item Quantity'])
            quarter = datetime.date(
                delivered.year, (delivered.month - 1) // 3 * 3 + 1, 1)
            entry = figures[(vendor, quarter)]
            entry[0] += 1
            entry[1] += (delivered - scheduled).days <= tolerance
            promised = datetime.date(
                scheduled.year, (scheduled.month - 1) // 3 * 3 + 1, 1)
            figures[(vendor, promised)][2] += quantity
            figures[(vendor, promised)][3] += quantity
    return figures


class ScmsImportMixin:
    "Import of the SCMS delivery history (mixed into the module's tests)"

    @unittest.skipUnless(PATH, "the SCMS dataset (../shared/datasets) is absent")
    @with_transaction()
    def test_scms_quarterly_scorecards(self):
        "Quarterly on-time and fill rates match the CSV"
        pool = Pool()
        Scorecard = pool.get('supplier.scorecard')
        Configuration = pool.get('supplier.grading.configuration')
        Purchase = pool.get('purchase.purchase')
        from trytond.modules.supplier_grading import scms
        from trytond.modules.supplier_grading.scms_import import (
            import_history)
        usd = create_currency('USD')
        add_currency_rate(usd, 1)
        company = create_company(currency=usd)
        with set_company(company):
            tolerance = Configuration(1).on_time_tolerance
            rows, _, rejects = scms.read(PATH, vendors=VENDORS)
            self.assertFalse(rejects)
            purchases = import_history(PATH, company, vendors=VENDORS)
            self.assertEqual(len(purchases),
                len({(r.vendor, r.po) for r in rows}))
            self.assertEqual(
                sum(len(p.lines) for p in Purchase.browse(purchases)),
                len(rows))
            first = min(r.delivered for r in rows)
            last = max(max(r.delivered, r.scheduled) for r in rows)
            cards = Scorecard.browse(Scorecard.compute(company, first,
                    last, as_of=last, kind='quarter').values())
            expected = expected_quarters(PATH, tolerance)
            got = {(c.party.name, c.period_start): c for c in cards}
            late = 0
            for (vendor, quarter), (lines, on_time, ordered, received) \
                    in expected.items():
                with self.subTest(vendor=vendor, quarter=quarter):
                    card = got[(vendor, quarter)]
                    self.assertEqual(card.period_kind, 'quarter')
                    self.assertEqual(
                        (card.lines, card.on_time_lines), (lines, on_time))
                    self.assertEqual(card.ordered_quantity, ordered)
                    self.assertEqual(card.received_quantity, received)
                    if lines:
                        self.assertEqual(card.on_time_rate, (
                                Decimal(100) * on_time / lines).quantize(
                                Decimal('0.01')))
                    late += lines - on_time
            self.assertEqual(late, 7)
            self.assertEqual(len(got), len(expected))
