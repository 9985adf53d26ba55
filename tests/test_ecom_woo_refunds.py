# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""WooCommerce refunds of money only, end to end (fake WooCommerce server,
WooCommerce adapter, raw orders, sales, invoices)

WooCommerce's order refunds are amounts with no lines (`refunds[{id,
reason, total}]`, negative strings): the money is credited, once per
refund id, on the draft invoice or as a credit note; nothing comes back to
the warehouse.
"""
import datetime
import json
from decimal import Decimal
from unittest import mock

from trytond.modules.company.tests import set_company
from trytond.modules.ecom_base.tests import _ProjectDatabase
from trytond.modules.ecom_connector import channel as channel_module
from trytond.modules.ecom_connector.tests.test_features import (
    accounting, ship, with_category)
from trytond.modules.ecom_connector.tests.test_module import (
    channel, company, product)
from trytond.pool import Pool
from trytond.tests import test_tryton
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from tests.fake_platforms import start_fake

UTC = datetime.timezone.utc
MINUTE = datetime.timedelta(minutes=1)


class WooCommerceRefundTestCase(_ProjectDatabase, test_tryton._DBTestCase):
    "WooCommerce amount-only refunds: credited, never returned"
    module = 'ecom_connector'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fake = start_fake('woocommerce')

    @classmethod
    def tearDownClass(cls):
        cls.fake.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.fake.reset()
        patcher = mock.patch.object(channel_module, 'sleep', lambda s: None)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.t0 = datetime.datetime.now(UTC).replace(microsecond=0) - (
            60 * MINUTE)

    def imported(self, record, name, invoice_method, order_id, taxed=False,
            **order):
        """Accounting for the company, a channel and one order fetched from
        the fake and imported: (channel, raw order, the channel's tax)"""
        tax, category = accounting(record)
        cup, shop_ = self.shop(name, invoice_method, tax if taxed else None)
        with_category([cup], category)
        self.order(order_id, **order)
        shop_.fetch_orders([order_id])
        raw = self.raw(shop_, order_id)
        self.assertEqual(raw.state, 'imported')
        return shop_, raw, tax

    def shop(self, name, invoice_method, tax=None):
        "A WooCommerce channel on the fake, a cup listed as variation 95 "
        "of product 93"
        cup = product('CUP', stock=10)
        shop_ = channel(name, platform='woocommerce',
            credentials=json.dumps(self.fake.adapter_credentials()),
            base_url=self.fake.url, invoice_method=invoice_method,
            tax=tax.id if tax else None)
        Pool().get('ecom.listing').create([{'channel': shop_.id,
                    'platform_product_id': '93', 'platform_sku_id': '95',
                    'product': cup.id}])
        return cup, shop_

    def order(self, order_id, quantity=2, price='10.00'):
        self.fake.add_order(order_id, created=self.t0, modified=self.t0,
            currency='USD', lines=[dict(sku_id='95', product_id='93',
                    sku_code='CUP', title='Cup', quantity=quantity,
                    price=price)])

    def refund(self, shop_, order_id, minutes, refunds, **fields):
        "The order refunded on the platform, then fetched again"
        self.fake.modify_order(order_id, self.t0 + minutes * MINUTE,
            refunds=refunds, **fields)
        shop_.fetch_orders([order_id])
        return self.raw(shop_, order_id)

    def raw(self, shop_, order_id):
        RawOrder = Pool().get('ecom.raw_order')
        raw, = RawOrder.search([('channel', '=', shop_.id),
                ('platform_order_id', '=', order_id)])
        return raw

    def invoices(self, sale):
        Invoice = Pool().get('account.invoice')
        return Invoice.search([('party', '=', sale.party.id),
                ('state', '!=', 'cancelled')], order=[('id', 'ASC')])

    def assert_nothing_returned(self, raw):
        pool = Pool()
        Return = pool.get('stock.shipment.out.return')
        Sale = pool.get('sale.sale')
        self.assertIsNone(raw.return_sale)
        self.assertEqual(Return.search([]), [])
        self.assertEqual(Sale.search([('party', '=', raw.sale.party.id)]),
            [raw.sale])

    @with_transaction()
    def test_amount_only_refunds_credited_once_per_id(self):
        "draft invoice reduced, then a credit note; redelivery: nothing"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        record = company()
        with set_company(record):
            shop_, raw, tax = self.imported(record, 'W', 'order', '801',
                taxed=True)
            sale = raw.sale
            invoice, = self.invoices(sale)
            self.assertEqual((invoice.state, invoice.total_amount),
                ('draft', Decimal('20.00')))

            # 5.00 refunded (tax included), no lines: the draft invoice is
            # reduced to 15.00 exactly, its VAT with it
            raw = self.refund(shop_, '801', 5, [
                    {'id': 730, 'reason': 'damaged', 'total': '-5.00'}])
            self.assertEqual(raw.state, 'imported')
            invoice, = self.invoices(sale)
            self.assertEqual(invoice.total_amount, Decimal('15.00'))
            self.assertEqual(invoice.untaxed_amount + invoice.tax_amount,
                Decimal('15.00'))
            credit, = [l for l in invoice.lines if l.origin == raw]
            self.assertEqual((credit.quantity, credit.taxes),
                (-1, (tax,)))
            self.assertIn('730', credit.description)
            self.assertIn('damaged', credit.description)
            self.assertEqual(list(raw.credit_invoices), [invoice])
            self.assertIn('730', raw.versions[-1].changes)
            # the goods still ship in full; the sale is as ordered
            self.assertEqual(sale.total_amount, Decimal('20.00'))
            shipment, = sale.shipments
            self.assertEqual([m.quantity for m in shipment.outgoing_moves],
                [2])

            # the same refund delivered again: nothing more
            raw = self.refund(shop_, '801', 7, [
                    {'id': 730, 'reason': 'damaged', 'total': '-5.00'}])
            invoice, = self.invoices(sale)
            self.assertEqual(invoice.total_amount, Decimal('15.00'))

            # the invoice is posted (the VAT of the channel, not the
            # product's: the user confirms Tryton's warning); a second
            # refund id: a credit note
            with Transaction().set_context(_skip_warnings=True):
                Invoice.post([invoice])
            raw = self.refund(shop_, '801', 9, [
                    {'id': 730, 'reason': 'damaged', 'total': '-5.00'},
                    {'id': 731, 'reason': '', 'total': '-4.90'}])
            posted, note = self.invoices(sale)
            self.assertEqual(posted, invoice)
            self.assertEqual((note.type, note.state, note.total_amount),
                ('out', 'draft', Decimal('-4.90')))
            self.assertEqual(note.untaxed_amount + note.tax_amount,
                Decimal('-4.90'))
            self.assertEqual([(l.quantity, l.taxes) for l in note.lines],
                [(-1, (tax,))])
            self.assertEqual(note.party, sale.party)
            self.assertEqual(sorted(i.id for i in raw.credit_invoices),
                sorted([invoice.id, note.id]))
            # and a credit note posts as Tryton's own
            with Transaction().set_context(_skip_warnings=True):
                Invoice.post([note])
            self.assertEqual(Invoice(note.id).state, 'posted')

            # both refunds delivered again: nothing more
            raw = self.refund(shop_, '801', 11, [
                    {'id': 730, 'reason': 'damaged', 'total': '-5.00'},
                    {'id': 731, 'reason': '', 'total': '-4.90'}])
            self.assertEqual(len(self.invoices(sale)), 2)
            self.assertEqual(json.loads(raw.refunded_money), {
                    '730': {'amount': '5.00', 'invoice': invoice.id},
                    '731': {'amount': '4.90', 'invoice': note.id}})
            self.assert_nothing_returned(raw)

    @with_transaction()
    def test_refunded_in_full_after_shipment_credited(self):
        "status refunded after shipment: a credit note, no return awaited"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        record = company()
        with set_company(record):
            shop_, raw, _ = self.imported(record, 'F', 'order', '802',
                quantity=1, price='12.00')
            sale = raw.sale
            ship(sale.shipments[0])
            invoice, = self.invoices(sale)
            Invoice.post([invoice])
            raw = self.refund(shop_, '802', 5, [
                    {'id': 740, 'reason': 'lost parcel', 'total': '-12.00'}],
                status='refunded')
            self.assertEqual(raw.state, 'imported')
            posted, note = self.invoices(sale)
            self.assertEqual(note.total_amount, Decimal('-12.00'))
            self.assertEqual(raw.sale.ecom_payment, 'refunded')
            self.assert_nothing_returned(raw)

    @with_transaction()
    def test_refund_before_invoice_waits_for_finance(self):
        "manual invoicing, not invoiced yet: an exception until invoiced"
        pool = Pool()
        Sale = pool.get('sale.sale')
        RawOrder = pool.get('ecom.raw_order')
        record = company()
        with set_company(record):
            shop_, raw, _ = self.imported(record, 'M', 'manual', '803')
            sale = raw.sale
            self.assertEqual(self.invoices(sale), [])
            raw = self.refund(shop_, '803', 5, [
                    {'id': 750, 'reason': 'late', 'total': '-3.00'}])
            self.assertEqual((raw.state, raw.exception_reason),
                ('exception', 'error'))
            self.assertIn('invoice the sale', raw.exception_message)
            self.assertIn('750', raw.exception_message)
            self.assertEqual(self.invoices(sale), [])
            # finance invoices the sale, then retries
            Sale.manual_invoice([sale])
            RawOrder.retry([raw])
            raw = self.raw(shop_, '803')
            self.assertEqual(raw.state, 'imported')
            invoice, = self.invoices(sale)
            self.assertEqual(invoice.total_amount, Decimal('17.00'))
            self.assert_nothing_returned(raw)
