# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""WooCommerce REST API v3 (marketplace-apis.md §8)

Credentials: consumer_key, consumer_secret (HTTP Basic over HTTPS; over
plain HTTP WooCommerce wants one-legged OAuth 1.0a, signed in the query),
webhook_secret, carriers (optional {our carrier code: carrier name}).
The adapter's base_url is the site's root (https://shop.example.com).

Orders are read by modified time in GMT (dates_are_gmt=true: otherwise the
site's local time) with WordPress's exclusive date bounds, pages read from
the last (X-WP-Total).  Core WooCommerce has no tracking field: shipments
are told in a customer note per parcel and the order is then completed.
Amounts of lines are before tax; the order total includes it.
"""
import datetime
import html
import re
import uuid
from decimal import Decimal

from . import register
from .base import (
    Adapter, Address, AuthError, InventoryResult, Order, OrderLine,
    OrderStatus, PayloadError, PermanentError, Refund, WebhookEvent)
from .common import (
    CARRIER_NAMES, HttpMixin, all_pages, chunks, epoch, guard_payload,
    identifier, lenient_reference, load_json, map_carrier, money,
    page_backwards, parse_iso, quantity, require, require_list, section,
    serialise, text, texts, to_second)
from .signing import verify_b64_hmac_sha256, woocommerce_oauth_signature

STATUS = {
    'pending': OrderStatus.AWAITING_PAYMENT,
    'checkout-draft': OrderStatus.AWAITING_PAYMENT,
    'processing': OrderStatus.PAID,
    'on-hold': OrderStatus.HOLD,
    'completed': OrderStatus.COMPLETED,
    'cancelled': OrderStatus.CANCELLED,
    'failed': OrderStatus.CANCELLED,
    'trash': OrderStatus.CANCELLED,
    'refunded': OrderStatus.REFUNDED,
    }
PING = re.compile(rb'webhook_id=\d+')
UNIT = Decimal('0.0001')


@register
class WooCommerceAdapter(HttpMixin, Adapter):
    platform = 'woocommerce'
    max_window = datetime.timedelta(days=1)
    overlap = datetime.timedelta(minutes=2)
    lag = datetime.timedelta(minutes=1)
    page_size = 100
    inventory_batch_size = 100   # products/batch per call
    can_delist = True
    has_webhooks = True

    def api(self, method, route, params=None, body=None):
        "One REST call under /wp-json/wc/v3; (JSON, headers)"
        url = f"{self.base_url.rstrip('/')}/wp-json/wc/v3{route}"
        params = {key: serialise(value)
            for key, value in (params or {}).items()}
        auth = None
        if url.startswith('https://'):
            auth = (self.credential('consumer_key'),
                self.credential('consumer_secret'))
        else:
            params.update({
                    'oauth_consumer_key': self.credential('consumer_key'),
                    'oauth_timestamp': str(epoch(self.now())),
                    'oauth_nonce': uuid.uuid4().hex,
                    'oauth_signature_method': 'HMAC-SHA256'})
            params['oauth_signature'] = woocommerce_oauth_signature(method,
                url, params, self.credential('consumer_secret'))
        response = self.send(method, url, params=params, json=body,
            auth=auth)
        if response.status_code >= 400:
            try:
                error = response.json()
            except ValueError:
                error = {'message': response.text[:200]}
            says = (f"woocommerce {method} {route}: HTTP "
                f"{response.status_code} {error.get('code', '')} "
                f"{error.get('message', '')}")
            if response.status_code in {401, 403}:
                raise AuthError(says, code=error.get('code'))
            raise PermanentError(says, code=error.get('code'))
        return (self.response_json(response, (dict, list)),
            response.headers)

    # -- orders -------------------------------------------------------------
    def _orders(self, params, page, per_page):
        orders, headers = self.api('GET', '/orders', {**params,
                'dates_are_gmt': 'true', 'status': 'any',
                'per_page': per_page, 'page': page})
        if not isinstance(orders, list):
            raise PermanentError(f"woocommerce /orders: not a list: "
                f"{str(orders)[:200]}")
        return orders, self.total(headers.get('X-WP-Total'))

    def list_orders(self, start, end, page_token=None):
        self.check_window(start, end)
        # WordPress date bounds are exclusive: one second before the start
        params = {
            'modified_after': gmt(to_second(start)
                - datetime.timedelta(seconds=1)),
            'modified_before': gmt(to_second(end, up=True)),
            'orderby': 'modified', 'order': 'asc'}
        return page_backwards(
            lambda page: self._orders(params, page, self.page_size),
            page_token, self.page_size)

    def get_order(self, platform_order_id):
        return self.api('GET', f'/orders/{int(platform_order_id)}')[0]

    def list_order_ids(self, start, end):
        params = {
            'after': gmt(to_second(start) - datetime.timedelta(seconds=1)),
            'before': gmt(to_second(end, up=True)),
            'orderby': 'date', 'order': 'asc'}
        return sorted({str(o['id']) for o in all_pages(
                    lambda page: self._orders(params, page, 100), 100)})

    def order_reference(self, payload):
        "(order id, modified time) even of a payload malformed elsewhere"
        return lenient_reference(payload, ('id',), 'date_modified_gmt',
            parse_iso)

    @guard_payload
    def parse_order(self, payload):
        order_id = identifier(require(payload, 'id', 'order'), 'order.id')
        where = f"woocommerce order {order_id}"
        status = require(payload, 'status', where)
        if not isinstance(status, str) or status not in STATUS:
            raise PayloadError(f"{where}: unknown status {status!r} (a "
                "plugin's? map it before importing)")
        lines = []
        for index, item in enumerate(require_list(payload, 'line_items',
                    where)):
            at = f"{where}.line_items[{index}]"
            number = quantity(require(item, 'quantity', at),
                f"{at}.quantity")
            subtotal = money(require(item, 'subtotal', at), f"{at}.subtotal")
            total = money(require(item, 'total', at), f"{at}.total")
            # unit price to 4 digits; the rounding goes into the discount so
            # that quantity × unit price − discount is the line total
            unit_price = (subtotal / number).quantize(UNIT)
            variation = item.get('variation_id')
            lines.append(OrderLine(
                    platform_line_id=identifier(require(item, 'id', at),
                        f"{at}.id"),
                    sku_id=text(variation, f"{at}.variation_id")
                    if variation not in (0, '0') else None,
                    product_id=text(item.get('product_id'),
                        f"{at}.product_id"),
                    sku_code=text(item.get('sku'), f"{at}.sku"),
                    barcode=None,
                    title=text(item.get('name'), f"{at}.name") or '',
                    quantity=number, unit_price=unit_price,
                    discount=unit_price * number - total))
        refunds = []
        for index, refund in enumerate(require_list(payload, 'refunds',
                    where, allow_empty=True)):
            at = f"{where}.refunds[{index}]"
            refunds.append(Refund(
                    platform_refund_id=identifier(require(refund, 'id', at),
                        f"{at}.id"),
                    # refund totals are negative; amount-only, no lines:
                    # the order's refunds never say which goods came back
                    amount=-money(refund.get('total'), f"{at}.total"),
                    status=text(refund.get('reason'), f"{at}.reason"),
                    reason=text(refund.get('reason'), f"{at}.reason"),
                    money_only=True))
        return Order(
            platform_order_id=order_id, status=STATUS[status],
            platform_status=status,
            created_at=parse_iso(require(payload, 'date_created_gmt', where),
                f"{where}.date_created_gmt"),
            modified_at=parse_iso(require(payload, 'date_modified_gmt',
                    where), f"{where}.date_modified_gmt"),
            currency=text(require(payload, 'currency', where),
                f"{where}.currency"),
            lines=lines, address=self.address(payload, where),
            buyer=text(section(payload, 'billing', where).get('email'),
                f"{where}.billing.email"),
            total=money(payload.get('total'), f"{where}.total"),
            shipping_fee=money(payload.get('shipping_total'),
                f"{where}.shipping_total"),
            paid_at=parse_iso(payload['date_paid_gmt'],
                f"{where}.date_paid_gmt")
            if payload.get('date_paid_gmt') else None,
            refunds=refunds,
            note=text(payload.get('customer_note'),
                f"{where}.customer_note"))

    @staticmethod
    def address(payload, where):
        "The shipping address, the billing one for virtual orders"
        billing = section(payload, 'billing', where)
        shipping = section(payload, 'shipping', where)
        kind = 'shipping' if shipping.get('address_1') else 'billing'
        (first, last, company, country, state, city, street1, street2,
            postcode) = texts(shipping if kind == 'shipping' else billing,
            f"{where}.{kind}", 'first_name', 'last_name', 'company',
            'country', 'state', 'city', 'address_1', 'address_2', 'postcode')
        phone = (text(shipping.get('phone'), f"{where}.shipping.phone")
            or text(billing.get('phone'), f"{where}.billing.phone"))
        return Address(
            name=' '.join(filter(None, [first, last])) or company,
            phone=phone, country=country, province=state, city=city,
            street='\n'.join(filter(None, [street1, street2])) or None,
            postal_code=postcode)

    # -- inventory ----------------------------------------------------------
    def update_inventory(self, updates):
        """Batches of 100: products/batch, or the product's variations

        product_id is the product, sku_id its variation (None: simple).
        """
        groups = {}
        for update in updates:
            route = (f'/products/{update.product_id}/variations/batch'
                if update.sku_id else '/products/batch')
            groups.setdefault(route, []).append(update)
        results = {}
        for route, group in groups.items():
            for batch in chunks(group, 100):
                answer, _ = self.api('POST', route, body={'update': [{
                                'id': int(u.sku_id or u.product_id),
                                'manage_stock': True,
                                'stock_quantity': max(int(u.quantity), 0)}
                            for u in batch]})
                errors = {str(a.get('id')): a['error']
                    for a in answer.get('update') or [] if a.get('error')}
                for update in batch:
                    error = errors.get(str(update.sku_id or update.product_id))
                    results[id(update)] = InventoryResult(update.sku_id,
                        update.product_id, error is None,
                        f"woocommerce: {error.get('message')}"
                        if error else None)
        return [results[id(update)] for update in updates]

    def _status(self, product_ids, status):
        for batch in chunks(list(product_ids), 100):
            self.api('POST', '/products/batch', body={'update': [
                        {'id': int(p), 'status': status} for p in batch]})

    def delist(self, product_ids):
        self._status(product_ids, 'draft')

    def relist(self, product_ids):
        self._status(product_ids, 'publish')

    # -- fulfilment ---------------------------------------------------------
    def carrier_code(self, carrier):
        return map_carrier(self.platform, CARRIER_NAMES,
            self.credentials.get('carriers'), carrier)

    def push_tracking(self, platform_order_id, parcels):
        """A customer note per parcel (the buyer is e-mailed), then the
        order completed; parcels already in a note are not told twice.
        """
        route = f'/orders/{int(platform_order_id)}'
        notes, _ = self.api('GET', f'{route}/notes')
        told = ' '.join(note.get('note', '') for note in notes or [])
        for parcel in parcels:
            if parcel.tracking_number in told:
                continue
            self.api('POST', f'{route}/notes', body={
                    'note': f'Shipped via {parcel.carrier_code}: '
                    f'{parcel.tracking_number}',
                    'customer_note': True})
        order, _ = self.api('GET', route)
        if order.get('status') != 'completed':
            self.api('PUT', route, body={'status': 'completed'})

    # -- push ---------------------------------------------------------------
    @staticmethod
    def is_ping(headers, body):
        "The unsigned POST of webhook_id=N sent when a webhook is saved"
        return 'x-wc-webhook-signature' not in headers and bool(
            PING.fullmatch(body.strip()))

    def verify_webhook(self, headers, body):
        """X-WC-Webhook-Signature of the raw body with the webhook secret

        The ping is accepted (it must get a 200 or the webhook is not
        saved) and carries nothing: parse_webhook gives no event for it.
        """
        headers = {k.lower(): v for k, v in headers.items()}
        if self.is_ping(headers, body):
            return True
        # WooCommerce HTML-decodes the secret before signing
        secret = html.unescape(self.credentials.get('webhook_secret') or '')
        return verify_b64_hmac_sha256([secret], body,
            headers.get('x-wc-webhook-signature'))

    @guard_payload
    def parse_webhook(self, headers, body):
        headers = {k.lower(): v for k, v in headers.items()}
        if self.is_ping(headers, body):
            return []
        topic = headers.get('x-wc-webhook-topic') or ''
        if not topic.startswith('order.'):
            return []
        data = load_json(body, 'woocommerce webhook', dict)
        if 'id' not in data:
            raise PayloadError("woocommerce webhook: no order id")
        return [WebhookEvent(platform_order_id=str(data['id']),
                delivery_id=headers.get('x-wc-webhook-delivery-id'),
                topic=topic,
                # a deleted order comes as its id only
                payload=None if topic == 'order.deleted' else data)]


def gmt(moment):
    return moment.astimezone(datetime.timezone.utc).strftime(
        '%Y-%m-%dT%H:%M:%S')
