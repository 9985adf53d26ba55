# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Fake Amazon Selling Partner API (marketplace-apis.md §9)

Login with Amazon at POST /auth/o2/token (form: grant_type=refresh_token,
refresh_token, client_id, client_secret) hands out access tokens that last
an hour; every SP-API call must carry one in x-amz-access-token (403
Unauthorized otherwise, "expired" once expire_token() was called).
Orders API v0: GET /orders/v0/orders with MarketplaceIds and exactly one
of CreatedAfter / LastUpdatedAfter, the Before bounds (inclusive, at least
2 minutes in the past), MaxResultsPerPage 1-100 and NextToken pages (a
server-side snapshot: stable while paging); GET /orders/v0/orders/{id};
GET .../orderItems with NextToken pages; POST .../shipmentConfirmation
(204; the same packageReferenceId edits its package).  Listings Items:
PATCH /listings/2021-08-01/items/{sellerId}/{sku}.  Throttling is HTTP 429
QuotaExceeded with x-amzn-RateLimit-Limit.

Orders API v2026-01-01 from the same orders: GET /orders/2026-01-01/orders
(searchOrders) answers camelCase orders with their items, checking the
parameters as Amazon does: marketplaceIds, exactly one of createdAfter /
lastUpdatedAfter (400 on both or neither; a Before bound of the other
kind refused), the Before bound at least 2 minutes in the past,
maxResultsPerPage 1-100, includedData values, and a paginationToken only
with the other parameters identical to the first page's (maxResultsPerPage
and includedData may change); GET /orders/2026-01-01/orders/{id}
(getOrder: {"order": ...}).  includedData decides what is served: BUYER,
RECIPIENT (name, street and phone only while `pii_role` is set, as the
seller's PII role decides), FULFILLMENT (the status), PROCEEDS (grand
total and the items' breakdowns).  A payload added raw with an "orderId"
is served as given.
"""
import datetime
import itertools
import re
import uuid

from .base import FakePlatform, Response

UTC = datetime.timezone.utc
LAG = datetime.timedelta(minutes=2)


def iso(moment):
    return moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def parse(value):
    return datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))


# v0 OrderStatus <-> v2026 fulfillment.fulfillmentStatus
V2026_STATUS = {
    'Pending': 'PENDING', 'PendingAvailability': 'PENDING_AVAILABILITY',
    'Unshipped': 'UNSHIPPED', 'PartiallyShipped': 'PARTIALLY_SHIPPED',
    'Shipped': 'SHIPPED', 'InvoiceUnconfirmed': 'SHIPPED',
    'Canceled': 'CANCELLED', 'Unfulfillable': 'UNFULFILLABLE'}
V0_STATUS = {v: k for k, v in V2026_STATUS.items()
    if k != 'InvoiceUnconfirmed'}
INCLUDED_DATA = {'BUYER', 'RECIPIENT', 'FULFILLMENT', 'PROCEEDS', 'EXPENSE',
    'PROMOTION', 'CANCELLATION', 'PACKAGES', 'PAYMENT', 'TAX'}
# the parameters a paginationToken may be sent with changed
PAGE_FREE = {'paginationToken', 'maxResultsPerPage', 'includedData'}
# recipient fields the PII role guards
PII = {'name', 'addressLine1', 'addressLine2', 'addressLine3', 'phone'}


def lower_first(key):
    return key[:1].lower() + key[1:]


def v2026_money(value):
    "{'amount', 'currencyCode'} of a v0 Money, None when absent"
    if not isinstance(value, dict):
        return None
    return {'amount': value.get('Amount'),
        'currencyCode': value.get('CurrencyCode')}


def negative(value):
    "A v0 Money amount off as a v2026 negative value"
    if not isinstance(value, dict) or value.get('Amount') in (None, ''):
        return None
    amount = str(value['Amount'])
    return {'amount': amount if amount.startswith('-') else f'-{amount}',
        'currencyCode': value.get('CurrencyCode')}


def v2026_order(payload, included, pii_role=True):
    """The searchOrders / getOrder form of an order kept in v0 form, with
    what includedData asks for (leniently: malformed orders stay so)"""
    if not isinstance(payload, dict) or 'orderId' in payload:
        return payload
    get = payload.get
    order = {'orderId': get('AmazonOrderId'), 'createdTime': get(
            'PurchaseDate'), 'lastUpdatedTime': get('LastUpdateDate'),
        'salesChannel': {'marketplaceId': get('MarketplaceId'),
            'marketplaceName': get('SalesChannel')}}
    if 'FULFILLMENT' in included:
        status = get('OrderStatus')
        order['fulfillment'] = {
            'fulfillmentStatus': V2026_STATUS.get(status, status),
            'fulfilledBy': 'AMAZON' if get('FulfillmentChannel') == 'AFN'
            else 'MERCHANT',
            'fulfillmentServiceLevel': 'STANDARD'}
    if 'PROCEEDS' in included and get('OrderTotal') is not None:
        order['proceeds'] = {'grandTotal': v2026_money(get('OrderTotal'))
            or get('OrderTotal')}
    buyer = get('BuyerInfo')
    if 'BUYER' in included and isinstance(buyer, dict):
        order['buyer'] = ({'buyerEmail': buyer.get('BuyerEmail')}
            if pii_role else {})
    address = get('ShippingAddress')
    if 'RECIPIENT' in included and isinstance(address, dict):
        delivery = {lower_first(k): v for k, v in address.items()}
        if 'district' in delivery:
            delivery['districtOrCounty'] = delivery.pop('district')
        if not pii_role:
            delivery = {k: v for k, v in delivery.items() if k not in PII}
        order['recipient'] = {'deliveryAddress': delivery}
    items = get('OrderItems')
    if not isinstance(items, list):
        order['orderItems'] = items
        return order
    order['orderItems'] = []
    for item in items:
        if not isinstance(item, dict):
            order['orderItems'].append(item)
            continue
        price = item.get('ItemPrice')
        unit = None
        if isinstance(price, dict) and item.get('QuantityOrdered'):
            try:
                unit = {'amount': '%.2f' % (float(price['Amount'])
                        / float(item['QuantityOrdered'])),
                    'currencyCode': price.get('CurrencyCode')}
            except (KeyError, TypeError, ValueError, ZeroDivisionError):
                unit = None
        new = {'orderItemId': item.get('OrderItemId'),
            'quantityOrdered': item.get('QuantityOrdered'),
            'product': {'asin': item.get('ASIN'),
                'sellerSku': item.get('SellerSKU'),
                'title': item.get('Title'),
                'price': {'unitPrice': unit}},
            'fulfillment': {'quantityFulfilled': item.get('QuantityShipped'),
                'quantityUnfulfilled': (item.get('QuantityOrdered') or 0)
                - (item.get('QuantityShipped') or 0)
                if isinstance(item.get('QuantityOrdered'), int)
                and isinstance(item.get('QuantityShipped') or 0, int)
                else None}}
        if 'PROCEEDS' in included and price is not None:
            parts = [{'type': 'ITEM', 'subtotal': v2026_money(price)
                    or price}]
            if item.get('ShippingPrice') is not None:
                parts.append({'type': 'SHIPPING',
                        'subtotal': v2026_money(item['ShippingPrice'])})
            discounts = [{'subtype': subtype, 'value': negative(
                            item.get(key))}
                for subtype, key in (('ITEM', 'PromotionDiscount'),
                    ('SHIPPING', 'ShippingDiscount'))
                if negative(item.get(key)) is not None]
            if discounts:
                parts.append({'type': 'DISCOUNT',
                        'detailedBreakdowns': discounts})
            new['proceeds'] = {'breakdowns': parts}
        order['orderItems'].append(new)
    return order


def error(code, message, status, details=''):
    return Response({'errors': [{'code': code, 'message': message,
                    'details': details}]}, status=status)


class AmazonFake(FakePlatform):
    platform = 'amazon'
    default_credentials = {
        'client_id': 'amzn1.application-oa2-client.fake',
        'client_secret': 'lwa-secret', 'refresh_token': 'Atzr|fake-refresh',
        'marketplace_id': 'ATVPDKIKX0DER', 'seller_id': 'A1SELLER'}
    items_page_size = 100
    token_key = None          # LWA tokens: self.tokens
    token_life = 3600

    def __init__(self, credentials=None, now=None):
        super().__init__(credentials, now=now)
        self.tokens = {}          # access token -> expiry
        self.token_requests = []  # the LWA form of every refresh
        self.snapshots = {}       # NextToken -> (entries, offset)
        self.skus = None          # None: every SKU is listed
        self.counter = itertools.count(1)
        self.pii_role = True      # the seller's role grants buyer PII
        self.pages = {}           # paginationToken -> (params, entries)

    def reset(self):
        super().reset()
        with self.lock:
            self.tokens.clear()
            self.token_requests.clear()
            self.snapshots.clear()
            self.pages.clear()
            self.skus = None
            self.pii_role = True

    def adapter_credentials(self):
        return {**self.credentials, 'lwa_url': f'{self.root}/auth/o2/token'}

    def expire_token(self):
        "Every token handed out so far has expired"
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = self.now() - datetime.timedelta(
                    seconds=1)
            self.token_valid = False

    # Amazon's times are whole seconds
    def add_raw(self, order_id, payload, created, modified=None):
        created = created.replace(microsecond=0)
        modified = (modified or created).replace(microsecond=0)
        return super().add_raw(order_id, payload, created, modified)

    def modify_order(self, order_id, modified, **fields):
        return super().modify_order(order_id, modified.replace(microsecond=0),
            **fields)

    def make_order(self, order_id, created, modified, status, lines):
        # a v2026 fulfillmentStatus is kept as its v0 OrderStatus
        status = V0_STATUS.get(status, status)
        items, total = [], 0
        for index, line in enumerate(lines):
            amount = float(line['price']) * line['quantity']
            total += amount
            items.append({
                    'ASIN': line.get('product_id') or 'B00EXAMPLE',
                    'SellerSKU': line.get('sku_code') or line.get('sku_id'),
                    'OrderItemId': f'{order_id}{index:02d}',
                    'Title': line['title'],
                    'QuantityOrdered': line['quantity'],
                    'QuantityShipped': 0,
                    'ItemPrice': {'CurrencyCode': 'USD',
                        'Amount': f'{amount:.2f}'},
                    'ItemTax': {'CurrencyCode': 'USD', 'Amount': '0.00'},
                    'PromotionDiscount': {'CurrencyCode': 'USD',
                        'Amount': '0.00'}})
        return {
            'AmazonOrderId': order_id,
            'PurchaseDate': iso(created), 'LastUpdateDate': iso(modified),
            'OrderStatus': status or 'Unshipped',
            'FulfillmentChannel': 'MFN', 'SalesChannel': 'Amazon.com',
            'ShipServiceLevel': 'Std US D2D Dom',
            'OrderTotal': {'CurrencyCode': 'USD', 'Amount': f'{total:.2f}'},
            'NumberOfItemsShipped': 0,
            'NumberOfItemsUnshipped': sum(l['quantity'] for l in lines),
            'PaymentMethod': 'Other', 'MarketplaceId': 'ATVPDKIKX0DER',
            'OrderType': 'StandardOrder', 'IsPrime': False,
            'ShippingAddress': {'Name': 'Jane Doe',
                'AddressLine1': '410 Terry Ave N', 'City': 'Seattle',
                'StateOrRegion': 'WA', 'PostalCode': '98109',
                'CountryCode': 'US', 'Phone': '+1 206-555-0100'},
            'BuyerInfo': {'BuyerEmail': 'x7k2@marketplace.amazon.com'},
            # served by getOrderItems, not with the order
            'OrderItems': items,
            }

    def set_modified(self, payload, modified):
        payload['LastUpdateDate'] = iso(modified)

    def throttle_response(self, seconds):
        return Response({'errors': [{'code': 'QuotaExceeded',
                        'message': 'You exceeded your quota for the '
                        'requested resource.', 'details': ''}]}, status=429,
            headers={'x-amzn-RateLimit-Limit': repr(1 / seconds)})

    # -- HTTP -----------------------------------------------------------------
    def handle(self, request):
        if request.path == '/auth/o2/token':
            return self.token(request)
        token = request.headers.get('x-amz-access-token')
        with self.lock:
            expires = self.tokens.get(token)
        if expires is None:
            return error('Unauthorized', 'Access to requested resource is '
                'denied.', 403, 'The access token you provided is revoked, '
                'malformed or invalid.')
        if expires <= self.now():
            return error('Unauthorized', 'Access to requested resource is '
                'denied.', 403, 'The access token you provided has expired.')
        routes = [
            ('GET', r'/orders/2026-01-01/orders', self.search_orders),
            ('GET', r'/orders/2026-01-01/orders/([\w-]+)', self.get_order_2026),
            ('GET', r'/orders/v0/orders', self.get_orders),
            ('GET', r'/orders/v0/orders/([\w-]+)', self.get_order),
            ('GET', r'/orders/v0/orders/([\w-]+)/orderItems', self.get_items),
            ('POST', r'/orders/v0/orders/([\w-]+)/shipmentConfirmation',
                self.confirm_shipment),
            ('PATCH', r'/listings/2021-08-01/items/(\w+)/([^/]+)',
                self.patch_listing),
            ]
        for method, pattern, handler in routes:
            match = re.fullmatch(pattern, request.path)
            if match and request.method == method:
                with self.lock:
                    self.calls.append((handler.__name__,
                            {**request.query, **(request.json() or {})}))
                return handler(request, *match.groups())
        return error('NotFound', 'Resource not found', 404)

    def token(self, request):
        form = request.form
        with self.lock:
            self.token_requests.append(dict(form))
        if form.get('grant_type') != 'refresh_token':
            return Response({'error': 'unsupported_grant_type',
                    'error_description': 'grant_type'}, status=400)
        if (form.get('client_id') != self.credentials['client_id']
                or form.get('client_secret')
                != self.credentials['client_secret']):
            return Response({'error': 'invalid_client',
                    'error_description': 'Client authentication failed'},
                status=401)
        if form.get('refresh_token') != self.credentials['refresh_token']:
            return Response({'error': 'invalid_grant',
                    'error_description': 'The request has an invalid grant '
                    'parameter : refresh_token'}, status=400)
        token = f'Atza|{uuid.uuid4().hex}'
        with self.lock:
            self.tokens[token] = self.now() + datetime.timedelta(
                seconds=self.token_life)
            self.token_valid = True
        return Response({'access_token': token, 'token_type': 'bearer',
                'expires_in': self.token_life})

    def order(self, entry):
        return {k: v for k, v in entry.payload.items() if k != 'OrderItems'}

    def get_orders(self, request, *_):
        query = request.query
        if query.get('MarketplaceIds') != self.credentials['marketplace_id']:
            return error('InvalidInput', 'Invalid MarketplaceIds', 400)
        if 'NextToken' in query:
            with self.lock:
                snapshot = self.snapshots.pop(query['NextToken'], None)
            if snapshot is None:
                return error('InvalidInput', 'Invalid NextToken', 400)
            entries, size, before = snapshot
        else:
            after = [k for k in ('CreatedAfter', 'LastUpdatedAfter')
                if k in query]
            if len(after) != 1:
                return error('InvalidInput', 'Exactly one of CreatedAfter '
                    'and LastUpdatedAfter is required', 400)
            by = 'created' if after[0] == 'CreatedAfter' else 'modified'
            bound = 'CreatedBefore' if by == 'created' else (
                'LastUpdatedBefore')
            try:
                start = parse(query[after[0]])
                end = parse(query[bound]) if bound in query else (
                    self.now() - LAG)
                size = int(query.get('MaxResultsPerPage', 100))
            except ValueError as exception:
                return error('InvalidInput', str(exception), 400)
            if end > self.now() - LAG:
                return error('InvalidInput', f'{bound} must be at least 2 '
                    'minutes before the time of the request', 400)
            if not 1 <= size <= 100:
                return error('InvalidInput', 'MaxResultsPerPage', 400)
            # both bounds match at or after / at or before
            entries = list(reversed(self.select(start, end, by=by)))
            before = iso(end)
        page, rest = entries[:size], entries[size:]
        payload = {'Orders': [self.order(e) for e in page],
            'LastUpdatedBefore': before}
        if rest:
            token = f'NT{next(self.counter)}'
            with self.lock:
                self.snapshots[token] = (rest, size, before)
            payload['NextToken'] = token
        return Response({'payload': payload})

    def v2026(self, order_id, included=INCLUDED_DATA):
        "The v2026 form of an order as searchOrders would serve it now"
        return v2026_order(self.entry(order_id).payload, included,
            self.pii_role)

    def search_orders(self, request, *_):
        "searchOrders, with Amazon's parameter rules"
        query = dict(request.query)
        included = set(filter(None, query.get('includedData', '').split(',')))
        if included - INCLUDED_DATA:
            return error('InvalidInput', 'Invalid includedData: '
                + ','.join(sorted(included - INCLUDED_DATA)), 400)
        try:
            size = int(query.get('maxResultsPerPage', 100))
        except ValueError:
            size = 0
        if not 1 <= size <= 100:
            return error('InvalidInput', 'maxResultsPerPage must be between '
                '1 and 100', 400)
        if query.get('marketplaceIds') != self.credentials['marketplace_id']:
            return error('InvalidInput', 'Invalid marketplaceIds', 400)
        after = [k for k in ('createdAfter', 'lastUpdatedAfter')
            if k in query]
        if len(after) != 1:
            return error('InvalidInput', 'Exactly one of createdAfter and '
                'lastUpdatedAfter must be specified', 400)
        by = 'created' if after[0] == 'createdAfter' else 'modified'
        bound = 'createdBefore' if by == 'created' else 'lastUpdatedBefore'
        other = ('lastUpdatedBefore' if by == 'created'
            else 'createdBefore')
        if other in query:
            return error('InvalidInput', f'{other} cannot be used with '
                f'{after[0]}', 400)
        try:
            start = parse(query[after[0]])
            end = parse(query[bound]) if bound in query else (
                self.now() - LAG)
        except ValueError as exception:
            return error('InvalidInput', str(exception), 400)
        if end > self.now() - LAG:
            return error('InvalidInput', f'{bound} must be at least 2 '
                'minutes before the time of the request', 400)
        criteria = {k: v for k, v in query.items() if k not in PAGE_FREE}
        if 'paginationToken' in query:
            with self.lock:
                page = self.pages.get(query['paginationToken'])
            if page is None:
                return error('InvalidInput', 'Invalid paginationToken', 400)
            first, entries = page
            if first != criteria:
                return error('InvalidInput', 'The paginationToken must be '
                    'sent with the same parameters as the first request '
                    '(maxResultsPerPage and includedData excepted)', 400)
            with self.lock:
                del self.pages[query['paginationToken']]
        else:
            # both bounds match at or after / at or before
            entries = list(reversed(self.select(start, end, by=by)))
        page, rest = entries[:size], entries[size:]
        answer = {'orders': [v2026_order(e.payload, included, self.pii_role)
                for e in page], 'pagination': {}, bound: iso(end)}
        if rest:
            token = f'pt{next(self.counter)}'
            with self.lock:
                self.pages[token] = (criteria, rest)
            answer['pagination']['nextToken'] = token
        return Response(answer)

    def get_order_2026(self, request, order_id):
        entry = self.entry(order_id)
        if entry is None:
            return error('InvalidInput', 'Invalid orderId', 400)
        included = set(filter(None,
                request.query.get('includedData', '').split(',')))
        if included - INCLUDED_DATA:
            return error('InvalidInput', 'Invalid includedData', 400)
        return Response({'order': v2026_order(entry.payload, included,
                    self.pii_role)})

    def entry(self, order_id):
        with self.lock:
            return self.entries.get(order_id)

    def get_order(self, request, order_id):
        entry = self.entry(order_id)
        if entry is None:
            return error('InvalidInput', 'Invalid AmazonOrderId', 400)
        return Response({'payload': self.order(entry)})

    def get_items(self, request, order_id):
        entry = self.entry(order_id)
        if entry is None:
            return error('InvalidInput', 'Invalid AmazonOrderId', 400)
        items = entry.payload.get('OrderItems') or []
        offset = int(request.query.get('NextToken', '0') or 0)
        page = items[offset:offset + self.items_page_size]
        payload = {'AmazonOrderId': order_id, 'OrderItems': page}
        if offset + self.items_page_size < len(items):
            payload['NextToken'] = str(offset + self.items_page_size)
        return Response({'payload': payload})

    def confirm_shipment(self, request, order_id):
        entry = self.entry(order_id)
        body = request.json() or {}
        detail = body.get('packageDetail') or {}
        if entry is None:
            return error('InvalidInput', 'Invalid AmazonOrderId', 400)
        if body.get('marketplaceId') != self.credentials['marketplace_id']:
            return error('InvalidInput', 'Invalid marketplaceId', 400)
        reference = str(detail.get('packageReferenceId', ''))
        if not reference.isdigit() or int(reference) <= 0:
            return error('InvalidInput', 'packageReferenceId must be a '
                'positive integer', 400)
        for key in ('carrierCode', 'trackingNumber', 'shipDate',
                'orderItems'):
            if not detail.get(key):
                return error('InvalidInput', f'{key} is required', 400)
        known = {i['OrderItemId']: i['QuantityOrdered']
            for i in entry.payload.get('OrderItems') or []}
        for item in detail['orderItems']:
            if item.get('orderItemId') not in known or not (
                    0 < int(item.get('quantity') or 0)
                    <= known[item['orderItemId']]):
                return error('InvalidInput', 'Invalid orderItems', 400)
        record = {'order_id': order_id, 'package': reference,
            'carrier': detail['carrierCode'],
            'tracking_number': detail['trackingNumber'],
            'items': {i['orderItemId']: i['quantity']
                for i in detail['orderItems']}}
        with self.lock:
            # the same packageReferenceId edits its package
            for index, done in enumerate(self.tracking):
                if (done['order_id'], done['package']) == (
                        order_id, reference):
                    self.tracking[index] = record
                    break
            else:
                self.tracking.append(record)
        return Response(b'', status=204)

    def patch_listing(self, request, seller, sku):
        if seller != self.credentials['seller_id']:
            return error('Unauthorized', 'Access to requested resource is '
                'denied.', 403)
        body = request.json() or {}
        try:
            patch, = body['patches']
            value, = patch['value']
            quantity = int(value['quantity'])
            assert patch['path'] == '/attributes/fulfillment_availability'
            assert patch['op'] == 'replace'
        except (KeyError, ValueError, TypeError, AssertionError):
            return error('InvalidInput', 'Invalid patch', 400)
        if self.skus is not None and sku not in self.skus:
            return Response({'sku': sku, 'status': 'INVALID',
                    'submissionId': uuid.uuid4().hex, 'issues': [{
                            'code': '4000001', 'severity': 'ERROR',
                            'message': f'SKU {sku} is not listed'}]})
        with self.lock:
            self.stock.append({'sku_id': sku, 'quantity': quantity})
        return Response({'sku': sku, 'status': 'ACCEPTED',
                'submissionId': uuid.uuid4().hex, 'issues': []})
