# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Two stores, their levels, prices and promotions, for the database tests.

Figures the tests work out by hand:

- Tea lists at 10.00, Coffee at 20.00, Chips at 5.00, Cup at 3.00; Tea,
  Coffee and Cup are drinks, Chips snacks.
- Level A (franchise, store A): price list "unit_price * 0.8 from 10 Tea",
  else "unit_price * 0.9"; minimum order 50.00; orders up to 1,000.00
  confirmed automatically.
- Level B (distributor, store B): drinks only, no price list; store B's
  own Coffee prices: 15.00, and 12.00 from 20.
- Promotions: 满100减10 (precedence 10), 满150 gift 1 Cup (20), coupon
  VIP5 (a sale_promotion_coupon number) 5.00 off any order (5).
- Flash sale: Chips at 2.00 for the hour around now, 100 units, 30 a store.
"""
import datetime
from decimal import Decimal

from trytond import backend
from trytond.modules.account.tests import create_chart
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction, TransactionError

D = Decimal


def committed(func, user=0, context=None, retry=50):
    """Run func() in its own committed transaction on the test database,
    retried as Tryton's dispatcher does: with the locks a first attempt
    asked for, and on serialization failures"""
    extras = {}
    for attempt in range(retry):
        with Transaction(new=True).start(
                DB_NAME, user, context=context, **extras) as transaction:
            try:
                result = func()
                transaction.commit()
                return result
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)
            except backend.DatabaseOperationalError:
                transaction.rollback()
                if attempt == retry - 1:
                    raise
    raise RuntimeError("transaction kept failing")


class Stores:
    "Ids of what build() made, by name"


def build():
    """Company, chart, products, levels, stores, promotions, flash sale;
    returns a Stores with the records and the company context manager"""
    pool = Pool()
    Category = pool.get('product.category')
    Account = pool.get('account.account')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    PriceList = pool.get('product.price_list')
    Level = pool.get('store.level')
    Party = pool.get('party.party')
    Override = pool.get('store.price.override')
    Promotion = pool.get('store.promotion')
    FlashSale = pool.get('store.flash.sale')

    s = Stores()
    s.company = create_company()
    s.context = lambda: set_company(s.company)
    with set_company(s.company):
        create_chart(s.company)
        unit, = Uom.search([('name', '=', 'Unit')])
        revenue, = Account.search([
                ('type.revenue', '=', True), ('closed', '=', False)], limit=1)
        expense, = Account.search([
                ('type.expense', '=', True), ('closed', '=', False)], limit=1)
        s.revenue = revenue
        # promotion discount lines have no product: they are booked to
        # the default revenue account
        AccountConfiguration = pool.get('account.configuration')
        account_config = AccountConfiguration(1)
        account_config.default_category_account_revenue = revenue
        account_config.save()
        accounting, = Category.create([{
                    'name': "Goods", 'accounting': True,
                    'account_revenue': revenue.id,
                    'account_expense': expense.id}])
        s.drinks, s.snacks = Category.create(
            [{'name': "Drinks"}, {'name': "Snacks"}])
        products = {}
        for code, name, price, category in [
                ('TEA', "Tea", '10.00', s.drinks),
                ('COF', "Coffee", '20.00', s.drinks),
                ('CHI', "Chips", '5.00', s.snacks),
                ('CUP', "Cup", '3.00', s.drinks)]:
            template, = Template.create([{
                        'name': name, 'type': 'goods', 'salable': True,
                        'default_uom': unit.id, 'sale_uom': unit.id,
                        'list_price': D(price),
                        'categories': [('add', [category.id])],
                        'account_category': accounting.id,
                        'products': [('create', [{'suffix_code': code}])],
                        }])
            products[code] = template.products[0]
        s.tea, s.coffee, s.chips, s.cup = (products[c]
            for c in ('TEA', 'COF', 'CHI', 'CUP'))
        price_list, = PriceList.create([{
                    'name': "Franchise A", 'company': s.company.id,
                    'price': 'list_price',
                    'lines': [('create', [{
                                    'product': s.tea.id, 'quantity': 10,
                                    'formula': "unit_price * Decimal('0.8')",
                                    }, {
                                    'formula': "unit_price * Decimal('0.9')",
                                    }])]}])
        s.level_a, s.level_b = Level.create([{
                    'name': "Franchise A", 'code': 'FA', 'kind': 'franchise',
                    'price_list': price_list.id,
                    'minimum_order_amount': D('50.00'),
                    'auto_approve_limit': D('1000.00'),
                    }, {
                    'name': "Distributor B", 'code': 'DB',
                    'kind': 'distributor',
                    'categories': [('add', [s.drinks.id])],
                    }])
        s.store_a, s.store_b = Party.create([{
                    'name': "Store A", 'store_level': s.level_a.id,
                    'addresses': [('create', [{'city': "Shanghai"}])],
                    }, {
                    'name': "Store B", 'store_level': s.level_b.id,
                    'addresses': [('create', [{'city': "Hangzhou"}])],
                    }])
        Override.create([
                {'party': s.store_b.id, 'product': s.coffee.id,
                    'min_quantity': 0, 'unit_price': D('15.00')},
                {'party': s.store_b.id, 'product': s.coffee.id,
                    'min_quantity': 20, 'unit_price': D('12.00')},
                ])
        # the coupon VIP5 of Tryton's sale_promotion_coupon, carried by a
        # sale.promotion that gives nothing of its own
        carrier, = pool.get('sale.promotion').create([{
                    'name': "Store coupons", 'company': s.company.id,
                    'formula': 'unit_price',
                    }])
        s.vip5_coupon, = pool.get('sale.promotion.coupon').create([{
                    'promotion': carrier.id, 'company': s.company.id,
                    'number_of_use': 0,
                    'numbers': [('create', [{'number': 'VIP5',
                                    'company': s.company.id,
                                    'start_date': None}])],
                    }])
        s.off_10, s.gift_cup, s.vip5 = Promotion.create([{
                    'name': "满100减10", 'company': s.company.id,
                    'kind': 'discount', 'sequence': 10,
                    'threshold': D(100), 'discount': D(10),
                    }, {
                    'name': "满150赠杯", 'company': s.company.id,
                    'kind': 'gift', 'sequence': 20, 'threshold': D(150),
                    'gift_product': s.cup.id, 'gift_quantity': 1,
                    }, {
                    'name': "VIP5", 'company': s.company.id,
                    'kind': 'discount', 'sequence': 5,
                    'threshold': D(0), 'discount': D(5),
                    'coupon': s.vip5_coupon.id,
                    }])
        now = datetime.datetime.now()
        s.flash, = FlashSale.create([{
                    'name': "Chips flash", 'company': s.company.id,
                    'product': s.chips.id, 'unit_price': D('2.00'),
                    'start': now - datetime.timedelta(hours=1),
                    'end': now + datetime.timedelta(hours=1),
                    'total_quantity': 100, 'per_store_limit': 30,
                    }])
    return s


def store_sale(stores, party, lines, coupon=None):
    "A draft sale of the store party: lines are (product, quantity)"
    pool = Pool()
    Sale = pool.get('sale.sale')
    Line = pool.get('sale.line')
    sale = Sale(party=party, company=stores.company)
    sale.on_change_party()
    if coupon:
        # the back office picks the numbers in Tryton's own Coupons field
        with Transaction().set_context(active_test=False):
            sale.coupons = pool.get('sale.promotion.coupon.number').search(
                [('number', '=', coupon)])
    sale.save()
    records = []
    for product, quantity in lines:
        line = Line(sale=sale, type='line', product=product,
            quantity=quantity)
        line.on_change_product()
        records.append(line)
    Line.save(records)
    return Sale(sale.id)


def snapshot(stores):
    "What build() made as {name: (model, id)}, to use in later transactions"
    from trytond.model import Model
    return {name: (value.__name__, value.id)
        for name, value in vars(stores).items() if isinstance(value, Model)}


def shared_stores(ids):
    """The Stores of a build() committed earlier (see snapshot), read in the
    current transaction: tests share one set-up and roll back their own"""
    pool = Pool()
    s = Stores()
    for name, (model, id_) in ids.items():
        setattr(s, name, pool.get(model)(id_))
    s.context = lambda: set_company(s.company)
    return s
