# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
import datetime
import io
import zipfile
from decimal import Decimal

import trytond.config as config

from trytond.model.exceptions import AccessError
from trytond.modules.account.tests import create_chart
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.ecom_base.portal import portal_context
from trytond.modules.ecom_connector.tests.memory import shop
from trytond.modules.ecom_connector.tests.test_module import (
    channel as make_channel)
from trytond.modules.ecom_base.tests import ModuleTestCase, RouteTestCase
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME, with_transaction
from trytond.transaction import Transaction, TransactionError

from .smtp_server import SMTPServer

D = Decimal


def region(code):
    "The subdivision (and its country) of a region code like CN-GD"
    pool = Pool()
    Country = pool.get('country.country')
    Subdivision = pool.get('country.subdivision')
    country_code = code.split('-')[0]
    countries = Country.search([('code', '=', country_code)])
    country = countries[0] if countries else Country.create([
            {'name': country_code, 'code': country_code}])[0]
    subdivision, = Subdivision.create([{'name': code, 'code': code,
                'type': 'province', 'country': country.id}])
    return subdivision


def party(name, subdivision=None):
    Party = Pool().get('party.party')
    address = {'street': f"1 {name} Road"}
    if subdivision:
        address.update(subdivision=subdivision.id,
            country=subdivision.country.id)
    record, = Party.create([{'name': name,
                'addresses': [('create', [address])]}])
    return record


def grade(company, supplier, value):
    Grading = Pool().get('party.party.supplier_grading')
    Grading.create([{'party': supplier.id, 'company': company.id,
                'supplier_grade': value}])


def account_category(company):
    "A chart of accounts and the product category using it"
    pool = Pool()
    Account = pool.get('account.account')
    Category = pool.get('product.category')
    create_chart(company)

    def account(kind):
        account, = Account.search([(f'type.{kind}', '=', True),
                ('company', '=', company.id), ('closed', '!=', True)],
            limit=1)
        return account.id
    category, = Category.create([{'name': "Goods", 'accounting': True,
                'account_expense': account('expense'),
                'account_revenue': account('revenue')}])
    return category


def product(name, supply='always', dropship_only=True, price=D('50'),
        category=None):
    pool = Pool()
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    unit, = Uom.search([('name', '=', 'Unit')])
    if category is None:
        category, = pool.get('product.category').search(
            [('accounting', '=', True)], limit=1)
    template, = Template.create([{
                'account_category': category.id,
                'name': name, 'type': 'goods', 'purchasable': True,
                'salable': True, 'default_uom': unit.id,
                'purchase_uom': unit.id, 'sale_uom': unit.id,
                'list_price': price, 'supply_on_sale': supply,
                'dropship_only': dropship_only,
                'products': [('create', [{'suffix_code': name.upper()}])]}])
    return template.products[0]


def offer(product, supplier, cost, freight='0', stock=100, days=2,
        code=None, feed_at=None):
    ProductSupplier = Pool().get('purchase.product_supplier')
    record, = ProductSupplier.create([{
                'template': product.template.id, 'product': product.id,
                'party': supplier.id, 'drop_shipment': True, 'code': code,
                'dropship_freight': D(freight), 'handling_days': days,
                'feed_stock': stock,
                'feed_at': feed_at or datetime.datetime.now(),
                'prices': [('create', [{'quantity': 0,
                                'unit_price': D(cost)}])]}])
    return record


def sale(customer, lines, commission=D(0)):
    "A draft sale: lines are (product, quantity, unit price)"
    pool = Pool()
    Sale = pool.get('sale.sale')
    record, = Sale.create([{
                'party': customer.id,
                'invoice_address': customer.addresses[0].id,
                'shipment_address': customer.addresses[0].id,
                'invoice_method': 'manual', 'shipment_method': 'order',
                'lines': [('create', [{
                                'product': p.id, 'quantity': q,
                                'unit': p.sale_uom.id, 'unit_price': u,
                                'dropship_commission': commission}
                            for p, q, u in lines])]}])
    return record


def confirm(record):
    "Quote, confirm and process (the queue does not run in tests)"
    Sale = Pool().get('sale.sale')
    Sale.quote([record])
    Sale.confirm([record])
    Sale.process([record])
    return Sale(record.id)


