# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Amazon Selling Partner API (marketplace-apis.md §9)

Credentials: client_id, client_secret and refresh_token of Login with
Amazon (LWA), marketplace_id (ATVPDKIKX0DER...), seller_id (for listings),
carriers (optional {our carrier code: Amazon carrierCode}); access_token
and access_token_expires are written back by the adapter (LWA tokens last
an hour: cached until 10 minutes before expiry, renewed on a 401/403).
lwa_url overrides the LWA token endpoint (the fake's in tests).  The
adapter's base_url is the regional host (https://sellingpartnerapi-na.
amazon.com).  No AWS SigV4: not required since 2023-10-02.

Orders come from Orders API v2026-01-01 by default: searchOrders
(GET /orders/2026-01-01/orders) by lastUpdatedAfter / Before (createdAfter /
Before for reconciliation, never both kinds), paginationToken pages sent
with the other parameters unchanged, includedData for the buyer, the
recipient, the fulfilment status and the proceeds; the items come in the
order (no getOrderItems call) and a stored payload is the order as
received (camelCase).  The buyer and recipient are what the seller's roles
allow: without the PII role the address has no name, street or phone and
is kept masked.  The channel credential `orders_api` = "v0" keeps Orders
API v0 for accounts not migrated yet: getOrders by LastUpdatedAfter /
Before (CreatedAfter / Before for reconciliation) with NextToken pages,
then getOrderItems (NextToken too) per order; a stored payload is then the
order with its items under "OrderItems".  parse_order reads both shapes,
so the orders stored before a migration replay.  The Before bound is kept
two minutes in the past, as the API wants.  Every operation goes through a client-side
token bucket with the documented rate and burst; a 429 is a ThrottleError
(retry_after from x-amzn-RateLimit-Limit when given).  Shipments are
confirmed with confirmShipment, one package per parcel with a
packageReferenceId derived from the tracking number (posting it again
edits the same package: idempotent).  Stock is set on MFN listings with
patchListingsItem (fulfillment_availability).

