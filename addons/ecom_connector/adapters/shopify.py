# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Shopify through the Admin GraphQL API (marketplace-apis.md §7)

Credentials: shop (x.myshopify.com), access_token, api_version (2026-10 by
default), client_secret (webhooks; previous_client_secret is also accepted
while a rotation settles), location_id (the Location GID whose stock we
set), carriers (optional {our carrier code: Shopify company name}).

Orders are read by updated_at with cursor pages (keyset: stable while
paging), throttling arrives as HTTP 200 with THROTTLED and its wait is
computed from extensions.cost.  Stock is set with inventorySetQuantities
(`available`, changeFromQuantity null: we are the source of truth; an
item not stocked at the location is activated there first).  Ids are
kept as the numeric tail of the GIDs, as Tryton's web_shop_shopify does.

Tryton's web_shop_shopify module models a web shop as a sale channel with
its own import; this adapter gives ecom_connector the same platform behind
the one adapter interface of the other marketplaces.
"""
import datetime
import uuid

from . import register
from .base import (
    UTC, Adapter, Address, AuthError, InventoryResult, Order, OrderLine,
    OrderStatus, Page, PayloadError, PermanentError, Refund, ThrottleError,
    TransientError, WebhookEvent)
from .common import (
    CARRIER_NAMES, HttpMixin, as_object, chunks, guard_payload, identifier,
    known, lenient_reference, load_json, map_carrier, money, parse_iso,
    quantity, require, require_list, section, text, texts)
from .signing import verify_b64_hmac_sha256

API_VERSION = '2026-10'

MONEY = '{ shopMoney { amount currencyCode } }'
ORDER_FIELDS = f'''
    id name createdAt updatedAt processedAt cancelledAt closed note email
    displayFinancialStatus displayFulfillmentStatus currencyCode
    currentTotalPriceSet {MONEY}
    totalShippingPriceSet {MONEY}
    currentTotalDiscountsSet {MONEY}
    shippingAddress {{ name phone countryCodeV2 province city address1
        address2 zip }}
    lineItems(first: 100) {{ nodes {{ id sku title quantity currentQuantity
        originalUnitPriceSet {MONEY} totalDiscountSet {MONEY}
        variant {{ id barcode }} product {{ id }} }} }}
    refunds {{ id createdAt totalRefundedSet {MONEY}
        refundLineItems(first: 100) {{ nodes {{ quantity
            lineItem {{ id }} }} }} }}
'''
ORDERS_QUERY = f'''query Orders($first: Int!, $cursor: String, $q: String!) {{
  orders(first: $first, after: $cursor, sortKey: UPDATED_AT, query: $q) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {ORDER_FIELDS} }}
  }}
}}'''
ORDER_QUERY = f'''query Order($id: ID!) {{
  order(id: $id) {{ {ORDER_FIELDS} }}
}}'''
ORDER_IDS_QUERY = '''query OrderIdsCreated($first: Int!, $cursor: String,
    $q: String!) {
  orders(first: $first, after: $cursor, sortKey: CREATED_AT, query: $q) {
    pageInfo { hasNextPage endCursor }
    nodes { id }
  }
}'''
VARIANT_QUERY = '''query VariantInventory($ids: [ID!]!) {
  nodes(ids: $ids) { ... on ProductVariant { id inventoryItem { id } } }
}'''
SET_QUANTITIES = '''mutation inventorySetQuantities(
    $input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { reason }
    userErrors { code field message }
  }
}'''
ACTIVATE = '''mutation inventoryActivate($item: ID!, $location: ID!) {
  inventoryActivate(inventoryItemId: $item, locationId: $location) {
    inventoryLevel { id }
    userErrors { field message }
  }
}'''
FULFILLMENT_QUERY = '''query OrderFulfillment($id: ID!) {
  order(id: $id) {
    id
    fulfillmentOrders(first: 20) { nodes { id status
      lineItems(first: 100) { nodes { id remainingQuantity
        lineItem { id } } } } }
    fulfillments { trackingInfo { number } }
  }
}'''
FULFILLMENT_CREATE = '''mutation fulfillmentCreate(
    $fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}'''

FULFILMENT_STATUS = {
    'UNFULFILLED': OrderStatus.PAID,
    'SCHEDULED': OrderStatus.PAID,
    'IN_PROGRESS': OrderStatus.PAID,
    'OPEN': OrderStatus.PAID,
    'PENDING_FULFILLMENT': OrderStatus.PAID,
    'REQUEST_DECLINED': OrderStatus.PAID,
    'ON_HOLD': OrderStatus.HOLD,
    'PARTIALLY_FULFILLED': OrderStatus.PARTIALLY_SHIPPED,
    'FULFILLED': OrderStatus.SHIPPED,
    'RESTOCKED': OrderStatus.CANCELLED,
    }
UNPAID = {'PENDING', 'PARTIALLY_PAID', 'EXPIRED'}
PAID = {'PAID', 'AUTHORIZED', 'PARTIALLY_REFUNDED'}


def gid(kind, number):
    number = str(number)
    return number if number.startswith('gid://') else (
        f'gid://shopify/{kind}/{number}')


def gid_tail(value):
    return str(value).rsplit('/', 1)[-1] if value else None


@register
class ShopifyAdapter(HttpMixin, Adapter):
    platform = 'shopify'
    # any window works (cursor pages); one day keeps a window's pages few
    max_window = datetime.timedelta(days=1)
    overlap = datetime.timedelta(minutes=2)
    lag = datetime.timedelta(minutes=1)
    page_size = 50
    has_webhooks = True
    inventory_batch_size = 250   # inventorySetQuantities per call

    @property
    def endpoint(self):
        version = self.credentials.get('api_version') or API_VERSION
        root = self.base_url or f"https://{self.credential('shop')}"
        return f"{root.rstrip('/')}/admin/api/{version}/graphql.json"

    def graphql(self, query, variables=None):
        "The data of one GraphQL call; errors classified"
        response = self.send('POST', self.endpoint,
            json={'query': query, 'variables': variables or {}},
            headers={
                'X-Shopify-Access-Token': self.credential('access_token')})
        if response.status_code in {401, 403}:
            raise AuthError(f"shopify: access refused (HTTP "
                f"{response.status_code}): {response.text[:200]}",
                code=response.status_code)
        if response.status_code >= 400:
            raise PermanentError(f"shopify: HTTP {response.status_code}: "
                f"{response.text[:200]}", code=response.status_code)
        body = self.response_json(response)
        errors = body.get('errors')
        if errors:
            if isinstance(errors, list) and any(
                    (e.get('extensions') or {}).get('code') == 'THROTTLED'
                    for e in errors):
                raise ThrottleError("shopify: throttled (query cost over "
                    "the available points)", code='THROTTLED',
                    retry_after=throttle_wait(body))
            raise PermanentError(f"shopify: {errors!r}")
        data = body.get('data')
        if not isinstance(data, dict):
            raise TransientError(f"shopify: no data in {body!r}")
        return data

    # -- orders -------------------------------------------------------------
    def _orders(self, query, field, start, end, cursor, first):
        search = (f"{field}:>='{iso(start)}' AND {field}:<'{iso(end)}'")
        data = self.graphql(query, {'first': first, 'cursor': cursor,
                'q': search})
        orders = data.get('orders') or {}
        info = orders.get('pageInfo') or {}
        return Page(orders.get('nodes') or [],
            info.get('endCursor') if info.get('hasNextPage') else None)

    def list_orders(self, start, end, page_token=None):
        self.check_window(start, end)
        return self._orders(ORDERS_QUERY, 'updated_at', start, end,
            page_token, self.page_size)

    def get_order(self, platform_order_id):
        return self.graphql(ORDER_QUERY,
            {'id': gid('Order', platform_order_id)}).get('order')

    def list_order_ids(self, start, end):
        ids, cursor = [], None
        while True:
            page = self._orders(ORDER_IDS_QUERY, 'created_at', start, end,
                cursor, 250)
            ids.extend(gid_tail(node['id']) for node in page.payloads)
            cursor = page.next_token
            if cursor is None:
                return sorted(set(ids))

    def order_reference(self, payload):
        "(order id, modified time) even of a payload malformed elsewhere"
        order_id, modified = lenient_reference(payload, ('id',), 'updatedAt',
            parse_iso)
        return gid_tail(order_id), modified

    @guard_payload
    def parse_order(self, payload):
        order_id = gid_tail(identifier(require(payload, 'id', 'order'),
                'order.id'))
        where = f"shopify order {order_id}"
        financial = known(require(payload, 'displayFinancialStatus', where),
            UNPAID | PAID | {'REFUNDED', 'VOIDED'},
            f"{where}.displayFinancialStatus")
        fulfilment = known(require(payload, 'displayFulfillmentStatus',
                where), FULFILMENT_STATUS,
            f"{where}.displayFulfillmentStatus")
        if payload.get('cancelledAt') or financial == 'VOIDED':
            status = (OrderStatus.REFUNDED if financial in {
                    'REFUNDED', 'PARTIALLY_REFUNDED'}
                else OrderStatus.CANCELLED)
        elif financial == 'REFUNDED':
            status = OrderStatus.REFUNDED
        elif financial in UNPAID:
            status = OrderStatus.AWAITING_PAYMENT
        else:
            status = FULFILMENT_STATUS[fulfilment]
            if status is OrderStatus.SHIPPED and payload.get('closed'):
                status = OrderStatus.COMPLETED
        currency = text(payload.get('currencyCode'), f"{where}.currencyCode")
        lines = []
        items = require(require(payload, 'lineItems', where), 'nodes',
            f"{where}.lineItems")
        if not isinstance(items, list) or not items:
            raise PayloadError(f"{where}.lineItems.nodes: expected a "
                "non-empty list")
        for index, item in enumerate(items):
            at = f"{where}.lineItems[{index}]"
            item = as_object(item, at)
            variant = section(item, 'variant', at)
            lines.append(OrderLine(
                    platform_line_id=gid_tail(identifier(
                            require(item, 'id', at), f"{at}.id")),
                    sku_id=gid_tail(variant.get('id')),
                    product_id=gid_tail(text(section(item, 'product',
                                at).get('id'), f"{at}.product.id")),
                    sku_code=text(item.get('sku'), f"{at}.sku"),
                    barcode=text(variant.get('barcode'), f"{at}.barcode"),
                    title=text(item.get('title'), f"{at}.title") or '',
                    quantity=quantity(require(item, 'quantity', at),
                        f"{at}.quantity"),
                    unit_price=shop_money(require(item,
                            'originalUnitPriceSet', at),
                        f"{at}.originalUnitPriceSet"),
                    discount=shop_money(item.get('totalDiscountSet'),
                        f"{at}.totalDiscountSet")))
        refunds = []
        for index, refund in enumerate(require_list(payload, 'refunds',
                    where, allow_empty=True)):
            at = f"{where}.refunds[{index}]"
            refunds.append(Refund(
                    platform_refund_id=gid_tail(identifier(
                            require(refund, 'id', at), f"{at}.id")),
                    amount=shop_money(refund.get('totalRefundedSet'),
                        f"{at}.totalRefundedSet"),
                    line_ids=[gid_tail((r.get('lineItem') or {}).get('id'))
                        for r in ((refund.get('refundLineItems') or {}
                                ).get('nodes') or [])],
                    quantities=refund_quantities(refund, at),
                    created_at=parse_iso(refund['createdAt'],
                        f"{at}.createdAt")
                    if refund.get('createdAt') else None))
        return Order(
            platform_order_id=order_id, status=status,
            platform_status=f'{financial}/{fulfilment}',
            created_at=parse_iso(require(payload, 'createdAt', where),
                f"{where}.createdAt"),
            modified_at=parse_iso(require(payload, 'updatedAt', where),
                f"{where}.updatedAt"),
            currency=currency or '', lines=lines,
            address=self.address(section(payload, 'shippingAddress', where),
                f"{where}.shippingAddress"),
            buyer=text(payload.get('email'), f"{where}.email"),
            total=shop_money(payload.get('currentTotalPriceSet'),
                f"{where}.currentTotalPriceSet"),
            shipping_fee=shop_money(payload.get('totalShippingPriceSet'),
                f"{where}.totalShippingPriceSet"),
            paid_at=parse_iso(payload['processedAt'], f"{where}.processedAt")
            if payload.get('processedAt') and financial in PAID else None,
            refunds=refunds,
            note=text(payload.get('note'), f"{where}.note"))

    @staticmethod
    def address(address, where):
        (name, phone, country, province, city, street1, street2,
            zip_) = texts(address, where, 'name', 'phone', 'countryCodeV2',
            'province', 'city', 'address1', 'address2', 'zip')
        return Address(name=name, phone=phone, country=country,
            province=province, city=city,
            street='\n'.join(filter(None, [street1, street2])) or None,
            postal_code=zip_)

    # -- inventory ----------------------------------------------------------
    def inventory_items(self, variant_ids):
        "{variant id: inventory item GID}, asked once per variant"
        cache = self.__dict__.setdefault('_inventory_items', {})
        missing = [v for v in dict.fromkeys(variant_ids) if v not in cache]
        for batch in chunks(missing, 250):
            data = self.graphql(VARIANT_QUERY,
                {'ids': [gid('ProductVariant', v) for v in batch]})
            for node in data.get('nodes') or []:
                if node and node.get('inventoryItem'):
                    cache[gid_tail(node['id'])] = node['inventoryItem']['id']
        return cache

    def update_inventory(self, updates):
        """Set `available` at the channel's location, 250 per call

        sku_id is the variant id (as the orders give it).
        """
        location = self.credential('location_id')
        items = self.inventory_items([u.sku_id for u in updates])
        results = {}
        known = []
        for update in updates:
            if update.sku_id in items:
                known.append(update)
            else:
                results[id(update)] = InventoryResult(update.sku_id,
                    update.product_id, False,
                    f"shopify: variant {update.sku_id} has no inventory item")
        for batch in chunks(known, self.inventory_batch_size):
            refused = self._set_batch(batch, items, location)
            for position, update in enumerate(batch):
                results[id(update)] = InventoryResult(update.sku_id,
                    update.product_id, position not in refused,
                    refused.get(position))
        return [results[id(update)] for update in updates]

    def _set_batch(self, batch, items, location):
        """Set a batch; {position: message} of the updates refused

        The mutation is all or nothing: on user errors the refused updates
        are left out and the others sent again; an item not stocked at the
        location is activated there first, as Tryton's own module does.
        """
        pending, refused = list(range(len(batch))), {}
        for attempt in range(3):
            errors = self._set_quantities([batch[i] for i in pending],
                items, location)
            if not errors:
                return refused
            if None in errors:     # not about one quantity: all refused
                refused.update((p, errors[None][1]) for p in pending)
                return refused
            for index, (code, message) in errors.items():
                if code == 'ITEM_NOT_STOCKED_AT_LOCATION':
                    self.graphql(ACTIVATE, {'item': items[
                                batch[pending[index]].sku_id],
                            'location': location})
                else:
                    refused[pending[index]] = message
            pending = [p for p in pending if p not in refused]
            if not pending:
                return refused
        refused.update((p, "shopify: stock not set after activation")
            for p in pending)
        return refused

    def _set_quantities(self, updates, items, location):
        "{index in updates, or None: (code, message)} of the user errors"
        key = updates[0].idempotency_key or uuid.uuid4().hex
        data = self.graphql(SET_QUANTITIES, {'input': {
                    'name': 'available', 'reason': 'correction',
                    'referenceDocumentUri': f'gid://ecom-erp/StockPush/{key}',
                    'quantities': [{
                            'inventoryItemId': items[u.sku_id],
                            'locationId': location,
                            'quantity': max(int(u.quantity), 0),
                            # we are the source of truth (2026-04 on)
                            'changeFromQuantity': None}
                        for u in updates]}})
        errors = {}
        for error in (data.get('inventorySetQuantities') or {}).get(
                'userErrors') or []:
            field = error.get('field') or []
            index = (int(field[2]) if len(field) > 2
                and str(field[2]).isdigit() else None)
            errors[index] = (error.get('code'),
                f"shopify: {error.get('code')} {error.get('message')}")
        return errors

    # -- fulfilment ---------------------------------------------------------
    def carrier_code(self, carrier):
        return map_carrier(self.platform, CARRIER_NAMES,
            self.credentials.get('carriers'), carrier)

    def push_tracking(self, platform_order_id, parcels):
        """One fulfillmentCreate per parcel, on the open fulfillment orders

        A parcel whose tracking number the order already has is skipped, so
        a retry creates no second fulfilment.
        """
        for parcel in parcels:
            # read again for each parcel: the remaining quantities change
            order = self.graphql(FULFILLMENT_QUERY,
                {'id': gid('Order', platform_order_id)}).get('order')
            if not order:
                raise PermanentError(f"shopify: no order {platform_order_id}")
            known = {info.get('number')
                for fulfillment in order.get('fulfillments') or []
                for info in fulfillment.get('trackingInfo') or []}
            if parcel.tracking_number in known:
                continue
            groups = self.fulfillment_groups(order, parcel)
            if not groups:
                raise PermanentError(f"shopify order {platform_order_id}: "
                    "nothing left to fulfil for parcel "
                    f"{parcel.tracking_number}")
            data = self.graphql(FULFILLMENT_CREATE, {'fulfillment': {
                        'lineItemsByFulfillmentOrder': groups,
                        'notifyCustomer': False,
                        'trackingInfo': {'company': parcel.carrier_code,
                            'number': parcel.tracking_number}}})
            errors = (data.get('fulfillmentCreate') or {}).get('userErrors')
            if errors:
                raise PermanentError(f"shopify order {platform_order_id}: "
                    + '; '.join(e.get('message', '') for e in errors))

    @staticmethod
    def fulfillment_groups(order, parcel):
        "lineItemsByFulfillmentOrder for the parcel's lines (all if none)"
        wanted = {gid_tail(line_id) for line_id in parcel.line_ids}
        quantities = {gid_tail(k): v for k, v in parcel.quantities.items()}
        groups = []
        for fulfillment_order in (order.get('fulfillmentOrders') or {}).get(
                'nodes') or []:
            if fulfillment_order.get('status') not in {'OPEN',
                    'IN_PROGRESS'}:
                continue
            items = []
            for item in (fulfillment_order.get('lineItems') or {}).get(
                    'nodes') or []:
                line_id = gid_tail(item['lineItem']['id'])
                remaining = item.get('remainingQuantity') or 0
                if remaining and (not wanted or line_id in wanted):
                    items.append({'id': item['id'], 'quantity': int(min(
                                    quantities.get(line_id, remaining),
                                    remaining))})
            if items:
                groups.append({'fulfillmentOrderId': fulfillment_order['id'],
                        'fulfillmentOrderLineItems': items})
        return groups

    # -- push ---------------------------------------------------------------
    def verify_webhook(self, headers, body):
        "X-Shopify-Hmac-Sha256 of the raw body with the app's client secret"
        headers = {k.lower(): v for k, v in headers.items()}
        return verify_b64_hmac_sha256([self.credentials.get('client_secret'),
                self.credentials.get('previous_client_secret')], body,
            headers.get('x-shopify-hmac-sha256'))

    @guard_payload
    def parse_webhook(self, headers, body):
        """The order the delivery is about, to fetch again by id

        The payload is REST-shaped (not the GraphQL order of
        parse_order): it is not passed on.
        """
        headers = {k.lower(): v for k, v in headers.items()}
        data = load_json(body, 'shopify webhook', dict)
        topic = headers.get('x-shopify-topic') or ''
        if topic == 'orders/edited':
            order_id = (data.get('order_edit') or {}).get('order_id')
        elif topic.startswith('refunds/'):
            order_id = data.get('order_id')
        else:
            order_id = data.get('id')
        if not topic.startswith(('orders/', 'refunds/')) or not order_id:
            return []
        return [WebhookEvent(platform_order_id=gid_tail(order_id),
                delivery_id=headers.get('x-shopify-webhook-id'),
                topic=topic)]


def iso(moment):
    return moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def shop_money(value, where):
    "The shop-currency amount of a MoneyBag"
    if value is None:
        return money(None, where)
    try:
        amount = value['shopMoney']['amount']
    except (TypeError, KeyError):
        raise PayloadError(f"{where}: expected {{shopMoney: {{amount}}}}, "
            f"got {value!r}")
    return money(amount, where)


def throttle_wait(body):
    "Seconds until the bucket holds the query's cost again"
    cost = (body.get('extensions') or {}).get('cost') or {}
    status = cost.get('throttleStatus') or {}
    try:
        missing = (float(cost['requestedQueryCost'])
            - float(status['currentlyAvailable']))
        return max(missing, 0) / float(status['restoreRate'])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return 1.0


def refund_quantities(refund, where):
    "{line item id: units} of a refund's refundLineItems"
    result = {}
    nodes = (refund.get('refundLineItems') or {}).get('nodes') or []
    for index, node in enumerate(nodes):
        line_id = gid_tail((node.get('lineItem') or {}).get('id'))
        if line_id and node.get('quantity') is not None:
            result[line_id] = result.get(line_id, 0) + quantity(
                node['quantity'],
                f"{where}.refundLineItems[{index}].quantity")
    return result