def configure(**values):
    Configuration = Pool().get('dropship.configuration')
    config = Configuration(1)
    for name, value in values.items():
        setattr(config, name, value)
    config.save()


def user_of(company, login, *groups):
    "A back-office user of the company in the ecom_base groups"
    pool = Pool()
    User = pool.get('res.user')
    ModelData = pool.get('ir.model.data')
    user, = User.create([{'login': login, 'name': login,
                'groups': [('add', [ModelData.get_id('ecom_base', g)
                            for g in groups])],
                'companies': [('add', [company.id])],
                'company': company.id}])
    return user


def view_fields(Model, view_id):
    """The fields a client reads for a view: each field, and the record
    name of each relation"""
    names = []
    for name, field in Model.fields_view_get(view_id)['fields'].items():
        names.append(name)
        if field['type'] in {'many2one', 'reference'}:
            names.append(f'{name}.rec_name')
    return names


def channel_sale(record, channel, reference):
    "Make record an order of the marketplace channel"
    pool = Pool()
    Sale = pool.get('sale.sale')
    Line = pool.get('sale.line')
    Sale.write([record], {'ecom_channel': channel.id,
            'reference': reference})
    for number, line in enumerate(record.lines, 1):
        Line.write([line], {'ecom_line_id': f'{reference}-{number}'})
    return Sale(record.id)


class World:
    "A company, a customer in Guangdong, three graded suppliers, a product"

    def __init__(self):
        self.company = create_company()

    def build(self):
        account_category(self.company)
        self.gd = region('CN-GD')
        self.customer = party("Customer", self.gd)
        self.a, self.b, self.c = (party("Supplier A"), party("Supplier B"),
            party("Supplier C"))
        for supplier, value in [(self.a, 'core'), (self.b, 'core'),
                (self.c, 'backup')]:
            grade(self.company, supplier, value)
        self.mug = product("Mug")
        # landed cost for 2: A 2×20+4=44, B 2×21+4=46, C 2×15+0=30 (backup)
        self.offer_a = offer(self.mug, self.a, '20', '4', code='A-MUG')
        self.offer_b = offer(self.mug, self.b, '21', '4')
        self.offer_c = offer(self.mug, self.c, '15')
        return self


