# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Line-level refunds, VAT included in prices, dashboard days in the
company's timezone (on a database)"""
import datetime
import json
from decimal import Decimal
from unittest import mock

from trytond.modules.account.tests import create_chart, get_fiscalyear
from trytond.modules.account_invoice.tests.test_module import (
    set_invoice_sequences)
from trytond.modules.company.tests import set_company
from trytond.modules.ecom_base.tests import _ProjectDatabase
from trytond.modules.ecom_connector import channel as channel_module
from trytond.pool import Pool
from trytond.tests import test_tryton
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from trytond.modules.ecom_connector.adapters import ADAPTERS
from trytond.modules.ecom_connector.adapters.base import TokenExpired
from trytond.modules.ecom_connector.adapters.tokens import TokenMixin

from .memory import UTC, MemoryAdapter, order_payload, shop
from .test_module import channel, company, listing, pool_sales, product

T0 = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class ExpiringAdapter(TokenMixin, MemoryAdapter):
    "The memory platform with an access token that expires"
    platform = 'memory_token'
    renewals = []

    def request_token(self):
        self.renewals.append(self.credentials['refresh_token'])
        number = len(self.renewals) + 1
        return {'access_token': f'token-{number}', 'expires_in': 7200,
            'refresh_token': f'refresh-{number}'}

    def _call(self):
        if self.credentials.get('access_token') != (
                f'token-{len(self.renewals) + 1}'):
            raise TokenExpired("memory: access token expired")
        return super()._call()

    def list_orders(self, start, end, page_token=None):
        return self.with_token(super().list_orders, start, end, page_token)


ADAPTERS['memory_token'] = ExpiringAdapter


def later(payload, seconds, **values):
    "The payload as the platform sends it again, modified later"
    modified = datetime.datetime.fromisoformat(payload['modified'])
    return dict(payload, modified=(modified + datetime.timedelta(
                seconds=seconds)).isoformat(), **values)


def accounting(record, rate='0.13'):
    """A chart of accounts, this year's fiscal year with invoice sequences
    and periods; (the sale tax at `rate`, the goods account category)"""
    pool = Pool()
    Tax = pool.get('account.tax')
    Account = pool.get('account.account')
    Category = pool.get('product.category')
    FiscalYear = pool.get('account.fiscalyear')
    create_chart(record, tax=True)
    fiscalyear = set_invoice_sequences(get_fiscalyear(record))
    fiscalyear.save()
    FiscalYear.create_period([fiscalyear])
    tax, = Tax.search([('type', '=', 'percentage')])
    tax.rate = Decimal(rate)
    tax.save()
    Configuration = pool.get('account.configuration')
    revenue, = Account.search([('type.revenue', '=', True),
            ('closed', '!=', True), ('company', '=', record.id)], limit=1)
    expense, = Account.search([('type.expense', '=', True),
            ('closed', '!=', True), ('company', '=', record.id)], limit=1)
    # the revenue of lines without product (discounts, refunds)
    config = Configuration(1)
    config.default_category_account_revenue = revenue
    config.save()
    category, = Category.create([{'name': 'Goods', 'accounting': True,
                'account_revenue': revenue.id,
                'account_expense': expense.id}])
    return tax, category


def with_category(products, category):
    "The products' templates in the account category (invoiceable)"
    Template = Pool().get('product.template')
    Template.write([p.template for p in products],
        {'account_category': category.id})


def ship(shipment):
    Shipment = Pool().get('stock.shipment.out')
    Shipment.assign_force([shipment])
    Shipment.pick([shipment])
    Shipment.pack([shipment])
    Shipment.ship([shipment])
    Shipment.do([shipment])


