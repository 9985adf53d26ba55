# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The Amazon SP-API adapter against its fake (no database)"""
import datetime
import unittest
from decimal import Decimal

from trytond.modules.ecom_connector.adapters import get_adapter
from trytond.modules.ecom_connector.adapters.amazon import TokenBucket
from trytond.modules.ecom_connector.adapters.base import (
    AuthError, InventoryUpdate, OrderStatus, Parcel, PermanentError,
    ThrottleError)

from tests.fake_platforms import start_fake
from tests.test_ecom_adapters import MINUTE, UTC, AdapterContract


class Clock:
    "A clock the adapter and the fake share, moved by the test"

    def __init__(self, moment):
        self.moment = moment

    def __call__(self):
        return self.moment


class AmazonTestCase(AdapterContract, unittest.TestCase):
    "Orders API v0, kept by the channel's orders_api = v0"
    platform = 'amazon'
    orders_api = 'v0'
    throttle_seconds = 2        # x-amzn-RateLimit-Limit: 0.5
    bad_signature_says = 'invalid_client'
    status_cases = [
        ('Unshipped', {}, OrderStatus.PAID),
        ('Pending', {}, OrderStatus.AWAITING_PAYMENT),
        ('PendingAvailability', {}, OrderStatus.HOLD),
        ('PartiallyShipped', {}, OrderStatus.PARTIALLY_SHIPPED),
        ('Shipped', {}, OrderStatus.SHIPPED),
        ('InvoiceUnconfirmed', {}, OrderStatus.SHIPPED),
        ('Canceled', {}, OrderStatus.CANCELLED),
        ('Unfulfillable', {}, OrderStatus.HOLD),
        ]

    def setUp(self):
        super().setUp()
        self.fake.items_page_size = 100

    def make_adapter(self, **credentials):
        return super().make_adapter(
            **{'orders_api': self.orders_api, **credentials})

    def clocked(self):
        "(clock, fake, adapter): a fake of its own, on a clock the test moves"
        clock = Clock(datetime.datetime.now(UTC).replace(microsecond=0))
        fake = start_fake('amazon', now=clock)
        self.addCleanup(fake.stop)
        credentials = fake.adapter_credentials()
        if self.orders_api:
            credentials['orders_api'] = self.orders_api
        adapter = get_adapter('amazon')(credentials, base_url=fake.url,
            session=self.http, now=clock)
        return clock, fake, adapter

    def paged(self, count):
        """Orders 0 to count - 1 and a 3-line order 9, listed through three
        pages (two tokens); their parsed orders by id"""
        for n in range(count):
            self.add(self.order_id(n), n)
        self.add(self.order_id(9), 9, lines=[
                dict(sku_id=f'S{i}', product_id=f'B0{i}',
                    sku_code=f'SKU-{i}', title='Item', quantity=1,
                    price='5.00') for i in range(3)])
        page = self.adapter.list_orders(self.t0, self.t0 + self.window)
        seen, tokens = list(page.payloads), 0
        while page.next_token:
            tokens += 1
            page = self.adapter.list_orders(self.t0, self.t0 + self.window,
                page.next_token)
            seen.extend(page.payloads)
        self.assertEqual(tokens, 2)
        orders = {o.platform_order_id: o
            for o in map(self.adapter.parse_order, seen)}
        self.assertEqual([l.sku_code for l in orders[self.order_id(9)].lines],
            ['SKU-0', 'SKU-1', 'SKU-2'])
        return orders

    def order_id(self, n):
        return f'902-{n:07d}-1390916'

    def bad_credentials(self):
        return {'client_secret': 'not-the-secret'}

    def break_lines(self, payload):
        payload['OrderItems'] = 'junk'
        return payload

    def malformed(self, good):
        item = good['OrderItems'][0]
        return [
            ('no id', dict(good, AmazonOrderId=None),
                'order.AmazonOrderId: missing'),
            ('unknown status', dict(good, OrderStatus='Lost'), "'Lost'"),
            ('no items', dict(good, OrderItems=[]), 'OrderItems: empty'),
            ('bad total', dict(good, OrderTotal={'Amount': '1.2.3'}),
                'OrderTotal.Amount'),
            ('list as price', dict(good, OrderItems=[
                        {**item, 'ItemPrice': [1]}]), 'ItemPrice'),
            ('zero quantity', dict(good, OrderItems=[
                        {**item, 'QuantityOrdered': -2}]), 'QuantityOrdered'),
            ('bad date', dict(good, LastUpdateDate='yesterday'),
                'LastUpdateDate'),
            ]

    def test_expired_token_is_auth_error(self):
        "A refresh token LWA refuses: AuthError, nothing called"
        adapter = self.make_adapter(refresh_token='Atzr|revoked')
        with self.assertRaises(AuthError) as context:
            adapter.list_orders(self.t0, self.t0 + self.window)
        self.assertIn('invalid_grant', str(context.exception))
        self.assertEqual(self.fake.calls, [])

    def test_token_required(self):
        "Without a refresh token, a made-up access token is refused"
        adapter = self.make_adapter(access_token='Atza|forged')
        del adapter.credentials['refresh_token']
        with self.assertRaises(AuthError) as context:
            adapter.list_orders(self.t0, self.t0 + self.window)
        self.assertIn('revoked, malformed or invalid', str(context.exception))

    def test_lwa_token_cached_until_expiry(self):
        "One LWA exchange per hour: renewed 10 minutes before expiry"
        clock, fake, adapter = self.clocked()
        stored = []
        adapter.on_credentials = stored.append
        window = (clock() - 40 * MINUTE, clock() - 10 * MINUTE)
        for _ in range(3):
            adapter.list_orders(*window)
        self.assertEqual(len(fake.token_requests), 1)
        self.assertEqual(fake.token_requests[0]['grant_type'],
            'refresh_token')
        self.assertEqual(fake.token_requests[0]['refresh_token'],
            'Atzr|fake-refresh')
        self.assertEqual(stored[0]['access_token_expires'],
            (clock() + datetime.timedelta(hours=1)).isoformat())
        first = stored[0]['access_token']
        clock.moment += 49 * MINUTE         # 11 min left: still good
        adapter.list_orders(*window)
        self.assertEqual(len(fake.token_requests), 1)
        clock.moment += 2 * MINUTE          # 9 min left: renewed first
        adapter.list_orders(*window)
        self.assertEqual(len(fake.token_requests), 2)
        self.assertNotEqual(stored[-1]['access_token'], first)
        self.assertEqual(adapter.credentials['access_token'],
            stored[-1]['access_token'])

    def test_expired_token_refreshed_and_retried_once(self):
        self.add(self.order_id(1), 1)
        stored = []
        self.adapter.on_credentials = stored.append
        self.adapter.list_orders(self.t0, self.t0 + self.window)
        self.fake.expire_token()
        page = self.adapter.list_orders(self.t0, self.t0 + self.window)
        self.assertEqual(len(page.payloads), 1)
        self.assertEqual(len(self.fake.token_requests), 2)
        self.assertEqual(len(stored), 2)

    def test_next_token_pages_and_item_pages(self):
        "7 orders in pages of 3 (NextToken), 3 items in pages of 1"
        self.fake.items_page_size = 1
        self.assertEqual(len(self.paged(7)), 8)
        lists = [p for name, p in self.fake.calls if name == 'get_orders']
        self.assertEqual([sorted(p) for p in lists[1:]],
            [['MarketplaceIds', 'NextToken']] * 2)
        self.assertEqual(lists[0]['LastUpdatedAfter'],
            self.t0.strftime('%Y-%m-%dT%H:%M:%SZ'))
        self.assertEqual(lists[0]['LastUpdatedBefore'],
            (self.t0 + self.window - datetime.timedelta(seconds=1)
                ).strftime('%Y-%m-%dT%H:%M:%SZ'))

    def test_before_bound_kept_two_minutes_back(self):
        "The fake refuses a LastUpdatedBefore under 2 minutes old"
        now = datetime.datetime.now(UTC)
        self.fake.add_order(self.order_id(1), created=now - 9 * MINUTE,
            modified=now - 5 * MINUTE)
        page = self.adapter.list_orders(now - 10 * MINUTE, now)
        self.assertEqual(len(page.payloads), 1)
        before = datetime.datetime.fromisoformat(
            self.fake.calls[-2][1]['LastUpdatedBefore'].replace(
                'Z', '+00:00'))
        self.assertLessEqual(before, now - 2 * MINUTE)

    def test_throttle_hint_from_rate_limit_header(self):
        self.fake.throttle(times=1, seconds=4)
        with self.assertRaises(ThrottleError) as context:
            self.adapter.list_orders(self.t0, self.t0 + self.window)
        self.assertEqual(context.exception.retry_after, 4)

    def test_token_bucket(self):
        "Burst 2 at 0.5/s: the third call waits 2 s, the fourth 2 s more"
        now, slept = [0.], []

        def sleep(seconds):
            slept.append(seconds)
            now[0] += seconds
        bucket = TokenBucket(Decimal('0.5'), 2, clock=lambda: now[0],
            sleep=sleep)
        for _ in range(4):
            bucket.take()
        self.assertEqual(slept, [2., 2.])
        now[0] += 10                # refilled to the burst, no more
        bucket.take()
        bucket.take()
        self.assertEqual(slept, [2., 2.])
        bucket.take()
        self.assertEqual(slept, [2., 2., 2.])

    def test_orders_limited_by_usage_plan(self):
        "getOrders: burst 20, then one a minute (0.0167/s)"
        slept = []
        self.adapter.sleep = slept.append
        self.adapter.clock = lambda: 0.
        for _ in range(21):
            self.adapter.list_orders(self.t0, self.t0 + self.window)
        self.assertEqual(len(slept), 1)
        self.assertAlmostEqual(slept[0], 1 / 0.0167, places=3)

    def test_parse_money_and_address(self):
        payload = self.add(self.order_id(1), 1, lines=[dict(sku_id='S1',
                    product_id='B01', sku_code='ERP-1', title='Cup',
                    quantity=3, price='9.9967')])
        item = payload['OrderItems'][0]
        item.update(ItemPrice={'CurrencyCode': 'USD', 'Amount': '29.99'},
            PromotionDiscount={'CurrencyCode': 'USD', 'Amount': '1.00'},
            ShippingPrice={'CurrencyCode': 'USD', 'Amount': '4.99'},
            ShippingDiscount={'CurrencyCode': 'USD', 'Amount': '1.00'})
        order = self.adapter.parse_order(payload)
        line, = order.lines
        self.assertEqual(line.unit_price, Decimal('9.9967'))
        # 29.99 for the three, less the 1.00 promotion
        self.assertEqual(line.unit_price * line.quantity - line.discount,
            Decimal('28.99'))
        self.assertEqual(order.shipping_fee, Decimal('3.99'))
        self.assertEqual((order.currency, order.address.city,
                order.address.street, order.address.masked),
            ('USD', 'Seattle', '410 Terry Ave N', False))
        del payload['ShippingAddress']['Name']
        self.assertTrue(self.adapter.parse_order(payload).address.masked)

    def test_parcels_confirmed_per_package(self):
        order_id = self.order_id(1)
        self.add(order_id, 1, lines=[
                dict(sku_id='S1', product_id='B01', sku_code='ERP-1',
                    title='Cup', quantity=2, price='5.00'),
                dict(sku_id='S2', product_id='B02', sku_code='ERP-2',
                    title='Pen', quantity=1, price='3.00')])
        first, second = f'{order_id}00', f'{order_id}01'
        parcels = [
            Parcel('UPS', '1Z001', quantities={first: 1}),
            Parcel('UPS', '1Z002', quantities={first: 1, second: 1})]
        self.adapter.push_tracking(order_id, parcels)
        self.adapter.push_tracking(order_id, parcels[1:])   # a retry
        self.assertEqual([(t['tracking_number'], t['items'])
                for t in self.fake.tracking], [
                ('1Z001', {first: 1}), ('1Z002', {first: 1, second: 1})])
        self.assertEqual(len({t['package'] for t in self.fake.tracking}), 2)

    def test_unlisted_sku_fails_alone(self):
        self.fake.skus = {'S1'}
        results = self.adapter.update_inventory([
                InventoryUpdate('S1', None, 4),
                InventoryUpdate('S2', None, 4)])
        self.assertEqual([r.ok for r in results], [True, False])
        self.assertIn('not listed', results[1].message)
        self.assertEqual(self.fake.stock, [{'sku_id': 'S1', 'quantity': 4}])


