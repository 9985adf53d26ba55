# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Fake Douyin shop (抖店) open API (marketplace-apis.md §5)

POST /<method with dots as slashes>, system parameters in the query,
param_json also as the JSON body.  Checks the sign (md5 or hmac-sha256),
the GMT+8 timestamp, app_key and access_token; serves order.searchList
(update or create time, 0-based pages, size <= 100, newest first, total)
and order.orderDetail; records sku.syncStock (de-duplicated on
idempotent_id) and order.logisticsAdd / order.logisticsAddMultiPack; sends
pushes signed with event-sign.  Envelope {code: 10000 = ok, msg, sub_code,
sub_msg, data, log_id}; the error codes are illustrative [VERIFY].
"""
import datetime
import json

from .base import FakePlatform, Response, page_of, parse_shanghai
from .signatures import douyin_push_sign, douyin_sign


class DouyinFake(FakePlatform):
    platform = 'douyin'
    default_credentials = {'app_key': '7000000000000000001',
        'app_secret': 'test-secret', 'access_token': 'dy-token',
        'sign_method': 'hmac-sha256'}

    def make_order(self, order_id, created, modified, status, lines):
        skus, total = [], 0
        for index, line in enumerate(lines):
            amount = int(round(float(line['price']) * 100)) * line['quantity']
            total += amount
            skus.append({
                'order_id': f'{order_id}{index}', 'parent_order_id': order_id,
                'product_id': line['product_id'], 'sku_id': line['sku_id'],
                'out_sku_id': line['sku_code'], 'code': line['sku_code'],
                'product_name': line['title'], 'item_num': line['quantity'],
                'goods_price': int(round(float(line['price']) * 100)),
                'order_amount': amount, 'pay_amount': amount,
                'post_amount': 0, 'order_status': status or 2,
                'after_sale_info': {'after_sale_status': 0,
                    'after_sale_type': 0, 'refund_status': 0}})
        return {
            'order_id': order_id, 'order_level': 2,
            'order_status': status or 2, 'main_status': status or 2,
            'create_time': int(created.timestamp()),
            'update_time': int(modified.timestamp()),
            'pay_time': int(created.timestamp()),
            'order_amount': total, 'pay_amount': total, 'post_amount': 0,
            'promotion_amount': 0, 'buyer_words': '',
            'encrypt_post_receiver': '#Dk3x#', 'encrypt_post_tel': '$138$Ab$',
            'mask_post_receiver': '张*', 'mask_post_tel': '138****5678',
            'mask_post_addr': {
                'province': {'name': '浙江省', 'id': '33'},
                'city': {'name': '杭州市', 'id': '3301'},
                'town': {'name': '余杭区', 'id': '330110'},
                'street': {'name': '五常街道', 'id': '330110005'},
                'detail': '****'},
            'sku_order_list': skus}

    def set_modified(self, payload, modified):
        payload['update_time'] = int(modified.timestamp())

    @staticmethod
    def answer(data=None, code=10000, msg='success', sub_code='',
            sub_msg=''):
        return Response({'code': code, 'msg': msg, 'sub_code': sub_code,
                'sub_msg': sub_msg, 'data': data if data is not None else {},
                'log_id': '20240501100203010203040506070809'})

    def throttle_response(self, seconds):
        return self.answer(code=90000, msg='请求频率超限',
            sub_code='isv.frequency-limited', sub_msg='请求太频繁，请稍后再试')

    def handle(self, request):
        query = request.query
        method = query.get('method', '')
        if request.path.strip('/') != method.replace('.', '/'):
            return self.answer(code=40001, msg='method与路径不符',
                sub_code='isv.method-invalid')
        param_json = query.get('param_json', '')
        expected = douyin_sign(self.credentials['app_key'],
            self.credentials['app_secret'], method, param_json,
            query.get('timestamp', ''), query.get('v', ''),
            query.get('sign_method', 'md5'))
        if query.get('sign') != expected:
            return self.answer(code=40004, msg='签名错误',
                sub_code='isv.signature-invalid', sub_msg='签名校验失败')
        if query.get('app_key') != self.credentials['app_key']:
            return self.answer(code=30001, msg='app_key不存在',
                sub_code='isv.app-key-invalid')
        try:
            moment = parse_shanghai(query.get('timestamp', ''))
        except ValueError:
            return self.answer(code=40004, msg='timestamp格式错误',
                sub_code='isv.timestamp-invalid')
        if not self.check_skew(moment):
            return self.answer(code=40004, msg='timestamp已过期',
                sub_code='isv.timestamp-invalid')
        if method == 'token.refresh':
            params = json.loads(param_json or '{}')
            answer = None
            if (not query.get('access_token')
                    and params.get('grant_type') == 'refresh_token'):
                answer = self.refresh_access(params.get('refresh_token'))
            if answer is None:
                return self.answer(code=30002, msg='refresh_token无效',
                    sub_code='isv.refresh-token-invalid')
            return self.answer(data={**answer, 'scope': 'SCOPE',
                    'shop_id': 2962985, 'shop_name': 'test-shop'})
        if (not self.token_valid or query.get('access_token')
                != self.credentials['access_token']):
            return self.answer(code=30002, msg='access_token已过期',
                sub_code='isv.access-token-expired')
        if request.body.decode('utf-8') != param_json:
            return self.answer(code=40004, msg='body与param_json不一致',
                sub_code='isv.parameter-invalid')
        handler = getattr(self, 'api_' + method.replace('.', '_'), None)
        if handler is None:
            return self.answer(code=40001, msg='method不存在',
                sub_code='isv.method-invalid')
        params = json.loads(param_json)
        with self.lock:
            self.calls.append((method, params))
        return handler(params)

    def api_order_searchList(self, params):
        by = 'created' if 'create_time_start' in params else 'modified'
        prefix = 'create_time' if by == 'created' else 'update_time'
        try:
            start = datetime.datetime.fromtimestamp(
                params[prefix + '_start'], datetime.timezone.utc)
            end = datetime.datetime.fromtimestamp(
                params[prefix + '_end'], datetime.timezone.utc)
            page, size = int(params.get('page', 0)), int(params['size'])
        except (KeyError, TypeError, ValueError):
            return self.answer(code=40003, msg='参数错误',
                sub_code='isv.parameter-invalid', sub_msg='时间或分页参数')
        if not 1 <= size <= 100:
            return self.answer(code=40003, msg='参数错误',
                sub_code='isv.parameter-invalid:size', sub_msg='size不能超过100')
        entries = self.select(start, end, by=by)
        if params.get('order_asc'):
            entries.reverse()
        return self.answer({'page': page, 'size': size,
                'total': len(entries), 'shop_order_list': [
                    e.payload for e in page_of(entries, page, size, first=0)]})

    def api_order_orderDetail(self, params):
        entry = self.entries.get(str(params.get('shop_order_id')))
        if entry is None:
            return self.answer(code=40003, msg='参数错误',
                sub_code='isv.parameter-invalid:shop_order_id',
                sub_msg='订单号不存在')
        return self.answer({'shop_order_detail': entry.payload})

    def api_sku_syncStock(self, params):
        with self.lock:
            if not any(s['idempotent_id'] == params.get('idempotent_id')
                    for s in self.stock):
                self.stock.append({'product_id': params.get('product_id'),
                        'sku_id': params.get('sku_id'),
                        'quantity': params['stock_num'],
                        'incremental': params.get('incremental'),
                        'idempotent_id': params.get('idempotent_id')})
        return self.answer({})

    def _shipped(self, order_id, number):
        return any(t['order_id'] == order_id and t['tracking_number'] == number
            for t in self.tracking)

    def api_order_logisticsAdd(self, params):
        order_id = str(params.get('order_id'))
        if order_id not in self.entries:
            return self.answer(code=40003, msg='参数错误',
                sub_code='isv.parameter-invalid:order_id', sub_msg='订单不存在')
        with self.lock:
            if self._shipped(order_id, params.get('logistics_code')):
                return self.answer(code=50002, msg='业务处理失败',
                    sub_code='isv.business-failed', sub_msg='订单已发货')
            self.tracking.append({'order_id': order_id,
                    'carrier': params.get('company_code'),
                    'tracking_number': params.get('logistics_code'),
                    'lines': []})
        return self.answer({})

    def api_order_logisticsAddMultiPack(self, params):
        order_id = str(params.get('order_id'))
        with self.lock:
            for pack in params.get('pack_list') or []:
                if self._shipped(order_id, pack['logistics_code']):
                    continue
                self.tracking.append({'order_id': order_id,
                        'carrier': pack['company_code'],
                        'tracking_number': pack['logistics_code'],
                        'lines': [i['shipped_order_id']
                            for i in pack['shipped_order_info']]})
        return self.answer({'pack_list': []})

    def webhook_request(self, order_id, topic=None, bad_signature=False):
        body = json.dumps([{'tag': topic or '101', 'msg_id': f'msg-{order_id}',
                    'data': json.dumps({'p_id': int(order_id),
                            'shop_id': 2962985})}],
            separators=(',', ':')).encode()
        sign = douyin_push_sign(self.credentials['app_key'],
            'wrong' if bad_signature else self.credentials['app_secret'],
            body)
        return {'app-id': self.credentials['app_key'], 'event-sign': sign,
            'Content-Type': 'application/json'}, body
