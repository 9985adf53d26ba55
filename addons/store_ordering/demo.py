# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Demo data: store levels with their price lists, three stores, a
promotion, the payment configuration, a store portal login and an order
per store (those under the approval limit approved)."""
from decimal import Decimal

from trytond.modules.ecom_base.demo.model import DEMO_PASSWORD
from trytond.pool import Pool, PoolMeta

PORTAL_EMAIL = 'xuhui@stores.example.com'
#: name, name in Chinese, level code, email, credit limit
STORES = [
    ("Xuhui Store", "徐汇店", 'FA', PORTAL_EMAIL, Decimal(50000)),
    ("West Lake Store", "西湖店", 'FA', 'xihu@stores.example.com',
        Decimal(30000)),
    ("Suzhou Distributor", "苏州分销商", 'DB', None, Decimal(200000)),
    ]


class Demo(metaclass=PoolMeta):
    __name__ = 'ecom.demo'

    @classmethod
    def steps(cls):
        steps = list(super().steps())
        index = (steps.index('configured') if 'configured' in steps
            else len(steps))
        steps[index:index] = ['store_ordering', 'store_orders']
        return steps

    @classmethod
    def step_store_ordering(cls, plan):
        pool = Pool()
        PriceList = pool.get('product.price_list')
        Level = pool.get('store.level')
        Party = pool.get('party.party')
        Promotion = pool.get('store.promotion')
        WebUser = pool.get('web.user')
        Account = pool.get('account.account')
        AccountType = pool.get('account.account.type')
        Journal = pool.get('account.journal')
        Configuration = pool.get('store.configuration')
        company = cls.company()

        franchise, distributor = PriceList.create([{
                    'name': "Franchise (加盟价)", 'company': company.id,
                    'price': 'list_price',
                    'lines': [('create', [{
                                    'formula': "unit_price * Decimal('0.9')",
                                    }])]}, {
                    'name': "Distributor (分销价)", 'company': company.id,
                    'price': 'list_price',
                    'lines': [('create', [{
                                    'quantity': 100,
                                    'formula': "unit_price * Decimal('0.7')",
                                    }, {
                                    'formula': "unit_price * Decimal('0.75')",
                                    }])]}])
        levels = Level.create([{
                    'name': "Franchise A", 'code': 'FA', 'kind': 'franchise',
                    'price_list': franchise.id,
                    'minimum_order_amount': Decimal(100),
                    'auto_approve_limit': Decimal(5000),
                    }, {
                    'name': "Distributor", 'code': 'DB',
                    'kind': 'distributor', 'price_list': distributor.id,
                    'minimum_order_amount': Decimal(500),
                    }])
        cls.translate(levels, 'name', ["加盟A类", "分销商"])
        levels = {l.code: l for l in levels}
        china = company.party.addresses[0].country
        stores = Party.create([{
                    'name': f"{name} ({zh})",
                    'store_level': levels[level].id,
                    'addresses': [('create', [{
                                    'city': "Shanghai",
                                    'country': china.id if china else None,
                                    }])],
                    'contact_mechanisms': [('create', [{
                                    'type': 'email', 'value': email,
                                    }] if email else [])],
                    } for name, zh, level, email, _ in STORES])
        for store, (*_, limit) in zip(stores, STORES):
            store.credit_limit_amount = limit
        Party.save(stores)
        plan.ids['store'] = [s.id for s in stores]
        Promotion.create([{
                    'name': "满1000减50", 'company': company.id,
                    'kind': 'discount', 'sequence': 10,
                    'threshold': Decimal(1000), 'discount': Decimal(50),
                    'repeat': True,
                    }])
        WebUser.create([{
                    'email': PORTAL_EMAIL, 'password': DEMO_PASSWORD,
                    'party': stores[0].id, 'portal': 'store',
                    }])

        payable, = AccountType.search([
                ('payable', '=', True), ('statement', '=', 'balance'),
                ('company', '=', company.id)], limit=1)
        journal, = Journal.search([('type', '=', 'cash')], limit=1)
        # creating the configuration singleton locks its table: the demo
        # builder then runs this step again holding the lock
        prepaid, = Account.create([{
                    'name': "Customer Prepayments (预收账款)",
                    'code': '2203', 'type': payable.id,
                    'party_required': True, 'company': company.id}])
        config = Configuration(1)
        config.payment_journal = journal.id
        config.prepaid_account = prepaid.id
        config.save()

    @classmethod
    def step_store_orders(cls, plan):
        """An order per store: those under the approval limit are
        confirmed"""
        pool = Pool()
        Party = pool.get('party.party')
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        Product = pool.get('product.product')
        Location = pool.get('stock.location')
        company = cls.company()
        # the demo has several warehouses: Sale's default (the only one)
        # leaves it empty; the stores are served from the first
        warehouse = Location(plan.ids['warehouse'][
                sorted(plan.ids['warehouse'])[0]])
        stores = [Party(i) for i in plan.ids['store']]
        codes = sorted(plan.ids['product'])[:6]
        products = [Product(plan.ids['product'][c]) for c in codes]
        sales = []
        for i, store in enumerate(stores):
            sale = Sale(company=company, party=store, warehouse=warehouse)
            sale.on_change_party()
            quantity = 120 if store.store_level.code == 'DB' else 24
            lines = []
            for product in products[i:i + 3]:
                line = Line(type='line', product=product, quantity=quantity)
                line.sale = sale
                line.on_change_product()
                lines.append(line)
            sale.lines = lines
            sales.append(sale)
        Sale.save(sales)
        Sale.quote(sales)
        approved = [s for s in sales if s.store_auto_approve()]
        # no account move here: posting needs table locks the demo's
        # transactions do not hold (deposits are recorded in the client)
        Sale.confirm(approved)
        plan.ids['store_orders'] = [s.id for s in sales]
