# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Channels, raw orders, import, sync and stock push on a database"""
import datetime
import json
from decimal import Decimal
from unittest import mock

from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.currency.tests import add_currency_rate, create_currency
from trytond.modules.ecom_base.tests import ModuleTestCase
from trytond.modules.ecom_connector import channel as channel_module
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction, check_access

from .memory import UTC, order_payload, shop

T0 = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
seconds = lambda s: datetime.timedelta(seconds=s)  # noqa: E731


def company():
    currency = create_currency('USD')
    add_currency_rate(currency, 1)
    return create_company(currency=currency)


def product(code, stock=0, list_price=10):
    pool = Pool()
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    unit, = Uom.search([('name', '=', 'Unit')])
    template, = Template.create([{
                'name': code, 'type': 'goods', 'salable': True,
                'default_uom': unit.id, 'sale_uom': unit.id,
                'list_price': Decimal(list_price),
                'products': [('create', [{'suffix_code': code}])]}])
    product, = template.products
    if stock:
        product_move(product, stock)
    return product


def product_move(product, quantity):
    "Receive quantity units of product in the warehouse's storage"
    pool = Pool()
    Move = pool.get('stock.move')
    Location = pool.get('stock.location')
    storage, = Location.search([('code', '=', 'STO')])
    lost, = Location.search([('type', '=', 'lost_found')], limit=1)
    move, = Move.create([{'product': product.id, 'quantity': quantity,
                'unit': product.default_uom.id, 'from_location': lost.id,
                'to_location': storage.id,
                'effective_date': datetime.date(2026, 1, 1),
                'company': Transaction().context['company']}])
    Move.do([move])
    return move


def channel(name, shop_name=None, **values):
    pool = Pool()
    Channel = pool.get('ecom.channel')
    Location = pool.get('stock.location')
    warehouse, = Location.search([('code', '=', 'WH')])
    shop(shop_name or name).__init__()
    record, = Channel.create([{
                'name': name, 'platform': 'memory',
                'credentials': json.dumps({'shop': shop_name or name,
                        'secret': 's3cret'}),
                'warehouse': warehouse.id,
                'company': Transaction().context['company'],
                **values}])
    Channel.run([record])
    return record


def listing(channel, sku, product):
    Listing = Pool().get('ecom.listing')
    record, = Listing.create([{'channel': channel.id,
                'platform_sku_id': sku, 'product': product.id}])
    return record


