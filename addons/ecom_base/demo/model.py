# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Load a demo plan (see plan.py) into a database.

`ecom.demo` holds the steps as class methods; `steps()` lists them in order
and other modules extend the model to add theirs (channels, suppliers'
grades, store levels...).  Each step runs in its own transaction and reads
and fills `plan.ids`, the map from plan keys to database ids.
"""
import datetime
import logging
from collections import defaultdict
from decimal import Decimal

from sql import Literal

from trytond.model import Model
from trytond.pool import Pool
from trytond.transaction import Transaction, TransactionError

logger = logging.getLogger(__name__)

ROLE_USERS = [
    # login, name, role group, language
    ('ops', "Operations (运营)", 'ecom_base.group_operations', 'zh_CN'),
    ('buyer', "Purchasing (采购)", 'ecom_base.group_purchasing', 'zh_CN'),
    ('warehouse', "Warehouse (仓库)", 'ecom_base.group_warehouse', 'zh_CN'),
    ('finance', "Finance (财务)", 'ecom_base.group_finance', 'en'),
    ('stores', "Store Manager (门店订货)", 'ecom_base.group_store_manager',
        'zh_CN'),
    ]
DEMO_PASSWORD = 'demo'
BATCH = 400


class Demo(Model):
    __name__ = 'ecom.demo'
    __string__ = "Demo Data"

    @classmethod
    def steps(cls):
        "The names of the steps, in order; each is the method step_<name>"
        return ['warehouses', 'catalogue', 'suppliers', 'customers',
            'opening_stock', 'history', 'open_purchases', 'open_sales',
            'users', 'configured']

    @classmethod
    def company(cls):
        Company = Pool().get('company.company')
        company, = Company.search([], limit=1, order=[('id', 'ASC')])
        return company

    @classmethod
    def ref(cls, xml_id):
        return Pool().get('ir.model.data').get_id(*xml_id.split('.', 1))

    @classmethod
    def translate(cls, records, field, values):
        "Write the zh_CN value of a translatable field"
        Model = records[0].__class__
        with Transaction().set_context(language='zh_CN'):
            for record, value in zip(records, values):
                Model.write([Model(record.id)], {field: value})

    # -- warehouses --------------------------------------------------------
    @classmethod
    def step_warehouses(cls, plan):
        pool = Pool()
        Location = pool.get('stock.location')
        Address = pool.get('party.address')
        company = cls.company()
        china = company.party.addresses[0].country
        warehouses = []
        for i, spec in enumerate(plan.warehouses):
            address, = Address.create([{
                        'party': company.party.id,
                        'street': f"{spec['name_zh']}物流园",
                        'city': spec['city'],
                        'country': china.id if china else None,
                        }])
            if i == 0:
                warehouse = Location(cls.ref('stock.location_warehouse'))
                Location.write([warehouse], {
                        'name': spec['name'], 'code': spec['code'],
                        'address': address.id})
            else:
                zones = Location.create([
                        {'name': "Input Zone", 'code': 'IN',
                            'type': 'storage'},
                        {'name': "Output Zone", 'code': 'OUT',
                            'type': 'storage'},
                        {'name': "Storage Zone", 'code': 'STO',
                            'type': 'storage'},
                        {'name': "Lost and Found", 'type': 'lost_found'},
                        ])
                warehouse, = Location.create([{
                            'name': spec['name'], 'code': spec['code'],
                            'type': 'warehouse', 'address': address.id,
                            'input_location': zones[0].id,
                            'output_location': zones[1].id,
                            'storage_location': zones[2].id,
                            'lost_found_location': zones[3].id,
                            }])
            warehouses.append(warehouse)
            plan.ids['warehouse'][spec['code']] = warehouse.id
        cls.translate(warehouses, 'name',
            [w['name_zh'] for w in plan.warehouses])

    # -- catalogue ---------------------------------------------------------
    @classmethod
    def step_catalogue(cls, plan):
        pool = Pool()
        Category = pool.get('product.category')
        Template = pool.get('product.template')
        Account = pool.get('account.account')
        company = cls.company()

        def account(kind):
            accounts = Account.search([
                    (f'type.{kind}', '=', True),
                    ('company', '=', company.id),
                    ('closed', '!=', True),
                    ], limit=1)
            return accounts[0].id if accounts else None
        accounting, = Category.create([{
                    'name': "Goods", 'accounting': True,
                    'account_revenue': account('revenue'),
                    'account_expense': account('expense'),
                    }])
        cls.translate([accounting], 'name', ["商品"])
        used = {p.category for p in plan.products}
        specs = [c for c in plan.categories if c['name'] in used]
        categories = Category.create([{'name': c['name']} for c in specs])
        cls.translate(categories, 'name', [c['name_zh'] for c in specs])
        category_ids = {c['name']: r.id for c, r in zip(specs, categories)}
        plan.ids['category'] = dict(category_ids)

        unit = cls.ref('product.uom_unit')
        for start in range(0, len(plan.products), 50):
            batch = plan.products[start:start + 50]
            templates = Template.create([{
                        'name': p.name,
                        'code': p.code,
                        'type': 'goods',
                        'default_uom': unit,
                        'sale_uom': unit,
                        'purchase_uom': unit,
                        'salable': True,
                        'purchasable': True,
                        'list_price': p.list_price,
                        'cost_price_method': 'fixed',
                        'account_category': accounting.id,
                        'categories': [('add', [category_ids[p.category]])],
                        'products': [('create', [{
                                        'cost_price': p.cost_price,
                                        'identifiers': [('create', [{
                                                        'type': 'ean',
                                                        'code': p.barcode,
                                                        }])],
                                        }])],
                        } for p in batch])
            for product, template in zip(batch, templates):
                plan.ids['product'][product.code] = template.products[0].id
                plan.ids['template'][product.code] = template.id

    # -- suppliers ---------------------------------------------------------
    @classmethod
    def step_suppliers(cls, plan):
        pool = Pool()
        Party = pool.get('party.party')
        ProductSupplier = pool.get('purchase.product_supplier')
        company = cls.company()
        china = company.party.addresses[0].country
        parties = Party.create([{
                    'name': s.name_zh,
                    'addresses': [('create', [{
                                    'city': s.city,
                                    'country': china.id if china else None,
                                    }])],
                    'contact_mechanisms': [('create', [
                                {'type': 'email',
                                    'value': f"{s.key.lower()}@suppliers.example.com"},
                                {'type': 'phone',
                                    'value': f"+86 571 8800 {i:04d}"},
                                ])],
                    'supplier_lead_time': datetime.timedelta(
                        days=s.lead_time),
                    } for i, s in enumerate(plan.suppliers, 1)])
        for supplier, party in zip(plan.suppliers, parties):
            plan.ids['supplier'][supplier.key] = party.id
        values = []
        for term in plan.product_suppliers:
            bulk = Decimal('0.97')
            values.append({
                    'template': plan.ids['template'][term.product],
                    'product': plan.ids['product'][term.product],
                    'party': plan.ids['supplier'][term.supplier],
                    'company': company.id,
                    'currency': company.currency.id,
                    'sequence': term.sequence,
                    'lead_time': datetime.timedelta(days=term.lead_time),
                    'quantity_minimal': term.quantity_minimal,
                    'quantity_rounding': term.quantity_rounding,
                    'prices': [('create', [
                                {'quantity': 0, 'sequence': 10,
                                    'unit_price': term.unit_price},
                                {'quantity': term.quantity_minimal * 5,
                                    'sequence': 20,
                                    'unit_price': (term.unit_price * bulk
                                        ).quantize(Decimal('0.0001'))},
                                ])],
                    })
        for start in range(0, len(values), 100):
            ProductSupplier.create(values[start:start + 100])

    # -- customers ---------------------------------------------------------
    @classmethod
    def step_customers(cls, plan):
        pool = Pool()
        Party = pool.get('party.party')
        company = cls.company()
        china = company.party.addresses[0].country
        parties = Party.create([{
                    'name': c.name,
                    'addresses': [('create', [{
                                    'city': c.city,
                                    'country': china.id if china else None,
                                    }])],
                    'contact_mechanisms': [('create', [{
                                    'type': 'phone',
                                    'value': f"+86 138 {int(c.key) % 10000:04d} {int(c.key) // 10000:04d}"
                                    if c.key.isdigit() else "+86 138 0000 0000",
                                    }])],
                    } for c in plan.customers])
        for customer, party in zip(plan.customers, parties):
            plan.ids['customer'][customer.key] = party.id

    # -- stock -------------------------------------------------------------
    @classmethod
    def step_opening_stock(cls, plan):
        pool = Pool()
        Inventory = pool.get('stock.inventory')
        Location = pool.get('stock.location')
        company = cls.company()
        date = plan.start_date - datetime.timedelta(days=1)
        inventories = []
        for code, warehouse_id in plan.ids['warehouse'].items():
            warehouse = Location(warehouse_id)
            lines = [{
                    'product': plan.ids['product'][product],
                    'quantity': quantity,
                    } for (product, wh), quantity in sorted(
                        plan.opening.items()) if wh == code and quantity]
            inventories.append({
                    'location': warehouse.storage_location.id,
                    'date': date,
                    'company': company.id,
                    'lines': [('create', lines)],
                    })
        inventories = Inventory.create(inventories)
        Inventory.confirm(inventories)

    @classmethod
    def step_history(cls, plan):
        "Write the year of done moves in bulk, as Tryton stores them"
        pool = Pool()
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        company = cls.company()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        unit = cls.ref('product.uom_unit')
        customer = cls.ref('stock.location_customer')
        supplier = cls.ref('stock.location_supplier')
        storage, lost_found = {}, {}
        for code, warehouse_id in plan.ids['warehouse'].items():
            warehouse = Location(warehouse_id)
            storage[code] = warehouse.storage_location.id
            lost_found[code] = warehouse.lost_found_location.id
        products = plan.products_by_code()

        move = Move.__table__()
        columns = [move.product, move.unit, move.quantity,
            move.internal_quantity, move.from_location, move.to_location,
            move.planned_date, move.effective_date, move.state, move.company,
            move.unit_price, move.currency, move.cost_price,
            move.unit_price_updated, move.create_uid, move.create_date]
        now = datetime.datetime.now()
        rows = []
        for m in plan.moves:
            wh = m.warehouse
            from_, to = {
                'sale': (storage[wh], customer),
                'return': (customer, storage[wh]),
                'lost': (storage[wh], lost_found[wh]),
                'found': (lost_found[wh], storage[wh]),
                'receipt': (supplier, storage[wh]),
                }[m.kind]
            priced = m.kind in {'sale', 'return', 'receipt'}
            cost = products[m.product].cost_price
            rows.append([
                    plan.ids['product'][m.product], unit, float(m.quantity),
                    float(m.quantity), from_, to, m.planned_date or m.date,
                    m.date, 'done', company.id,
                    m.unit_price if priced else None,
                    company.currency.id if priced else None,
                    cost if m.kind in {'sale', 'receipt', 'lost'} else None,
                    Literal(False), 0, now])
        for start in range(0, len(rows), BATCH):
            cursor.execute(*move.insert(columns, rows[start:start + BATCH]))
        plan.ids['history_moves'] = len(rows)

    @classmethod
    def step_open_purchases(cls, plan):
        "The replenishment orders of the history that have not arrived yet"
        pool = Pool()
        Purchase = pool.get('purchase.purchase')
        Party = pool.get('party.party')
        Location = pool.get('stock.location')
        company = cls.company()
        groups = defaultdict(list)
        for m in plan.open_orders:
            groups[(m.supplier, m.warehouse, m.order_date)].append(m)
        purchases = []
        for (supplier, wh, order_date), moves in sorted(groups.items()):
            party = Party(plan.ids['supplier'][supplier])
            warehouse = Location(plan.ids['warehouse'][wh])
            purchases.append(Purchase(
                    company=company,
                    party=party,
                    invoice_address=party.address_get(type='invoice'),
                    warehouse=warehouse,
                    currency=company.currency,
                    purchase_date=order_date,
                    payment_term=party.supplier_payment_term,
                    lines=[cls._purchase_line(plan, m) for m in moves]))
        if purchases:
            Purchase.save(purchases)
            Purchase.quote(purchases)
            Purchase.confirm(purchases)
            Purchase.process(purchases)
        plan.ids['open_purchases'] = [p.id for p in purchases]

    @classmethod
    def _purchase_line(cls, plan, move):
        pool = Pool()
        Line = pool.get('purchase.line')
        Product = pool.get('product.product')
        product = Product(plan.ids['product'][move.product])
        return Line(
            type='line', product=product, quantity=move.quantity,
            unit=product.purchase_uom, unit_price=move.unit_price,
            description=product.name, delivery_date_edit=True,
            delivery_date_store=move.planned_date)

    @classmethod
    def step_open_sales(cls, plan):
        """Orders of the last days: some quoted, most confirmed and waiting
        for shipment, as a shop holds on any morning"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        Party = pool.get('party.party')
        Product = pool.get('product.product')
        Location = pool.get('stock.location')
        company = cls.company()
        recent = [m for m in plan.moves if m.kind == 'sale' and m.customer
            and m.customer in plan.ids['customer']
            and m.date > plan.end_date - datetime.timedelta(days=21)]
        orders = defaultdict(list)
        for m in recent:
            orders[(m.customer, m.warehouse)].append(m)
        count = min(len(orders), 5 * plan.scale + 3)
        keys = sorted(orders, key=lambda k: (-len(orders[k]), k))[:count]
        sales = []
        for customer, wh in keys:
            party = Party(plan.ids['customer'][customer])
            lines = []
            for m in orders[(customer, wh)][:6]:
                product = Product(plan.ids['product'][m.product])
                lines.append(Line(type='line', product=product,
                        quantity=min(m.quantity, 24), unit=product.sale_uom,
                        unit_price=m.unit_price, description=product.name))
            sales.append(Sale(
                    company=company, party=party,
                    invoice_address=party.address_get(type='invoice'),
                    shipment_address=party.address_get(type='delivery'),
                    warehouse=Location(plan.ids['warehouse'][wh]),
                    currency=company.currency, sale_date=plan.end_date,
                    invoice_method='order', shipment_method='order',
                    lines=lines))
        Sale.save(sales)
        quoted = sales[:max(len(sales) // 4, 1)]
        confirmed = sales[len(quoted):]
        Sale.quote(sales)
        if confirmed:
            Sale.confirm(confirmed)
            Sale.process(confirmed)
        plan.ids['open_sales'] = [s.id for s in sales]

    # -- users -------------------------------------------------------------
    @classmethod
    def step_users(cls, plan):
        "A user per role, to try the access rights"
        pool = Pool()
        User = pool.get('res.user')
        Lang = pool.get('ir.lang')
        company = cls.company()
        langs = {l.code: l.id for l in Lang.search([])}
        existing = {u.login for u in User.search(
                    [('login', 'in', [r[0] for r in ROLE_USERS])])}
        users = User.create([{
                    'login': login,
                    'name': name,
                    'password': DEMO_PASSWORD,
                    'language': langs.get(language),
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'groups': [('add', [cls.ref(group)])],
                    } for login, name, group, language in ROLE_USERS
                if login not in existing])
        plan.ids['users'] = [u.id for u in users]

    @classmethod
    def step_configured(cls, plan):
        "The demo is set up: the first login opens no configuration wizard"
        Item = Pool().get('ir.module.config_wizard.item')
        Item.write(Item.search([('state', '!=', 'done')]), {'state': 'done'})


def build(database, plan, steps=None):
    """Run the demo steps on `database`, each in its own transaction

    The build is logged as a background job run.
    """
    pool = Pool(database)
    Demo = pool.get('ecom.demo')
    JobRun = pool.get('ecom.job.run')
    names = steps or Demo.steps()
    with Transaction().start(database, 0) as transaction:
        company = Demo.company()
    context = {'company': company.id, 'language': 'en'}
    started = datetime.datetime.now()
    plan.ids['steps'] = list(names)
    for name in names:
        logger.info("demo step %s", name)
        # a step that needs a table lock (a credit limit check, a singleton
        # created) is run again in a transaction that takes it from its
        # start, as Tryton's dispatcher does
        extras = {}
        while True:
            try:
                with Transaction().start(database, 0, context=context,
                        **extras) as transaction:
                    getattr(Demo, f'step_{name}')(plan)
                    transaction.commit()
            except TransactionError as error:
                error.fix(extras)
                continue
            break
    with Transaction().start(database, 0, context=context) as transaction:
        with JobRun.track('ecom_base.demo', origin=company) as run:
            run.started = started
            run.add('processed', len(names))
            run.add('created', len(plan.products) + len(plan.suppliers)
                + len(plan.customers) + plan.ids.get('history_moves', 0))
            run.info(f"seed {plan.seed}, scale {plan.scale}, history "
                f"{plan.start_date} to {plan.end_date}, "
                f"{plan.ids.get('history_moves', 0)} stock moves, "
                f"{plan.lost_units} units of demand lost to stockouts")
        transaction.commit()