[VERIFY] Orders v0 is scheduled for removal on 2027-03-27 (confirmShipment
stays on v0); whether the date bounds are inclusive (read as inclusive at
the second, like TOP); the getOrder v2026 answer ({"order": ...}); the
nested v2026 names below the documented model (product.sellerSku,
proceeds.breakdowns ITEM / SHIPPING / DISCOUNT with detailedBreakdowns,
recipient.deliveryAddress); the sign of DISCOUNT values (negative: taken
as an amount off either way); the 403 body of an expired token; the
carrierCode list; the listings patch body.
"""
import datetime
import time
import zlib
from decimal import Decimal

from . import register
from .base import (
    Adapter, Address, AuthError, InventoryResult, Order, OrderLine,
    OrderStatus, Page, PayloadError, PermanentError, ThrottleError,
    TokenExpired)
from .common import (
    HttpMixin, as_object, guard_payload, identifier, inclusive_bounds, known,
    lenient_reference, map_carrier, money, parse_iso, quantity, require,
    require_list, section, text, texts)
from .tokens import TokenMixin

LWA_URL = 'https://api.amazon.com/auth/o2/token'
STATUS = {
    'Pending': OrderStatus.AWAITING_PAYMENT,     # no address, may cancel
    'PendingAvailability': OrderStatus.HOLD,     # pre-order
    'Unshipped': OrderStatus.PAID,
    'PartiallyShipped': OrderStatus.PARTIALLY_SHIPPED,
    'Shipped': OrderStatus.SHIPPED,
    'InvoiceUnconfirmed': OrderStatus.SHIPPED,
    'Canceled': OrderStatus.CANCELLED,
    'Unfulfillable': OrderStatus.HOLD,           # [VERIFY] FBA only
    }
# Orders API v2026-01-01 fulfillment.fulfillmentStatus
FULFILLMENT_STATUS = {
    'PENDING': OrderStatus.AWAITING_PAYMENT,     # as v0 Pending: no stock
    'PENDING_AVAILABILITY': OrderStatus.HOLD,
    'UNSHIPPED': OrderStatus.PAID,
    'PARTIALLY_SHIPPED': OrderStatus.PARTIALLY_SHIPPED,
    'SHIPPED': OrderStatus.SHIPPED,
    'CANCELLED': OrderStatus.CANCELLED,
    'UNFULFILLABLE': OrderStatus.HOLD,
    }
ORDERS_V2026 = '2026-01-01'
ORDERS_APIS = {'v0', ORDERS_V2026}
# what searchOrders and getOrder are asked to include (the items always are)
INCLUDED_DATA = 'BUYER,RECIPIENT,FULFILLMENT,PROCEEDS'
# (requests per second, burst) of each operation's usage plan
RATES = {
    'getOrders': (Decimal('0.0167'), 20),
    'getOrder': (Decimal('0.5'), 30),
    'getOrderItems': (Decimal('0.5'), 30),
    'searchOrders': (Decimal('0.0056'), 20),
    'getOrder 2026-01-01': (Decimal('0.5'), 30),
    'confirmShipment': (Decimal('2'), 10),
    'patchListingsItem': (Decimal('5'), 10),
    }
# An address's field names in Orders v0 and in v2026-01-01
ADDRESS_KEYS_V0 = ('Name', 'Phone', 'CountryCode', 'StateOrRegion', 'City',
    'District', 'PostalCode', 'AddressLine1', 'AddressLine2', 'AddressLine3')
ADDRESS_KEYS_V2026 = ('name', 'phone', 'countryCode', 'stateOrRegion',
    'city', 'districtOrCounty', 'postalCode', 'addressLine1', 'addressLine2',
    'addressLine3')

# Our carrier code -> Amazon carrierCode [VERIFY the list per marketplace]
CARRIERS = {
    'UPS': 'UPS', 'USPS': 'USPS', 'FEDEX': 'FedEx', 'DHL': 'DHL',
    'SF': 'SF Express', 'EMS': 'China Post', 'POST': 'China Post',
    'YTO': 'YTO Express', 'ZTO': 'ZTO Express', 'STO': 'STO Express',
    'YUNDA': 'Yunda Express', 'JD': 'JD Logistics', 'DPD': 'DPD',
    'GLS': 'GLS',
    }
DATA_LAG = datetime.timedelta(minutes=2)
UNIT = Decimal('0.0001')


class TokenBucket:
    """A client-side limiter: `burst` calls at once, then `rate` per second

    `clock` and `sleep` are replaceable (tests pin them).
    """

    def __init__(self, rate, burst, clock=time.monotonic, sleep=time.sleep):
        self.rate = float(rate)
        self.burst = burst
        self.tokens = float(burst)
        self.clock = clock
        self.sleep = sleep
        self.last = clock()

    def take(self):
        "Wait until a call is allowed; return the seconds waited"
        now = self.clock()
        self.tokens = min(self.burst,
            self.tokens + (now - self.last) * self.rate)
        self.last = now
        waited = 0.
        if self.tokens < 1:
            waited = (1 - self.tokens) / self.rate
            self.sleep(waited)
            self.tokens, self.last = 1., self.last + waited
        self.tokens -= 1
        return waited


@register
class AmazonAdapter(TokenMixin, HttpMixin, Adapter):
    platform = 'amazon'
    title = "Amazon (SP-API)"
    max_window = datetime.timedelta(days=1)
    overlap = datetime.timedelta(minutes=3)
    lag = datetime.timedelta(minutes=3)     # ≥ 2 min: the API's data lag
    page_size = 100
    can_delist = False
    has_webhooks = False    # Notifications API: SQS / EventBridge, not HTTP

    def __init__(self, credentials, base_url=None, session=None, now=None):
        super().__init__(credentials, base_url=base_url, session=session,
            now=now)
        self.clock, self.sleep = time.monotonic, time.sleep
        self.buckets = {}

    @property
    def orders_api(self):
        "The Orders API version: the channel's `orders_api`, else v2026-01-01"
        version = str(self.credentials.get('orders_api') or ORDERS_V2026)
        if version not in ORDERS_APIS:
            raise PermanentError(f"amazon: unknown orders_api {version!r} "
                f"(one of {', '.join(sorted(ORDERS_APIS))})")
        return version

    # -- transport ------------------------------------------------------------
    def request_token(self):
        "LWA: refresh_token → access_token (form POST)"
        response = self.send('POST', self.credentials.get('lwa_url')
            or LWA_URL, data={
                'grant_type': 'refresh_token',
                'refresh_token': self.credential('refresh_token'),
                'client_id': self.credential('client_id'),
                'client_secret': self.credential('client_secret'),
                })
        body = self.response_json(response)
        if response.status_code >= 400:
            raise AuthError(f"amazon: Login with Amazon refused the refresh "
                f"token: {body.get('error', '')} "
                f"{body.get('error_description', '')}".strip(),
                code=body.get('error'))
        return body

    def limit(self, operation):
        bucket = self.buckets.get(operation)
        if bucket is None:
            rate, burst = RATES[operation]
            bucket = self.buckets[operation] = TokenBucket(rate, burst,
                clock=lambda: self.clock(), sleep=lambda s: self.sleep(s))
        bucket.take()

    def api(self, operation, method, path, params=None, body=None):
        "One SP-API call with a live LWA token; the JSON answer or None"
        return self.with_token(self._api, operation, method, path, params,
            body)

    def _api(self, operation, method, path, params, body):
        self.limit(operation)
        url = f"{self.base_url.rstrip('/')}{path}"
        headers = {'x-amz-access-token': self.access_token(),
            'accept': 'application/json'}
        response = self.send(method, url, params=params, json=body,
            headers=headers)
        if response.status_code == 204:
            return None
        answer = self.response_json(response)
        if response.status_code < 400:
            return answer
        errors = answer.get('errors') or [{}]
        error = errors[0] if isinstance(errors[0], dict) else {}
        says = (f"amazon {operation}: HTTP {response.status_code} "
            f"{error.get('code', '')} {error.get('message', '')} "
            f"{error.get('details', '')}").strip()
        if response.status_code in {401, 403}:
            # expired or revoked: LWA again, once (with_token)
            raise TokenExpired(says, code=error.get('code'))
        raise PermanentError(says, code=error.get('code'))

    def send(self, method, url, **kwargs):
        try:
            return super().send(method, url, **kwargs)
        except ThrottleError as error:
            limit = rate_limit(getattr(error, 'headers', None))
            if error.retry_after is None and limit:
                error.retry_after = limit
            raise

    # -- orders -------------------------------------------------------------
    def marketplace(self):
        return self.credential('marketplace_id')

    def _orders(self, params, page_token):
        if page_token:
            # NextToken overrides the other criteria
            params = {'MarketplaceIds': self.marketplace(),
                'NextToken': page_token}
        answer = self.api('getOrders', 'GET', '/orders/v0/orders', params)
        payload = section(answer, 'payload', 'amazon getOrders')
        orders = payload.get('Orders') or []
        if not isinstance(orders, list):
            raise PermanentError("amazon getOrders: Orders is not a list")
        return orders, payload.get('NextToken') or None

    def _bounds(self, start, end):
        "Inclusive whole seconds, the end kept 2 minutes in the past"
        first, last = inclusive_bounds(start, end)
        latest = (self.now() - DATA_LAG).replace(microsecond=0)
        return first, min(last, latest)

    def list_orders(self, start, end, page_token=None):
        self.check_window(start, end)
        if self.orders_api == ORDERS_V2026:
            return self._search_orders(start, end, page_token)
        first, last = self._bounds(start, end)
        if last < first:
            return Page(payloads=[], next_token=None, total=0)
        orders, token = self._orders({
                'MarketplaceIds': self.marketplace(),
                'LastUpdatedAfter': iso(first),
                'LastUpdatedBefore': iso(last),
                'MaxResultsPerPage': self.page_size,
                }, page_token)
        payloads = [dict(order, OrderItems=self.order_items(
                    identifier(order.get('AmazonOrderId'),
                        'amazon getOrders AmazonOrderId')))
            for order in orders]
        return Page(payloads=payloads, next_token=token)

    def order_items(self, order_id):
        "Every item of an order (getOrderItems, NextToken pages)"
        items, token = [], None
        while True:
            params = {'NextToken': token} if token else None
            answer = self.api('getOrderItems', 'GET',
                f'/orders/v0/orders/{order_id}/orderItems', params)
            payload = section(answer, 'payload', 'amazon getOrderItems')
            items.extend(payload.get('OrderItems') or [])
            token = payload.get('NextToken')
            if not token:
                return items

    # -- Orders API v2026-01-01 ---------------------------------------------
    def _search(self, params, page_token):
        """One searchOrders page: (orders, next token)

        A next page is asked with the same parameters plus paginationToken
        (Amazon refuses a token whose other parameters changed)."""
        if page_token:
            params = dict(params, paginationToken=page_token)
        answer = self.api('searchOrders', 'GET', '/orders/2026-01-01/orders',
            params)
        if not isinstance(answer, dict):
            raise PermanentError("amazon searchOrders: no answer object")
        orders = answer.get('orders') or []
        if not isinstance(orders, list):
            raise PermanentError("amazon searchOrders: orders is not a list")
        pagination = answer.get('pagination')
        token = (pagination.get('nextToken')
            if isinstance(pagination, dict) else None)
        return orders, token or None

    def _search_orders(self, start, end, page_token):
        """searchOrders by lastUpdatedAfter / Before

        The page token given back is '<lastUpdatedBefore> <nextToken>':
        the next pages are asked with the same bound even when the clock
        (and so the 2-minute limit) moved meanwhile."""
        first, last = self._bounds(start, end)
        if page_token:
            before, _, page_token = str(page_token).partition(' ')
            last = parse_iso(before, 'amazon page token')
        if last < first:
            return Page(payloads=[], next_token=None, total=0)
        orders, token = self._search({
                'marketplaceIds': self.marketplace(),
                'lastUpdatedAfter': iso(first),
                'lastUpdatedBefore': iso(last),
                'maxResultsPerPage': self.page_size,
                'includedData': INCLUDED_DATA,
                }, page_token)
        return Page(payloads=orders,
            next_token=f'{iso(last)} {token}' if token else None)

    def get_order(self, platform_order_id):
        if self.orders_api == ORDERS_V2026:
            answer = self.api('getOrder 2026-01-01', 'GET',
                f'/orders/2026-01-01/orders/{platform_order_id}',
                {'includedData': INCLUDED_DATA})
            return section(answer if isinstance(answer, dict) else {},
                'order', 'amazon getOrder')
        answer = self.api('getOrder', 'GET',
            f'/orders/v0/orders/{platform_order_id}')
        order = section(answer, 'payload', 'amazon getOrder')
        return dict(order, OrderItems=self.order_items(platform_order_id))

    def list_order_ids(self, start, end):
        first, last = self._bounds(start, end)
        ids, token = set(), None
        if self.orders_api == ORDERS_V2026:
            params = {'marketplaceIds': self.marketplace(),
                'createdAfter': iso(first), 'createdBefore': iso(last),
                'maxResultsPerPage': 100}
            while last >= first:
                orders, token = self._search(params, token)
                ids.update(str(o['orderId']) for o in orders
                    if isinstance(o, dict) and o.get('orderId'))
                if not token:
                    break
            return sorted(ids)
        while last >= first:
            orders, token = self._orders({
                    'MarketplaceIds': self.marketplace(),
                    'CreatedAfter': iso(first), 'CreatedBefore': iso(last),
                    'MaxResultsPerPage': 100}, token)
            ids.update(str(o['AmazonOrderId']) for o in orders
                if isinstance(o, dict) and o.get('AmazonOrderId'))
            if not token:
                break
        return sorted(ids)

    def order_reference(self, payload):
        "(order id, modified time) even of a payload malformed elsewhere"
        if isinstance(payload, dict) and 'orderId' in payload:
            return lenient_reference(payload, ('orderId',),
                'lastUpdatedTime', parse_iso)
        return lenient_reference(payload, ('AmazonOrderId',),
            'LastUpdateDate', parse_iso)

    @guard_payload
    def parse_order(self, payload):
        "An order of either API: v2026-01-01 (orderId) or v0"
        if isinstance(payload, dict) and 'orderId' in payload:
            return self._parse_v2026(payload)
        return self._parse_v0(payload)

    def _parse_v2026(self, payload):
        order_id = identifier(require(payload, 'orderId', 'order'),
            'order.orderId')
        where = f"amazon order {order_id}"
        fulfillment = section(payload, 'fulfillment', where)
        status = known(require(fulfillment, 'fulfillmentStatus',
                f"{where}.fulfillment"), FULFILLMENT_STATUS,
            f"{where}.fulfillment.fulfillmentStatus")
        grand = section(section(payload, 'proceeds', where), 'grandTotal',
            f"{where}.proceeds")
        currency = text(grand.get('currencyCode'),
            f"{where}.proceeds.grandTotal.currencyCode")
        lines, shipping = [], Decimal(0)
        for index, item in enumerate(require_list(payload, 'orderItems',
                    where)):
            at = f"{where}.orderItems[{index}]"
            number = quantity(require(item, 'quantityOrdered', at),
                f"{at}.quantityOrdered")
            product = section(item, 'product', at)
            parts = breakdowns(section(item, 'proceeds', at), f"{at}.proceeds")
            if 'ITEM' in parts:
                # the item's proceeds: the price of the quantity
                price = parts['ITEM']
            else:
                # no proceeds yet (PENDING): the listed unit price
                unit = section(section(product, 'price', f"{at}.product"),
                    'unitPrice', f"{at}.product.price")
                price = money(unit.get('amount'),
                    f"{at}.product.price.unitPrice.amount") * number
            unit_price = (price / number).quantize(UNIT)
            promotion = parts.get('DISCOUNT ITEM', Decimal(0))
            shipping += parts.get('SHIPPING', Decimal(0)) - parts.get(
                'DISCOUNT SHIPPING', Decimal(0))
            currency = currency or parts.get('currency')
            sku = text(product.get('sellerSku'), f"{at}.product.sellerSku")
            lines.append(OrderLine(
                    platform_line_id=identifier(require(item, 'orderItemId',
                            at), f"{at}.orderItemId"),
                    sku_id=sku,
                    product_id=text(product.get('asin'),
                        f"{at}.product.asin"),
                    sku_code=sku, barcode=None,
                    title=text(product.get('title'),
                        f"{at}.product.title") or '',
                    quantity=number, unit_price=unit_price,
                    discount=promotion + unit_price * number - price))
        if shipping < 0:
            raise PayloadError(f"{where}: shipping discount over shipping")
        buyer = section(payload, 'buyer', where)
        recipient = section(payload, 'recipient', where)
        return Order(
            platform_order_id=order_id, status=FULFILLMENT_STATUS[status],
            platform_status=status,
            created_at=parse_iso(require(payload, 'createdTime', where),
                f"{where}.createdTime"),
            modified_at=parse_iso(require(payload, 'lastUpdatedTime', where),
                f"{where}.lastUpdatedTime"),
            currency=currency or '', lines=lines,
            address=self.address(section(recipient, 'deliveryAddress',
                    f"{where}.recipient"),
                f"{where}.recipient.deliveryAddress", ADDRESS_KEYS_V2026),
            buyer=text(buyer.get('buyerEmail'), f"{where}.buyer.buyerEmail")
            or text(buyer.get('buyerName'), f"{where}.buyer.buyerName"),
            total=money(grand.get('amount'),
                f"{where}.proceeds.grandTotal.amount"),
            shipping_fee=shipping)

    def _parse_v0(self, payload):
        order_id = identifier(require(payload, 'AmazonOrderId', 'order'),
            'order.AmazonOrderId')
        where = f"amazon order {order_id}"
        status = require(payload, 'OrderStatus', where)
        if not isinstance(status, str) or status not in STATUS:
            raise PayloadError(f"{where}.OrderStatus: unknown value "
                f"{status!r}")
        total = section(payload, 'OrderTotal', where)
        currency = text(total.get('CurrencyCode'),
            f"{where}.OrderTotal.CurrencyCode")
        lines, shipping = [], Decimal(0)
        for index, item in enumerate(require_list(payload, 'OrderItems',
                    where)):
            at = f"{where}.OrderItems[{index}]"
            number = quantity(require(item, 'QuantityOrdered', at),
                f"{at}.QuantityOrdered")
            # ItemPrice is the price of the quantity, not of one unit
            price = amount(item, 'ItemPrice', at)
            unit_price = (price / number).quantize(UNIT)
            promotion = amount(item, 'PromotionDiscount', at)
            shipping += amount(item, 'ShippingPrice', at) - amount(
                item, 'ShippingDiscount', at)
            sku = text(item.get('SellerSKU'), f"{at}.SellerSKU")
            currency = currency or text(section(item, 'ItemPrice', at).get(
                    'CurrencyCode'), f"{at}.ItemPrice.CurrencyCode")
            lines.append(OrderLine(
                    platform_line_id=identifier(require(item, 'OrderItemId',
                            at), f"{at}.OrderItemId"),
                    sku_id=sku,
                    product_id=text(item.get('ASIN'), f"{at}.ASIN"),
                    sku_code=sku, barcode=None,
                    title=text(item.get('Title'), f"{at}.Title") or '',
                    quantity=number, unit_price=unit_price,
                    # the promotion, and the cents lost to a unit price
                    discount=promotion + unit_price * number - price))
        if shipping < 0:
            raise PayloadError(f"{where}: shipping discount over shipping")
        buyer = section(payload, 'BuyerInfo', where)
        return Order(
            platform_order_id=order_id, status=STATUS[status],
            platform_status=status,
            created_at=parse_iso(require(payload, 'PurchaseDate', where),
                f"{where}.PurchaseDate"),
            modified_at=parse_iso(require(payload, 'LastUpdateDate', where),
                f"{where}.LastUpdateDate"),
            currency=currency or '', lines=lines,
            address=self.address(section(payload, 'ShippingAddress', where),
                f"{where}.ShippingAddress"),
            buyer=text(buyer.get('BuyerEmail'), f"{where}.BuyerInfo"),
            total=money(total.get('Amount'), f"{where}.OrderTotal.Amount"),
            shipping_fee=shipping)

    @staticmethod
    def address(address, where, keys=ADDRESS_KEYS_V0):
        """The recipient as the seller's roles allow: without the PII role
        (a restricted data token) no name, street or phone; kept masked,
        nothing invented.  keys: the API version's names of (name, phone,
        country, state, city, district, postcode, line1, line2, line3)"""
        (name, phone, country, state, city, district, postcode, line1, line2,
            line3) = texts(address, where, *keys)
        return Address(name=name, phone=phone, country=country,
            province=state, city=city, district=district,
            street='\n'.join(filter(None, [line1, line2, line3])) or None,
            postal_code=postcode, masked=not name)

    # -- inventory ----------------------------------------------------------
    def update_inventory(self, updates):
        "patchListingsItem per SKU: fulfillment_availability (MFN)"
        seller = self.credential('seller_id')
        results = []
        for update in updates:
            sku = update.sku_id or update.product_id
            try:
                answer = self.api('patchListingsItem', 'PATCH',
                    f'/listings/2021-08-01/items/{seller}/{sku}',
                    {'marketplaceIds': self.marketplace()}, {
                        'productType': 'PRODUCT',
                        'patches': [{'op': 'replace',
                                'path': '/attributes/fulfillment_availability',
                                'value': [{
                                        'fulfillment_channel_code': 'DEFAULT',
                                        'quantity': max(int(update.quantity),
                                            0)}]}]})
            except PermanentError as error:
                results.append(InventoryResult(update.sku_id,
                        update.product_id, False, str(error)))
                continue
            answer = answer or {}
            ok = answer.get('status') == 'ACCEPTED'
            issues = '; '.join(str(i.get('message'))
                for i in answer.get('issues') or [] if isinstance(i, dict))
            results.append(InventoryResult(update.sku_id, update.product_id,
                    ok, None if ok else f"amazon: {answer.get('status')} "
                    f"{issues}".strip()))
        return results

    # -- fulfilment ---------------------------------------------------------
    def carrier_code(self, carrier):
        return map_carrier(self.platform, CARRIERS,
            self.credentials.get('carriers'), carrier)

    def push_tracking(self, platform_order_id, parcels):
        """confirmShipment, one package per parcel; the same parcel posted
        again edits its package (same packageReferenceId)"""
        items = None
        for parcel in parcels:
            quantities = dict(parcel.quantities)
            if not quantities:
                if items is None:
                    items = self.ordered_items(platform_order_id)
                quantities = {k: v for k, v in items.items()
                    if not parcel.line_ids or k in parcel.line_ids}
            self.api('confirmShipment', 'POST',
                f'/orders/v0/orders/{platform_order_id}/shipmentConfirmation',
                body={
                    'marketplaceId': self.marketplace(),
                    'packageDetail': {
                        'packageReferenceId': package_reference(
                            parcel.tracking_number),
                        'carrierCode': parcel.carrier_code,
                        'trackingNumber': parcel.tracking_number,
                        'shipDate': iso(self.now().replace(microsecond=0)),
                        'orderItems': [{'orderItemId': k,
                                'quantity': int(v)}
                            for k, v in sorted(quantities.items())],
                        },
                    })


    def ordered_items(self, platform_order_id):
        "{order item id: quantity ordered} of an order"
        if self.orders_api == ORDERS_V2026:
            items = self.get_order(platform_order_id).get('orderItems') or []
            return {str(i['orderItemId']): i.get('quantityOrdered')
                for i in items}
        return {str(i['OrderItemId']): i.get('QuantityOrdered')
            for i in self.order_items(platform_order_id)}


def breakdowns(proceeds, where):
    """The amounts of an item's v2026 proceeds breakdowns

    {'ITEM': price of the quantity, 'SHIPPING': ..., 'DISCOUNT ITEM',
    'DISCOUNT SHIPPING': amounts off (positive), 'currency': code}; a
    DISCOUNT without detailed breakdowns is taken off the item."""
    result = {}
    items = proceeds.get('breakdowns') or []
    if not isinstance(items, list):
        raise PayloadError(f"{where}.breakdowns: expected a list")
    for index, part in enumerate(items):
        at = f"{where}.breakdowns[{index}]"
        kind = text(require(part, 'type', at), f"{at}.type")
        details = part.get('detailedBreakdowns') or []
        if not isinstance(details, list):
            raise PayloadError(f"{at}.detailedBreakdowns: expected a list")
        values = []
        if details:
            for number, detail in enumerate(details):
                there = f"{at}.detailedBreakdowns[{number}]"
                value = section(as_object(detail, there), 'value', there)
                values.append((text(detail.get('subtype'),
                            f"{there}.subtype") or 'ITEM',
                        money(value.get('amount'), f"{there}.value.amount"),
                        value.get('currencyCode')))
        else:
            value = section(part, 'subtotal', at)
            values.append(('ITEM', money(value.get('amount'),
                        f"{at}.subtotal.amount"), value.get('currencyCode')))
        for subtype, value, currency in values:
            if kind == 'DISCOUNT':
                key, value = f'DISCOUNT {subtype}', abs(value)
            elif kind in {'ITEM', 'SHIPPING'}:
                key = kind
            else:
                continue        # TAX: collected by Amazon, not in the lines
            result[key] = result.get(key, Decimal(0)) + value
            if currency and 'currency' not in result:
                result['currency'] = text(currency, f"{at} currencyCode")
    return result


def amount(item, key, where):
    return money(section(item, key, where).get('Amount'),
        f"{where}.{key}.Amount")


def iso(moment):
    return moment.astimezone(datetime.timezone.utc).strftime(
        '%Y-%m-%dT%H:%M:%SZ')


def package_reference(tracking_number):
    "A positive integer of the tracking number (the same for a retry)"
    return str(zlib.crc32(tracking_number.encode('utf-8')) or 1)


def rate_limit(headers):
    "Seconds per call of x-amzn-RateLimit-Limit (requests per second)"
    try:
        rate = float((headers or {}).get('x-amzn-RateLimit-Limit'))
    except (TypeError, ValueError):
        return None
    return 1 / rate if rate > 0 else None