class EcomConnectorTestCase(ModuleTestCase):
    "Marketplace connector"
    module = 'ecom_connector'

    def setUp(self):
        super().setUp()
        self.slept = []
        patcher = mock.patch.object(channel_module, 'sleep',
            self.slept.append)
        patcher.start()
        self.addCleanup(patcher.stop)

    @staticmethod
    def cup_mug_tea(cups):
        "Shop A selling cups, mugs and tea (S1 to S3): `cups` and 10 in stock"
        products = [product('CUP', stock=cups), product('MUG', stock=10),
            product('TEA', stock=10)]
        shop_ = channel('A')
        for n, record in enumerate(products, 1):
            listing(shop_, f'S{n}', record)
        return shop_, products

    def receive(self, channel, payloads, source='webhook'):
        RawOrder = Pool().get('ecom.raw_order')
        raws = RawOrder.receive(channel, payloads, source)
        RawOrder.import_orders(raws)
        return RawOrder.search([('channel', '=', channel.id)])

    @with_transaction()
    def test_same_order_five_times_one_sale(self):
        "webhooks and overlapping pulls deliver an order 5 times: one sale"
        pool = Pool()
        Sale = pool.get('sale.sale')
        with set_company(company()):
            cup = product('CUP', stock=10)
            shop_ = channel('A')
            listing(shop_, 'S1', cup)
            payload = order_payload('1001', T0, quantity=2)
            shop('A').orders['1001'] = payload
            self.receive(shop_, [payload])
            self.receive(shop_, [json.dumps(payload).encode()])
            for now in [T0 + seconds(60), T0 + seconds(120),
                    T0 + seconds(150)]:
                shop_.checkpoint = None
                shop_.first_pull_days = 1
                shop_.save()
                shop_.pull(now=now)
            raw, = pool.get('ecom.raw_order').search([])
            self.assertEqual(raw.deliveries, 5)
            self.assertEqual(raw.state, 'imported')
            sales = Sale.search([('ecom_channel', '=', shop_.id)])
            self.assertEqual(len(sales), 1)
            sale, = sales
            self.assertEqual(sale.state, 'processing')
            self.assertEqual(sale.total_amount, Decimal('20.00'))
            self.assertEqual([(l.product, l.quantity) for l in sale.lines],
                [(cup, 2)])
            self.assertEqual(sale.shipment_address.party_name, 'Li *')

    @with_transaction()
    def test_webhook_burst_imported_by_batches(self):
        "one task per webhook: the first imports the burst by batches"
        pool = Pool()
        RawOrder = pool.get('ecom.raw_order')
        Queue = pool.get('ir.queue')
        transaction = Transaction()
        with set_company(company()):
            cup = product('CUP', stock=100)
            shop_ = channel('A')
            other = channel('B')
            listing(shop_, 'S1', cup)
            listing(other, 'S1', cup)
            # seven webhooks of channel A and one of B, each stored alone
            # (seven buyers: the same order of one buyer looks a duplicate)
            delivered = [RawOrder.receive(shop_,
                    [order_payload(f'A{n}', T0 + seconds(n),
                            buyer=f'buyer{n}')], 'webhook')[0]
                for n in range(7)]
            b, = RawOrder.receive(other, [order_payload('B1', T0)],
                'webhook')
            create_sales = RawOrder._create_sales
            batches = []

            def counted(plans):
                batches.append(sorted(p[0].platform_order_id for p in plans))
                return create_sales(plans)
            queued = len(transaction.tasks)
            with mock.patch.object(RawOrder, '_create_sales', counted):
                # the task of the fourth delivery; at most 5 per task
                RawOrder.import_waiting([delivered[3]], batch=2, most=5)
            self.assertEqual(batches, [
                    ['A0', 'A3'], ['A1', 'A2'], ['A4']])
            def states():
                return [r.state for r in RawOrder.browse(
                        [d.id for d in delivered])]
            self.assertEqual(states(), ['imported'] * 5 + ['received'] * 2)
            # not its channel
            self.assertEqual(RawOrder(b.id).state, 'received')
            # the rest of channel A: one more task, from its oldest
            task, = Queue.browse(transaction.tasks[queued:])
            self.assertEqual(task.name, f'ecom_channel_{shop_.id}')
            self.assertEqual(task.data['method'], 'import_waiting')
            self.assertEqual(list(task.data['instances']), [delivered[5].id])
            RawOrder.import_waiting(RawOrder.browse(task.data['instances']),
                **task.data['kwargs'])
            self.assertEqual(set(states()), {'imported'})
            # the task of a delivery imported meanwhile imports nothing new
            with mock.patch.object(RawOrder, '_create_sales', counted):
                RawOrder.import_waiting([delivered[0]])
            self.assertEqual(len(batches), 3)

    @with_transaction()
    def test_address_change_updates_sale(self):
        "a later version updates the address with history; older ignored"
        RawOrder = Pool().get('ecom.raw_order')
        with set_company(company()):
            cup = product('CUP', stock=10)
            shop_ = channel('A')
            listing(shop_, 'S1', cup)
            self.receive(shop_, [order_payload('1', T0)])
            self.receive(shop_, [order_payload('1', T0 + seconds(5),
                        street='9 New Street')])
            self.receive(shop_, [order_payload('1', T0 + seconds(2),
                        street='Stale Street')])
            raw, = RawOrder.search([])
            sale = raw.sale
            shipment, = sale.shipments
            self.assertIn('9 New Street', sale.shipment_address.full_address)
            self.assertEqual(shipment.delivery_address,
                sale.shipment_address)
            self.assertEqual([v.outcome for v in raw.versions],
                ['applied', 'applied', 'older'])
            self.assertIn('9 New Street', raw.versions[1].changes)
            self.assertIn('1 Road', raw.versions[1].changes)
            self.assertEqual(len(pool_sales(sale.party)), 1)

    @with_transaction()
    def test_window_boundary_order_imported(self):
        "an order modified on the last second of a window is pulled"
        RawOrder = Pool().get('ecom.raw_order')
        with set_company(company()):
            cup = product('CUP', stock=10)
            shop_ = channel('A')
            listing(shop_, 'S1', cup)
            shop_.checkpoint = (T0 - datetime.timedelta(minutes=30)
                ).replace(tzinfo=None)
            shop_.save()
            # the first pull's window ends at T0: [T0 - 33 min, T0)
            shop_.pull(now=T0)
            self.assertEqual(shop_.checkpoint, T0.replace(tzinfo=None))
            shop('A').orders['9'] = order_payload('9', T0)
            shop_.pull(now=T0 + datetime.timedelta(minutes=10))
            raw, = RawOrder.search([])
            self.assertEqual(raw.state, 'imported')

    @with_transaction()
    def test_pull_retries_throttled(self):
        "throttled calls are retried with backoff; the run is logged"
        pool = Pool()
        JobRun = pool.get('ecom.job.run')
        with set_company(company()):
            cup = product('CUP', stock=10)
            shop_ = channel('A', max_attempts=3)
            listing(shop_, 'S1', cup)
            shop('A').orders['1'] = order_payload('1', T0)
            slept = self.slept
            shop('A').throttle = 2
            shop_.pull(now=T0 + seconds(60))
            self.assertEqual(slept, [1.0, 2.0])
            self.assertEqual(shop_.checkpoint, (T0 + seconds(60)).replace(
                    tzinfo=None))
            # more throttling than attempts: the checkpoint stays
            shop('A').throttle = 5
            shop('A').orders['2'] = order_payload('2', T0 + seconds(90))
            shop_.pull(now=T0 + seconds(600))
            self.assertEqual(shop_.checkpoint, (T0 + seconds(60)).replace(
                    tzinfo=None))
            self.assertIn('slow down', shop_.last_error)
            runs = JobRun.search([('job', '=', 'ecom_connector.pull'),
                    ('origin', '=', str(shop_))], order=[('id', 'ASC')])
            self.assertEqual([r.state for r in runs], ['done', 'partial'])

    @with_transaction()
    def test_last_unit_three_channels(self):
        "last unit sold on two channels 2 s apart: one sale, one oversold"
        pool = Pool()
        RawOrder = pool.get('ecom.raw_order')
        PushLog = pool.get('ecom.push.log')
        Listing = pool.get('ecom.listing')
        with set_company(company()):
            cup = product('CUP', stock=1)
            channels = [channel(n) for n in 'ABC']
            for record in channels:
                listing(record, 'S1', cup)
            Listing.push()
            self.assertEqual([shop(n).inventory for n in 'ABC'],
                [[('S1', 1)]] * 3)
            first = len(PushLog.search([]))
            self.receive(channels[0], [order_payload('a1', T0)])
            self.receive(channels[1], [order_payload('b1', T0 + seconds(2))])
            a, = RawOrder.search([('channel', '=', channels[0].id)])
            b, = RawOrder.search([('channel', '=', channels[1].id)])
            self.assertEqual(a.state, 'imported')
            self.assertEqual((b.state, b.exception_reason),
                ('exception', 'oversold'))
            self.assertIn('CUP', b.exception_message)
            logs = PushLog.search([], order=[('id', 'ASC')])[first:]
            self.assertTrue(logs)
            for log in logs:
                self.assertLessEqual(log.new_quantity, log.old_quantity)
            self.assertEqual([shop(n).inventory[-1] for n in 'ABC'],
                [('S1', 0)] * 3)
            # a stock change queues the push of the listings of its product
            Queue = pool.get('ir.queue')

            def pushes():
                return [t for t in Queue.search([])
                    if t.data['method'] == 'push_listings']
            product('MUG', stock=3)
            self.assertEqual(pushes(), [])
            product_move(cup, 4)
            task, = pushes()
            self.assertEqual(sorted(task.data['instances']),
                sorted(l.id for l in Listing.search([])))
            Listing.push_listings(Listing.search([]))
            # 5 on hand - 1 reserved by A - 1 accepted on B, not imported
            self.assertEqual([shop(n).inventory[-1] for n in 'ABC'],
                [('S1', 3)] * 3)

    @with_transaction()
    def test_pending_demand(self):
        "orders accepted, not sales yet: received, retried and exceptions"
        pool = Pool()
        RawOrder = pool.get('ecom.raw_order')
        with set_company(company()):
            shop_, (cup, mug, tea) = self.cup_mug_tea(cups=1)
            # imported: a sale (its moves are the reservation), not pending
            self.receive(shop_, [order_payload('1', T0, quantity=1)])
            # oversold: the exception keeps its demand (3 cups)
            self.receive(shop_, [order_payload('2', T0, quantity=3,
                        buyer='b2')])
            # oversold, then ignored: not pending
            self.receive(shop_, [order_payload('3', T0, quantity=5,
                        buyer='b3')])
            ignored, = RawOrder.search([('platform_order_id', '=', '3')])
            RawOrder.ignore([ignored])
            # received and never tried: read from the payload (2 + 4 mugs,
            # 1 tea; an unmapped SKU counts nothing)
            RawOrder.receive(shop_, [
                    order_payload('4', T0, sku='S2', quantity=2),
                    order_payload('5', T0, sku='S2', quantity=4),
                    order_payload('6', T0, sku='S3', quantity=1),
                    order_payload('7', T0, sku='S9', quantity=8),
                    ], 'webhook')
            # sent back to received: its stored demand (3 cups) counts once
            self.receive(shop_, [order_payload('8', T0, quantity=3,
                        buyer='b8')])
            retried, = RawOrder.search([('platform_order_id', '=', '8')])
            RawOrder.write([retried], {'state': 'received'})
            states = {r.platform_order_id: r.state
                for r in RawOrder.search([])}
            self.assertEqual(states, {'1': 'imported', '2': 'exception',
                    '3': 'ignored', '4': 'received', '5': 'received',
                    '6': 'received', '7': 'received', '8': 'received'})
            self.assertEqual(
                dict(RawOrder.pending_demand([cup.id, mug.id, tea.id])),
                {cup.id: 6, mug.id: 6, tea.id: 1})
            self.assertEqual(dict(RawOrder.pending_demand([mug.id])),
                {mug.id: 6})
            self.assertEqual(dict(RawOrder.pending_demand([])), {})

    @with_transaction()
    def test_batch_one_bad_order(self):
        "a batch with a bad order imports the others; again, nothing new"
        pool = Pool()
        RawOrder = pool.get('ecom.raw_order')
        Version = pool.get('ecom.raw_order.version')
        Sale = pool.get('sale.sale')
        Queue = pool.get('ir.queue')
        from ..listing import stock_levels
        with set_company(company()):
            shop_, (cup, mug, tea) = self.cup_mug_tea(cups=10)
            # no longer for sale: its sale line breaks the batch's sales
            tea.template.salable = False
            tea.template.save()
            payloads = [
                order_payload('1', T0, buyer='b1'),
                order_payload('2', T0, sku='S3', buyer='b2'),
                order_payload('3', T0, sku='S2', quantity=2, buyer='b3'),
                order_payload('4', T0, quantity=20, buyer='b4'),
                order_payload('5', T0, quantity=6, buyer='b5'),
                # 10 cups: 1 and 6 taken by orders 1 and 5 of this batch
                order_payload('6', T0, quantity=6, buyer='b6'),
                ]
            self.receive(shop_, payloads)
            raws = {r.platform_order_id: r for r in RawOrder.search([])}
            self.assertEqual(
                {k: (r.state, r.exception_reason) for k, r in raws.items()}, {
                    '1': ('imported', None), '2': ('exception', 'error'),
                    '3': ('imported', None), '4': ('exception', 'oversold'),
                    '5': ('imported', None), '6': ('exception', 'oversold'),
                    })
            self.assertTrue(raws['2'].exception_message)
            self.assertIsNone(raws['2'].sale)
            sales = Sale.search([])
            self.assertEqual(len(sales), 3)
            self.assertEqual(sorted((s.reference, s.state,
                        [(l.product.code, l.quantity) for l in s.lines])
                    for s in sales), [
                    ('1', 'processing', [('CUP', 1)]),
                    ('3', 'processing', [('MUG', 2)]),
                    ('5', 'processing', [('CUP', 6)]),
                    ])
            self.assertTrue(all(len(s.shipments) == 1 for s in sales))
            warehouse = shop_.warehouse.id
            levels = stock_levels([warehouse], [cup.id, mug.id, tea.id])
            self.assertEqual(levels, {cup.id: (10, 7), mug.id: (10, 2),
                    tea.id: (10, 0)})
            # processed here, not queued to be processed again
            self.assertFalse([q for q in Queue.search([])
                    if q.data['model'] == 'sale.sale'])
            versions = Version.search_count([])
            self.receive(shop_, payloads)
            self.assertEqual(len(RawOrder.search([])), 6)
            self.assertEqual(len(Sale.search([])), 3)
            self.assertEqual(Version.search_count([]), versions)
            self.assertEqual(
                {(r.platform_order_id, r.state, r.deliveries)
                    for r in RawOrder.search([])},
                {(k, r.state, 2) for k, r in raws.items()})
            self.assertEqual(stock_levels([warehouse], [cup.id]),
                {cup.id: (10, 7)})

    @with_transaction()
    def test_malformed_payloads(self):
        "bad payloads become exceptions with a message; good ones import"
        pool = Pool()
        RawOrder = pool.get('ecom.raw_order')
        Sale = pool.get('sale.sale')
        with set_company(company()):
            cup = product('CUP', stock=10)
            shop_ = channel('A')
            listing(shop_, 'S1', cup)
            missing = order_payload('m1', T0)
            del missing['lines']
            wrong_type = order_payload('m2', T0)
            wrong_type['lines'][0]['qty'] = 'many'
            absurd = order_payload('m3', T0, quantity=10 ** 9)
            negative = order_payload('m4', T0, price='-5')
            future = order_payload('m5', T0 + datetime.timedelta(days=400))
            bad_bytes = b'{"id": "m6", "modified": "\xff\xfe"}'
            not_json = '{"id": "m7", '
            good = order_payload('ok', T0)
            self.receive(shop_, [missing, wrong_type, absurd, negative,
                    future, bad_bytes, not_json, good, None, 42])
            raws = {r.platform_order_id: r for r in RawOrder.search([])}
            self.assertEqual(raws.pop('ok').state, 'imported')
            self.assertEqual(len(raws), 9)
            for raw in raws.values():
                with self.subTest(raw=raw.platform_order_id):
                    self.assertEqual((raw.state, raw.exception_reason),
                        ('exception', 'malformed'))
                    self.assertTrue(raw.exception_message)
                    self.assertIsNone(raw.sale)
                    self.assertTrue(raw.payload)
            self.assertIn('UTF-8', [r for r in raws.values()
                    if '\\xff' in r.payload][0].exception_message)
            self.assertEqual(len(Sale.search([])), 1)

    @with_transaction()
    def test_unmapped_fix_and_retry(self):
        "an unknown SKU waits as exception; mapped, the retry imports it"
        pool = Pool()
        RawOrder = pool.get('ecom.raw_order')
        Listing = pool.get('ecom.listing')
        with set_company(company()):
            mug = product('MUG', stock=5)
            cup = product('CUP', stock=5)
            shop_ = channel('A')
            self.receive(shop_, [order_payload('1', T0, sku='S9'),
                    order_payload('2', T0, sku='S8', code='CUP')])
            raws = {r.platform_order_id: r for r in RawOrder.search([])}
            self.assertEqual(raws['1'].exception_reason, 'unmapped')
            self.assertIn('S9', raws['1'].exception_message)
            # matched by its SKU code, and the listing remembered
            self.assertEqual(raws['2'].sale.lines[0].product, cup)
            auto, = Listing.search([('platform_sku_id', '=', 'S8')])
            self.assertEqual((auto.product, auto.match), (cup, 'sku'))
            unmatched, = Listing.search([('platform_sku_id', '=', 'S9')])
            Listing.write([unmatched], {'product': mug.id})
            self.assertEqual(unmatched.match, 'manual')
            RawOrder.retry([raws['1']])
            RawOrder.import_orders([raws['1']])
            self.assertEqual(raws['1'].state, 'imported')
            self.assertEqual(raws['1'].sale.lines[0].product, mug)

    @with_transaction()
    def test_exception_reasons(self):
        "unpaid, incomplete address, price floor, duplicate"
        pool = Pool()
        RawOrder = pool.get('ecom.raw_order')
        with set_company(company()):
            cup = product('CUP', stock=10)
            shop_ = channel('A')
            item = listing(shop_, 'S1', cup)
            item.floor_price = Decimal(8)
            item.save()
            self.receive(shop_, [
                    order_payload('unpaid', T0, status='awaiting_payment'),
                    order_payload('noaddr', T0, street=None, buyer='x'),
                    order_payload('cheap', T0, price='7.99', buyer='y'),
                    order_payload('d1', T0, buyer='z'),
                    order_payload('d2', T0 + seconds(60), buyer='z'),
                    ])
            reasons = {r.platform_order_id: (r.state, r.exception_reason)
                for r in RawOrder.search([])}
            self.assertEqual(reasons, {
                    'unpaid': ('exception', 'unpaid'),
                    'noaddr': ('exception', 'address'),
                    'cheap': ('exception', 'price_floor'),
                    'd1': ('imported', None),
                    'd2': ('exception', 'duplicate'),
                    })
            d2, = RawOrder.search([('platform_order_id', '=', 'd2')])
            RawOrder.force([d2])
            RawOrder.import_orders([d2])
            self.assertEqual((d2.state, d2.forced), ('imported', True))
            # paid later: the next version imports it
            self.receive(shop_, [order_payload('unpaid', T0 + seconds(9))])
            unpaid, = RawOrder.search([('platform_order_id', '=', 'unpaid')])
            self.assertEqual(unpaid.state, 'imported')
            cheap, = RawOrder.search([('platform_order_id', '=', 'cheap')])
            RawOrder.ignore([cheap])
            self.assertEqual(cheap.state, 'ignored')

    @with_transaction()
    def test_cancel_and_refund(self):
        "cancelled before shipment: sale cancelled; after: a return sale"
        pool = Pool()
        RawOrder = pool.get('ecom.raw_order')
        Shipment = pool.get('stock.shipment.out')
        with set_company(company()):
            cup = product('CUP', stock=10)
            shop_ = channel('A')
            listing(shop_, 'S1', cup)
            self.receive(shop_, [order_payload('1', T0),
                    order_payload('2', T0, buyer='other')])
            self.receive(shop_, [
                    order_payload('1', T0 + seconds(9), status='cancelled')])
            one, = RawOrder.search([('platform_order_id', '=', '1')])
            self.assertEqual(one.sale.state, 'cancelled')
            self.assertTrue(all(m.state == 'cancelled'
                    for m in one.sale.moves))
            two, = RawOrder.search([('platform_order_id', '=', '2')])
            shipment, = two.sale.shipments
            Shipment.assign_force([shipment])
            Shipment.pick([shipment])
            Shipment.pack([shipment])
            Shipment.ship([shipment])
            Shipment.do([shipment])
            self.receive(shop_, [
                    order_payload('2', T0 + seconds(9), status='refunded')])
            self.assertEqual(two.return_sale.origin, two.sale)
            self.assertEqual([l.quantity for l in two.return_sale.lines],
                [-1])
            self.assertEqual(len(two.return_sale.shipment_returns), 1)
            self.assertEqual(two.sale.ecom_payment, 'refunded')
            # the refund delivered again changes nothing
            self.receive(shop_, [
                    order_payload('2', T0 + seconds(20), status='refunded')])
            self.assertEqual(len(pool_sales(two.sale.party)), 2)

    @with_transaction()
    def test_reconcile(self):
        "the orders of a day the platform has and we do not are imported"
        RawOrder = Pool().get('ecom.raw_order')
        with set_company(company()):
            cup = product('CUP', stock=10)
            shop_ = channel('A')
            listing(shop_, 'S1', cup)
            for i in range(3):
                shop('A').orders[str(i)] = order_payload(str(i), T0,
                    buyer=f'b{i}')
            self.receive(shop_, [shop('A').orders['1']])
            missing = shop_.reconcile(T0.date())
            self.assertEqual(missing, ['0', '2'])
            self.assertEqual(sorted(r.platform_order_id for r in
                    RawOrder.search([('state', '=', 'imported')])),
                ['0', '1', '2'])

    @with_transaction()
    def test_tracking_push_once(self):
        "a done shipment pushes each parcel once, retries do not repeat"
        pool = Pool()
        RawOrder = pool.get('ecom.raw_order')
        Shipment = pool.get('stock.shipment.out')
        Push = pool.get('ecom.tracking.push')
        with set_company(company()):
            cup = product('CUP', stock=10)
            shop_ = channel('A')
            listing(shop_, 'S1', cup)
            self.receive(shop_, [order_payload('1', T0)])
            raw, = RawOrder.search([])
            shipment, = raw.sale.shipments
            shipment.ecom_carrier = 'SF'
            shipment.ecom_tracking = 'SF100, SF101'
            shipment.save()
            Shipment.assign_force([shipment])
            Shipment.pick([shipment])
            Shipment.pack([shipment])
            Shipment.do([shipment])
            Shipment.ecom_push_tracking([shipment])
            Shipment.ecom_push_tracking([shipment])
            self.assertEqual(shop('A').tracking, [
                    ('1', 'shunfeng', 'SF100'), ('1', 'shunfeng', 'SF101')])
            self.assertEqual(sorted(p.state for p in Push.search([])),
                ['done', 'done'])

    @with_transaction()
    def test_credentials_admin_only(self):
        "operations users see channels, not their credentials"
        pool = Pool()
        User = pool.get('res.user')
        Channel = pool.get('ecom.channel')
        ModelData = pool.get('ir.model.data')
        with set_company(company()):
            shop_ = channel('A')
            group = ModelData.get_id('ecom_base', 'group_operations')
            user, = User.create([{'name': 'Ops', 'login': 'ops',
                        'groups': [('add', [group])],
                        'companies': [('add', [shop_.company.id])],
                        'company': shop_.company.id}])
            with Transaction().set_user(user.id), check_access():
                channel_, = Channel.search([])
                self.assertEqual(channel_.name, 'A')
                with self.assertRaises(AccessError):
                    Channel.read([shop_.id], ['credentials'])
            admin_read, = Channel.read([shop_.id], ['credentials'])
            self.assertIn('s3cret', admin_read['credentials'])


def pool_sales(party):
    return Pool().get('sale.sale').search([('party', '=', party.id)])


del ModuleTestCase
