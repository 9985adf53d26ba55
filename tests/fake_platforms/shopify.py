# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Fake Shopify Admin GraphQL API (marketplace-apis.md §7)

POST /admin/api/<version>/graphql.json with X-Shopify-Access-Token (401
otherwise).  No GraphQL engine: the operation is recognised by its name
(query Orders, query Order, query OrderIdsCreated, query VariantInventory,
query OrderFulfillment, mutation inventorySetQuantities, mutation
fulfillmentCreate) and answers in the documented shapes, with
extensions.cost.  Orders pages use keyset cursors (stable while paging) on
updatedAt with the search syntax `updated_at:>='…' AND updated_at:<'…'`.
Throttling answers HTTP 200 with errors[].extensions.code THROTTLED.
inventorySetQuantities requires changeFromQuantity (API 2026-04 on).
Webhooks are signed with X-Shopify-Hmac-Sha256.
"""
import base64
import datetime
import json
import re
import uuid

from .base import FakePlatform, Response
from .signatures import b64_hmac_sha256

RESTORE_RATE = 100.0


def gid(kind, number):
    return f'gid://shopify/{kind}/{number}'


def iso(moment):
    return moment.astimezone(datetime.timezone.utc).strftime(
        '%Y-%m-%dT%H:%M:%SZ')


class ShopifyFake(FakePlatform):
    platform = 'shopify'
    default_credentials = {'shop': 'fake-shop.myshopify.com',
        'access_token': 'shpat_fake', 'client_secret': 'hush',
        'api_version': '2026-10', 'location_id': gid('Location', 444)}

    def __init__(self, credentials=None, now=None):
        super().__init__(credentials, now=now)
        self.fulfillment_orders = {}    # order id -> [fulfillment order]
        self.fulfillments = {}          # order id -> [tracking numbers]
        self.activated = set()          # (inventory item, location)
        self.refused_items = set()      # inventory items always refused

    def reset(self):
        super().reset()
        with self.lock:
            self.fulfillment_orders.clear()
            self.fulfillments.clear()
            self.activated.clear()
            self.refused_items.clear()

    def make_order(self, order_id, created, modified, status, lines):
        financial, fulfillment = (status or 'PAID/UNFULFILLED').split('/')
        items, total = [], 0
        for index, line in enumerate(lines):
            total += float(line['price']) * line['quantity']
            items.append({
                'id': gid('LineItem', f'{order_id}{index}'),
                'sku': line['sku_code'], 'title': line['title'],
                'quantity': line['quantity'],
                'currentQuantity': line['quantity'],
                'originalUnitPriceSet': {'shopMoney': {
                        'amount': line['price'], 'currencyCode': 'EUR'}},
                'totalDiscountSet': {'shopMoney': {'amount': '0.0',
                        'currencyCode': 'EUR'}},
                'variant': {'id': gid('ProductVariant', line['sku_id']),
                    'barcode': None},
                'product': {'id': gid('Product', line['product_id'])}})
        with self.lock:
            self.fulfillment_orders[order_id] = [{
                    'id': gid('FulfillmentOrder', order_id), 'status': 'OPEN',
                    'lineItems': {'nodes': [{
                                'id': gid('FulfillmentOrderLineItem',
                                    item['id'].rsplit('/', 1)[1]),
                                'remainingQuantity': item['quantity'],
                                'lineItem': {'id': item['id']}}
                            for item in items]}}]
        money = {'shopMoney': {'amount': f'{total:.2f}',
                'currencyCode': 'EUR'}}
        return {
            'id': gid('Order', order_id), 'name': f'#{order_id}',
            'createdAt': iso(created), 'updatedAt': iso(modified),
            'processedAt': iso(created), 'cancelledAt': None, 'closed': False,
            'displayFinancialStatus': financial,
            'displayFulfillmentStatus': fulfillment,
            'currencyCode': 'EUR', 'note': None,
            'email': 'jane@example.com',
            'currentTotalPriceSet': money,
            'totalShippingPriceSet': {'shopMoney': {'amount': '0.00',
                    'currencyCode': 'EUR'}},
            'currentTotalDiscountsSet': {'shopMoney': {'amount': '0.00',
                    'currencyCode': 'EUR'}},
            'shippingAddress': {'name': 'Jane Doe', 'phone': '+4930123',
                'countryCodeV2': 'DE', 'province': None, 'city': 'Berlin',
                'address1': 'Main St 1', 'address2': '', 'zip': '10115'},
            'lineItems': {'nodes': items},
            'refunds': []}

    def set_modified(self, payload, modified):
        payload['updatedAt'] = iso(modified)

    # -- HTTP ---------------------------------------------------------------
    def cost(self, requested=12, available=1990.0):
        return {'cost': {'requestedQueryCost': requested,
                'actualQueryCost': requested if available >= requested
                else None, 'throttleStatus': {'maximumAvailable': 2000.0,
                    'currentlyAvailable': available,
                    'restoreRate': RESTORE_RATE}}}

    def throttle_response(self, seconds):
        available = 40.0
        return Response({'errors': [{'message': 'Throttled', 'extensions': {
                        'code': 'THROTTLED', 'documentation':
                        'https://shopify.dev/api/usage/rate-limits'}}],
                'extensions': self.cost(
                    int(available + seconds * RESTORE_RATE), available)})

    def data(self, data):
        return Response({'data': data, 'extensions': self.cost()})

    def handle(self, request):
        match = re.fullmatch(r'/admin/api/(\d{4}-\d{2})/graphql\.json',
            request.path)
        if request.method != 'POST' or not match:
            return Response({'errors': 'Not Found'}, status=404)
        token = request.headers.get('X-Shopify-Access-Token')
        if not self.token_valid or token != self.credentials['access_token']:
            return Response({'errors': '[API] Invalid API key or access '
                    'token (unrecognized login or wrong password)'},
                status=401)
        body = request.json() or {}
        query = body.get('query') or ''
        variables = body.get('variables') or {}
        operation = re.search(r'\b(query|mutation)\s+(\w+)', query)
        if not operation:
            return Response({'errors': [{'message': 'Parse error'}]})
        name = operation.group(2)
        with self.lock:
            self.calls.append((name, variables))
        handler = getattr(self, 'op_' + name, None)
        if handler is None:
            return Response({'errors': [{'message':
                            f"Field '{name}' doesn't exist"}]})
        return handler(variables)

    def _search(self, variables, field, by):
        "Entries matching `<field>:>='a' AND <field>:<'b'`, oldest first"
        search = variables.get('q') or ''
        lower = re.search(field + r":>='([^']+)'", search)
        upper = re.search(field + r":<'([^']+)'", search)
        def parse(match):
            return datetime.datetime.fromisoformat(
                match.group(1).replace('Z', '+00:00'))
        entries = self.select(parse(lower), parse(upper), by=by,
            include_end=False)
        entries.reverse()
        return entries

    def _page(self, entries, variables, by, key):
        first = int(variables.get('first') or 50)
        if first > 250:
            return Response({'errors': [{'message':
                            'The first argument cannot exceed 250'}]})
        def key_of(entry):
            return (entry.stamp(by), entry.order_id)
        after = variables.get('cursor')
        if after:
            last = json.loads(base64.b64decode(after))
            entries = [e for e in entries
                if key_of(e) > (last['last_value'], last['last_id'])]
        page = entries[:first]
        end_cursor = base64.b64encode(json.dumps(dict(zip(
                        ['last_value', 'last_id'], key_of(page[-1])))
                ).encode()).decode() if page else None
        return self.data({'orders': {
                    'pageInfo': {'hasNextPage': len(entries) > first,
                        'endCursor': end_cursor},
                    'nodes': [key(e) for e in page]}})

    def op_Orders(self, variables):
        return self._page(self._search(variables, 'updated_at', 'modified'),
            variables, 'modified', lambda e: e.payload)

    def op_OrderIdsCreated(self, variables):
        return self._page(self._search(variables, 'created_at', 'created'),
            variables, 'created', lambda e: {'id': e.payload['id']})

    def op_Order(self, variables):
        entry = self.entries.get(variables['id'].rsplit('/', 1)[-1])
        return self.data({'order': entry.payload if entry else None})

    def op_VariantInventory(self, variables):
        return self.data({'nodes': [{'id': variant_id, 'inventoryItem': {
                            'id': gid('InventoryItem',
                                variant_id.rsplit('/', 1)[1])}}
                    for variant_id in variables['ids']]})

    def op_inventorySetQuantities(self, variables):
        data = variables['input']
        errors = []
        for index, quantity in enumerate(data.get('quantities') or []):
            field = ['input', 'quantities', str(index), 'inventoryItemId']
            if quantity['inventoryItemId'] in self.refused_items:
                errors.append({'code': 'INVALID_INVENTORY_ITEM',
                        'field': field,
                        'message': 'The specified inventory item could not '
                        'be found.'})
            elif (quantity['inventoryItemId'], quantity['locationId']) not in (
                    self.activated):
                errors.append({'code': 'ITEM_NOT_STOCKED_AT_LOCATION',
                        'field': field, 'message': 'The specified inventory '
                        'item is not stocked at the location.'})
            elif 'changeFromQuantity' not in quantity:
                errors.append({'code': 'INVALID_CHANGE_FROM_QUANTITY',
                        'field': ['input', 'quantities', str(index),
                            'changeFromQuantity'],
                        'message': 'changeFromQuantity is required'})
            elif quantity['quantity'] < 0:
                errors.append({'code': 'INVALID_QUANTITY_NEGATIVE',
                        'field': ['input', 'quantities', str(index),
                            'quantity'],
                        'message': 'The quantity cannot be negative.'})
        if errors:
            return self.data({'inventorySetQuantities': {
                        'inventoryAdjustmentGroup': None,
                        'userErrors': errors}})
        with self.lock:
            for quantity in data['quantities']:
                self.stock.append({
                        'sku_id': quantity['inventoryItemId'].rsplit(
                            '/', 1)[1],
                        'inventory_item_id': quantity['inventoryItemId'],
                        'location_id': quantity['locationId'],
                        'quantity': quantity['quantity'],
                        'name': data['name'], 'reason': data['reason'],
                        'reference': data.get('referenceDocumentUri')})
        return self.data({'inventorySetQuantities': {
                    'inventoryAdjustmentGroup': {'reason': data['reason']},
                    'userErrors': []}})

    def op_inventoryActivate(self, variables):
        with self.lock:
            self.activated.add((variables['item'], variables['location']))
        return self.data({'inventoryActivate': {'inventoryLevel': {
                        'id': 'gid://shopify/InventoryLevel/1'},
                    'userErrors': []}})

    def op_OrderFulfillment(self, variables):
        order_id = variables['id'].rsplit('/', 1)[-1]
        if order_id not in self.entries:
            return self.data({'order': None})
        return self.data({'order': {'id': variables['id'],
                    'fulfillmentOrders': {
                        'nodes': self.fulfillment_orders.get(order_id, [])},
                    'fulfillments': [{'trackingInfo': [{'number': number}]}
                        for number in self.fulfillments.get(order_id, [])]}})

    def op_fulfillmentCreate(self, variables):
        fulfillment = variables['fulfillment']
        info = fulfillment.get('trackingInfo') or {}
        lines = []
        with self.lock:
            for group in fulfillment['lineItemsByFulfillmentOrder']:
                order_id = group['fulfillmentOrderId'].rsplit('/', 1)[1]
                orders = self.fulfillment_orders[order_id]
                wanted = {i['id']: i['quantity'] for i in
                    group.get('fulfillmentOrderLineItems') or []}
                for fulfillment_order in orders:
                    for item in fulfillment_order['lineItems']['nodes']:
                        if wanted and item['id'] not in wanted:
                            continue
                        take = wanted.get(item['id'],
                            item['remainingQuantity'])
                        if take > item['remainingQuantity']:
                            return self.data({'fulfillmentCreate': {
                                        'fulfillment': None, 'userErrors': [
                                            {'field': ['fulfillment'],
                                                'message': 'Invalid '
                                                'fulfillment order line item '
                                                'quantity requested.'}]}})
                        item['remainingQuantity'] -= take
                        lines.append(item['lineItem']['id'])
            self.fulfillments.setdefault(order_id, []).append(info['number'])
            self.tracking.append({'order_id': order_id,
                    'carrier': info.get('company'),
                    'tracking_number': info['number'], 'lines': lines})
        return self.data({'fulfillmentCreate': {'fulfillment': {
                        'id': gid('Fulfillment', uuid.uuid4().int % 10**9),
                        'status': 'SUCCESS'}, 'userErrors': []}})

    def webhook_request(self, order_id, topic=None, bad_signature=False):
        entry = self.entries[str(order_id)]
        body = json.dumps({'id': int(order_id),
                'admin_graphql_api_id': entry.payload['id'],
                'updated_at': entry.payload['updatedAt']}).encode()
        secret = 'wrong' if bad_signature else self.credentials[
            'client_secret']
        return {'X-Shopify-Topic': topic or 'orders/updated',
            'X-Shopify-Hmac-Sha256': b64_hmac_sha256(secret, body),
            'X-Shopify-Shop-Domain': self.credentials['shop'],
            'X-Shopify-API-Version': self.credentials['api_version'],
            'X-Shopify-Webhook-Id': str(uuid.uuid4()),
            'Content-Type': 'application/json'}, body