class AmazonV2026TestCase(AmazonTestCase):
    "Orders API v2026-01-01 (the default): searchOrders and getOrder"
    orders_api = None       # not set: the default
    status_cases = [
        ('UNSHIPPED', {}, OrderStatus.PAID),
        ('PENDING', {}, OrderStatus.AWAITING_PAYMENT),
        ('PENDING_AVAILABILITY', {}, OrderStatus.HOLD),
        ('PARTIALLY_SHIPPED', {}, OrderStatus.PARTIALLY_SHIPPED),
        ('SHIPPED', {}, OrderStatus.SHIPPED),
        ('CANCELLED', {}, OrderStatus.CANCELLED),
        ('UNFULFILLABLE', {}, OrderStatus.HOLD),
        ]

    def make_adapter(self, **credentials):
        adapter = super().make_adapter(**credentials)
        if adapter.credentials.get('orders_api') is None:
            del adapter.credentials['orders_api']
        return adapter

    def add(self, order_id, minutes, status=None, **fields):
        "The order as searchOrders serves it (camelCase)"
        super().add(order_id, minutes, status=status, **fields)
        return self.fake.v2026(order_id)

    def break_lines(self, payload):
        payload['orderItems'] = 'junk'
        return payload

    def malformed(self, good):
        item = good['orderItems'][0]
        return [
            ('no id', dict(good, orderId=None), 'order.orderId: missing'),
            ('unknown status', dict(good, fulfillment={
                        'fulfillmentStatus': 'LOST'}), "'LOST'"),
            ('no status', dict(good, fulfillment=None),
                'fulfillment.fulfillmentStatus: missing'),
            ('no items', dict(good, orderItems=[]), 'orderItems: empty'),
            ('bad total', dict(good, proceeds={'grandTotal': {
                            'amount': '1.2.3'}}), 'grandTotal.amount'),
            ('list as proceeds', dict(good, orderItems=[
                        {**item, 'proceeds': [1]}]), 'proceeds'),
            ('zero quantity', dict(good, orderItems=[
                        {**item, 'quantityOrdered': -2}]), 'quantityOrdered'),
            ('bad date', dict(good, lastUpdatedTime='yesterday'),
                'lastUpdatedTime'),
            ]

    def search_calls(self):
        return [p for name, p in self.fake.calls if name == 'search_orders']

    def test_next_token_pages_and_item_pages(self):
        "7 orders in pages of 3: the items come in the orders, the token "
        "is sent with the other parameters unchanged"
        self.assertEqual(len(self.paged(6)), 7)
        self.assertEqual({name for name, _ in self.fake.calls},
            {'search_orders'})      # no getOrderItems
        first, *others = self.search_calls()
        self.assertEqual(first['lastUpdatedAfter'],
            self.t0.strftime('%Y-%m-%dT%H:%M:%SZ'))
        self.assertEqual(first['lastUpdatedBefore'],
            (self.t0 + self.window - datetime.timedelta(seconds=1)
                ).strftime('%Y-%m-%dT%H:%M:%SZ'))
        self.assertNotIn('createdAfter', first)
        self.assertEqual(set(first['includedData'].split(',')),
            {'BUYER', 'RECIPIENT', 'FULFILLMENT', 'PROCEEDS'})
        for call in others:
            self.assertEqual({k: v for k, v in call.items()
                    if k != 'paginationToken'}, first)

    def test_page_token_keeps_bound_while_clock_moves(self):
        "The 2-minute limit moves between pages; the bound sent does not"
        clock, fake, adapter = self.clocked()
        adapter.page_size = 2
        for n in range(3):
            fake.add_order(self.order_id(n), created=clock() - 9 * MINUTE,
                modified=clock() - (5 - n) * MINUTE)
        # the window ends now: clamped to now - 2 min
        page = adapter.list_orders(clock() - 10 * MINUTE, clock())
        clock.moment += MINUTE
        rest = adapter.list_orders(clock() - 11 * MINUTE,
            clock() - MINUTE, page.next_token)
        self.assertEqual(len(page.payloads) + len(rest.payloads), 3)
        first, second = [p for name, p in fake.calls
            if name == 'search_orders']
        self.assertEqual(first['lastUpdatedBefore'],
            second['lastUpdatedBefore'])

    def test_fake_enforces_parameter_rules(self):
        "As Amazon: both After bounds, a recent Before, a token with "
        "changed parameters are 400s; the adapter says so"
        self.add(self.order_id(1), 1)
        params = {'marketplaceIds': 'ATVPDKIKX0DER',
            'lastUpdatedAfter': self.t0.strftime('%Y-%m-%dT%H:%M:%SZ'),
            'maxResultsPerPage': 1}
        now = datetime.datetime.now(UTC)
        for label, changed, says in [
                ('both', {'createdAfter': params['lastUpdatedAfter']},
                    'Exactly one of createdAfter and lastUpdatedAfter'),
                ('neither', {'lastUpdatedAfter': None},
                    'Exactly one of createdAfter and lastUpdatedAfter'),
                ('mixed', {'createdBefore': params['lastUpdatedAfter']},
                    'createdBefore cannot be used'),
                ('recent', {'lastUpdatedBefore': (now - MINUTE).strftime(
                            '%Y-%m-%dT%H:%M:%SZ')}, 'at least 2 minutes'),
                ('page size', {'maxResultsPerPage': 101},
                    'maxResultsPerPage'),
                ('data', {'includedData': 'BUYER,SECRETS'},
                    'Invalid includedData'),
                ]:
            with self.subTest(label):
                query = {k: v for k, v in {**params, **changed}.items()
                    if v is not None}
                with self.assertRaises(PermanentError) as context:
                    self.adapter.api('searchOrders', 'GET',
                        '/orders/2026-01-01/orders', query)
                self.assertIn('HTTP 400', str(context.exception))
                self.assertIn(says, str(context.exception))
        self.add(self.order_id(2), 2)
        answer = self.adapter.api('searchOrders', 'GET',
            '/orders/2026-01-01/orders', params)
        token = answer['pagination']['nextToken']
        with self.assertRaises(PermanentError) as context:
            self.adapter.api('searchOrders', 'GET',
                '/orders/2026-01-01/orders', dict(params,
                    lastUpdatedAfter=(self.t0 + MINUTE).strftime(
                        '%Y-%m-%dT%H:%M:%SZ'), paginationToken=token))
        self.assertIn('same parameters', str(context.exception))
        # the same parameters (another page size): the next page
        answer = self.adapter.api('searchOrders', 'GET',
            '/orders/2026-01-01/orders', dict(params, maxResultsPerPage=5,
                paginationToken=token))
        self.assertEqual([o['orderId'] for o in answer['orders']],
            [self.order_id(2)])

    def test_before_bound_kept_two_minutes_back(self):
        "The fake refuses a lastUpdatedBefore under 2 minutes old"
        now = datetime.datetime.now(UTC)
        self.fake.add_order(self.order_id(1), created=now - 9 * MINUTE,
            modified=now - 5 * MINUTE)
        page = self.adapter.list_orders(now - 10 * MINUTE, now)
        self.assertEqual(len(page.payloads), 1)
        before = datetime.datetime.fromisoformat(
            self.search_calls()[-1]['lastUpdatedBefore'].replace(
                'Z', '+00:00'))
        self.assertLessEqual(before, now - 2 * MINUTE)

    def test_orders_limited_by_usage_plan(self):
        "searchOrders: burst 20, then one per 3 minutes (0.0056/s)"
        slept = []
        self.adapter.sleep = slept.append
        self.adapter.clock = lambda: 0.
        for _ in range(21):
            self.adapter.list_orders(self.t0, self.t0 + self.window)
        self.assertEqual(len(slept), 1)
        self.assertAlmostEqual(slept[0], 1 / 0.0056, places=3)

    def test_parse_money_and_address(self):
        "Money from the proceeds as Decimal; the recipient as given"
        self.add(self.order_id(1), 1, lines=[dict(sku_id='S1',
                    product_id='B01', sku_code='ERP-1', title='Cup',
                    quantity=3, price='9.9967')])
        payload = self.fake.v2026(self.order_id(1))
        item = payload['orderItems'][0]
        usd = lambda amount: {'amount': amount, 'currencyCode': 'USD'}
        item['proceeds'] = {'proceedsTotal': usd('31.98'), 'breakdowns': [
                {'type': 'ITEM', 'subtotal': usd('29.99')},
                {'type': 'SHIPPING', 'subtotal': usd('4.99')},
                {'type': 'TAX', 'detailedBreakdowns': [
                        {'subtype': 'ITEM', 'value': usd('2.40')}]},
                {'type': 'DISCOUNT', 'detailedBreakdowns': [
                        {'subtype': 'ITEM', 'value': usd('-1.00')},
                        {'subtype': 'SHIPPING', 'value': usd('-1.00')}]}]}
        payload['proceeds'] = {'grandTotal': usd('35.38')}
        order = self.adapter.parse_order(payload)
        line, = order.lines
        self.assertEqual(line.unit_price, Decimal('9.9967'))
        # 29.99 for the three, less the 1.00 promotion
        self.assertEqual(line.unit_price * line.quantity - line.discount,
            Decimal('28.99'))
        self.assertEqual(order.shipping_fee, Decimal('3.99'))
        self.assertEqual(order.total, Decimal('35.38'))
        self.assertEqual((order.currency, order.address.name,
                order.address.city, order.address.street,
                order.address.phone, order.address.masked, order.buyer),
            ('USD', 'Jane Doe', 'Seattle', '410 Terry Ave N',
                '+1 206-555-0100', False, 'x7k2@marketplace.amazon.com'))

    def test_address_masked_without_pii_role(self):
        "Without the PII role: city and postcode only, kept masked"
        self.add(self.order_id(1), 1)
        self.fake.pii_role = False
        payload, = self.adapter.list_orders(self.t0,
            self.t0 + self.window).payloads
        order = self.adapter.parse_order(payload)
        self.assertEqual((order.address.name, order.address.street,
                order.address.phone, order.address.city,
                order.address.postal_code, order.address.masked,
                order.buyer),
            (None, None, None, 'Seattle', '98109', True, None))
        self.assertFalse(order.address.complete)

    def test_pending_without_proceeds_uses_unit_price(self):
        "A PENDING order not yet priced: listed unit price, not allocatable"
        payload = self.add(self.order_id(1), 1, status='PENDING', lines=[
                dict(sku_id='S1', product_id='B01', sku_code='ERP-1',
                    title='Cup', quantity=2, price='7.50')])
        for item in payload['orderItems']:
            del item['proceeds']
        del payload['proceeds']
        order = self.adapter.parse_order(payload)
        self.assertEqual(order.status, OrderStatus.AWAITING_PAYMENT)
        self.assertEqual(order.lines[0].unit_price, Decimal('7.50'))
        self.assertEqual(order.lines[0].discount, Decimal(0))

    def test_cancelled_order(self):
        self.add(self.order_id(1), 1)
        self.fake.modify_order(self.order_id(1), self.t0 + 5 * MINUTE,
            OrderStatus='Canceled')
        order = self.adapter.parse_order(self.adapter.get_order(
                self.order_id(1)))
        self.assertEqual((order.status, order.platform_status,
                order.modified_at),
            (OrderStatus.CANCELLED, 'CANCELLED', self.t0 + 5 * MINUTE))
        self.assertIn(('get_order_2026', {'includedData':
                    'BUYER,RECIPIENT,FULFILLMENT,PROCEEDS'}),
            self.fake.calls)

    def test_v0_payload_still_parsed(self):
        "Orders stored from v0 before the migration replay"
        self.fake.add_order(self.order_id(1), created=self.t0,
            modified=self.t0)
        order = self.adapter.parse_order(self.fake.entry(
                self.order_id(1)).payload)
        self.assertEqual((order.platform_order_id, order.status),
            (self.order_id(1), OrderStatus.PAID))

    def test_parcels_confirmed_from_order_items(self):
        "confirmShipment stays on v0; the items come from getOrder v2026"
        order_id = self.order_id(1)
        self.add(order_id, 1, lines=[
                dict(sku_id='S1', product_id='B01', sku_code='ERP-1',
                    title='Cup', quantity=2, price='5.00')])
        self.adapter.push_tracking(order_id, [Parcel('UPS', '1Z009')])
        self.assertEqual([t['items'] for t in self.fake.tracking],
            [{f'{order_id}00': 2}])
        self.assertEqual([name for name, _ in self.fake.calls],
            ['get_order_2026', 'confirm_shipment'])

    def test_unknown_orders_api_refused(self):
        adapter = self.make_adapter(orders_api='v1')
        with self.assertRaises(PermanentError) as context:
            adapter.list_orders(self.t0, self.t0 + self.window)
        self.assertIn("'v1'", str(context.exception))


if __name__ == '__main__':
    unittest.main()