class DropshipRoutingTestCase(CompanyTestMixin, ModuleTestCase):
    "Test dropship_routing module"
    module = 'dropship_routing'

    @with_transaction()
    def test_route_at_quote_and_dispatch(self):
        "A line goes to the best core supplier, with its figures"
        world = World()
        with set_company(world.company):
            world.build()
            record = sale(world.customer, [(world.mug, 2, D('50'))],
                commission=D('5'))
            record = confirm(record)
            line, = record.lines
            self.assertEqual(line.dropship_route, 'dropship')
            self.assertEqual(line.dropship_reason, 'best_offer')
            self.assertEqual(line.dropship_supplier, world.a)
            # 100 - 40 - 4 - 5
            self.assertEqual(line.dropship_margin, D('51.00'))
            order, = line.dropship_orders
            self.assertEqual(order.state, 'pending')
            self.assertEqual(order.supplier, world.a)
            self.assertEqual(order.purchase.state, 'draft')
            self.assertEqual(order.purchase.customer, world.customer)
            self.assertEqual(order.purchase.lines[0].unit_price, D('20'))
            self.assertIn("Customer", order.ship_to)

    @with_transaction()
    def test_reroute_on_rejection_and_timeout(self):
        "Rejected, then timed out, then rejected: the line is an exception"
        pool = Pool()
        Order = pool.get('dropship.order')
        Purchase = pool.get('purchase.purchase')
        world = World()
        with set_company(world.company):
            world.build()
            configure(max_attempts=3)
            record = confirm(sale(world.customer, [(world.mug, 2, D('50'))]))
            line, = record.lines
            first, = line.dropship_orders
            purchase_id = first.purchase.id
            Order.reject([first], reason="out of stock")
            line = line.__class__(line.id)
            self.assertEqual(line.dropship_supplier, world.b)
            self.assertEqual(Purchase.search([('id', '=', purchase_id)]), [])
            second, = [o for o in line.dropship_orders if o.state == 'pending']
            self.assertEqual(second.supplier, world.b)
            self.assertEqual(line.purchase_request.party, world.b)

            Order.write([second], {'deadline':
                    datetime.datetime.now() - datetime.timedelta(minutes=1)})
            self.assertEqual(Order.expire(), [second])
            line = line.__class__(line.id)
            third, = [o for o in line.dropship_orders if o.state == 'pending']
            self.assertEqual(third.supplier, world.c)
            self.assertEqual(sorted(o.state for o in line.dropship_orders),
                ['expired', 'pending', 'rejected'])

            Order.reject([third])
            line = line.__class__(line.id)
            self.assertEqual(line.dropship_route, 'exception')
            self.assertEqual(line.dropship_reason, 'attempts')
            self.assertFalse(any(o.state == 'pending'
                    for o in line.dropship_orders))
            self.assertTrue(record.__class__(record.id).dropship_exception)

    @with_transaction()
    def test_margin_floor_exception(self):
        "Below the floor: no request, an exception; forcing sends it"
        world = World()
        with set_company(world.company):
            world.build()
            # best margin: C 2×30 - 30 - 0 = 30; A 60-44 = 16
            configure(margin_floor=D('31'))
            record = confirm(sale(world.customer, [(world.mug, 2, D('30'))]))
            line, = record.lines
            self.assertEqual(line.dropship_route, 'exception')
            self.assertEqual(line.dropship_reason, 'margin_floor')
            self.assertEqual(line.dropship_margin, D('30.00'))
            self.assertIsNone(line.purchase_request)
            self.assertEqual(list(line.moves), [])

            line.__class__.dropship_force([line])
            line = line.__class__(line.id)
            self.assertEqual(line.dropship_route, 'dropship')
            self.assertEqual(line.dropship_reason, 'manual')
            order, = line.dropship_orders
            self.assertEqual(order.supplier, world.c)

    @with_transaction()
    def test_ship_with_tracking(self):
        "Shipping with a tracking number does the drop shipment"
        pool = Pool()
        Order = pool.get('dropship.order')
        world = World()
        with set_company(world.company):
            world.build()
            record = confirm(sale(world.customer, [(world.mug, 1, D('50'))]))
            order, = record.lines[0].dropship_orders
            with self.assertRaises(AccessError):
                Order.ship([order])
            Order.ship([order], tracking_number='SF1234567890',
                carrier='SF Express')
            order = Order(order.id)
            self.assertEqual(order.state, 'shipped')
            self.assertEqual(order.purchase.state, 'processing')
            shipment, = order.drop_shipments()
            self.assertEqual(shipment.state, 'done')
            self.assertEqual(shipment.reference, 'SF1234567890')
            self.assertEqual(shipment.customer, world.customer)

    @with_transaction()
    def test_mixed_order_split(self):
        "Own stock ships from the warehouse, the rest is drop-shipped"
        pool = Pool()
        Location = pool.get('stock.location')
        world = World()
        with set_company(world.company):
            world.build()
            tea = product("Tea", supply='stock_first', dropship_only=False)
            offer(tea, world.a, '5')
            warehouse, = Location.search([('type', '=', 'warehouse')])
            Inventory = pool.get('stock.inventory')
            inventory, = Inventory.create([{
                        'location': warehouse.storage_location.id,
                        'lines': [('create', [{'product': tea.id,
                                        'quantity': 10}])]}])
            Inventory.confirm([inventory])
            record = confirm(sale(world.customer, [
                        (tea, 3, D('20')), (world.mug, 1, D('50'))]))
            tea_line, mug_line = record.lines
            self.assertEqual(tea_line.dropship_route, 'stock')
            self.assertEqual(tea_line.dropship_warehouse, warehouse)
            self.assertIsNone(tea_line.purchase_request)
            shipment, = record.shipments
            self.assertEqual([m.product for m in shipment.outgoing_moves],
                [tea])
            self.assertEqual(mug_line.dropship_route, 'dropship')
            order, = mug_line.dropship_orders
            Pool().get('dropship.order').accept([order])
            record = record.__class__(record.id)
            self.assertEqual(len(record.drop_shipments), 1)

    @with_transaction()
    def test_feed_apply_and_listing(self):
        "A good feed applies, a malformed one changes nothing; delist/relist"
        pool = Pool()
        Feed = pool.get('dropship.feed')
        Product = pool.get('product.product')
        world = World()
        with set_company(world.company):
            world.build()
            Product.write([world.mug], {'dropship_listed': True})
            bad = Feed.receive(world.a,
                data=b'code,stock,cost\nA-MUG,7,19\nNOPE,1,2\nA-MUG2,x,\n',
                filename='a.csv')
            self.assertEqual(bad.state, 'error')
            self.assertEqual([(line.number, bool(line.errors))
                    for line in bad.lines],
                [(2, False), (3, True), (4, True)])
            offer_a = world.offer_a.__class__(world.offer_a.id)
            self.assertEqual(offer_a.feed_stock, 100)
            self.assertEqual(offer_a.dropship_cost(), D('20'))

            for supplier, code in [(world.a, 'A-MUG'), (world.b, 'MUG'),
                    (world.c, 'MUG')]:
                feed = Feed.receive(supplier,
                    data=f'code,stock,cost\n{code},0,19\n'.encode(),
                    filename='f.csv')
                self.assertEqual(feed.state, 'applied', feed.message)
            self.assertEqual(offer_a.__class__(offer_a.id).dropship_cost(),
                D('19'))
            self.assertFalse(Product(world.mug.id).dropship_listed)

            feed = Feed.receive(world.b, source='api',
                records=[{'code': 'MUG', 'stock': 4}])
            self.assertEqual(feed.state, 'applied')
            self.assertTrue(Product(world.mug.id).dropship_listed)

            # A feed gone stale delists again
            configure(feed_max_age=datetime.timedelta(hours=1))
            offer_b = world.offer_b.__class__(world.offer_b.id)
            offer_b.feed_at = (datetime.datetime.now()
                - datetime.timedelta(hours=2))
            offer_b.save()
            delisted, relisted = Product.dropship_update_listing()
            self.assertEqual(delisted, [Product(world.mug.id)])

    @with_transaction()
    def test_margin_report(self):
        "The margin report adds up the routed lines"
        pool = Pool()
        Margin = pool.get('dropship.margin')
        world = World()
        with set_company(world.company):
            world.build()
            confirm(sale(world.customer, [(world.mug, 2, D('50')),
                        (world.mug, 1, D('45'))], commission=D('3')))
            with Transaction().set_context(company=world.company.id):
                rows = Margin.search([])
            self.assertEqual(len(rows), 2)
            # 100 - 40 - 4 - 3 = 53 and 45 - 20 - 4 - 3 = 18
            self.assertEqual(sorted(r.margin for r in rows),
                [D('18'), D('53')])
            self.assertEqual(sum(r.revenue for r in rows), D('145'))
            self.assertEqual({r.supplier for r in rows}, {world.a})


    @with_transaction()
    def test_access_margin_and_menus(self):
        """Purchasing and finance users read the margin report as the client
        does; the drop-ship menus show to the groups that use them"""
        pool = Pool()
        Margin = pool.get('dropship.margin')
        Line = pool.get('sale.line')
        Order = pool.get('dropship.order')
        Menu = pool.get('ir.ui.menu')
        ModelData = pool.get('ir.model.data')
        world = World()
        with set_company(world.company):
            world.build()
            record = confirm(sale(world.customer, [(world.mug, 2, D('50'))],
                    commission=D('3')))
            users = {
                'purchasing': user_of(world.company, 'buyer',
                    'group_purchasing'),
                'finance': user_of(world.company, 'accountant',
                    'group_finance'),
                'operations': user_of(world.company, 'operator',
                    'group_operations'),
                }

        def menu(name):
            return ModelData.get_id('dropship_routing', name)
        margin_views = [ModelData.get_id('dropship_routing', v)
            for v in ['margin_view_list', 'margin_view_graph_supplier',
                'margin_view_graph_product']]
        expected_menus = {
            'purchasing': {'menu_margin', 'menu_margin_dropship',
                'menu_sale_line_routing', 'menu_order', 'menu_feed',
                'menu_configuration_dropship'},
            'finance': {'menu_margin'},
            'operations': {'menu_margin', 'menu_margin_dropship',
                'menu_sale_line_routing', 'menu_order', 'menu_feed',
                'menu_configuration_dropship'},
            }
        all_menus = {n: menu(n) for n in expected_menus['purchasing']}
        for role, user in users.items():
            with Transaction().set_user(user.id), \
                    Transaction().set_context(company=world.company.id,
                        _check_access=True):
                visible = {n for n, i in all_menus.items()
                    if Menu.search([('id', '=', i)])}
                self.assertEqual(visible, expected_menus[role], role)
                for view_id in margin_views:
                    self.assertEqual(len(Margin.search_read([],
                                fields_names=view_fields(Margin, view_id))),
                        1, role)
                rows = Margin.search_read([], fields_names=view_fields(
                        Margin, margin_views[0]))
                # 100 - 2×20 - 4 - 3
                self.assertEqual([(r['number'], r['supplier.']['rec_name'],
                            r['customer.']['rec_name'], r['margin'])
                        for r in rows],
                    [(record.number, "Supplier A", "Customer", D('53.00'))],
                    role)
                if role == 'finance':
                    continue
                lines = Line.search_read(
                    [('dropship_route', '!=', None)],
                    fields_names=view_fields(Line, ModelData.get_id(
                            'dropship_routing',
                            'sale_line_view_list_routing')))
                self.assertEqual([l['sale.']['rec_name'] for l in lines],
                    [record.rec_name])
                orders = Order.search_read([],
                    fields_names=view_fields(Order, ModelData.get_id(
                            'dropship_routing', 'order_view_list')))
                self.assertEqual([o['supplier.']['rec_name']
                        for o in orders], ['Supplier A'])

    @with_transaction()
    def test_email_dispatch(self):
        """A supplier dispatched by email gets the purchase order attached;
        a failed sending is kept, shown and sent again"""
        pool = Pool()
        Order = pool.get('dropship.order')
        Party = pool.get('party.party')
        Attachment = pool.get('ir.attachment')
        JobRun = pool.get('ecom.job.run')
        world = World()
        with set_company(world.company):
            world.build()
            Party.write([world.a], {'dropship_dispatch': 'email',
                    'dropship_email': 'orders@supplier-a.example.com'})
            record = confirm(sale(world.customer, [(world.mug, 2, D('50'))]))
            order, = record.lines[0].dropship_orders
            self.assertEqual(order.email_state, 'to_send')
            uri = config.get('email', 'uri')
            try:
                with SMTPServer() as server:
                    down = server.uri
                # the server is gone: the sending fails and is kept
                config.set('email', 'uri', down)
                self.assertEqual(Order.send_emails(), [order])
                order = Order(order.id)
                self.assertEqual((order.email_state, order.email_attempts),
                    ('failed', 1))
                self.assertTrue(order.email_error)
                self.assertEqual(Order.search(
                        [('email_state', '=', 'failed')]), [order])
                with SMTPServer() as server:
                    config.set('email', 'uri', server.uri)
                    self.assertEqual(Order.send_emails(), [order])
                    # sent: nothing left to send
                    self.assertEqual(Order.send_emails(), [])
            finally:
                config.set('email', 'uri', uri)
            order = Order(order.id)
            self.assertEqual((order.email_state, order.email_attempts,
                    order.email_to, order.email_error),
                ('sent', 2, 'orders@supplier-a.example.com', None))
            self.assertTrue(order.emailed_at)
            runs = JobRun.search([('job', '=', 'dropship_routing.email')],
                order=[('id', 'ASC')])
            self.assertEqual([r.state for r in runs], ['partial', 'done'])

            message, = server.messages
            self.assertEqual(server.envelopes[0][1],
                ['orders@supplier-a.example.com'])
            self.assertIn(order.number, message['Subject'])
            body = message.get_body(('plain',)).get_content()
            self.assertIn("2 Unit of [MUG] Mug", body)
            self.assertIn("1 Customer Road", body)
            attachment, = message.iter_attachments()
            self.assertEqual(attachment.get_filename(), f'{order.number}.odt')
            data = attachment.get_content()
            # the purchase order document: Tryton's purchase report, an
            # OpenDocument text (flat from its .fodt template)
            if zipfile.is_zipfile(io.BytesIO(data)):
                with zipfile.ZipFile(io.BytesIO(data)) as odf:
                    content = odf.read('content.xml').decode()
            else:
                content = data.decode()
            self.assertIn('urn:oasis:names:tc:opendocument', content)
            self.assertIn("Mug", content)
            self.assertIn("Supplier A", content)
            # the document sent is kept on the order
            kept, = Attachment.search([('resource', '=', str(order))])
            self.assertEqual((kept.name, bytes(kept.data)),
                (f'{order.number}.odt', data))

            # a portal supplier gets no email
            Order.reject([order])
            line = record.lines[0].__class__(record.lines[0].id)
            second, = [o for o in line.dropship_orders
                if o.state == 'pending']
            self.assertEqual((second.supplier, second.email_state),
                (world.b, None))

    @with_transaction()
    def test_commission_tracking_and_listing(self):
        "Commission in the margin, tracking pushed, listings follow feeds"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Order = pool.get('dropship.order')
        Listing = pool.get('ecom.listing')
        Feed = pool.get('dropship.feed')
        world = World()
        with set_company(world.company):
            world.build()
            mall = make_channel("Dropship Mall", push_stock=True,
                auto_delist=True)
            listing, = Listing.create([{'channel': mall.id,
                        'platform_sku_id': 'MUG-SKU',
                        'platform_product_id': 'MUG-P',
                        'product': world.mug.id}])
            record = channel_sale(sale(world.customer,
                    [(world.mug, 2, D('50')), (world.mug, 1, D('50'))]),
                mall, 'MP-1')
            Sale.write([record], {'ecom_commission': D('6')})
            first, second = confirm(record).lines
            # commission 6 shared 100:50; margins 100-40-4-4, 50-20-4-2
            self.assertEqual(first.dropship_margin, D('52.00'))
            self.assertEqual(second.dropship_margin, D('24.00'))
            Margin = pool.get('dropship.margin')
            with Transaction().set_context(company=world.company.id):
                rows = Margin.search([], order=[('id', 'ASC')])
            self.assertEqual([(r.channel, r.commission) for r in rows],
                [(mall, D('4.00')), (mall, D('2.00'))])

            order, = first.dropship_orders
            Order.ship([order], tracking_number='SF100', carrier='SF')
            self.assertEqual(shop("Dropship Mall").tracking,
                [('MP-1', 'shunfeng', 'SF100')])

            for supplier, code in [(world.a, 'A-MUG'), (world.b, 'MUG'),
                    (world.c, 'MUG')]:
                Feed.receive(supplier, data=f'code,stock\n{code},0\n'.encode(),
                    filename='feed.csv')
            listing = Listing(listing.id)
            self.assertEqual((listing.listed, listing.pushed_quantity),
                (False, 0))
            self.assertIn('MUG-P', shop("Dropship Mall").delisted)

            Feed.receive(world.b, data=b'code,stock\nMUG,7\n',
                filename='feed.csv')
            listing = Listing(listing.id)
            self.assertEqual((listing.listed, listing.pushed_quantity),
                (True, 7))
            self.assertNotIn('MUG-P', shop("Dropship Mall").delisted)


