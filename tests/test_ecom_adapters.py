# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Each marketplace adapter against its local fake platform

No database: the adapters are plain Python and the fakes are HTTP servers
on 127.0.0.1 that check signatures and limits as the platforms do.
"""
import base64
import copy
import datetime
import threading
import unittest
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from trytond.modules.ecom_connector.adapters import get_adapter
from trytond.modules.ecom_connector.adapters.base import (
    AuthError, InventoryUpdate, OrderStatus, Parcel, PayloadError,
    PermanentError, ThrottleError, TransientError, Unsupported)

from trytond.modules.ecom_connector.adapters.signing import b64_hmac_sha256

from tests.fake_platforms import start_fake

UTC = datetime.timezone.utc
MINUTE = datetime.timedelta(minutes=1)


def call_with_retry(function, sleep, attempts=5):
    "What the sync does: sleep retry_after on throttling, then retry"
    for attempt in range(attempts):
        try:
            return function()
        except ThrottleError as exception:
            sleep(exception.retry_after)
    return function()


JUNK = [None, '', 'x', -1, 10 ** 20, 1e300, float('nan'), [], {}, True,
    '\ud800', '１２']


def mutations(payload):
    "(path, junk, copy of payload with the value at path replaced)"
    def paths(value, path):
        if path:
            yield path
        items = (value.items() if isinstance(value, dict)
            else enumerate(value) if isinstance(value, list) else [])
        for key, item in items:
            yield from paths(item, path + (key,))
    for path in list(paths(payload, ())):
        for junk in JUNK:
            mutated = copy.deepcopy(payload)
            target = mutated
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = junk
            yield path, junk, mutated


class AdapterContract:
    """What every adapter must do against its fake

    A subclass names the platform and gives the platform-specific cases.
    """
    platform = None
    window = datetime.timedelta(minutes=30)
    # platform status value (or fields) -> normalised status
    status_cases = []
    throttle_seconds = 3

    @classmethod
    def setUpClass(cls):
        cls.fake = start_fake(cls.platform)
        # one client for the class: each new one reads the CA bundle
        cls.http = httpx.Client(timeout=10)

    @classmethod
    def tearDownClass(cls):
        cls.http.close()
        cls.fake.stop()

    def setUp(self):
        self.fake.reset()
        # whole minute an hour ago: windows and boundaries fall on seconds
        self.t0 = (datetime.datetime.now(UTC) - datetime.timedelta(hours=2)
            ).replace(second=0, microsecond=0)
        self.adapter = self.make_adapter()

    def make_adapter(self, **credentials):
        adapter = get_adapter(self.platform)(
            {**self.fake.adapter_credentials(), **credentials},
            base_url=self.fake.url, session=self.http)
        adapter.max_window = self.window
        adapter.page_size = 3
        return adapter

    def add(self, order_id, minutes, status=None, **fields):
        "An order created 10 min before t0 and modified t0 + minutes"
        moment = self.t0 + datetime.timedelta(minutes=minutes)
        return self.fake.add_order(order_id, created=self.t0 - 10 * MINUTE,
            modified=moment, status=status, **fields)

    def order_id(self, n):
        "The platform's form of order number n"
        return str(1000 + n)

    def pull(self, start, end):
        return list(self.adapter.iter_order_payloads(start, end))

    # -- pull -----------------------------------------------------------------
    def test_full_pull_across_pages_and_windows(self):
        "Every order of a 1 h span once, the window-boundary second included"
        # 0..8 in the first window, 9 exactly on the boundary second
        # (t0 + 30 min), 10..16 in the second, 17 on the end (excluded)
        minutes = [0, 1, 2, 5, 8, 13, 21, 29, 29.98, 30, 31, 34, 40, 45,
            50, 55, 59.98, 60]
        for n, minute in enumerate(minutes):
            self.add(self.order_id(n), minute)
        payloads = self.pull(self.t0, self.t0 + 2 * self.window)
        orders = [self.adapter.parse_order(p) for p in payloads]
        ids = [o.platform_order_id for o in orders]
        expected = {self.order_id(n) for n in range(len(minutes))
            if minutes[n] < 60}
        self.assertEqual(set(ids), expected)
        self.assertEqual(len(ids), len(expected), "read twice: " + str(ids))
        boundary = next(o for o in orders
            if o.platform_order_id == self.order_id(9))
        self.assertEqual(boundary.modified_at, self.t0 + self.window)

    def test_boundary_second_in_next_window_only(self):
        self.add(self.order_id(1), 30)
        first = self.pull(self.t0, self.t0 + self.window)
        second = self.pull(self.t0 + self.window, self.t0 + 2 * self.window)
        self.assertEqual(first, [])
        self.assertEqual(
            [self.adapter.parse_order(p).platform_order_id for p in second],
            [self.order_id(1)])

    def test_order_modified_while_paging_not_lost(self):
        "An order modified between two page reads shifts nothing away"
        for n in range(7):
            self.add(self.order_id(n), n)
        adapter = self.adapter
        page = adapter.list_orders(self.t0, self.t0 + self.window)
        seen = list(page.payloads)
        # the newest order changes now: it leaves the window
        self.fake.modify_order(self.order_id(6), self.t0 + 3 * self.window)
        while page.next_token is not None:
            page = adapter.list_orders(self.t0, self.t0 + self.window,
                page.next_token)
            seen.extend(page.payloads)
        ids = {adapter.parse_order(p).platform_order_id for p in seen}
        self.assertLessEqual({self.order_id(n) for n in range(6)}, ids)

    def test_pinned_clock_shared_with_the_fake(self):
        "Adapter and fake on one pinned clock (2024-05-01 10:30 UTC)"
        pinned = datetime.datetime(2024, 5, 1, 10, 30, tzinfo=UTC)
        fake = start_fake(self.platform, now=lambda: pinned)
        self.addCleanup(fake.stop)
        adapter = get_adapter(self.platform)(fake.adapter_credentials(),
            base_url=fake.url, session=self.http, now=lambda: pinned)
        fake.add_order(self.order_id(1), created=pinned - 20 * MINUTE,
            modified=pinned - 10 * MINUTE)
        payload, = adapter.iter_order_payloads(pinned - self.window, pinned)
        self.assertEqual(adapter.parse_order(payload).modified_at,
            pinned - 10 * MINUTE)

    def test_window_longer_than_max_window_refused(self):
        "The caller splits spans: a longer window is a bug, not a call"
        with self.assertRaises(PermanentError):
            self.adapter.list_orders(self.t0, self.t0 + self.window
                + datetime.timedelta(seconds=1))
        self.assertEqual(self.fake.calls, [])

    def test_get_order(self):
        self.add(self.order_id(1), 1, status=self.status_cases[0][0])
        self.add(self.order_id(2), 2)
        order = self.adapter.parse_order(self.adapter.get_order(
                self.order_id(1)))
        self.assertEqual((order.platform_order_id, order.status),
            (self.order_id(1), self.status_cases[0][2]))

    def test_list_order_ids_by_creation(self):
        "Reconciliation: the orders created in a span, whenever modified"
        for n in range(3):
            self.fake.add_order(self.order_id(n),
                created=self.t0 + n * MINUTE, modified=self.t0 + 90 * MINUTE)
        self.assertEqual(self.adapter.list_order_ids(self.t0,
                self.t0 + 2 * MINUTE), [self.order_id(0), self.order_id(1)])

    # -- statuses -------------------------------------------------------------
    def test_status_mapping(self):
        for n, (status, fields, expected) in enumerate(self.status_cases):
            with self.subTest(status=status, fields=fields):
                payload = self.add(self.order_id(n), n, status=status,
                    **fields)
                order = self.adapter.parse_order(payload)
                self.assertEqual(order.status, expected)

    # -- errors ---------------------------------------------------------------
    def test_throttle_retried_after_retry_after(self):
        self.add(self.order_id(1), 1)
        self.fake.throttle(times=2, seconds=self.throttle_seconds)
        slept = []
        page = call_with_retry(
            lambda: self.adapter.list_orders(self.t0, self.t0 + self.window),
            slept.append)
        self.assertEqual(slept, [self.throttle_seconds] * 2)
        self.assertEqual(len(page.payloads), 1)

    def test_server_failure_is_transient(self):
        self.fake.fail(times=1)
        with self.assertRaises(TransientError):
            self.adapter.list_orders(self.t0, self.t0 + self.window)
        self.adapter.list_orders(self.t0, self.t0 + self.window)

    def test_slow_answer_is_transient(self):
        adapter = get_adapter(self.platform)(self.fake.adapter_credentials(),
            base_url=self.fake.url, session=httpx.Client(timeout=0.1))
        self.addCleanup(adapter.session.close)
        self.fake.slow(times=1, seconds=0.3)
        with self.assertRaises(TransientError) as context:
            adapter.list_orders(self.t0, self.t0 + self.window)
        self.assertIn('no answer in time', str(context.exception))

    def test_bad_signature_rejected(self):
        adapter = self.make_adapter(**self.bad_credentials())
        with self.assertRaises((PermanentError, AuthError)) as context:
            adapter.list_orders(self.t0, self.t0 + self.window)
        self.assertIn(self.bad_signature_says, str(context.exception))
        self.assertEqual(self.fake.calls, [])

    def bad_credentials(self):
        return {'app_secret': 'not-the-secret'}

    bad_signature_says = 'signature'

    def test_missing_credential_is_auth_error(self):
        name, = self.bad_credentials()
        adapter = self.make_adapter()
        del adapter.credentials[name]
        with self.assertRaises(AuthError) as context:
            adapter.list_orders(self.t0, self.t0 + self.window)
        self.assertIn(name, str(context.exception))

    def test_expired_token_is_auth_error(self):
        self.fake.expire_token()
        with self.assertRaises(AuthError):
            self.adapter.list_orders(self.t0, self.t0 + self.window)

    def test_malformed_payloads(self):
        good = self.add(self.order_id(1), 1)
        for label, payload, says in self.malformed(good):
            with self.subTest(label):
                with self.assertRaises(PayloadError) as context:
                    self.adapter.parse_order(payload)
                self.assertIn(says, str(context.exception))

    def test_order_reference_of_malformed_payload(self):
        "A malformed delivery can still be kept under its order"
        good = self.add(self.order_id(1), 1)
        broken = self.break_lines(copy.deepcopy(good))
        with self.assertRaises(PayloadError):
            self.adapter.parse_order(broken)
        order_id, modified = self.adapter.order_reference(broken)
        self.assertEqual((order_id, modified),
            (self.order_id(1), self.t0 + MINUTE))
        self.assertEqual(self.adapter.order_reference(['not', 'an', 'order']),
            (None, None))

    def break_lines(self, payload):
        "The payload with its lines made junk"
        for key in ('orders', 'item_list', 'itemInfoList', 'sku_order_list',
                'lineItems', 'line_items'):
            if key in payload:
                payload[key] = 'junk'
                return payload
        raise AssertionError("no lines in the payload")

    def test_bad_encoding_named(self):
        "A text the database could not store is refused, its path named"
        good = self.add(self.order_id(1), 1)
        lines = self.break_lines(copy.deepcopy(good))
        key = next(k for k in good if k in lines and lines[k] == 'junk')
        payload = copy.deepcopy(good)
        line = payload[key]
        while not isinstance(line, dict) or not any(
                isinstance(v, str) for v in line.values()):
            line = (line[0] if isinstance(line, list)
                else next(v for v in line.values()
                    if isinstance(v, (dict, list))))
        field = next(k for k, v in line.items() if isinstance(v, str))
        line[field] = 'T-shirt \ud800'
        with self.assertRaises(PayloadError) as context:
            self.adapter.parse_order(payload)
        self.assertIn('bad encoding', str(context.exception))
        self.assertIn(f'.{field}', str(context.exception))

    def test_junk_in_any_field_never_crashes(self):
        "Every field of a good payload replaced by junk: an order or a "
        "PayloadError, nothing else"
        good = self.add(self.order_id(1), 1)
        tried = 0
        for path, junk, payload in mutations(good):
            tried += 1
            try:
                order = self.adapter.parse_order(payload)
            except PayloadError:
                continue
            except Exception as exception:
                self.fail(f"{path} = {junk!r}: {exception!r}")
            self.assertIsInstance(order.status, OrderStatus)
            self.assertTrue(all(isinstance(line.quantity, Decimal)
                    and line.quantity > 0 for line in order.lines),
                f"{path} = {junk!r}")
        self.assertGreater(tried, 100)

    # -- writes ---------------------------------------------------------------
    def test_stock_push_recorded(self):
        updates = self.stock_updates()
        results = self.adapter.update_inventory(updates)
        self.assertTrue(all(r.ok for r in results), results)
        self.assertEqual(len(results), len(updates))
        self.assertEqual(
            sorted((r['sku_id'], r['quantity']) for r in self.fake.stock),
            sorted((u.sku_id, max(u.quantity, 0)) for u in updates))

    def stock_updates(self):
        return [InventoryUpdate('S1', 'P1', 5), InventoryUpdate('S2', 'P1', 0),
            InventoryUpdate('S3', 'P2', 12)]

    def test_tracking_push_recorded_once(self):
        order_id = self.order_id(1)
        self.add(order_id, 1)
        carrier = self.adapter.carrier_code('SF')
        parcels = [Parcel(carrier, 'SF1234567890')]
        self.adapter.push_tracking(order_id, parcels)
        # a retry (the first answer lost) pushes nothing twice
        self.adapter.push_tracking(order_id, parcels)
        self.assertEqual([(t['order_id'], t['tracking_number'])
                for t in self.fake.tracking], [(order_id, 'SF1234567890')])

    def test_unknown_carrier_refused(self):
        with self.assertRaises(PermanentError):
            self.adapter.carrier_code('NO-SUCH-CARRIER')


class ClockContract:
    "Platforms that sign a timestamp refuse one more than 10 min off"

    def test_clock_skew_refused(self):
        adapter = self.make_adapter()
        adapter._now = lambda: datetime.datetime.now(UTC) - 11 * MINUTE
        with self.assertRaises(PermanentError) as context:
            adapter.list_orders(self.t0, self.t0 + self.window)
        self.assertIn('imestamp', str(context.exception))
        adapter._now = lambda: datetime.datetime.now(UTC) - 9 * MINUTE
        adapter.list_orders(self.t0, self.t0 + self.window)


class WebhookReceiver:
    "A local endpoint keeping what is POSTed to it (headers, raw body)"

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get('Content-Length') or 0)
                received.append((dict(self.headers.items()),
                        self.rfile.read(length)))
                self.send_response(200)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def log_message(self, *args):
                pass
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,),
            daemon=True).start()
        self.url = f'http://127.0.0.1:{self.server.server_address[1]}/hook'

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class WebhookContract:
    "Signed pushes: sent by the fake over HTTP, verified by the adapter"

    def receive(self, order_id, **kwargs):
        receiver = WebhookReceiver()
        self.addCleanup(receiver.stop)
        status, _ = self.fake.send_webhook(receiver.url, order_id, **kwargs)
        self.assertEqual(status, 200)
        (headers, body), = receiver.received
        return headers, body

    def test_webhook_good_signature(self):
        order_id = self.order_id(1)
        self.add(order_id, 1)
        headers, body = self.receive(order_id)
        self.assertTrue(self.adapter.verify_webhook(headers, body))
        event, = self.adapter.parse_webhook(headers, body)
        self.assertEqual(event.platform_order_id, order_id)
        self.assertTrue(event.delivery_id)

    def test_webhook_bad_signature(self):
        order_id = self.order_id(1)
        self.add(order_id, 1)
        headers, body = self.receive(order_id, bad_signature=True)
        self.assertFalse(self.adapter.verify_webhook(headers, body))

    def test_webhook_tampered_body(self):
        order_id = self.order_id(1)
        self.add(order_id, 1)
        headers, body = self.fake.webhook_request(order_id)
        self.assertFalse(self.adapter.verify_webhook(headers,
                body.replace(order_id.encode(), b'9' * len(order_id))))

    def test_webhook_unsigned(self):
        order_id = self.order_id(1)
        self.add(order_id, 1)
        headers, body = self.fake.webhook_request(order_id)
        headers = {k: v for k, v in headers.items()
            if 'sign' not in k.lower() and 'hmac' not in k.lower()}
        self.assertFalse(self.adapter.verify_webhook(headers, body))


class TaobaoTestCase(ClockContract, AdapterContract, unittest.TestCase):
    platform = 'taobao'
    status_cases = [
        ('WAIT_BUYER_PAY', {}, OrderStatus.AWAITING_PAYMENT),
        ('WAIT_SELLER_SEND_GOODS', {}, OrderStatus.PAID),
        ('WAIT_SELLER_SEND_GOODS', {'forbid_consign': 1}, OrderStatus.HOLD),
        ('PAID_FORBID_CONSIGN', {}, OrderStatus.HOLD),
        ('SELLER_CONSIGNED_PART', {}, OrderStatus.PARTIALLY_SHIPPED),
        ('WAIT_BUYER_CONFIRM_GOODS', {}, OrderStatus.SHIPPED),
        ('TRADE_FINISHED', {}, OrderStatus.COMPLETED),
        ('TRADE_BUYER_SIGNED', {}, OrderStatus.COMPLETED),
        ('TRADE_CLOSED_BY_TAOBAO', {'pay_time': None},
            OrderStatus.CANCELLED),
        ('TRADE_CLOSED', {}, OrderStatus.REFUNDED),
        ('TRADE_CLOSED', {'pay_time': None}, OrderStatus.CANCELLED),
        ]

    def malformed(self, good):
        line = good['orders']['order'][0]
        return [
            ('no tid', dict(good, tid=None, tid_str=None),
                'trade.tid: missing'),
            ('no lines', dict(good, orders={'order': []}),
                'orders.order: empty'),
            ('bad time', dict(good, modified='yesterday'), 'modified'),
            ('bad amount', dict(good, payment='12,50'), 'payment'),
            ('absurd quantity', dict(good, orders={'order': [
                            {**line, 'num': -3}]}), 'absurd quantity'),
            ('wrong type', dict(good, orders={'order': [
                            {**line, 'price': ['109']}]}), 'price'),
            ('unknown status', dict(good, status='NEW_STATUS'), 'NEW_STATUS'),
            ]

    def test_pages_read_backwards(self):
        for n in range(7):
            self.add(self.order_id(n), n)
        self.pull(self.t0, self.t0 + self.window)
        pages = [int(params['page_no']) for method, params in self.fake.calls
            if method == 'taobao.trades.sold.increment.get']
        self.assertEqual(pages, [1, 3, 2, 1])

    def test_details_read_for_listed_trades(self):
        "The list's trades are partial: the receiver comes with the detail"
        self.add(self.order_id(1), 1)
        listed = self.fake.partial(self.fake.entries[self.order_id(1)].payload)
        self.assertNotIn('receiver_city', listed)
        payload, = self.pull(self.t0, self.t0 + self.window)
        self.assertEqual(self.adapter.parse_order(payload).address.city,
            '杭州市')
        self.assertEqual([m for m, p in self.fake.calls], [
                'taobao.trades.sold.increment.get',
                'taobao.trade.fullinfo.get'])

    def test_times_sent_in_shanghai(self):
        self.pull(self.t0, self.t0 + self.window)
        params = self.fake.calls[0][1]
        start = self.t0.astimezone(datetime.timezone(
                datetime.timedelta(hours=8)))
        self.assertEqual(params['start_modified'],
            start.strftime('%Y-%m-%d %H:%M:%S'))
        # [start, end): the last second of the window, inclusively
        self.assertEqual(params['end_modified'],
            (start + self.window - datetime.timedelta(seconds=1)
                ).strftime('%Y-%m-%d %H:%M:%S'))

    def test_fake_refuses_window_over_one_day(self):
        with self.assertRaises(PermanentError) as context:
            self.adapter.call('taobao.trades.sold.increment.get', {
                    'fields': 'tid', 'start_modified': '2024-05-01 00:00:00',
                    'end_modified': '2024-05-02 00:00:01'})
        self.assertIn('时间跨度', str(context.exception))

    def test_hmac_sha256_signing_accepted(self):
        adapter = self.make_adapter(sign_method='hmac-sha256')
        self.add(self.order_id(1), 1)
        page = adapter.list_orders(self.t0, self.t0 + self.window)
        self.assertEqual(len(page.payloads), 1)

    def test_parse_amounts_and_address(self):
        payload = self.add(self.order_id(1), 1, lines=[
                dict(sku_id='5011122233', product_id='720011223344',
                    sku_code='ERP-SKU-001', title='测试商品', quantity=2,
                    price='109.00')],
            payment='198.00', post_fee='0.00')
        payload['orders']['order'][0]['divide_order_fee'] = '198.00'
        order = self.adapter.parse_order(payload)
        line, = order.lines
        self.assertEqual((line.quantity, line.unit_price, line.discount),
            (Decimal(2), Decimal('109.00'), Decimal('20.00')))
        self.assertEqual(order.total, Decimal('198.00'))
        self.assertEqual(order.currency, 'CNY')
        self.assertTrue(order.address.masked)
        self.assertEqual((order.address.province, order.address.city),
            ('浙江省', '杭州市'))
        self.assertEqual(order.created_at.utcoffset(), datetime.timedelta(0))

    def test_line_refund(self):
        payload = self.add(self.order_id(1), 1)
        sub = payload['orders']['order'][0]
        sub.update(refund_status='SUCCESS', refund_id=12345678901)
        order = self.adapter.parse_order(payload)
        refund, = order.refunds
        self.assertEqual((refund.platform_refund_id, refund.line_ids,
                refund.amount), ('12345678901', [str(sub['oid'])],
                Decimal('10.00')))

    def test_stock_batches_of_twenty(self):
        updates = [InventoryUpdate(f'S{n}', 'P1', n) for n in range(45)]
        self.adapter.update_inventory(updates)
        calls = [m for m, p in self.fake.calls]
        self.assertEqual(calls, ['taobao.skus.quantity.update'] * 3)
        self.assertEqual(len(self.fake.stock), 45)

    def test_refused_sku_fails_alone(self):
        "A refused batch is sent again SKU by SKU"
        self.fake.refused_skus = {'S2'}
        self.addCleanup(setattr, self.fake, 'refused_skus', frozenset())
        results = self.adapter.update_inventory([InventoryUpdate(f'S{n}', 'P1',
                    n) for n in (1, 2, 3)])
        self.assertEqual([r.ok for r in results], [True, False, True])
        self.assertIn('S2', results[1].message)
        self.assertEqual([(s['sku_id'], s['quantity'])
                for s in self.fake.stock], [('S1', 1), ('S3', 3)])

    def test_item_level_stock(self):
        self.adapter.update_inventory([InventoryUpdate(None, '7200', 4)])
        self.assertEqual(self.fake.stock, [{'product_id': '7200',
                    'sku_id': None, 'quantity': 4, 'type': '1'}])

    def test_delist_relist(self):
        self.adapter.delist(['7200'])
        self.adapter.relist(['7200'])
        self.assertEqual(self.fake.listing, [
                {'product_id': '7200', 'listed': False},
                {'product_id': '7200', 'listed': True}])

    def test_split_parcels(self):
        order_id = self.order_id(1)
        self.add(order_id, 1)
        self.adapter.push_tracking(order_id, [
                Parcel('SF', 'SF1', line_ids=['10010']),
                Parcel('ZTO', 'ZT2', line_ids=['10011'])])
        self.assertEqual(self.fake.tracking, [
                {'order_id': order_id, 'carrier': 'SF',
                    'tracking_number': 'SF1', 'lines': ['10010']},
                {'order_id': order_id, 'carrier': 'ZTO',
                    'tracking_number': 'ZT2', 'lines': ['10011']}])

    def test_no_webhooks(self):
        "TOP pushes through TMC: an endpoint cannot verify anything"
        self.assertFalse(self.adapter.has_webhooks)
        with self.assertRaises(Unsupported):
            self.adapter.verify_webhook({}, b'{}')


class PinduoduoTestCase(ClockContract, AdapterContract, unittest.TestCase):
    platform = 'pinduoduo'
    throttle_seconds = 1    # PDD gives no wait: the adapter's suggestion
    status_cases = [
        (1, {}, OrderStatus.PAID),
        (1, {'confirm_status': 0}, OrderStatus.HOLD),
        (1, {'risk_control_status': 1}, OrderStatus.HOLD),
        (1, {'refund_status': 2}, OrderStatus.HOLD),
        (1, {'confirm_status': 2}, OrderStatus.CANCELLED),
        (2, {}, OrderStatus.SHIPPED),
        (3, {}, OrderStatus.COMPLETED),
        (2, {'refund_status': 4}, OrderStatus.REFUNDED),
        ]

    def order_id(self, n):
        return f'240501-{123456789012345 + n}'

    def bad_credentials(self):
        return {'client_secret': 'not-the-secret'}

    def malformed(self, good):
        item = good['item_list'][0]
        return [
            ('no order_sn', dict(good, order_sn=None), 'order_sn: missing'),
            ('status as text', dict(good, order_status='1'), 'order_status'),
            ('unknown status', dict(good, order_status=9),
                'order_status: unknown value 9'),
            ('no items', dict(good, item_list=[]), 'item_list: empty'),
            ('items not a list', dict(good, item_list={'a': 1}),
                'expected a list'),
            ('bad price', dict(good, item_list=[{**item, 'goods_price': 'x'}]),
                'goods_price'),
            ('absurd amount', dict(good, pay_amount=1e12), 'absurd amount'),
            ('fractional count', dict(good, item_list=[
                            {**item, 'goods_count': 1.5}]), 'goods_count'),
            ('bad time', dict(good, updated_at='2024-13-01 00:00:00'),
                'updated_at'),
            ]

    def test_amounts_from_yuan_floats(self):
        payload = self.add(self.order_id(1), 1, lines=[dict(sku_id=987654321,
                    product_id=123456789, sku_code='ERP-SKU-001',
                    title='测试商品', quantity=1, price='59.9')],
            pay_amount=49.9, discount_amount=10.0, postage=0.0)
        order = self.adapter.parse_order(payload)
        self.assertEqual((order.total, order.discount,
                order.lines[0].unit_price),
            (Decimal('49.9'), Decimal('10.0'), Decimal('59.9')))
        self.assertEqual(order.lines[0].sku_id, '987654321')
        # only masked values, never the ciphertext
        self.assertEqual((order.address.name, order.address.phone),
            ('张*', '138****5678'))
        self.assertTrue(order.address.masked)

    def test_fake_refuses_window_over_30_minutes(self):
        start = int(self.t0.timestamp())
        with self.assertRaises(PermanentError) as context:
            self.adapter.call('pdd.order.number.list.increment.get', {
                    'start_updated_at': start,
                    'end_updated_at': start + 1801})
        self.assertIn('时间跨度', str(context.exception))

    def test_timestamps_are_unix_seconds(self):
        self.pull(self.t0, self.t0 + self.window)
        params = self.fake.calls[0][1]
        self.assertEqual(int(params['start_updated_at']),
            int(self.t0.timestamp()))
        self.assertEqual(int(params['end_updated_at']),
            int(self.t0.timestamp()) + 30 * 60 - 1)

    def test_extra_parcels(self):
        order_id = self.order_id(1)
        self.add(order_id, 1)
        parcels = [Parcel(self.adapter.carrier_code('SF'), 'SF1'),
            Parcel(self.adapter.carrier_code('ZTO'), 'ZT2')]
        self.adapter.push_tracking(order_id, parcels)
        self.adapter.push_tracking(order_id, parcels)
        self.assertEqual([(t['carrier'], t['tracking_number'])
                for t in self.fake.tracking], [('44', 'SF1'), ('115', 'ZT2')])

    def test_delist_relist(self):
        self.adapter.delist(['123'])
        self.adapter.relist(['123'])
        self.assertEqual([r['listed'] for r in self.fake.listing],
            [False, True])


class JdTestCase(ClockContract, AdapterContract, unittest.TestCase):
    platform = 'jd'
    throttle_seconds = 1    # JD says no wait: the adapter's suggestion
    status_cases = [
        ('WAIT_SELLER_STOCK_OUT', {}, OrderStatus.PAID),
        ('WAIT_GOODS_RECEIVE_CONFIRM', {}, OrderStatus.SHIPPED),
        ('FINISHED_L', {}, OrderStatus.COMPLETED),
        ('LOCKED', {}, OrderStatus.HOLD),
        ('PAUSE', {}, OrderStatus.HOLD),
        ('TRADE_CANCELED', {'paymentConfirmTime': None},
            OrderStatus.CANCELLED),
        ('TRADE_CANCELED', {}, OrderStatus.REFUNDED),
        ]

    def order_id(self, n):
        return str(310000000000 + n)

    def malformed(self, good):
        item = good['itemInfoList'][0]
        return [
            ('no id', dict(good, orderId=''), 'orderId: missing'),
            ('unknown state', dict(good, orderState='NEW'), "'NEW'"),
            ('no items', dict(good, itemInfoList=None),
                'itemInfoList: missing'),
            ('bad quantity', dict(good, itemInfoList=[
                            {**item, 'itemTotal': 'two'}]), 'itemTotal'),
            ('bad price', dict(good, itemInfoList=[
                            {**item, 'jdPrice': {'v': 1}}]), 'jdPrice'),
            ('bad time', dict(good, orderStartTime=20240501),
                'orderStartTime'),
            ]

    def test_param_json_and_timestamp(self):
        self.pull(self.t0, self.t0 + self.window)
        business = self.fake.calls[0][1]
        self.assertEqual(business['dateType'], 1)
        self.assertIn('orderId', business['optional_fields'])

    def test_fake_refuses_window_over_one_month(self):
        with self.assertRaises(PermanentError) as context:
            self.adapter.business('jingdong.pop.order.search',
                self.adapter.call('jingdong.pop.order.search', {
                        'start_date': '2024-05-01 00:00:00',
                        'end_date': '2024-06-02 00:00:00',
                        'optional_fields': 'orderId'}),
                'searchorderinfo_result')
        self.assertIn('时间范围', str(context.exception))

    def test_business_error_layer(self):
        "A refusal inside a 200 answer (apiResult.success false)"
        with self.assertRaises(PermanentError) as context:
            self.adapter.business('jingdong.pop.order.search',
                self.adapter.call('jingdong.pop.order.search', {}),
                'searchorderinfo_result')
        self.assertIn('optional_fields', str(context.exception))

    def test_encrypted_consignee_not_kept(self):
        payload = self.add(self.order_id(1), 1)
        address = self.adapter.parse_order(payload).address
        self.assertEqual((address.name, address.street, address.city),
            (None, None, '杭州市'))
        self.assertFalse(address.complete)

    def test_parcels_in_one_call(self):
        order_id = self.order_id(1)
        self.add(order_id, 1)
        self.adapter.push_tracking(order_id, [Parcel('467', 'SF1'),
                Parcel('1499', 'ZT2')])
        self.assertEqual([(t['carrier'], t['tracking_number'])
                for t in self.fake.tracking],
            [('467', 'SF1'), ('1499', 'ZT2')])


class DouyinTestCase(WebhookContract, ClockContract, AdapterContract,
        unittest.TestCase):
    platform = 'douyin'
    throttle_seconds = 1    # Douyin says no wait: the adapter's suggestion
    bad_signature_says = '签名'
    status_cases = [
        (1, {}, OrderStatus.AWAITING_PAYMENT),
        (103, {}, OrderStatus.AWAITING_PAYMENT),
        (105, {}, OrderStatus.PAID),
        (2, {}, OrderStatus.PAID),
        (101, {}, OrderStatus.PARTIALLY_SHIPPED),
        (3, {}, OrderStatus.SHIPPED),
        (5, {}, OrderStatus.COMPLETED),
        (4, {}, OrderStatus.CANCELLED),
        (21, {}, OrderStatus.REFUNDED),
        (39, {}, OrderStatus.REFUNDED),
        ]

    def order_id(self, n):
        return str(6920000000000000001 + n)

    def malformed(self, good):
        sku = good['sku_order_list'][0]
        return [
            ('no id', dict(good, order_id=None), 'order_id: missing'),
            ('unknown status', dict(good, order_status=77),
                'order_status: unknown value 77'),
            ('yuan instead of fen', dict(good, pay_amount='49.90'),
                'integer fen'),
            ('bad epoch', dict(good, update_time='2024-05-01'), 'update_time'),
            ('no sku lines', dict(good, sku_order_list=[]),
                'sku_order_list: empty'),
            ('zero quantity', dict(good, sku_order_list=[
                            {**sku, 'item_num': 0}]), 'absurd quantity'),
            ('float price', dict(good, sku_order_list=[
                            {**sku, 'goods_price': 59.9}]), 'goods_price'),
            ]

    def test_fen_and_epoch(self):
        payload = self.add(self.order_id(1), 1, lines=[dict(
                    sku_id='1700000000000000001',
                    product_id='3600000000000000001',
                    sku_code='ERP-SKU-001', title='测试商品', quantity=1,
                    price='59.90')], pay_amount=4990, promotion_amount=1000)
        payload['sku_order_list'][0]['pay_amount'] = 4990
        order = self.adapter.parse_order(payload)
        line, = order.lines
        self.assertEqual((order.total, line.unit_price, line.discount),
            (Decimal('49.90'), Decimal('59.90'), Decimal('10.00')))
        self.assertEqual(order.modified_at, self.t0 + MINUTE)
        self.assertEqual((order.address.name, order.address.city),
            ('张*', '杭州市'))

    def test_pages_zero_based_read_backwards(self):
        for n in range(7):
            self.add(self.order_id(n), n)
        self.pull(self.t0, self.t0 + self.window)
        self.assertEqual([p['page'] for m, p in self.fake.calls],
            [0, 2, 1, 0])

    def test_md5_signing_accepted(self):
        adapter = self.make_adapter(sign_method='md5')
        self.add(self.order_id(1), 1)
        self.assertEqual(len(adapter.list_orders(self.t0,
                    self.t0 + self.window).payloads), 1)

    def test_stock_idempotent_retry(self):
        update = InventoryUpdate('S1', 'P1', 7, idempotency_key='push-42')
        self.adapter.update_inventory([update])
        self.adapter.update_inventory([update])
        self.assertEqual([(s['quantity'], s['incremental'])
                for s in self.fake.stock], [(7, False)])

    def test_multi_pack(self):
        order_id = self.order_id(1)
        self.add(order_id, 1)
        parcels = [Parcel('shunfeng', 'SF1', line_ids=['a'],
                quantities={'a': 2}), Parcel('zhongtong', 'ZT2',
                line_ids=['b'])]
        self.adapter.push_tracking(order_id, parcels)
        self.adapter.push_tracking(order_id, parcels)
        self.assertEqual([(t['tracking_number'], t['lines'])
                for t in self.fake.tracking], [('SF1', ['a']), ('ZT2', ['b'])])
        method, params = self.fake.calls[0]
        self.assertEqual([pack['shipped_order_info']
                for pack in params['pack_list']],
            [[{'shipped_order_id': 'a', 'shipped_num': 2}],
                [{'shipped_order_id': 'b'}]])

    def test_push_not_json(self):
        with self.assertRaises(PayloadError):
            self.adapter.parse_webhook({}, b'\xff\xfe not json')


class ShopifyTestCase(WebhookContract, AdapterContract,
        unittest.TestCase):
    platform = 'shopify'
    bad_signature_says = 'access refused'   # no request signing: the token
    status_cases = [
        ('PENDING/UNFULFILLED', {}, OrderStatus.AWAITING_PAYMENT),
        ('PAID/UNFULFILLED', {}, OrderStatus.PAID),
        ('AUTHORIZED/UNFULFILLED', {}, OrderStatus.PAID),
        ('PAID/ON_HOLD', {}, OrderStatus.HOLD),
        ('PAID/PARTIALLY_FULFILLED', {}, OrderStatus.PARTIALLY_SHIPPED),
        ('PAID/FULFILLED', {}, OrderStatus.SHIPPED),
        ('PAID/FULFILLED', {'closed': True}, OrderStatus.COMPLETED),
        ('PARTIALLY_REFUNDED/FULFILLED', {}, OrderStatus.SHIPPED),
        ('REFUNDED/UNFULFILLED', {}, OrderStatus.REFUNDED),
        ('VOIDED/UNFULFILLED', {'cancelledAt': '2024-05-01T10:00:00Z'},
            OrderStatus.CANCELLED),
        ('PENDING/UNFULFILLED', {'cancelledAt': '2024-05-01T10:00:00Z'},
            OrderStatus.CANCELLED),
        ('REFUNDED/UNFULFILLED', {'cancelledAt': '2024-05-01T10:00:00Z'},
            OrderStatus.REFUNDED),
        ]

    def order_id(self, n):
        return str(5678000 + n)

    def bad_credentials(self):
        return {'access_token': 'shpat_wrong'}

    def malformed(self, good):
        item = good['lineItems']['nodes'][0]
        return [
            ('no id', dict(good, id=None), 'order.id: missing'),
            ('unknown status', dict(good, displayFulfillmentStatus='LOST'),
                "displayFulfillmentStatus: unknown value 'LOST'"),
            ('no lines', dict(good, lineItems={'nodes': []}), 'lineItems'),
            ('money not a MoneyBag', dict(good, currentTotalPriceSet='59.00'),
                'currentTotalPriceSet'),
            ('bad quantity', dict(good, lineItems={'nodes': [
                            {**item, 'quantity': 'many'}]}), 'quantity'),
            ('bad time', dict(good, updatedAt='01/05/2024'), 'updatedAt'),
            ]

    def test_parse_money_refunds_address(self):
        payload = self.add(self.order_id(1), 1, status='PARTIALLY_REFUNDED/'
            'FULFILLED', lines=[dict(sku_id='222', product_id='333',
                    sku_code='ERP-SKU-001', title='T-Shirt', quantity=2,
                    price='29.50')])
        payload['refunds'] = [{'id': 'gid://shopify/Refund/9',
                'createdAt': '2024-05-02T08:00:00Z',
                'totalRefundedSet': {'shopMoney': {'amount': '29.50',
                        'currencyCode': 'EUR'}},
                'refundLineItems': {'nodes': [{'quantity': 1,
                            'lineItem': {'id': payload['lineItems'][
                                    'nodes'][0]['id']}}]}}]
        order = self.adapter.parse_order(payload)
        line, = order.lines
        self.assertEqual((line.sku_id, line.product_id, line.unit_price),
            ('222', '333', Decimal('29.50')))
        refund, = order.refunds
        self.assertEqual((refund.platform_refund_id, refund.amount,
                refund.line_ids), ('9', Decimal('29.50'),
                [line.platform_line_id]))
        self.assertEqual((order.currency, order.total, order.address.country,
                order.address.complete), ('EUR', Decimal('59.00'), 'DE',
                True))

    def test_throttle_wait_from_query_cost(self):
        self.fake.throttle(times=1, seconds=2.5)
        with self.assertRaises(ThrottleError) as context:
            self.adapter.list_orders(self.t0, self.t0 + self.window)
        self.assertEqual(context.exception.retry_after, 2.5)

    def test_stock_sets_available_with_change_from_null(self):
        self.adapter.update_inventory([InventoryUpdate('222', '333', 9,
                    idempotency_key='push-1')])
        record, = self.fake.stock
        self.assertEqual((record['inventory_item_id'], record['location_id'],
                record['name'], record['quantity'], record['reference']),
            ('gid://shopify/InventoryItem/222', 'gid://shopify/Location/444',
                'available', 9, 'gid://ecom-erp/StockPush/push-1'))

    def test_stock_activates_item_then_sets(self):
        "An item not stocked at the location is activated, then set once"
        self.adapter.update_inventory([InventoryUpdate('222', '333', 4)])
        self.assertIn(('gid://shopify/InventoryItem/222',
                'gid://shopify/Location/444'), self.fake.activated)
        self.assertEqual([(s['sku_id'], s['quantity'])
                for s in self.fake.stock], [('222', 4)])

    def test_stock_refusal_fails_only_its_update(self):
        "The mutation is all or nothing: the others are sent again"
        self.fake.refused_items.add('gid://shopify/InventoryItem/2')
        self.addCleanup(self.fake.refused_items.clear)
        results = self.adapter.update_inventory([InventoryUpdate(str(n), 'P',
                    n) for n in (1, 2, 3)])
        self.assertEqual([r.ok for r in results], [True, False, True])
        self.assertIn('INVALID_INVENTORY_ITEM', results[1].message)
        self.assertEqual(sorted((s['sku_id'], s['quantity'])
                for s in self.fake.stock), [('1', 1), ('3', 3)])

    def test_partial_fulfilment_by_line(self):
        order_id = self.order_id(1)
        payload = self.add(order_id, 1, lines=[
                dict(sku_id='1', product_id='1', sku_code='A', title='A',
                    quantity=2, price='1.00'),
                dict(sku_id='2', product_id='2', sku_code='B', title='B',
                    quantity=1, price='1.00')])
        first, second = [self.adapter.parse_order(payload).lines[i]
            .platform_line_id for i in (0, 1)]
        self.adapter.push_tracking(order_id, [
                Parcel('DHL Express', 'DHL1', line_ids=[first],
                    quantities={first: 1}),
                Parcel('DHL Express', 'DHL2')])
        self.assertEqual([(t['tracking_number'], len(t['lines']))
                for t in self.fake.tracking], [('DHL1', 1), ('DHL2', 2)])
        with self.assertRaises(PermanentError):
            self.adapter.push_tracking(order_id, [Parcel('UPS', 'UPS3')])

    def test_webhook_secret_rotation(self):
        order_id = self.order_id(1)
        self.add(order_id, 1)
        headers, body = self.fake.webhook_request(order_id)
        adapter = self.make_adapter(client_secret='new-secret',
            previous_client_secret='hush')
        self.assertTrue(adapter.verify_webhook(headers, body))

    def test_webhook_order_edited(self):
        body = b'{"order_edit": {"id": 1, "order_id": 5678001}}'
        event, = self.adapter.parse_webhook({'X-Shopify-Topic':
                'orders/edited', 'X-Shopify-Webhook-Id': 'w1'}, body)
        self.assertEqual(event.platform_order_id, '5678001')


class WooCommerceTestCase(WebhookContract, AdapterContract,
        unittest.TestCase):
    platform = 'woocommerce'
    bad_signature_says = 'Invalid signature'   # OAuth 1.0a over HTTP
    status_cases = [
        ('pending', {}, OrderStatus.AWAITING_PAYMENT),
        ('checkout-draft', {}, OrderStatus.AWAITING_PAYMENT),
        ('processing', {}, OrderStatus.PAID),
        ('on-hold', {}, OrderStatus.HOLD),
        ('completed', {}, OrderStatus.COMPLETED),
        ('cancelled', {}, OrderStatus.CANCELLED),
        ('failed', {}, OrderStatus.CANCELLED),
        ('refunded', {}, OrderStatus.REFUNDED),
        ]

    def order_id(self, n):
        return str(7000 + n)

    def bad_credentials(self):
        return {'consumer_secret': 'cs_wrong'}

    def stock_updates(self):
        return [InventoryUpdate('95', '93', 5), InventoryUpdate('96', '93', 0),
            InventoryUpdate('101', '100', 12)]

    def malformed(self, good):
        item = good['line_items'][0]
        return [
            ('no id', dict(good, id=None), 'order.id: missing'),
            ('plugin status', dict(good, status='shipped'), "'shipped'"),
            ('no lines', dict(good, line_items=[]), 'line_items: empty'),
            ('bad total', dict(good, total='12.3.4'), 'total'),
            ('list as amount', dict(good, line_items=[
                            {**item, 'subtotal': [1]}]), 'subtotal'),
            ('negative quantity', dict(good, line_items=[
                            {**item, 'quantity': -1}]), 'absurd quantity'),
            ('bad date', dict(good, date_modified_gmt='yesterday'),
                'date_modified_gmt'),
            ('no currency', dict(good, currency=''), 'currency: missing'),
            ]

    def test_oauth_nonce_used_once(self):
        "A signed request replayed (same nonce) is refused"
        sent = []
        adapter = self.make_adapter()
        adapter.session = httpx.Client(transport=httpx.MockTransport(
                lambda request: sent.append(request) or httpx.Response(
                    200, json=[], headers={'X-WP-Total': '0'})))
        adapter.list_orders(self.t0, self.t0 + self.window)
        url = str(sent[0].url)
        self.assertIn('oauth_signature=', url)
        self.assertEqual(self.http.get(url).status_code, 200)
        replay = self.http.get(url)
        self.assertEqual(replay.status_code, 401)
        self.assertIn('nonce', replay.json()['message'])

    def test_basic_auth_over_https(self):
        "Over TLS the keys go as HTTP Basic, nothing signed in the query"
        sent = []
        adapter = get_adapter('woocommerce')({'consumer_key': 'ck_1',
                'consumer_secret': 'cs_1'}, base_url='https://shop.example',
            session=httpx.Client(transport=httpx.MockTransport(
                    lambda request: sent.append(request) or httpx.Response(
                        200, json=[], headers={'X-WP-Total': '0'}))))
        adapter.list_orders(self.t0, self.t0 + self.window)
        request, = sent
        self.assertEqual(request.headers['Authorization'],
            'Basic ' + base64.b64encode(b'ck_1:cs_1').decode())
        self.assertNotIn('oauth_', str(request.url))

    def test_dates_sent_in_gmt_with_exclusive_bounds(self):
        self.pull(self.t0, self.t0 + self.window)
        params = self.fake.calls[0][1]
        self.assertEqual(params['dates_are_gmt'], 'true')
        self.assertEqual(params['modified_after'],
            (self.t0 - datetime.timedelta(seconds=1)).strftime(
                '%Y-%m-%dT%H:%M:%S'))
        self.assertEqual(params['modified_before'],
            (self.t0 + self.window).strftime('%Y-%m-%dT%H:%M:%S'))

    def test_parse_lines_refunds_address(self):
        payload = self.add(self.order_id(1), 1, lines=[dict(sku_id=95,
                    product_id=93, sku_code='ERP-SKU-001',
                    title='T-Shirt - Black', quantity=3, price='10.00')])
        payload['line_items'][0].update(subtotal='10.00', total='9.00')
        payload['refunds'] = [{'id': 730, 'reason': 'damaged',
                'total': '-3.00'}]
        order = self.adapter.parse_order(payload)
        line, = order.lines
        self.assertEqual((line.sku_id, line.product_id, line.unit_price,
                line.discount), ('95', '93', Decimal('3.3333'),
                Decimal('0.9999')))
        self.assertEqual(line.quantity * line.unit_price - line.discount,
            Decimal('9.00'))
        refund, = order.refunds
        self.assertEqual((refund.platform_refund_id, refund.amount),
            ('730', Decimal('3.00')))
        self.assertEqual((order.address.name, order.address.street,
                order.address.country), ('Jane Doe', 'Main St 1', 'DE'))

    def test_simple_product_stock(self):
        results = self.adapter.update_inventory([InventoryUpdate(None, '94',
                    3)])
        self.assertTrue(results[0].ok)
        self.assertEqual(self.fake.stock, [{'product_id': '94',
                    'sku_id': None, 'quantity': 3}])

    def test_tracking_completes_order(self):
        order_id = self.order_id(1)
        self.add(order_id, 1)
        self.adapter.push_tracking(order_id, [Parcel('DHL', 'JD0001'),
                Parcel('DHL', 'JD0002')])
        self.assertEqual([t['tracking_number'] for t in self.fake.tracking],
            ['JD0001', 'JD0002'])
        self.assertEqual(self.fake.entries[order_id].payload['status'],
            'completed')
        self.assertTrue(all(note['customer_note']
                for note in self.fake.notes[order_id]))

    def test_delist_relist(self):
        self.adapter.delist(['93'])
        self.adapter.relist(['93'])
        self.assertEqual(self.fake.listing, [
                {'product_id': '93', 'listed': False},
                {'product_id': '93', 'listed': True}])

    def test_ping_accepted_without_event(self):
        headers, body = self.fake.ping_request()
        self.assertTrue(self.adapter.verify_webhook(headers, body))
        self.assertEqual(self.adapter.parse_webhook(headers, body), [])

    def test_webhook_payload_and_deleted(self):
        order_id = self.order_id(1)
        self.add(order_id, 1)
        headers, body = self.fake.webhook_request(order_id)
        event, = self.adapter.parse_webhook(headers, body)
        self.assertEqual(self.adapter.parse_order(event.payload)
            .platform_order_id, order_id)
        headers, body = self.fake.webhook_request(order_id,
            topic='order.deleted')
        self.assertTrue(self.adapter.verify_webhook(headers, body))
        event, = self.adapter.parse_webhook(headers, body)
        self.assertIsNone(event.payload)

    def test_webhook_secret_html_decoded(self):
        "WooCommerce signs with the secret HTML-decoded: &amp; is &"
        body = b'{"id":727,"status":"processing"}'
        headers = {'X-WC-Webhook-Signature': b64_hmac_sha256('a&b', body),
            'X-WC-Webhook-Topic': 'order.updated'}
        adapter = self.make_adapter(webhook_secret='a&amp;b')
        self.assertTrue(adapter.verify_webhook(headers, body))