class EcomConnectorFeaturesTestCase(
        _ProjectDatabase, test_tryton._DBTestCase):
    "Marketplace connector: refunds, taxes, dashboard"
    module = 'ecom_connector'

    def setUp(self):
        super().setUp()
        patcher = mock.patch.object(channel_module, 'sleep', lambda s: None)
        patcher.start()
        self.addCleanup(patcher.stop)

    def receive(self, channel, payloads):
        RawOrder = Pool().get('ecom.raw_order')
        RawOrder.import_orders(RawOrder.receive(channel, payloads, 'pull'))

    def raw(self, channel, order_id):
        RawOrder = Pool().get('ecom.raw_order')
        raw, = RawOrder.search([('channel', '=', channel.id),
                ('platform_order_id', '=', order_id)])
        return raw

    def cup_and_pen(self, name, **values):
        "Two products of 10 units, listed as S1 and S2 on a new channel"
        cup = product('CUP', stock=10)
        pen = product('PEN', stock=10)
        shop_ = channel(name, **values)
        listing(shop_, 'S1', cup)
        listing(shop_, 'S2', pen)
        return cup, pen, shop_

    @with_transaction()
    def test_partial_refunds(self):
        "refunded units reduced before shipment, returned after, once"
        with set_company(company()):
            cup, pen, shop_ = self.cup_and_pen('R')
            order = order_payload('7', T0, sku='S1', quantity=3,
                price='10.00')
            order['lines'].append(
                {'id': '7-2', 'sku': 'S2', 'qty': 2, 'price': '5.00'})
            self.receive(shop_, [order])
            sale = self.raw(shop_, '7').sale
            self.assertEqual(sale.total_amount, Decimal('40.00'))

            def quantities(sale, product):
                line, = [l for l in sale.lines if l.product == product]
                moves = [m for m in line.moves if m.state != 'cancelled']
                return line.quantity, sum(m.quantity for m in moves)

            # one cup refunded before shipment: the line and its move
            # shrink to 2, the pens stay
            order = later(order, 10, refunds=[{'id': 'r1',
                        'lines': {'7-1': 1}}])
            self.receive(shop_, [order])
            raw = self.raw(shop_, '7')
            self.assertEqual(quantities(raw.sale, cup), (2, 2))
            self.assertEqual(quantities(raw.sale, pen), (2, 2))
            self.assertEqual(raw.sale.total_amount, Decimal('30.00'))
            self.assertIsNone(raw.return_sale)
            shipment, = raw.sale.shipments
            self.assertEqual(sorted((m.product.code, m.quantity)
                    for m in shipment.inventory_moves),
                [('CUP', 2), ('PEN', 2)])
            self.assertIn('7-1 × 1', raw.versions[-1].changes)

            # the same refund delivered again (a later poll) changes nothing
            order = later(order, 5)
            self.receive(shop_, [order])
            raw = self.raw(shop_, '7')
            self.assertEqual(quantities(raw.sale, cup), (2, 2))
            self.assertEqual(raw.sale.total_amount, Decimal('30.00'))

            ship(raw.sale.shipments[0])
            # after shipment one more cup and one pen: a return of exactly
            # 1 cup at 10.00 and 1 pen at 5.00
            order = later(order, 10, refunds=order['refunds'] + [
                    {'id': 'r2', 'lines': {'7-1': 1, '7-2': 1}}])
            self.receive(shop_, [order])
            raw = self.raw(shop_, '7')
            returned = raw.return_sale
            self.assertEqual(returned.origin, raw.sale)
            self.assertEqual(sorted((l.product.code, l.quantity, l.unit_price)
                    for l in returned.lines),
                [('CUP', -1, Decimal('10.0000')),
                    ('PEN', -1, Decimal('5.0000'))])
            self.assertEqual(returned.total_amount, Decimal('-15.00'))
            back, = returned.shipment_returns
            self.assertEqual(sorted((m.product.code, m.quantity)
                    for m in back.incoming_moves), [('CUP', 1), ('PEN', 1)])
            # delivered again: no second return
            self.receive(shop_, [later(order, 30)])
            self.assertEqual(len(pool_sales(raw.sale.party)), 2)
            self.assertEqual(self.raw(shop_, '7').return_sale, returned)

    @with_transaction()
    def test_partial_refund_reduces_draft_invoice(self):
        "invoiced on order processed: a refund before shipment shrinks the "
        "draft invoice's lines too, no credit note is made"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        record = company()
        with set_company(record):
            tax, category = accounting(record)
            cup, pen, shop_ = self.cup_and_pen('I', invoice_method='order')
            with_category([cup, pen], category)
            # 3 cups at 10.00 and 2 pens at 5.00 (1.00 off the pens): 39.00
            order = order_payload('12', T0, sku='S1', quantity=3,
                price='10.00')
            order['lines'].append({'id': '12-2', 'sku': 'S2', 'qty': 2,
                    'price': '5.00', 'discount': '1.00'})
            self.receive(shop_, [order])
            sale = self.raw(shop_, '12').sale
            invoice, = sale.invoices
            self.assertEqual((invoice.state, invoice.total_amount),
                ('draft', Decimal('39.00')))

            # one cup and both pens (the discount with them) refunded
            order = later(order, 10, refunds=[{'id': 'r1',
                        'lines': {'12-1': 1, '12-2': None}}])
            self.receive(shop_, [order])
            sale = self.raw(shop_, '12').sale
            self.assertEqual(sale.total_amount, Decimal('20.00'))
            # still one invoice, in draft, of what is left
            invoice, = [i for i in sale.invoices if i.state != 'cancelled']
            self.assertEqual(invoice.state, 'draft')
            # (the pens' discount line is left at 0, still invoiced once)
            self.assertEqual(sorted((l.product.code if l.product else '',
                        l.quantity) for l in invoice.lines if l.amount),
                [('CUP', 2)])
            self.assertEqual(invoice.total_amount, Decimal('20.00'))
            self.assertEqual(Invoice.search([('party', '=', sale.party.id)]),
                [invoice])
            # delivered again: nothing more
            self.receive(shop_, [later(order, 5)])
            invoice = Invoice(invoice.id)
            self.assertEqual(invoice.total_amount, Decimal('20.00'))
            self.assertEqual(len(Invoice.search(
                        [('party', '=', sale.party.id)])), 1)

    @with_transaction()
    def test_refund_whole_line_before_shipment(self):
        "a line refunded whole before shipment: its move cancelled, ignored"
        with set_company(company()):
            cup, pen, shop_ = self.cup_and_pen('W')
            order = order_payload('8', T0, sku='S1', quantity=1,
                price='10.00')
            order['lines'].append({'id': '8-2', 'sku': 'S2', 'qty': 2,
                    'price': '5.00', 'discount': '1.00'})
            self.receive(shop_, [order])
            self.assertEqual(self.raw(shop_, '8').sale.total_amount,
                Decimal('19.00'))
            self.receive(shop_, [later(order, 10, refunds=[
                            {'id': 'r1', 'lines': {'8-2': None}}])])
            sale = self.raw(shop_, '8').sale
            pen_line, = [l for l in sale.lines if l.product == pen]
            self.assertEqual(pen_line.quantity, 0)
            self.assertEqual([m.state for m in pen_line.moves],
                ['cancelled'])
            self.assertEqual(list(pen_line.moves_ignored),
                list(pen_line.moves))
            self.assertNotEqual(sale.shipment_state, 'exception')
            # the pens' discount went with them
            self.assertEqual(sale.total_amount, Decimal('10.00'))
            shipment, = sale.shipments
            self.assertEqual([(m.product.code, m.quantity)
                    for m in shipment.inventory_moves
                    if m.state != 'cancelled'], [('CUP', 1)])

    @with_transaction()
    def test_tax_included_in_prices(self):
        "untaxed amount + 13 % VAT = what the buyer paid"
        pool = Pool()
        Tax = pool.get('account.tax')
        record = company()
        with set_company(record):
            create_chart(record, tax=True)
            tax, = Tax.search([('type', '=', 'percentage')])
            tax.rate = Decimal('0.13')
            tax.save()
            _, _, shop_ = self.cup_and_pen('T', tax=tax.id)
            payloads = []
            # paid: 3 × 19.99 + 2 × 5.01 − 0.03 + 8.00 = 77.96
            order = order_payload('9', T0, sku='S1', quantity=3,
                price='19.99', shipping='8.00')
            order['lines'].append({'id': '9-2', 'sku': 'S2', 'qty': 2,
                    'price': '5.01', 'discount': '0.03'})
            payloads.append((order, Decimal('77.96')))
            # one unit at 0.10: 0.09 untaxed + 0.01 VAT
            payloads.append((order_payload('10', T0, sku='S2', price='0.10',
                        buyer='b2'), Decimal('0.10')))
            # 7 × 3.33 = 23.31
            payloads.append((order_payload('11', T0, sku='S1', quantity=7,
                        price='3.33', buyer='b3'), Decimal('23.31')))
            self.receive(shop_, [p for p, _ in payloads])
            for payload, paid in payloads:
                sale = self.raw(shop_, payload['id']).sale
                with self.subTest(order=payload['id']):
                    self.assertEqual(
                        sale.untaxed_amount + sale.tax_amount, paid)
                    self.assertEqual(sale.total_amount, paid)
                    self.assertTrue(all(l.taxes == (tax,)
                            for l in sale.lines if l.product))
                    # the tax is 13 % of the untaxed amount, to the cent
                    self.assertLessEqual(abs(sale.tax_amount
                            - sale.untaxed_amount * Decimal('0.13')),
                        Decimal('0.01'))
            sale = self.raw(shop_, '9').sale
            self.assertEqual(sale.untaxed_amount, Decimal('68.99'))
            self.assertEqual(sale.tax_amount, Decimal('8.97'))

    @with_transaction()
    def test_renewed_token_stored_in_channel(self):
        "an expired token renewed during a pull is kept in the credentials"
        pool = Pool()
        Channel = pool.get('ecom.channel')
        RawOrder = pool.get('ecom.raw_order')
        ExpiringAdapter.renewals.clear()
        with set_company(company()):
            cup = product('CUP', stock=10)
            shop_ = channel('K', platform='memory_token')
            listing(shop_, 'S1', cup)
            Channel.write([shop_], {'credentials': json.dumps({
                            'shop': 'K', 'secret': 's',
                            'access_token': 'token-1',
                            'refresh_token': 'refresh-1'}),
                    'checkpoint': (T0 - datetime.timedelta(minutes=20)
                        ).replace(tzinfo=None)})
            shop('K').orders['30'] = order_payload('30',
                T0 - datetime.timedelta(minutes=10))
            # the first token is taken as expired by the platform
            ExpiringAdapter.renewals.append('before')
            Channel(shop_.id).pull(now=T0)
            credentials = json.loads(Channel(shop_.id).credentials)
            self.assertEqual(ExpiringAdapter.renewals,
                ['before', 'refresh-1'])
            self.assertEqual((credentials['access_token'],
                    credentials['refresh_token'], credentials['shop']),
                ('token-3', 'refresh-3', 'K'))
            raw, = RawOrder.search([('channel', '=', shop_.id)])
            self.assertEqual(raw.state, 'imported')
            self.assertEqual(Channel(shop_.id).state, 'running')

    @with_transaction()
    def test_platform_titles(self):
        "the platforms' names come from messages (translated), Amazon too"
        Channel = Pool().get('ecom.channel')
        titles = dict(Channel.get_platforms())
        self.assertEqual(titles['amazon'], "Amazon (SP-API)")
        self.assertEqual(titles['taobao'], "Taobao / Tmall")
        # a platform without message keeps its adapter's title
        self.assertEqual(titles['memory'], "Test platform")

    @with_transaction()
    def test_dashboard_company_days(self):
        "an order at 23:30 UTC counts on the next day in Shanghai"
        pool = Pool()
        Day = pool.get('ecom.channel.day')
        record = company()
        record.timezone = 'Asia/Shanghai'
        record.save()
        with set_company(record):
            cup = product('CUP', stock=10)
            shop_ = channel('D')
            listing(shop_, 'S1', cup)
            late = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
            early = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
            self.receive(shop_, [
                    order_payload('20', late, price='12.00'),
                    order_payload('21', early, price='5.00', buyer='b2'),
                    ])
            figures = {(d.date, d.orders, d.amount) for d in Day.search(
                    [('channel', '=', shop_.id)])}
            self.assertEqual(figures, {
                    (datetime.date(2026, 3, 2), 1, Decimal('12.00')),
                    (datetime.date(2026, 3, 1), 1, Decimal('5.00')),
                    })
            with Transaction().set_context(
                    from_date=datetime.date(2026, 3, 2)):
                self.assertEqual([d.date for d in Day.search(
                            [('channel', '=', shop_.id)])],
                    [datetime.date(2026, 3, 2)])


