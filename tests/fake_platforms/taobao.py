# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Fake Taobao/Tmall TOP gateway (format=json, simplify=false)

Checks the sign (md5, hmac, hmac-sha256), the GMT+8 timestamp (10 min),
the session; `taobao.trades.sold.increment.get` and `taobao.trades.sold.get`
with their window and page-size limits, newest-modified first,
total_results; `taobao.trade.fullinfo.get`; stock, listing and
`taobao.logistics.offline.send` calls are recorded.
"""
import datetime

from .base import (
    FakePlatform, Response, page_of, parse_shanghai, shanghai)
from .signatures import top_sign


class TaobaoFake(FakePlatform):
    platform = 'taobao'
    default_credentials = {'app_key': '12345678', 'app_secret': 'top-secret',
        'session': 'top-session', 'sign_method': 'md5'}

    def make_order(self, order_id, created, modified, status, lines):
        orders = []
        total = 0
        for index, line in enumerate(lines):
            amount = float(line['price']) * line['quantity']
            total += amount
            orders.append({
                'oid': int(f'{order_id}{index}') if order_id.isdigit()
                else f'{order_id}-{index}',
                'num_iid': int(line['product_id']) if str(
                    line['product_id']).isdigit() else line['product_id'],
                'sku_id': line['sku_id'], 'outer_sku_id': line['sku_code'],
                'title': line['title'], 'price': line['price'],
                'num': line['quantity'], 'total_fee': f'{amount:.2f}',
                'payment': f'{amount:.2f}',
                'divide_order_fee': f'{amount:.2f}',
                'status': status or 'WAIT_SELLER_SEND_GOODS',
                'refund_status': 'NO_REFUND'})
        return {
            'tid': int(order_id) if order_id.isdigit() else order_id,
            'tid_str': order_id, 'status': status or 'WAIT_SELLER_SEND_GOODS',
            'type': 'fixed', 'created': shanghai(created),
            'modified': shanghai(modified), 'pay_time': shanghai(created),
            'payment': f'{total:.2f}', 'total_fee': f'{total:.2f}',
            'post_fee': '0.00', 'discount_fee': '0.00',
            'buyer_open_uid': 'AAHk5d-EAAeGwJedwSFu0XXX',
            'receiver_name': '张**', 'receiver_mobile': '*******5678',
            'receiver_state': '浙江省', 'receiver_city': '杭州市',
            'receiver_district': '余杭区', 'receiver_town': '五常街道',
            'receiver_address': '**********', 'receiver_zip': '000000',
            'orders': {'order': orders}}

    def set_modified(self, payload, modified):
        payload['modified'] = shanghai(modified)

    @staticmethod
    def error(code, msg, sub_code=None, sub_msg=None):
        error = {'code': code, 'msg': msg, 'request_id': 'fake0request'}
        if sub_code:
            error['sub_code'] = sub_code
        if sub_msg:
            error['sub_msg'] = sub_msg
        return Response({'error_response': error})

    def throttle_response(self, seconds):
        return self.error(7, 'App Call Limited',
            'accesscontrol.limited-by-api-access-count',
            f'This ban will last for {seconds} more seconds')

    def reply(self, method, body):
        key = method.removeprefix('taobao.').replace('.', '_') + '_response'
        return Response({key: {**body, 'request_id': 'fake0request'}})

    token_key = 'session'

    def adapter_credentials(self):
        return {**self.credentials, 'token_url': f'{self.root}/token'}

    def oauth_token(self, request):
        "oauth.taobao.com/token: grant_type=refresh_token"
        form = request.form
        if (form.get('client_id') != self.credentials['app_key']
                or form.get('client_secret') != self.credentials['app_secret']
                ):
            return Response({'error': 'invalid_client',
                    'error_description': 'client_id or secret is wrong'},
                status=401)
        answer = (self.refresh_access(form.get('refresh_token'))
            if form.get('grant_type') == 'refresh_token' else None)
        if answer is None:
            return Response({'error': 'invalid_grant',
                    'error_description': 'refresh_token is invalid'},
                status=400)
        return Response({**answer, 'token_type': 'Bearer',
                're_expires_in': 30 * 24 * 3600,
                'taobao_user_nick': 'test-shop'})

    def handle(self, request):
        if request.path == '/token':
            return self.oauth_token(request)
        params = request.params
        sent = params.get('sign')
        if not sent:
            return self.error(24, 'Missing signature')
        if top_sign(params, self.credentials['app_secret'],
                params.get('sign_method', 'md5')) != sent:
            return self.error(25, 'Invalid signature')
        if params.get('app_key') != self.credentials['app_key']:
            return self.error(29, 'Invalid app Key')
        try:
            moment = parse_shanghai(params.get('timestamp', ''))
        except ValueError:
            return self.error(31, 'Invalid timestamp')
        if not self.check_skew(moment):
            return self.error(31, 'Invalid timestamp',
                sub_msg='timestamp outside the allowed 10 minutes')
        if (not self.token_valid
                or params.get('session') != self.credentials['session']):
            return self.error(27, 'Invalid session', 'invalid-sessionkey')
        method = params.get('method', '')
        handler = getattr(self, 'api_' + method.replace('.', '_'), None)
        if handler is None:
            return self.error(22, 'Invalid method')
        with self.lock:
            self.calls.append((method, params))
        return handler(method, params)

    def _list(self, method, params, by):
        bounds = ('start_modified', 'end_modified') if by == 'modified' else (
            'start_created', 'end_created')
        try:
            start = parse_shanghai(params[bounds[0]])
            end = parse_shanghai(params[bounds[1]])
            page_no = int(params.get('page_no', 1))
            page_size = int(params.get('page_size', 40))
        except (KeyError, ValueError):
            return self.error(40, 'Missing required arguments',
                'isv.missing-parameter', 'start/end, page_no, page_size')
        if by == 'modified' and end - start > datetime.timedelta(days=1):
            return self.error(15, 'Remote service error',
                'isv.invalid-parameter', '时间跨度不能大于一天')
        if not 1 <= page_size <= 100:
            return self.error(41, 'Invalid arguments',
                'isv.invalid-parameter', 'page_size must be 1-100')
        # TOP matches both bounds inclusively, at the second
        entries = self.select(start, end, by=by)
        return self.reply(method, {
            'total_results': len(entries),
            'trades': {'trade': [self.partial(e.payload) for e in page_of(
                        entries, page_no, page_size)]}})

    @staticmethod
    def partial(trade):
        "List calls give partial trades: no receiver, no buyer message"
        return {key: value for key, value in trade.items()
            if not key.startswith('receiver_') and key != 'buyer_message'}

    def api_taobao_trades_sold_increment_get(self, method, params):
        return self._list(method, params, 'modified')

    def api_taobao_trades_sold_get(self, method, params):
        return self._list(method, params, 'created')

    def api_taobao_trade_fullinfo_get(self, method, params):
        entry = self.entries.get(params.get('tid', ''))
        if entry is None:
            return self.error(15, 'Remote service error',
                'isv.trade-not-exist', '交易不存在')
        return self.reply(method, {'trade': entry.payload})

    refused_skus = frozenset()

    def _stock(self, method, params, quantities):
        refused = [sku for sku, _ in quantities if sku in self.refused_skus]
        if refused:
            return self.error(15, 'Remote service error',
                'isv.item-quantity-item-update-service-error',
                f'SKU {refused[0]} 不存在')
        with self.lock:
            for sku_id, quantity in quantities:
                self.stock.append({'product_id': params['num_iid'],
                        'sku_id': sku_id, 'quantity': quantity,
                        'type': params.get('type', '1')})
        return self.reply(method, {'item': {'num_iid': params['num_iid'],
                    'modified': shanghai(self.now())}})

    def api_taobao_item_quantity_update(self, method, params):
        return self._stock(method, params,
            [(params.get('sku_id'), int(params['quantity']))])

    def api_taobao_skus_quantity_update(self, method, params):
        pairs = [pair.split(':')
            for pair in params['skuid_quantities'].split(';')]
        if len(pairs) > 20:
            return self.error(41, 'Invalid arguments',
                'isv.invalid-parameter', 'at most 20 SKUs')
        return self._stock(method, params,
            [(sku, int(quantity)) for sku, quantity in pairs])

    def _listing(self, method, params, listed):
        with self.lock:
            self.listing.append({'product_id': params['num_iid'],
                    'listed': listed})
        return self.reply(method, {'item': {'num_iid': params['num_iid']}})

    def api_taobao_item_update_delisting(self, method, params):
        return self._listing(method, params, False)

    def api_taobao_item_update_listing(self, method, params):
        return self._listing(method, params, True)

    def api_taobao_logistics_offline_send(self, method, params):
        tid = params.get('tid')
        if tid not in self.entries:
            return self.error(15, 'Remote service error',
                'isv.logistics-offline-service-error', '交易不存在')
        record = {'order_id': tid, 'carrier': params.get('company_code'),
            'tracking_number': params.get('out_sid'),
            'lines': params['sub_tid'].split(',')
            if params.get('is_split') == '1' else []}
        with self.lock:
            if any(r['order_id'] == tid
                    and r['tracking_number'] == record['tracking_number']
                    for r in self.tracking):
                return self.error(15, 'Remote service error',
                    'isv.logistics-offline-service-error:B04',
                    '订单已发货')
            self.tracking.append(record)
        return self.reply(method, {'shipping': {'is_success': True}})

    def webhook_request(self, order_id, topic=None, bad_signature=False):
        raise NotImplementedError("TOP pushes through TMC, not webhooks")
