# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Douyin shop (抖店, op.jinritemai.com) open API v2 (marketplace-apis.md §5)

Credentials: app_key, app_secret, access_token (with refresh_token and
access_token_expires renewed by token.refresh a day before its 7 days
end, see tokens.py), sign_method (hmac-sha256
by default, the platform's recommendation; md5), carriers (optional
{our carrier code: Douyin company_code} overriding CARRIERS).

POST https://openapi-fxg.jinritemai.com/<method with dots as slashes>,
system parameters in the query, the canonical param_json as JSON body,
the very string that was signed.  Money is in fen (integers), times are
unix seconds.  Pushes are signed with `event-sign`.
"""
import datetime
import hashlib
import hmac
import json
import uuid

from . import register
from .base import (
    Adapter, Address, AuthError, Order, OrderLine, OrderStatus, PayloadError,
    PermanentError, Refund, ThrottleError, TokenExpired, TransientError,
    WebhookEvent, split_windows)
from .common import (
    HttpMixin, all_pages, epoch, guard_payload, identifier, inclusive_bounds,
    known, lenient_reference, load_json, map_carrier, money, page_backwards,
    parse_epoch, quantity, require, require_list, section, shanghai_text, text,
    texts, write_results)
from .signing import douyin_param_json, douyin_push_sign, douyin_sign
from .tokens import TokenMixin

GATEWAY = 'https://openapi-fxg.jinritemai.com'

STATUS = {
    1: OrderStatus.AWAITING_PAYMENT,      # 待确认/待支付
    103: OrderStatus.AWAITING_PAYMENT,    # 部分支付
    105: OrderStatus.PAID,                # 已支付
    2: OrderStatus.PAID,                  # 备货中
    101: OrderStatus.PARTIALLY_SHIPPED,   # 部分发货
    3: OrderStatus.SHIPPED,               # 已发货
    5: OrderStatus.COMPLETED,             # 已完成
    4: OrderStatus.CANCELLED,             # 已取消
    21: OrderStatus.REFUNDED,             # 发货前退款完结
    22: OrderStatus.REFUNDED,             # 发货后退款完结
    39: OrderStatus.REFUNDED,             # 收货后退款完结
    }
REFUND_DONE = 3       # after_sale_info.refund_status: 退款成功
# Our carrier code -> Douyin company_code (order.logisticsCompanyList)
# [VERIFY against the shop's list]
CARRIERS = {
    'SF': 'shunfeng', 'ZTO': 'zhongtong', 'YTO': 'yuantong',
    'STO': 'shentong', 'YUNDA': 'yunda', 'EMS': 'ems', 'JD': 'jd',
    'DBL': 'debangwuliu', 'POST': 'youzhengguonei',
    }
# Error codes are not confirmed: classify by sub_code and message [VERIFY]
THROTTLE_WORDS = ('frequency', 'limit', '频率', '频繁', '限流')
AUTH_WORDS = ('token', 'app-key', 'authoriz', '授权')
DONE_WORDS = ('已发货',)


@register
class DouyinAdapter(TokenMixin, HttpMixin, Adapter):
    platform = 'douyin'
    # the longest window and deep paging cap are not published: keep both
    # small [VERIFY]
    max_window = datetime.timedelta(minutes=30)
    page_size = 100
    has_webhooks = True
    throttle_wait = 1.0

    # the token lasts 7 days: renewed a day before (marketplace-apis §11.3)
    refresh_margin = datetime.timedelta(days=1)

    def call(self, method, params=None):
        "One call with a live access token (renewed by tokens.TokenMixin)"
        return self.with_token(self._call, method, params)

    def request_token(self):
        "token.refresh (§5.3): signed, without access token"
        data = self._call('token.refresh', {'grant_type': 'refresh_token',
                'refresh_token': self.credential('refresh_token')},
            token=False)
        if not isinstance(data, dict):
            raise AuthError(f"douyin: no token in {data!r}")
        return data

    def _call(self, method, params=None, token=True):
        "Sign and send one call; the `data` of a code-10000 answer"
        credentials = self.credentials if token else {
            k: v for k, v in self.credentials.items() if k != 'access_token'}
        param_json = douyin_param_json(params or {})
        timestamp = shanghai_text(self.now())
        sign_method = credentials.get('sign_method') or 'hmac-sha256'
        query = {
            'method': method,
            'app_key': self.credential('app_key'),
            'access_token': credentials.get('access_token') or '',
            'param_json': param_json,
            'timestamp': timestamp,
            'v': '2',
            'sign_method': sign_method,
            'sign': douyin_sign(self.credential('app_key'),
                self.credential('app_secret'), method, param_json,
                timestamp, '2', sign_method),
            }
        url = (self.base_url or GATEWAY).rstrip('/') + '/' + method.replace(
            '.', '/')
        response = self.send('POST', url, params=query,
            content=param_json.encode('utf-8'),
            headers={'Content-Type': 'application/json'})
        body = self.response_json(response)
        if 'err_no' in body and 'code' not in body:   # v1 envelope
            if body['err_no'] == 0:
                return body.get('data')
            raise self.error(method, body['err_no'], body.get('message'), '')
        if body.get('code') != 10000:
            raise self.error(method, body.get('code'), body.get('msg'),
                f"{body.get('sub_code') or ''} {body.get('sub_msg') or ''}")
        return body.get('data')

    def error(self, method, code, message, detail):
        says = f"douyin {method}: {code} {message} ({detail.strip()})"
        lowered = f"{message} {detail}".lower()
        if any(word in lowered for word in THROTTLE_WORDS):
            return ThrottleError(says, code=code,
                retry_after=self.throttle_wait)
        if 'access-token' in lowered or 'access_token' in lowered:
            # [VERIFY] codes: taken as an expired token, refreshed once
            return TokenExpired(says, code=code)
        if any(word in lowered for word in AUTH_WORDS):
            return AuthError(says, code=code)
        if code == 20000 or 'isp.' in lowered:   # 服务不可用, server side
            return TransientError(says, code=code)
        return PermanentError(says, code=code)

    # -- orders -------------------------------------------------------------
    def _search(self, start, end, prefix, size):
        first, last = inclusive_bounds(start, end)

        def fetch(page):
            data = self.call('order.searchList', {
                    f'{prefix}_start': epoch(first),
                    f'{prefix}_end': epoch(last),
                    'order_by': prefix, 'order_asc': False,
                    'page': page, 'size': size})
            if not isinstance(data, dict):
                raise TransientError(f"douyin order.searchList: no data in "
                    f"{data!r}")
            return (data.get('shop_order_list') or [],
                self.total(data.get('total')))
        return fetch

    def list_orders(self, start, end, page_token=None):
        self.check_window(start, end)
        return page_backwards(self._search(start, end, 'update_time',
                self.page_size), page_token, self.page_size, first=0)

    def get_order(self, platform_order_id):
        data = self.call('order.orderDetail',
            {'shop_order_id': platform_order_id})
        return (data or {}).get('shop_order_detail')

    def list_order_ids(self, start, end):
        "By creation time, in windows as short as the pull's [VERIFY]"
        ids = set()
        for window_start, window_end in split_windows(start, end,
                self.max_window):
            fetch = self._search(window_start, window_end, 'create_time',
                100)
            ids.update(str(o['order_id'])
                for o in all_pages(fetch, 100, first=0))
        return sorted(ids)

    def order_reference(self, payload):
        "(order id, modified time) even of a payload malformed elsewhere"
        return lenient_reference(payload, ('order_id',), 'update_time',
            parse_epoch)

    @guard_payload
    def parse_order(self, payload):
        order_id = identifier(require(payload, 'order_id', 'order'),
            'order.order_id')
        where = f"douyin order {order_id}"
        status_code = known(require(payload, 'order_status', where), STATUS,
            f"{where}.order_status")
        lines, refunds = [], []
        for index, sku in enumerate(require_list(payload, 'sku_order_list',
                    where)):
            at = f"{where}.sku_order_list[{index}]"
            line_id = identifier(require(sku, 'order_id', at),
                f"{at}.order_id")
            number = quantity(require(sku, 'item_num', at), f"{at}.item_num")
            price = money(require(sku, 'goods_price', at),
                f"{at}.goods_price", fen=True)
            paid = money(sku.get('pay_amount'), f"{at}.pay_amount",
                fen=True) - money(sku.get('post_amount'),
                f"{at}.post_amount", fen=True)
            after_sale = section(sku, 'after_sale_info', at)
            refund_status = after_sale.get('refund_status')
            lines.append(OrderLine(
                    platform_line_id=line_id,
                    sku_id=text(sku.get('sku_id'), f"{at}.sku_id"),
                    product_id=text(sku.get('product_id'),
                        f"{at}.product_id"),
                    sku_code=text(sku.get('out_sku_id') or sku.get('code'),
                        f"{at}.out_sku_id"),
                    barcode=None,
                    title=text(sku.get('product_name'),
                        f"{at}.product_name") or '',
                    quantity=number, unit_price=price,
                    discount=price * number - paid,
                    refund_status=str(refund_status)
                    if refund_status not in (None, 0) else None))
            if refund_status == REFUND_DONE:
                refunds.append(Refund(platform_refund_id=line_id,
                        amount=paid, line_ids=[line_id],
                        status=str(refund_status)))
        pay_time = payload.get('pay_time')
        return Order(
            platform_order_id=order_id, status=STATUS[status_code],
            platform_status=str(status_code),
            created_at=parse_epoch(require(payload, 'create_time', where),
                f"{where}.create_time"),
            modified_at=parse_epoch(require(payload, 'update_time', where),
                f"{where}.update_time"),
            currency='CNY', lines=lines, address=self.address(payload, where),
            total=money(payload.get('pay_amount'), f"{where}.pay_amount",
                fen=True),
            shipping_fee=money(payload.get('post_amount'),
                f"{where}.post_amount", fen=True),
            paid_at=parse_epoch(pay_time, f"{where}.pay_time")
            if pay_time else None,
            refunds=refunds,
            note=text(payload.get('buyer_words'), f"{where}.buyer_words"))

    @staticmethod
    def address(payload, where):
        "The masked receiver (the encrypt_* values need order.batchDecrypt)"
        region = section(payload, 'mask_post_addr', where)
        at = f"{where}.mask_post_addr"

        def name(key):
            return text(section(region, key, at).get('name'),
                f"{at}.{key}.name")
        street = ' '.join(filter(None, [name('street'),
                    text(region.get('detail'), f"{at}.detail")])) or None
        receiver, phone = texts(payload, where, 'mask_post_receiver',
            'mask_post_tel')
        return Address(
            name=receiver, phone=phone,
            country='CN', province=name('province'), city=name('city'),
            district=name('town'), street=street, masked=True)

    # -- inventory ----------------------------------------------------------
    def update_inventory(self, updates):
        """sku.syncStock, overwriting, with an idempotent_id per update

        The same InventoryUpdate.idempotency_key on a retry lets the
        platform drop a write it already applied.
        """
        results = []
        for update in updates:
            params = {'sku_id': update.sku_id,
                'stock_num': max(int(update.quantity), 0),
                'incremental': False,
                'idempotent_id': update.idempotency_key or uuid.uuid4().hex}
            if update.product_id:
                params['product_id'] = update.product_id
            results.extend(write_results([update], lambda params=params:
                    self.call('sku.syncStock', params)))
        return results

    # -- fulfilment ---------------------------------------------------------
    def carrier_code(self, carrier):
        return map_carrier(self.platform, CARRIERS,
            self.credentials.get('carriers'), carrier)

    def push_tracking(self, platform_order_id, parcels):
        """order.logisticsAdd for one parcel (Douyin ships the whole
        order), else order.logisticsAddMultiPack with the sub-orders of
        each parcel [VERIFY]; a waybill already there (已发货) is success.
        """
        try:
            if len(parcels) == 1:
                parcel, = parcels
                self.call('order.logisticsAdd', {
                        'order_id': platform_order_id,
                        'company_code': parcel.carrier_code,
                        'logistics_code': parcel.tracking_number})
            else:
                numbers = ','.join(p.tracking_number for p in parcels)
                self.call('order.logisticsAddMultiPack', {
                        'order_id': platform_order_id,
                        # the same parcels give the same request: a retry
                        'request_id': hashlib.sha1(
                            f'{platform_order_id}:{numbers}'.encode()
                            ).hexdigest(),
                        'pack_list': [{
                                'shipped_order_info': [
                                    shipped(p, line_id)
                                    for line_id in p.line_ids],
                                'logistics_code': p.tracking_number,
                                'company_code': p.carrier_code}
                            for p in parcels]})
        except PermanentError as exception:
            if not any(word in str(exception) for word in DONE_WORDS):
                raise

    # -- push ---------------------------------------------------------------
    def verify_webhook(self, headers, body):
        "event-sign = md5(app_key + raw body + app_secret), from our app"
        headers = {k.lower(): v for k, v in headers.items()}
        app_key = self.credential('app_key')
        if headers.get('app-id') not in (None, app_key):
            return False
        expected = douyin_push_sign(app_key, self.credential('app_secret'),
            body)
        return hmac.compare_digest(expected,
            (headers.get('event-sign') or '').lower())

    @guard_payload
    def parse_webhook(self, headers, body):
        "One event per message that names a shop order (data.p_id)"
        messages = load_json(body, 'douyin push', list)
        events = []
        for index, message in enumerate(messages):
            where = f"douyin push [{index}]"
            try:
                data = json.loads(require(message, 'data', where))
            except (TypeError, ValueError):
                raise PayloadError(f"{where}.data: not a JSON text")
            if not isinstance(data, dict):
                raise PayloadError(f"{where}.data: expected an object")
            order_id = data.get('p_id') or data.get('shop_order_id')
            if order_id in (None, ''):
                continue    # not about an order (e.g. a product message)
            events.append(WebhookEvent(platform_order_id=str(order_id),
                    delivery_id=text(message.get('msg_id'),
                        f"{where}.msg_id"),
                    topic=text(message.get('tag'), f"{where}.tag")))
        return events


def shipped(parcel, line_id):
    "A sub-order of a parcel, with its quantity when the parcel says it"
    info = {'shipped_order_id': line_id}
    if line_id in parcel.quantities:
        info['shipped_num'] = int(parcel.quantities[line_id])
    return info
