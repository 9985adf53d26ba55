# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Store orders in the database: prices, promotions, minimum, catalogue,
credit limit (the flash sale cap under concurrent transactions is in
test_routes, which has a committed database)."""
import datetime
from decimal import Decimal

from trytond.modules.account_credit_limit.exceptions import (
    CreditLimitError, CreditLimitWarning)
from trytond.modules.account.tests import get_fiscalyear
from trytond.modules.account_invoice.tests import set_invoice_sequences
from trytond.modules.ecom_base.tests import ModuleTestCase
from trytond.modules.store_ordering.exceptions import (
    FlashSaleError, StoreOrderError)
from trytond.modules.store_ordering.sale import (
    coupon_numbers, store_prices)
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .fixtures import build, committed, shared_stores, snapshot, store_sale

D = Decimal


def lines_of(sale):
    "(description or product code, quantity, unit price, amount) by line"
    return sorted(
        ((l.product.code if l.product else l.store_generated),
            l.store_generated or 'line', l.quantity, l.unit_price, l.amount)
        for l in sale.lines)


class StoreOrderingTestCase(ModuleTestCase):
    "Store ordering"
    module = 'store_ordering'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # one company, chart and stores for the class, committed; each
        # test rolls back what it does with them
        cls.shared = committed(lambda: snapshot(build()))

    def stores(self):
        return shared_stores(self.shared)

    @with_transaction()
    def test_store_prices_on_quote(self):
        "Quote prices a store order at its level, override and flash prices"
        pool = Pool()
        Sale = pool.get('sale.sale')
        s = self.stores()
        with s.context():
            sale = store_sale(s, s.store_a,
                [(s.tea, 10), (s.coffee, 5), (s.chips, 4)])
            Sale.quote([sale])
            sale = Sale(sale.id)
            self.assertEqual(sale.state, 'quotation')
            # Tea 10 × 0.8 × 10.00, Coffee 0.9 × 20.00, Chips flash 2.00;
            # eligible 80 + 90 = 170: 满100减10, then 160 ≥ 150: a Cup
            self.assertEqual(lines_of(sale), sorted([
                        ('TEA', 'line', 10, D('8.0000'), D('80.00')),
                        ('COF', 'line', 5, D('18.0000'), D('90.00')),
                        ('CHI', 'line', 4, D('2.00'), D('8.00')),
                        ('CUP', 'gift', 1, D('0'), D('0.00')),
                        ('discount', 'discount', 1, D('-10.00'),
                            D('-10.00')),
                        ]))
            self.assertEqual(sale.untaxed_amount, D('168.00'))
            chips, = [l for l in sale.lines if l.product == s.chips]
            self.assertEqual(chips.store_flash_sale, s.flash)
            self.assertEqual(s.flash.__class__(s.flash.id).sold_quantity, 4)

            # Back to draft: promotion lines go, flash units come back
            Sale.draft([sale])
            sale = Sale(sale.id)
            self.assertEqual(len(sale.lines), 3)
            self.assertEqual(s.flash.__class__(s.flash.id).sold_quantity, 0)

    @with_transaction()
    def test_store_prices_are_trytons(self):
        """The store's prices of many products at once are Tryton's own
        price list computation: lines by product, by parent category, with
        quantity breaks, on list and cost price; and overrides over them"""
        pool = Pool()
        Category = pool.get('product.category')
        Line = pool.get('product.price_list.line')
        PriceList = pool.get('product.price_list')
        Product = pool.get('product.product')
        s = self.stores()
        with s.context():
            price_list = s.level_a.price_list
            goods, = Category.create([{'name': "All goods"}])
            Category.write([s.drinks, s.snacks], {'parent': goods.id})
            Line.write(list(price_list.lines), {'sequence': 10})
            Line.create([{'price_list': price_list.id, 'sequence': 1,
                        'product': s.coffee.id, 'quantity': 3,
                        'formula': "cost_price + Decimal('1')"}, {
                        'price_list': price_list.id, 'sequence': 5,
                        'category': goods.id, 'quantity': 5,
                        'formula': "list_price * Decimal('0.85')"}])
            # read in the company's context, as the catalogue reads them
            price_list = PriceList(price_list.id)
            products = Product.browse([s.tea, s.coffee, s.chips, s.cup])
            quantities = [0, 1, 3, 5, 10, 25]
            items = [(p, q) for p in products for q in quantities]
            computed = price_list.store_compute(items)
            self.assertEqual(computed, [
                    price_list.compute(p, q, p.sale_uom) for p, q in items])
            by_item = {(p.code, q): c for (p, q), c in zip(items, computed)}
            # worked by hand: 0.9 × 10.00; 0.85 × 10.00 from 5 (the
            # category line comes before Tea's own break at 10); Coffee's
            # cost price (0) + 1 from 3; 0.85 × 3.00
            self.assertEqual(by_item['TEA', 1], D('9.0000'))
            self.assertEqual(by_item['TEA', 10], D('8.5000'))
            self.assertEqual(by_item['COF', 3], D('1.0000'))
            self.assertEqual(by_item['COF', 1], D('18.0000'))
            self.assertEqual(by_item['CUP', 25], D('2.5500'))

            # the store's prices are Tryton's sale prices under the level's
            # price list (Chips is on flash sale: the flash price)
            for quantity in quantities:
                with Transaction().set_context(
                        customer=s.store_a.id, price_list=price_list.id):
                    tryton = Product.get_sale_price(products, quantity)
                ours = [p for p, _, _ in store_prices(
                        s.store_a, [(p, quantity) for p in products])]
                self.assertEqual(ours, [tryton[products[0].id],
                        tryton[products[1].id], D('2.00'),
                        tryton[products[3].id]])
            # store B: its own Coffee prices and breaks, else list prices
            tea, coffee = products[:2]
            self.assertEqual([p for p, _, _ in store_prices(s.store_b,
                            [(coffee, 1), (coffee, 20), (tea, 20)])],
                [D('15.00'), D('12.00'), D('10.00')])

    @with_transaction()
    def test_coupon_numbers_refused(self):
        "Unknown, expired and used up coupon numbers are refused"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Number = pool.get('sale.promotion.coupon.number')
        Coupon = pool.get('sale.promotion.coupon')
        Promotion = pool.get('store.promotion')
        s = self.stores()
        with s.context():
            with self.assertRaisesRegex(StoreOrderError, 'NOPE'):
                coupon_numbers(['NOPE'], s.company.id)
            yesterday = datetime.date.today() - datetime.timedelta(days=1)
            once, = Coupon.create([{
                        'promotion': s.vip5_coupon.promotion.id,
                        'company': s.company.id, 'number_of_use': 1,
                        'numbers': [('create', [
                                    {'number': 'ONCE', 'company':
                                        s.company.id},
                                    {'number': 'OLD', 'company': s.company.id,
                                        'start_date': yesterday
                                        - datetime.timedelta(days=7),
                                        'end_date': yesterday}])],
                        }])
            Promotion.create([{
                        'name': "Once 7", 'company': s.company.id,
                        'kind': 'discount', 'sequence': 6,
                        'threshold': D(0), 'discount': D(7),
                        'coupon': once.id}])
            lines = [(s.tea, 10), (s.coffee, 1)]  # 80 + 18 = 98

            expired = store_sale(s, s.store_a, lines, coupon='OLD')
            with self.assertRaisesRegex(StoreOrderError, 'OLD'):
                Sale.quote([expired])

            first = store_sale(s, s.store_a, lines, coupon='ONCE')
            Sale.quote([first])
            # 98 - 7 (ONCE) = 91 below the 100 threshold
            self.assertEqual(Sale(first.id).untaxed_amount, D('91.00'))
            self.assertFalse(Number.search([('number', '=', 'ONCE')]))

            # re-quoting the order holding it is no second use
            Sale.draft([first])
            Sale.quote([first])
            self.assertEqual(Sale(first.id).untaxed_amount, D('91.00'))
            # as Tryton counts, an order holding the number uses it
            second = store_sale(s, s.store_b, [(s.coffee, 1)],
                coupon='ONCE')
            with self.assertRaisesRegex(StoreOrderError, 'ONCE'):
                Sale.quote([second])
            # a cancelled order gives the number back
            Sale.cancel([first])
            Sale.quote([second])
            # 15.00 - 7
            self.assertEqual(Sale(second.id).untaxed_amount, D('8.00'))

    @with_transaction()
    def test_coupon_and_overrides(self):
        "A coupon applies first; store B's own price breaks"
        pool = Pool()
        Sale = pool.get('sale.sale')
        s = self.stores()
        with s.context():
            sale = store_sale(s, s.store_a, [(s.tea, 10), (s.coffee, 5)],
                coupon='VIP5')
            Sale.quote([sale])
            sale = Sale(sale.id)
            # 170 - 5 (VIP5) = 165 - 10 = 155 ≥ 150: gift
            self.assertEqual(sale.untaxed_amount, D('155.00'))
            self.assertEqual(len([l for l in sale.lines
                        if l.store_generated == 'gift']), 1)

            # the carrier sale.promotion gives no price of its own
            self.assertEqual([l.promotion for l in sale.lines
                        if l.promotion], [])

            sale = store_sale(s, s.store_b, [(s.coffee, 20)])
            Sale.quote([sale])
            sale = Sale(sale.id)
            # 20 × 12.00 = 240 - 10, gift
            self.assertEqual(sale.untaxed_amount, D('230.00'))
            coffee, = [l for l in sale.lines if l.product == s.coffee]
            self.assertEqual(coffee.unit_price, D('12.00'))

    @with_transaction()
    def test_minimum_and_catalogue(self):
        "Below the minimum or outside the level's catalogue is refused"
        pool = Pool()
        Sale = pool.get('sale.sale')
        s = self.stores()
        with s.context():
            sale = store_sale(s, s.store_a, [(s.tea, 2)])
            with self.assertRaises(StoreOrderError) as caught:
                Sale.quote([sale])
            self.assertIn('50.00', caught.exception.message)

            sale = store_sale(s, s.store_b, [(s.chips, 1)])
            with self.assertRaises(StoreOrderError) as caught:
                Sale.quote([sale])
            self.assertIn('Chips', caught.exception.message)

    @with_transaction()
    def test_credit_limit_blocks(self):
        "A store order above the store's credit limit is not confirmed"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Party = pool.get('party.party')
        s = self.stores()
        with s.context():
            Party.write([s.store_b], {'credit_limit_amount': D('200.00')})
            small = store_sale(s, s.store_b, [(s.coffee, 10)])  # 150.00
            big = store_sale(s, s.store_b, [(s.coffee, 20)])  # 230.00
            Sale.quote([small, big])
            Sale.confirm([small])
            self.assertEqual(Sale(small.id).state, 'confirmed')
            # 150.00 unbilled + 230.00 > 200.00: an error, or a warning for
            # the credit limit group (the admin running the test is in it)
            with self.assertRaises((CreditLimitError, CreditLimitWarning)):
                Sale.confirm([big])

    @with_transaction()
    def test_flash_sale_store_limit(self):
        "A store buys at most its limit of a flash sale over its orders"
        pool = Pool()
        Sale = pool.get('sale.sale')
        s = self.stores()
        with s.context():
            first = store_sale(s, s.store_a, [(s.tea, 10), (s.chips, 20)])
            Sale.quote([first])
            second = store_sale(s, s.store_a, [(s.tea, 10), (s.chips, 11)])
            with self.assertRaises(FlashSaleError):
                Sale.quote([second])

    @with_transaction()
    def test_back_office_line_price(self):
        "The back office sees the store's price when it adds a line"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        s = self.stores()
        with s.context():
            sale = Sale(party=s.store_b, company=s.company)
            sale.on_change_party()
            line = Line(sale=sale, product=s.coffee, quantity=25)
            line.on_change_product()
            self.assertEqual(line.unit_price, D('12.00'))

    @with_transaction()
    def test_statement_ties_to_ledger(self):
        "The statement's balances are the store's receivable balances"
        pool = Pool()
        Account = pool.get('account.account')
        FiscalYear = pool.get('account.fiscalyear')
        Invoice = pool.get('account.invoice')
        InvoiceLine = pool.get('account.invoice.line')
        Journal = pool.get('account.journal')
        Move = pool.get('account.move')
        Period = pool.get('account.period')
        s = self.stores()
        with s.context():
            fiscalyear = set_invoice_sequences(get_fiscalyear(s.company))
            fiscalyear.save()
            FiscalYear.create_period([fiscalyear])
            first = fiscalyear.start_date
            day = datetime.timedelta(days=1)
            revenue = s.revenue
            cash, = Account.search([
                    ('name', 'ilike', '%cash%'), ('type', '!=', None),
                    ('closed', '=', False)], limit=1)
            receivable = s.store_a.account_receivable_used

            def invoice(date, amount):
                record = Invoice(type='out', company=s.company,
                    party=s.store_a, invoice_date=date)
                record.on_change_party()
                record.on_change_type()
                record.lines = [InvoiceLine(type='line', account=revenue,
                        quantity=1, unit_price=amount, description="Goods",
                        company=s.company, currency=s.company.currency)]
                record.save()
                Invoice.post([record])
                return record

            def payment(date, amount, reference):
                journal, = Journal.search([('type', '=', 'cash')], limit=1)
                move, = Move.create([{
                            'journal': journal.id, 'date': date,
                            'period': Period.find(s.company, date=date),
                            'company': s.company.id,
                            'description': reference,
                            'lines': [('create', [{
                                            'account': receivable.id,
                                            'party': s.store_a.id,
                                            'debit': 0, 'credit': amount,
                                            'description': reference,
                                            }, {
                                            'account': cash.id,
                                            'debit': amount, 'credit': 0,
                                            }])]}])
                Move.post([move])

            invoice(first, D('50.00'))
            second = invoice(first + day, D('168.00'))
            payment(first + 2 * day, D('100.00'), "Bank transfer BT-1")
            invoice(first + 5 * day, D('999.00'))  # after the period

            statement, orders = s.store_a.store_statement(
                first + day, first + 3 * day)
            self.assertEqual(statement.opening, D('50.00'))
            self.assertEqual([(e.kind, e.reference, e.debit, e.credit)
                    for e, _ in statement.rows], [
                    ('invoice', second.number, D('168.00'), D(0)),
                    ('payment', "Bank transfer BT-1", D(0), D('100.00'))])
            self.assertEqual(statement.closing, D('118.00'))
            # the ledger: the receivable account's balance for the store
            # up to the end of the period
            with Transaction().set_context(date=first + 3 * day):
                lines = pool.get('account.move.line').search([
                        ('account', '=', receivable.id),
                        ('party', '=', s.store_a.id),
                        ('date', '<=', first + 3 * day)])
            self.assertEqual(sum(l.debit - l.credit for l in lines),
                statement.closing)


del ModuleTestCase
