# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""An in-memory platform for the tests: the smallest complete adapter

Its "server" is a dict of order payloads per shop, listed by modified time
in [start, end) like the real platforms; the pushes it receives are
recorded; webhooks are signed with HMAC-SHA256 of the body.
"""
import base64
import datetime
import hashlib
import hmac
import json
from decimal import Decimal

from trytond.modules.ecom_connector.adapters import ADAPTERS
from trytond.modules.ecom_connector.adapters.base import (
    UTC, Adapter, Address, InventoryResult, Order, OrderLine, OrderStatus,
    Page, PayloadError, Refund, ThrottleError, WebhookEvent)


class Shop:
    "The platform side of one shop"

    def __init__(self):
        self.orders = {}
        self.inventory = []     # [(sku_id, quantity)] in push order
        self.tracking = []      # [(order id, carrier, number)]
        self.delisted = []
        self.throttle = 0       # throttle the next n calls
        self.calls = 0


SHOPS = {}


def shop(name):
    return SHOPS.setdefault(name, Shop())


def order_payload(order_id, modified, sku='S1', quantity=1, price='10.00',
        status='paid', name='Li *', city='Hangzhou', street='1 Road',
        created=None, code=None, buyer='buyer*', shipping='0'):
    created = created or modified
    return {
        'id': order_id, 'status': status,
        'created': created.isoformat(), 'modified': modified.isoformat(),
        'buyer': buyer, 'currency': 'USD', 'shipping': shipping,
        'address': {'name': name, 'phone': '138****0000', 'city': city,
            'street': street, 'country': None},
        'lines': [{'id': f'{order_id}-1', 'sku': sku, 'code': code,
                'qty': quantity, 'price': price}],
        }


class MemoryAdapter(Adapter):
    platform = 'memory'
    title = "Test platform"
    max_window = datetime.timedelta(minutes=30)
    overlap = datetime.timedelta(minutes=3)
    lag = datetime.timedelta(minutes=0)
    page_size = 2
    can_delist = True
    has_webhooks = True

    @property
    def shop(self):
        return shop(self.credentials.get('shop', 'default'))

    def _call(self):
        self.shop.calls += 1
        if self.shop.throttle:
            self.shop.throttle -= 1
            raise ThrottleError("slow down", retry_after=0.5)

    def list_orders(self, start, end, page_token=None):
        self._call()
        orders = sorted((p for p in self.shop.orders.values()
                if start <= datetime.datetime.fromisoformat(p['modified'])
                < end), key=lambda p: p['modified'])
        offset = page_token or 0
        page = orders[offset:offset + self.page_size]
        more = offset + self.page_size < len(orders)
        return Page(payloads=page,
            next_token=offset + self.page_size if more else None,
            total=len(orders))

    def get_order(self, platform_order_id):
        self._call()
        return self.shop.orders[platform_order_id]

    def list_order_ids(self, start, end):
        self._call()
        return [p['id'] for p in self.shop.orders.values()
            if start <= datetime.datetime.fromisoformat(p['created']) < end]

    def parse_order(self, payload):
        try:
            lines = [OrderLine(platform_line_id=l['id'], sku_id=l['sku'],
                    product_id=None, sku_code=l.get('code'), barcode=None,
                    title=l.get('title', l['sku']),
                    quantity=Decimal(str(l['qty'])),
                    unit_price=Decimal(str(l['price'])),
                    discount=Decimal(str(l.get('discount', 0))))
                for l in payload['lines']]
            # refunds: [{'id': ..., 'lines': {line id: units or None}}]
            refunds = [Refund(platform_refund_id=r['id'], amount=Decimal(0),
                    line_ids=list(r['lines']),
                    quantities={k: Decimal(str(v))
                        for k, v in r['lines'].items() if v is not None})
                for r in payload.get('refunds', [])]
            address = Address(**payload['address'])
            return Order(platform_order_id=payload['id'],
                status=OrderStatus(payload['status']),
                platform_status=payload['status'],
                created_at=datetime.datetime.fromisoformat(
                    payload['created']),
                modified_at=datetime.datetime.fromisoformat(
                    payload['modified']),
                currency=payload['currency'], lines=lines, address=address,
                buyer=payload.get('buyer'),
                total=sum((l.unit_price * l.quantity - l.discount
                        for l in lines), Decimal(0))
                + Decimal(str(payload.get('shipping', 0))),
                refunds=refunds,
                shipping_fee=Decimal(str(payload.get('shipping', 0))))
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            raise PayloadError(f"bad order payload: {error!r}")

    def order_reference(self, payload):
        try:
            modified = datetime.datetime.fromisoformat(payload['modified'])
        except Exception:
            modified = None
        order_id = payload.get('id') if isinstance(payload, dict) else None
        return (order_id if isinstance(order_id, str) else None), modified

    def update_inventory(self, updates):
        self._call()
        self.shop.inventory.extend((u.sku_id, u.quantity) for u in updates)
        return [InventoryResult(u.sku_id, u.product_id, True)
            for u in updates]

    def delist(self, product_ids):
        self.shop.delisted.extend(product_ids)

    def relist(self, product_ids):
        self.shop.delisted = [p for p in self.shop.delisted
            if p not in product_ids]

    def carrier_code(self, carrier):
        return {'SF': 'shunfeng'}.get(carrier, carrier)

    def push_tracking(self, platform_order_id, parcels):
        self._call()
        self.shop.tracking.extend((platform_order_id, p.carrier_code,
                p.tracking_number) for p in parcels)

    def sign(self, body):
        secret = self.credentials['secret'].encode()
        return base64.b64encode(
            hmac.new(secret, body, hashlib.sha256).digest()).decode()

    def verify_webhook(self, headers, body):
        sent = headers.get('X-Signature', '')
        return hmac.compare_digest(sent, self.sign(body))

    def parse_webhook(self, headers, body):
        data = json.loads(body)
        return [WebhookEvent(platform_order_id=data['id'], payload=data)]


ADAPTERS['memory'] = MemoryAdapter
__all__ = ['MemoryAdapter', 'order_payload', 'shop', 'UTC']