class DropshipPortalTestCase(RouteTestCase):
    "The supplier portal: each supplier reads and answers only its orders"
    module = 'dropship_routing'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Like with_transaction: retry with the tables to lock (the chart
        # of accounts creates singletons).
        extras = {}
        for _ in range(10):
            try:
                with Transaction().start(DB_NAME, 1, **extras):
                    cls.build_orders()
                break
            except TransactionError as error:
                error.fix(extras)

    @classmethod
    def build_orders(cls):
        pool = Pool()
        WebUser = pool.get('web.user')
        Order = pool.get('dropship.order')
        world = World()
        with set_company(world.company):
            world.build()
            mall = make_channel("Portal Mall")
            records = [confirm(sale(world.customer,
                        [(world.mug, 1, D('50'))])),
                confirm(channel_sale(sale(world.customer,
                            [(world.mug, 1, D('50'))]), mall, 'MP-9'))]
            order_a, = records[0].lines[0].dropship_orders
            order_a2, = records[1].lines[0].dropship_orders
            # the second sale goes to B
            Order.reject([order_a2])
            order_b, = [o for o in records[1].lines[0].dropship_orders
                if o.state == 'pending']
            users = WebUser.create([
                    {'email': 'a@suppliers.example.com',
                        'password': 'secret-pw-a',
                        'party': world.a.id, 'portal': 'supplier'},
                    {'email': 'b@suppliers.example.com',
                        'password': 'secret-pw-b',
                        'party': world.b.id, 'portal': 'supplier'},
                    ])
            cls.orders = {'a': order_a.id, 'a2': order_a2.id,
                'b': order_b.id}
            cls.web_users = {u.email[0]: u.id for u in users}
        Transaction().commit()
        cls.sessions = {}
        for user in users:
            cls.sessions[user.email[0]] = user.new_session()
        Transaction().commit()

    def call(self, who, path, method='get', **kwargs):
        headers = {'Accept': 'application/json'}
        if who:
            headers['Authorization'] = f'Bearer {self.sessions[who]}'
        return getattr(self.client(), method)(
            f'/{self.db_name}/dropship/supplier/{path}', headers=headers,
            **kwargs)

    def test_isolation(self):
        "Supplier A never reads or answers B's orders, even by guessed id"
        response = self.call('a', 'orders')
        self.assertEqual(response.status_code, 200)
        self.assertEqual({o['id'] for o in response.json},
            {self.orders['a'], self.orders['a2']})
        response = self.call('b', 'orders')
        self.assertEqual([o['id'] for o in response.json], [self.orders['b']])
        for action in ['', '/accept', '/reject', '/ship']:
            method = 'post' if action else 'get'
            response = self.call('a', f"orders/{self.orders['b']}{action}",
                method=method, json={'tracking_number': 'X'})
            self.assertEqual(response.status_code, 404, action)
        for guess in range(1, max(self.orders.values()) + 5):
            if guess in {self.orders['a'], self.orders['a2']}:
                continue
            response = self.call('a', f'orders/{guess}')
            self.assertEqual(response.status_code, 404, guess)
        self.assertEqual(self.call(None, 'orders').status_code, 401)
        self.assertNotIn(b'Supplier B', self.call('a', 'orders.csv').data)

        # an answer file naming B's order: not found, and nothing applied
        before = self.call('b', f"orders/{self.orders['b']}").json
        number_a = self.call('a', f"orders/{self.orders['a']}").json['number']
        answers = (f"number,action,tracking_number\n"
            f"{number_a},accept,\n"
            f"{before['number']},ship,X-GUESS\n").encode()
        response = self.call('a', 'orders/upload', method='post',
            data={'file': (io.BytesIO(answers), 'answers.csv')})
        self.assertEqual(response.status_code, 409, response.data)
        self.assertEqual(response.json['errors'],
            [{'row': 3, 'error': 'not found'}])
        self.assertEqual(self.call('b', f"orders/{self.orders['b']}").json,
            before)
        self.assertEqual(
            self.call('a', f"orders/{self.orders['a']}").json['state'],
            'pending')

    @with_transaction()
    def test_isolation_rpc(self):
        "Through the ORM, as the portal user, B's orders do not exist for A"
        pool = Pool()
        Order = pool.get('dropship.order')
        ModelData = pool.get('ir.model.data')
        portal_user = ModelData.get_id('ecom_base', 'user_portal_supplier')
        web_user = pool.get('web.user')(self.web_users['a'])
        with Transaction().set_user(portal_user), \
                Transaction().set_context(portal_context(web_user),
                    _check_access=True):
            self.assertEqual({o.id for o in Order.search([])},
                {self.orders['a'], self.orders['a2']})
            with self.assertRaises(AccessError):
                Order.read([self.orders['b']], ['number'])
            with self.assertRaises(AccessError):
                Order.write([Order(self.orders['a'])], {'carrier': 'x'})

    def test_answer_and_feed(self):
        "B ships its order; A uploads a feed with an unknown code"
        response = self.call('b', f"orders/{self.orders['b']}/ship",
            method='post', json={'tracking_number': 'YT0001'})
        self.assertEqual(response.status_code, 200, response.data)
        self.assertEqual(response.json['state'], 'shipped')
        self.assertEqual(response.json['tracking_number'], 'YT0001')
        # from the supplier portal to the marketplace
        self.assertEqual(shop("Portal Mall").tracking,
            [('MP-9', None, 'YT0001')])
        response = self.call('a', 'feed', method='post',
            json={'rows': [{'code': 'A-MUG', 'stock': 3},
                    {'code': 'B-X', 'stock': 1}]})
        self.assertEqual(response.status_code, 422)
        self.assertEqual([e['row'] for e in response.json['errors']], [3])
        response = self.call('a', 'feed', method='post',
            json={'rows': [{'code': 'A-MUG', 'stock': 3}]})
        self.assertEqual(response.json['state'], 'applied')


del ModuleTestCase, RouteTestCase
