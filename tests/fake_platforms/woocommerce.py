# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Fake WooCommerce REST API v3 (marketplace-apis.md §8)

/wp-json/wc/v3/... of a shop on plain HTTP: one-legged OAuth 1.0a in the
query (signature, timestamp within 15 min, nonce used once), as
WooCommerce requires without TLS; 401 otherwise.  GET /orders filters on
modified_after / modified_before (WordPress date queries: both bounds
exclusive; site-local time unless dates_are_gmt=true), orderby/order,
per_page <= 100, page, with X-WP-Total and X-WP-TotalPages.  Product and
variation batches, order notes and status updates are recorded.  Throttling
is a hosting WAF's 429 with Retry-After.  Webhooks are signed with
X-WC-Webhook-Signature; the ping on creation is an unsigned form body.
"""
import datetime
import json
import re
import uuid

from .base import FakePlatform, Response
from .signatures import b64_hmac_sha256, woocommerce_oauth_signature

UTC = datetime.timezone.utc
SITE_TZ = datetime.timezone(datetime.timedelta(hours=2))   # the shop's


def gmt(moment):
    return moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')


def local(moment):
    return moment.astimezone(SITE_TZ).strftime('%Y-%m-%dT%H:%M:%S')


class WooCommerceFake(FakePlatform):
    platform = 'woocommerce'
    default_credentials = {'consumer_key': 'ck_fake',
        'consumer_secret': 'cs_fake', 'webhook_secret': 'my-webhook-secret'}

    def __init__(self, credentials=None, now=None):
        super().__init__(credentials, now=now)
        self.notes = {}      # order id -> [note]
        self.nonces = set()

    def reset(self):
        super().reset()
        with self.lock:
            self.notes.clear()

    def make_order(self, order_id, created, modified, status, lines):
        items, total = [], 0
        for index, line in enumerate(lines):
            amount = float(line['price']) * line['quantity']
            total += amount
            items.append({'id': int(f'{order_id}{index}'),
                    'name': line['title'], 'product_id': line['product_id'],
                    'variation_id': line['sku_id'],
                    'quantity': line['quantity'], 'sku': line['sku_code'],
                    'price': float(line['price']),
                    'subtotal': f'{amount:.2f}', 'total': f'{amount:.2f}',
                    'total_tax': '0.00', 'meta_data': []})
        address = {'first_name': 'Jane', 'last_name': 'Doe', 'company': '',
            'address_1': 'Main St 1', 'address_2': '', 'city': 'Berlin',
            'state': '', 'postcode': '10115', 'country': 'DE'}
        return {
            'id': int(order_id), 'parent_id': 0, 'number': order_id,
            'order_key': f'wc_order_{order_id}', 'created_via': 'checkout',
            'status': status or 'processing', 'currency': 'EUR',
            'date_created': local(created), 'date_created_gmt': gmt(created),
            'date_modified': local(modified),
            'date_modified_gmt': gmt(modified),
            'date_paid': local(created), 'date_paid_gmt': gmt(created),
            'discount_total': '0.00', 'shipping_total': '0.00',
            'total': f'{total:.2f}', 'total_tax': '0.00',
            'prices_include_tax': True, 'customer_id': 12,
            'customer_note': '',
            'billing': {**address, 'email': 'jane@example.com',
                'phone': '+4930123'},
            'shipping': address, 'payment_method': 'stripe',
            'line_items': items, 'shipping_lines': [], 'fee_lines': [],
            'coupon_lines': [], 'refunds': [], 'meta_data': []}

    def set_modified(self, payload, modified):
        payload['date_modified'] = local(modified)
        payload['date_modified_gmt'] = gmt(modified)

    @staticmethod
    def error(code, message, status):
        return Response({'code': code, 'message': message,
                'data': {'status': status}}, status=status)

    def throttle_response(self, seconds):
        return Response(b'<html>429 Too Many Requests</html>', status=429,
            headers={'Retry-After': str(seconds),
                'Content-Type': 'text/html'})

    def authenticate(self, request):
        "None when the OAuth 1.0a query is right, else the 401 answer"
        query = request.query
        if not self.token_valid or query.get('oauth_consumer_key') != (
                self.credentials['consumer_key']):
            return self.error('woocommerce_rest_authentication_error',
                'Consumer key is invalid.', 401)
        url = f"http://{request.headers.get('Host')}{request.path}"
        expected = woocommerce_oauth_signature(request.method, url, query,
            self.credentials['consumer_secret'],
            query.get('oauth_signature_method'))
        if expected is None or query.get('oauth_signature') != expected:
            return self.error('woocommerce_rest_authentication_error',
                'Invalid signature - provided signature does not match.',
                401)
        try:
            stamp = int(query.get('oauth_timestamp', ''))
        except ValueError:
            stamp = 0
        if abs(self.now().timestamp() - stamp) > 15 * 60:
            return self.error('woocommerce_rest_authentication_error',
                'Invalid timestamp.', 401)
        with self.lock:
            if query.get('oauth_nonce') in self.nonces:
                return self.error('woocommerce_rest_authentication_error',
                    'Invalid nonce - nonce has already been used.', 401)
            self.nonces.add(query.get('oauth_nonce'))

    def handle(self, request):
        if not request.path.startswith('/wp-json/wc/v3/'):
            return self.error('rest_no_route',
                'No route was found matching the URL and request method.',
                404)
        refused = self.authenticate(request)
        if refused:
            return refused
        route = request.path[len('/wp-json/wc/v3'):]
        body = request.json() if request.body else None
        with self.lock:
            self.calls.append((f'{request.method} {route}',
                    {**{k: v for k, v in request.query.items()
                            if not k.startswith('oauth_')},
                        **(body if isinstance(body, dict) else {})}))
        for pattern, name in [
                (r'/orders', 'orders'),
                (r'/orders/(\d+)', 'order'),
                (r'/orders/(\d+)/notes', 'notes'),
                (r'/products/batch', 'products_batch'),
                (r'/products/(\d+)/variations/batch', 'variations_batch')]:
            match = re.fullmatch(pattern, route)
            if match:
                return getattr(self, f'{request.method.lower()}_{name}')(
                    request, body, *match.groups())
        return self.error('rest_no_route',
            'No route was found matching the URL and request method.', 404)

    def get_orders(self, request, body):
        query = request.query
        try:
            per_page = int(query.get('per_page', 10))
            page = int(query.get('page', 1))
        except ValueError:
            return self.error('rest_invalid_param', 'Invalid parameter(s): '
                'page', 400)
        if not 1 <= per_page <= 100:
            return self.error('rest_invalid_param',
                'Invalid parameter(s): per_page', 400)
        zone = UTC if query.get('dates_are_gmt') == 'true' else SITE_TZ

        def bound(name, default):
            if name not in query:
                return default
            return datetime.datetime.fromisoformat(query[name]).replace(
                tzinfo=zone)
        far = datetime.timedelta(days=36500)
        now = datetime.datetime.now(UTC)
        by = 'modified' if ('modified_after' in query
            or 'modified_before' in query) else 'created'
        prefix = 'modified_' if by == 'modified' else ''
        entries = self.select(bound(prefix + 'after', now - far),
            bound(prefix + 'before', now + far), by=by,
            include_start=False, include_end=False)
        if query.get('order', 'desc') == 'asc':
            entries.reverse()
        total = len(entries)
        chunk = entries[(page - 1) * per_page:page * per_page]
        return Response([e.payload for e in chunk], headers={
                'X-WP-Total': str(total),
                'X-WP-TotalPages': str(-(-total // per_page))})

    def get_order(self, request, body, order_id):
        entry = self.entries.get(order_id)
        if entry is None:
            return self.error('woocommerce_rest_shop_order_invalid_id',
                'Invalid ID.', 404)
        return Response(entry.payload)

    def put_order(self, request, body, order_id):
        if order_id not in self.entries:
            return self.error('woocommerce_rest_shop_order_invalid_id',
                'Invalid ID.', 404)
        payload = self.modify_order(order_id, self.now(), **body)
        return Response(payload)

    def get_notes(self, request, body, order_id):
        return Response(self.notes.get(order_id, []))

    def post_notes(self, request, body, order_id):
        if order_id not in self.entries:
            return self.error('woocommerce_rest_shop_order_invalid_id',
                'Invalid ID.', 404)
        note = {'id': uuid.uuid4().int % 10**6, 'note': body['note'],
            'customer_note': bool(body.get('customer_note'))}
        with self.lock:
            self.notes.setdefault(order_id, []).append(note)
            match = re.search(r'(\S+): (\S+)$', body['note'])
            if match:
                self.tracking.append({'order_id': order_id,
                        'carrier': match.group(1).rstrip(':'),
                        'tracking_number': match.group(2)})
        return Response(note, status=201)

    def _batch(self, body, product_id=None):
        answers = []
        with self.lock:
            for change in body.get('update') or []:
                if 'stock_quantity' in change:
                    if not change.get('manage_stock'):
                        answers.append({'id': change['id'], 'error': {
                                    'code': 'woocommerce_rest_invalid',
                                    'message': 'stock_quantity needs '
                                    'manage_stock', 'data': {'status': 400}}})
                        continue
                    self.stock.append({'product_id': product_id
                            or str(change['id']),
                            'sku_id': str(change['id']) if product_id
                            else None,
                            'quantity': change['stock_quantity']})
                if 'status' in change:
                    self.listing.append({'product_id': str(change['id']),
                            'listed': change['status'] == 'publish'})
                answers.append({'id': change['id'], **change})
        return Response({'update': answers})

    def post_products_batch(self, request, body):
        return self._batch(body)

    def post_variations_batch(self, request, body, product_id):
        return self._batch(body, product_id)

    def webhook_request(self, order_id, topic=None, bad_signature=False):
        entry = self.entries[str(order_id)]
        topic = topic or 'order.updated'
        payload = ({'id': int(order_id)} if topic.endswith('.deleted')
            else entry.payload)
        body = json.dumps(payload, separators=(',', ':'),
            ensure_ascii=False).encode()
        secret = 'wrong' if bad_signature else self.credentials[
            'webhook_secret']
        resource, event = topic.split('.')
        return {'X-WC-Webhook-Source': 'https://shop.example.com/',
            'X-WC-Webhook-Topic': topic, 'X-WC-Webhook-Resource': resource,
            'X-WC-Webhook-Event': event,
            'X-WC-Webhook-Signature': b64_hmac_sha256(secret, body),
            'X-WC-Webhook-ID': '5',
            'X-WC-Webhook-Delivery-ID': uuid.uuid4().hex,
            'Content-Type': 'application/json'}, body

    def ping_request(self):
        "What WooCommerce POSTs when a webhook is created: unsigned"
        return {'Content-Type': 'application/x-www-form-urlencoded'}, (
            b'webhook_id=5')
