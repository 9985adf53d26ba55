# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Pinduoduo (拼多多) open platform router (marketplace-apis.md §3)

Credentials: client_id, client_secret, access_token (with refresh_token
and access_token_expires renewed by pdd.pop.auth.token.refresh, see
tokens.py), carriers (optional
{our carrier code: PDD logistics_id}, else looked up by code through
pdd.logistics.companies.get).

Orders: pdd.order.number.list.increment.get by update time, windows of at
most 30 minutes, pages read from the last, 3 minutes behind PDD's clock.
Amounts are yuan as JSON numbers: read through str() into Decimal.
Receiver data is ciphertext outside 多多云: only the masked values are
kept.  PDD pushes over a WebSocket channel, not webhooks.
"""
import datetime

from . import register
from .base import (
    Adapter, Address, AuthError, Order, OrderLine, OrderStatus, PayloadError,
    PermanentError, Refund, ThrottleError, TokenExpired, TransientError,
    split_windows)
from .common import (
    HttpMixin, all_pages, as_object, epoch, guard_payload, identifier,
    inclusive_bounds, known, lenient_reference, map_carrier, money,
    page_backwards, parse_shanghai, quantity, readable, require, require_list,
    serialise, text, texts, write_results)
from .signing import pdd_sign
from .tokens import TokenMixin

GATEWAY = 'https://gw-api.pinduoduo.com/api/router'

ORDER_STATUS = {
    1: OrderStatus.PAID,            # 待发货
    2: OrderStatus.SHIPPED,         # 已发货待签收
    3: OrderStatus.COMPLETED,       # 已签收
    }
# refund_status: 1 无售后或售后关闭, 2 售后处理中, 3 退款中, 4 退款成功
REFUND_PENDING = {2, 3}
REFUND_DONE = 4
# Flow control: the documented codes could not be confirmed [VERIFY]
THROTTLE_CODES = {70031, 70032, 70033}
THROTTLE_WORDS = ('限流', '频率', '频繁')
AUTH_CODES = {10019, 10020, 10021, 10022}
TRANSIENT_CODES = {50000, 50002, 50003}


@register
class PinduoduoAdapter(TokenMixin, HttpMixin, Adapter):
    platform = 'pinduoduo'
    max_window = datetime.timedelta(minutes=30)
    lag = datetime.timedelta(minutes=3)
    page_size = 100
    can_delist = True
    # PDD's flow-control error says no wait: this is the suggested one
    throttle_wait = 1.0

    def call(self, api, params=None):
        "One call with a live access token (renewed by tokens.TokenMixin)"
        return self.with_token(self._call, api, params)

    def request_token(self):
        "pdd.pop.auth.token.refresh, signed, without access token"
        answer = self._call('pdd.pop.auth.token.refresh',
            {'refresh_token': self.credential('refresh_token')}, token=False)
        if not isinstance(answer, dict):
            raise AuthError(f"pinduoduo: no token in {answer!r}")
        return dict(answer,
            refresh_expires_in=answer.get('refresh_token_expires_in'))

    def _call(self, api, params=None, token=True):
        "Sign and send one call; the content of its `*_response`"
        request = {
            'type': api,
            'client_id': self.credential('client_id'),
            'access_token': self.credentials.get('access_token')
            if token else None,
            'timestamp': str(epoch(self.now())),
            'data_type': 'JSON',
            'version': 'V1',
            }
        request.update({key: serialise(value)
                for key, value in (params or {}).items()})
        request = {k: v for k, v in request.items() if v not in (None, '')}
        request['sign'] = pdd_sign(request, self.credential('client_secret'))
        response = self.send('POST', self.base_url or GATEWAY, data=request)
        body = self.response_json(response)
        if 'error_response' in body:
            raise self.error(api, body['error_response'])
        for key, value in body.items():
            if key.endswith('_response'):
                return value
        raise TransientError(f"pinduoduo {api}: unexpected answer {body!r}")

    def error(self, api, error):
        code = error.get('error_code')
        message = error.get('sub_msg') or error.get('error_msg') or ''
        says = f"pinduoduo {api}: {code} {message}"
        try:
            code = int(code)
        except (TypeError, ValueError):
            pass
        if code in THROTTLE_CODES or any(w in message for w in THROTTLE_WORDS):
            return ThrottleError(says, code=code,
                retry_after=self.throttle_wait)
        if code in AUTH_CODES or 'access_token' in message:
            # [VERIFY] codes: taken as an expired token, refreshed once
            return TokenExpired(says, code=code)
        if code in TRANSIENT_CODES:
            return TransientError(says, code=code)
        if code == 20004:
            return PermanentError(f"{says} (signature refused)", code=code)
        return PermanentError(says, code=code)

    # -- orders -------------------------------------------------------------
    def list_orders(self, start, end, page_token=None):
        self.check_window(start, end)
        first, last = inclusive_bounds(start, end)

        def fetch(page):
            result = self.call('pdd.order.number.list.increment.get', {
                    'start_updated_at': epoch(first),
                    'end_updated_at': epoch(last),
                    'order_status': 5, 'refund_status': 5,
                    'page': page, 'page_size': self.page_size,
                    'use_has_next': False})
            return (result.get('order_sn_list') or [],
                self.total(result.get('total_count')))
        return page_backwards(fetch, page_token, self.page_size)

    def get_order(self, platform_order_id):
        result = self.call('pdd.order.information.get',
            {'order_sn': platform_order_id})
        return result.get('order_info')

    def list_order_ids(self, start, end):
        "By deal (成交) time, which is when an order counts for PDD"
        ids = set()
        for window_start, window_end in split_windows(start, end,
                datetime.timedelta(hours=24)):
            first, last = inclusive_bounds(window_start, window_end)

            def fetch(page):
                result = self.call('pdd.order.list.get', {
                        'start_confirm_at': epoch(first),
                        'end_confirm_at': epoch(last),
                        'order_status': 5, 'refund_status': 5,
                        'page': page, 'page_size': 100})
                return (result.get('order_list') or [],
                    self.total(result.get('total_count')))
            ids.update(o['order_sn'] for o in all_pages(fetch, 100))
        return sorted(ids)

    def order_reference(self, payload):
        "(order id, modified time) even of a payload malformed elsewhere"
        return lenient_reference(payload, ('order_sn',), 'updated_at',
            parse_shanghai)

    @guard_payload
    def parse_order(self, payload):
        order_id = identifier(require(payload, 'order_sn', 'order'),
            'order.order_sn')
        where = f"pinduoduo order {order_id}"

        def number(key):
            value = require(payload, key, where)
            if isinstance(value, bool) or not isinstance(value, int):
                raise PayloadError(f"{where}.{key}: expected an integer code,"
                    f" got {value!r}")
            return value
        order_status = known(number('order_status'), ORDER_STATUS,
            f"{where}.order_status")
        refund_status = payload.get('refund_status') or 1
        status = ORDER_STATUS[order_status]
        if refund_status == REFUND_DONE:
            status = OrderStatus.REFUNDED
        elif payload.get('confirm_status') == 2:
            status = OrderStatus.CANCELLED
        elif status is OrderStatus.PAID and (
                refund_status in REFUND_PENDING
                or payload.get('confirm_status') == 0
                or payload.get('risk_control_status') not in (0, None)):
            # after-sales running, group not formed (未成交) or risk check
            status = OrderStatus.HOLD
        items = require_list(payload, 'item_list', where)
        lines, seen = [], {}
        for index, item in enumerate(items):
            at = f"{where}.item_list[{index}]"
            item = as_object(item, at)
            sku_id = text(item.get('sku_id'), f"{at}.sku_id")
            # items have no id of their own: the SKU, numbered if repeated
            line_id = sku_id or str(index)
            seen[line_id] = seen.get(line_id, 0) + 1
            if seen[line_id] > 1:
                line_id = f'{line_id}#{seen[line_id]}'
            lines.append(OrderLine(
                    platform_line_id=line_id, sku_id=sku_id,
                    product_id=text(item.get('goods_id'), f"{at}.goods_id"),
                    sku_code=text(item.get('outer_id')
                        or item.get('outer_goods_id'), f"{at}.outer_id"),
                    barcode=None,
                    title=text(item.get('goods_name'), f"{at}.goods_name")
                    or '',
                    quantity=quantity(require(item, 'goods_count', at),
                        f"{at}.goods_count"),
                    unit_price=money(require(item, 'goods_price', at),
                        f"{at}.goods_price")))
        total = money(payload.get('pay_amount'), f"{where}.pay_amount")
        refunds = []
        if refund_status == REFUND_DONE:
            refunds.append(Refund(platform_refund_id=order_id, amount=total,
                    line_ids=[line.platform_line_id for line in lines],
                    status='4'))
        return Order(
            platform_order_id=order_id, status=status,
            platform_status=f'{order_status}/{refund_status}',
            created_at=parse_shanghai(require(payload, 'created_time', where),
                f"{where}.created_time"),
            modified_at=parse_shanghai(require(payload, 'updated_at', where),
                f"{where}.updated_at"),
            currency='CNY', lines=lines, address=self.address(payload, where),
            total=total,
            shipping_fee=money(payload.get('postage'), f"{where}.postage"),
            discount=money(payload.get('discount_amount'),
                f"{where}.discount_amount"),
            paid_at=parse_shanghai(payload['pay_time'], f"{where}.pay_time")
            if payload.get('pay_time') else None,
            refunds=refunds,
            note=text(payload.get('buyer_memo'), f"{where}.buyer_memo"))

    @staticmethod
    def address(payload, where):
        "The masked receiver: the ciphertext is of no use outside PDD cloud"
        def get(*keys):
            for value in texts(payload, where, *keys):
                if readable(value):
                    return value
        return Address(
            name=get('receiver_name_mask', 'receiver_name'),
            phone=get('receiver_phone_mask', 'receiver_phone'),
            country='CN', province=get('province'), city=get('city'),
            district=get('town'), street=get('address_mask', 'address'),
            masked=True)

    # -- inventory ----------------------------------------------------------
    def update_inventory(self, updates):
        "Full stock (update_type=1) per SKU, or per goods without SKU"
        results = []
        for update in updates:
            params = {'goods_id': update.product_id,
                'quantity': max(int(update.quantity), 0), 'update_type': 1}
            if update.sku_id:
                params['sku_id'] = update.sku_id
            results.extend(write_results([update], lambda params=params:
                    self.call('pdd.goods.quantity.update', params)))
        return results

    def _on_sale(self, product_ids, on_sale):
        for product_id in product_ids:
            self.call('pdd.goods.sale.status.set',
                {'goods_id': product_id, 'is_onsale': int(on_sale)})

    def delist(self, product_ids):
        self._on_sale(product_ids, False)

    def relist(self, product_ids):
        self._on_sale(product_ids, True)

    # -- fulfilment ---------------------------------------------------------
    def carrier_code(self, carrier):
        "PDD wants a numeric logistics_id, looked up by the carrier's code"
        overrides = self.credentials.get('carriers') or {}
        if carrier not in overrides and not hasattr(self, '_companies'):
            result = self.call('pdd.logistics.companies.get')
            self._companies = {str(c.get('code')).upper(): str(c['id'])
                for c in result.get('logistics_companies') or []
                if c.get('available', 1)}
        return map_carrier(self.platform, getattr(self, '_companies', {}),
            overrides, carrier)

    def push_tracking(self, platform_order_id, parcels):
        """The first parcel by pdd.logistics.online.send, the others as
        extra parcels (pdd.order.upload.extra.logistic [VERIFY])

        PDD ships the whole order: the parcels' lines are not sent.  A
        parcel the platform already has (订单已发货) is success.
        """
        first, *others = parcels
        self._ship('pdd.logistics.online.send', {
                'order_sn': platform_order_id,
                'logistics_id': first.carrier_code,
                'tracking_number': first.tracking_number})
        if others:
            self._ship('pdd.order.upload.extra.logistic', {
                    'order_sn': platform_order_id,
                    'extra_track_list': [{'shipping_id': int(p.carrier_code),
                            'tracking_number': p.tracking_number}
                        for p in others]})

    def _ship(self, api, params):
        try:
            self.call(api, params)
        except PermanentError as exception:
            if '已发货' not in str(exception):
                raise
