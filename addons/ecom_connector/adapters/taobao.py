# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Taobao / Tmall through the TOP router (marketplace-apis.md §2)

Credentials: app_key, app_secret, session (the seller's OAuth token;
with refresh_token and access_token_expires it is renewed before expiry
and when TOP answers 26/27, see tokens.py; token_url overrides the OAuth
endpoint),
sign_method (md5, hmac or hmac-sha256; md5 by default), carriers (optional
{our carrier code: TOP company_code} overriding CARRIERS).

Orders are pulled with taobao.trades.sold.increment.get (modified time,
window at most one day, 30 minutes here, pages read from the last), each
listed trade then read in full with taobao.trade.fullinfo.get; stock
is set in full (never deltas, which race with the platform's own
reservations), tracking goes by taobao.logistics.offline.send.  TOP pushes
through TMC (a WebSocket channel), not webhooks: polling is the source.
"""
import datetime

from . import register
from .base import (
    Adapter, Address, AuthError, Order, OrderLine, OrderStatus, PermanentError,
    Refund, ThrottleError, TokenExpired, TransientError)
from .common import (
    HttpMixin, all_pages, ban_seconds, chunks, guard_payload, identifier,
    inclusive_bounds, known, lenient_reference, map_carrier, money,
    page_backwards, parse_shanghai, quantity, require, require_list, serialise,
    shanghai_text, text, texts, write_results)
from .signing import top_sign
from .tokens import TokenMixin

GATEWAY = 'https://eco.taobao.com/router/rest'
TOKEN_URL = 'https://oauth.taobao.com/token'

STATUS = {
    'TRADE_NO_CREATE_PAY': OrderStatus.AWAITING_PAYMENT,
    'WAIT_BUYER_PAY': OrderStatus.AWAITING_PAYMENT,
    'PAY_PENDING': OrderStatus.AWAITING_PAYMENT,
    'WAIT_PRE_AUTH_CONFIRM': OrderStatus.AWAITING_PAYMENT,
    'WAIT_SELLER_SEND_GOODS': OrderStatus.PAID,
    'PAID_FORBID_CONSIGN': OrderStatus.HOLD,
    'SELLER_CONSIGNED_PART': OrderStatus.PARTIALLY_SHIPPED,
    'WAIT_BUYER_CONFIRM_GOODS': OrderStatus.SHIPPED,
    'TRADE_BUYER_SIGNED': OrderStatus.COMPLETED,
    'TRADE_FINISHED': OrderStatus.COMPLETED,
    'TRADE_CLOSED_BY_TAOBAO': OrderStatus.CANCELLED,
    'TRADE_CLOSED': OrderStatus.REFUNDED,
    }
# Line refund states that are not (or no longer) a refund
NO_REFUND = {'NO_REFUND', 'CLOSED', 'SELLER_REFUSE_BUYER', '', None}

# Our carrier code -> TOP company_code (taobao.logistics.companies.get)
CARRIERS = {
    'SF': 'SF', 'ZTO': 'ZTO', 'YTO': 'YTO', 'STO': 'STO', 'YUNDA': 'YUNDA',
    'EMS': 'EMS', 'JD': 'JD', 'DBL': 'DBL', 'POST': 'POST', 'ZJS': 'ZJS',
    }

TRADE_FIELDS = ','.join([
    'tid', 'tid_str', 'status', 'type', 'created', 'modified', 'pay_time',
    'payment', 'total_fee', 'post_fee', 'discount_fee', 'adjust_fee',
    'buyer_nick', 'buyer_open_uid', 'buyer_message', 'forbid_consign',
    'step_trade_status', 'receiver_name', 'receiver_state', 'receiver_city',
    'receiver_district', 'receiver_town', 'receiver_address', 'receiver_zip',
    'receiver_mobile', 'receiver_phone', 'receiver_country', 'orders'])


@register
class TaobaoAdapter(TokenMixin, HttpMixin, Adapter):
    platform = 'taobao'
    max_window = datetime.timedelta(minutes=30)
    page_size = 50
    can_delist = True
    inventory_batch_size = 20    # taobao.skus.quantity.update: 20 SKUs
    # The list gives partial trades (no receiver): read each one's detail
    fetch_details = True

    # -- protocol -----------------------------------------------------------
    token_name = 'session'

    def call(self, method, params=None):
        "One API call with a live session (renewed by tokens.TokenMixin)"
        return self.with_token(self._call, method, params)

    def request_token(self):
        """OAuth 2.0 refresh at oauth.taobao.com/token [VERIFY]: answers
        access_token, expires_in, refresh_token, re_expires_in"""
        response = self.send('POST', self.credentials.get('token_url')
            or TOKEN_URL, data={
                'grant_type': 'refresh_token',
                'client_id': self.credential('app_key'),
                'client_secret': self.credential('app_secret'),
                'refresh_token': self.credential('refresh_token'),
                'view': 'web',
                })
        body = self.response_json(response)
        if response.status_code >= 400 or body.get('error'):
            raise AuthError(f"taobao: the session refresh was refused: "
                f"{body.get('error')} {body.get('error_description')}",
                code=body.get('error'))
        return dict(body, refresh_expires_in=body.get('re_expires_in'))

    def _call(self, method, params=None):
        """Sign and send one API call; the content of its `*_response`

        System parameters go in the query, the API's in the body, both
        signed, as the official SDK does.
        """
        credentials = self.credentials
        system = {
            'method': method,
            'app_key': self.credential('app_key'),
            'session': credentials.get('session'),
            'timestamp': shanghai_text(self.now()),
            'format': 'json',
            'v': '2.0',
            'sign_method': credentials.get('sign_method') or 'md5',
            }
        application = {key: serialise(value)
            for key, value in (params or {}).items()}
        system = {k: v for k, v in system.items() if v not in (None, '')}
        application = {k: v for k, v in application.items()
            if v not in (None, '')}
        system['sign'] = top_sign({**system, **application},
            self.credential('app_secret'), system['sign_method'])
        response = self.send('POST', self.base_url or GATEWAY,
            params=system, data=application)
        body = self.response_json(response)
        if 'error_response' in body:
            raise self.error(method, body['error_response'])
        for key, value in body.items():
            if key.endswith('_response'):
                return value
        raise TransientError(f"taobao {method}: unexpected answer {body!r}")

    def error(self, method, error):
        "The TOP error_response classified (§2.8)"
        code = error.get('code')
        sub_code = str(error.get('sub_code') or '')
        sub_msg = error.get('sub_msg') or ''
        message = (f"taobao {method}: {code} {error.get('msg')}"
            + (f" ({sub_code}: {sub_msg})" if sub_code or sub_msg else ''))
        try:
            code = int(code)
        except (TypeError, ValueError):
            pass
        if code in {4, 5, 6, 7, 8}:
            return ThrottleError(message, code=code,
                retry_after=ban_seconds(sub_msg))
        if code == 10 or sub_code.startswith('isp.'):
            return TransientError(message, code=code)
        if code in {26, 27} or 'session' in sub_code:
            # missing or invalid (expired) session: refresh, then retry
            return TokenExpired(message, code=code)
        if code in {11, 12, 13, 28, 29}:
            return AuthError(message, code=code)
        return PermanentError(message, code=code)

    # -- orders -------------------------------------------------------------
    def list_orders(self, start, end, page_token=None):
        self.check_window(start, end)
        first, last = inclusive_bounds(start, end)

        def fetch(page_no):
            result = self.call('taobao.trades.sold.increment.get', {
                    'fields': TRADE_FIELDS,
                    'start_modified': shanghai_text(first),
                    'end_modified': shanghai_text(last),
                    'page_no': page_no,
                    'page_size': self.page_size,
                    'use_has_next': False,
                    })
            return (trades_of(result),
                self.total(result.get('total_results')))
        page = page_backwards(fetch, page_token, self.page_size)
        if self.fetch_details:
            page.payloads = [self.detail(trade) for trade in page.payloads]
        return page

    def detail(self, trade):
        "The full trade of a listed one (the listed one if it is gone)"
        tid = trade.get('tid_str') or trade.get('tid') if isinstance(
            trade, dict) else None
        if tid in (None, ''):
            return trade     # kept as is: parse_order will say what is wrong
        try:
            return self.get_order(tid) or trade
        except PermanentError:
            return trade

    def get_order(self, platform_order_id):
        result = self.call('taobao.trade.fullinfo.get', {
                'fields': TRADE_FIELDS, 'tid': platform_order_id})
        return result.get('trade')

    def list_order_ids(self, start, end):
        first, last = inclusive_bounds(start, end)

        def fetch(page_no):
            result = self.call('taobao.trades.sold.get', {
                    'fields': 'tid,tid_str,created',
                    'start_created': shanghai_text(first),
                    'end_created': shanghai_text(last),
                    'page_no': page_no, 'page_size': 100,
                    'use_has_next': False})
            return (trades_of(result),
                self.total(result.get('total_results')))
        return sorted({str(t.get('tid_str') or t.get('tid'))
                for t in all_pages(fetch, 100)})

    def order_reference(self, payload):
        "(order id, modified time) even of a payload malformed elsewhere"
        return lenient_reference(payload, ('tid_str', 'tid'), 'modified',
            parse_shanghai)

    @guard_payload
    def parse_order(self, payload):
        order_id = identifier(require(payload, 'tid', 'trade'), 'trade.tid')
        order_id = text(payload.get('tid_str'), 'trade.tid_str') or order_id
        where = f"taobao order {order_id}"
        status = known(require(payload, 'status', where), STATUS,
            f"{where}.status")
        sub_orders = require_list(require(payload, 'orders', where), 'order',
            f"{where}.orders")
        post_fee = money(payload.get('post_fee'), f"{where}.post_fee")
        lines, refunds = [], []
        for index, sub in enumerate(sub_orders):
            at = f"{where}.orders.order[{index}]"
            line_id = identifier(require(sub, 'oid', at), f"{at}.oid")
            number = quantity(require(sub, 'num', at), f"{at}.num")
            price = money(require(sub, 'price', at), f"{at}.price")
            if 'divide_order_fee' in sub:
                paid = money(sub['divide_order_fee'], f"{at}.divide_order_fee")
            else:
                # payment of a lone sub-order includes the postage
                paid = money(sub.get('payment'), f"{at}.payment") - (
                    post_fee if len(sub_orders) == 1 else 0)
            refund_status = text(sub.get('refund_status'),
                f"{at}.refund_status")
            lines.append(OrderLine(
                    platform_line_id=line_id,
                    sku_id=text(sub.get('sku_id'), f"{at}.sku_id"),
                    product_id=text(sub.get('num_iid'), f"{at}.num_iid"),
                    sku_code=text(sub.get('outer_sku_id')
                        or sub.get('outer_iid'), f"{at}.outer_sku_id"),
                    barcode=None,
                    title=text(sub.get('title'), f"{at}.title") or '',
                    quantity=number, unit_price=price,
                    discount=price * number - paid,
                    refund_status=refund_status))
            if refund_status not in NO_REFUND:
                refunds.append(Refund(
                        platform_refund_id=text(sub.get('refund_id'),
                            f"{at}.refund_id") or line_id,
                        amount=paid, line_ids=[line_id],
                        status=refund_status,
                        completed=refund_status == 'SUCCESS'))
        order_status = STATUS[status]
        if order_status is OrderStatus.REFUNDED and not payload.get(
                'pay_time') and not refunds:
            order_status = OrderStatus.CANCELLED  # closed, never paid
        if (order_status is OrderStatus.PAID
                and str(payload.get('forbid_consign')) in {'1', 'true',
                    'True'}):
            order_status = OrderStatus.HOLD
        return Order(
            platform_order_id=order_id,
            status=order_status, platform_status=status,
            created_at=parse_shanghai(require(payload, 'created', where),
                f"{where}.created"),
            modified_at=parse_shanghai(require(payload, 'modified', where),
                f"{where}.modified"),
            currency='CNY', lines=lines, address=self.address(payload, where),
            buyer=text(payload.get('buyer_open_uid')
                or payload.get('buyer_nick'), f"{where}.buyer_open_uid"),
            total=money(payload.get('payment'), f"{where}.payment"),
            shipping_fee=post_fee,
            paid_at=parse_shanghai(payload['pay_time'], f"{where}.pay_time")
            if payload.get('pay_time') else None,
            refunds=refunds,
            note=text(payload.get('buyer_message'),
                f"{where}.buyer_message"))

    @staticmethod
    def address(payload, where):
        (name, mobile, phone, country, state, city, district, town, street,
            zip_) = texts(payload, where, 'receiver_name', 'receiver_mobile',
            'receiver_phone', 'receiver_country', 'receiver_state',
            'receiver_city', 'receiver_district', 'receiver_town',
            'receiver_address', 'receiver_zip')
        street = ' '.join(filter(None, [town, street])) or None
        return Address(
            name=name, phone=mobile or phone, country=country or 'CN',
            province=state,
            # a province-level county (河南济源) comes as district only
            city=city or district, district=district, street=street,
            postal_code=zip_,
            masked=any('*' in (value or '') for value in (
                        name, mobile or phone, street)))

    # -- inventory ----------------------------------------------------------
    def update_inventory(self, updates):
        """Full-overwrite stock (type=1), by batches of 20 SKUs per item

        A refused batch is sent again SKU by SKU, so that one bad SKU fails
        alone; throttling, transient and credential errors are raised for
        the caller to retry.
        """
        results = {}
        by_item = {}
        for update in updates:
            if update.sku_id:
                by_item.setdefault(update.product_id, []).append(update)
            else:
                results[id(update)], = self._write_one(update)
        for product_id, item_updates in by_item.items():
            for batch in chunks(item_updates, self.inventory_batch_size):
                written = write_results(batch, lambda batch=batch: self.call(
                        'taobao.skus.quantity.update', {
                            'num_iid': product_id,
                            'skuid_quantities': ';'.join(
                                f'{u.sku_id}:{max(int(u.quantity), 0)}'
                                for u in batch),
                            'type': 1}))
                if len(batch) > 1 and not written[0].ok:
                    written = [self._write_one(u)[0] for u in batch]
                for update, result in zip(batch, written):
                    results[id(update)] = result
        return [results[id(update)] for update in updates]

    def _write_one(self, update):
        params = {'num_iid': update.product_id,
            'quantity': max(int(update.quantity), 0), 'type': 1}
        if update.sku_id:
            params['sku_id'] = update.sku_id
        return write_results([update], lambda: self.call(
                'taobao.item.quantity.update', params))

    def delist(self, product_ids):
        for product_id in product_ids:
            self.call('taobao.item.update.delisting', {'num_iid': product_id})

    def relist(self, product_ids):
        for product_id in product_ids:
            self.call('taobao.item.update.listing', {'num_iid': product_id})

    # -- fulfilment ---------------------------------------------------------
    def carrier_code(self, carrier):
        return map_carrier(self.platform, CARRIERS,
            self.credentials.get('carriers'), carrier)

    def push_tracking(self, platform_order_id, parcels):
        """One taobao.logistics.offline.send per parcel

        Several parcels, or one for some lines, ship as split (is_split=1,
        sub_tid = the sub-orders).  A parcel the platform already has
        (订单已发货 for this waybill) is success, so retries are harmless.
        """
        split = len(parcels) > 1 or any(p.line_ids for p in parcels)
        for parcel in parcels:
            params = {'tid': platform_order_id,
                'out_sid': parcel.tracking_number,
                'company_code': parcel.carrier_code}
            if split:
                params['is_split'] = 1
                params['sub_tid'] = ','.join(parcel.line_ids)
            try:
                self.call('taobao.logistics.offline.send', params)
            except PermanentError as exception:
                if '已发货' not in str(exception):
                    raise


def trades_of(result):
    trades = result.get('trades') or {}
    if isinstance(trades, dict):
        trades = trades.get('trade') or []
    if not isinstance(trades, list):
        raise TransientError(f"taobao: trades is not a list: {trades!r}")
    return trades

