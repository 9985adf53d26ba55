# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Fake JD JOS routerjson gateway (marketplace-apis.md §4)

Checks the MD5 sign over the system parameters and 360buy_param_json, the
GMT+8 timestamp, app_key and access_token (gateway `error_response`;
error codes illustrative); serves jingdong.pop.order.search (dateType 1:
modified, 0: created; window <= 1 month, page_size <= 100; newest first,
orderTotal) with its business layer `apiResult`; records stock and
shipment calls.  Answer keys are spelled `_responce`, as JD does.
"""
import datetime
import json

from .base import FakePlatform, Response, page_of, parse_shanghai, shanghai
from .signatures import top_sign


class JdFake(FakePlatform):
    platform = 'jd'
    default_credentials = {'app_key': 'jd-app', 'app_secret': 'jd-secret',
        'access_token': 'jd-token'}

    def make_order(self, order_id, created, modified, status, lines):
        items, total = [], 0
        for line in lines:
            total += float(line['price']) * line['quantity']
            items.append({'skuId': line['sku_id'],
                    'outerSkuId': line['sku_code'], 'skuName': line['title'],
                    'jdPrice': line['price'],
                    'itemTotal': str(line['quantity']),
                    'wareId': line['product_id']})
        return {
            'orderId': order_id, 'venderId': '10001', 'orderType': '22',
            'payType': '4-在线支付', 'orderTotalPrice': f'{total:.2f}',
            'orderSellerPrice': f'{total:.2f}', 'orderPayment': f'{total:.2f}',
            'freightPrice': '0.00', 'sellerDiscount': '0.00',
            'orderState': status or 'WAIT_SELLER_STOCK_OUT',
            'orderStartTime': shanghai(created),
            'paymentConfirmTime': shanghai(created),
            'modified': shanghai(modified),
            'consigneeInfo': {'fullname': 'ENC:AbCd', 'mobile': 'ENC:EfGh',
                'fullAddress': 'ENC:IjKl', 'province': '浙江',
                'city': '杭州市', 'county': '余杭区'},
            'itemInfoList': items}

    def set_modified(self, payload, modified):
        payload['modified'] = shanghai(modified)

    @staticmethod
    def error(code, zh, en):
        return Response({'error_response': {'code': code, 'zh_desc': zh,
                    'en_desc': en}})

    def throttle_response(self, seconds):
        return self.error('87', '调用频率超限', 'Call frequency limit exceeded')

    def reply(self, method, body):
        key = method.replace('.', '_') + '_responce'
        return Response({key: {'code': '0', **body}})

    def adapter_credentials(self):
        return {**self.credentials,
            'token_url': f'{self.root}/oauth2/refresh_token'}

    def handle(self, request):
        if request.path == '/oauth2/refresh_token':
            query = request.query
            answer = None
            if (query.get('app_key') == self.credentials['app_key']
                    and query.get('app_secret')
                    == self.credentials['app_secret']
                    and query.get('grant_type') == 'refresh_token'):
                answer = self.refresh_access(query.get('refresh_token'))
            if answer is None:
                return Response({'code': 402, 'msg': 'refresh_token无效'})
            return Response({'code': 0, **answer, 'uid': 'u1',
                    'time': int(self.now().timestamp() * 1000)})
        params = request.params
        if top_sign(params, self.credentials['app_secret']) != params.get(
                'sign'):
            return self.error('14', '签名无效', 'Invalid signature')
        if params.get('app_key') != self.credentials['app_key']:
            return self.error('15', '无效的app_key', 'Invalid app_key')
        try:
            moment = parse_shanghai(params.get('timestamp', ''))
        except ValueError:
            return self.error('9', '时间戳格式错误', 'Invalid timestamp')
        if not self.check_skew(moment):
            return self.error('9', '时间戳过期', 'Timestamp expired')
        if (not self.token_valid or params.get('access_token')
                != self.credentials['access_token']):
            return self.error('19', '无效的access_token',
                'Invalid access_token')
        method = params.get('method', '')
        handler = getattr(self, 'api_' + method.replace('.', '_'), None)
        if handler is None:
            return self.error('22', '无效的方法', 'Invalid method')
        try:
            business = json.loads(params.get('360buy_param_json') or '{}')
        except ValueError:
            return self.error('41', '参数错误', 'Invalid 360buy_param_json')
        with self.lock:
            self.calls.append((method, business))
        return handler(method, business)

    def api_jingdong_pop_order_search(self, method, business):
        def refuse(message):
            return self.reply(method, {'searchorderinfo_result': {
                        'apiResult': {'success': False,
                            'chineseErrCode': message,
                            'englishErrCode': 'invalid parameter',
                            'numberCode': 10200000}}})
        if not business.get('optional_fields'):
            return refuse('optional_fields不能为空')
        try:
            start = parse_shanghai(business['start_date'])
            end = parse_shanghai(business['end_date'])
            page = int(business.get('page', 1))
            page_size = int(business.get('page_size', 20))
        except (KeyError, TypeError, ValueError):
            return refuse('参数错误:start_date,end_date')
        if end - start > datetime.timedelta(days=31):
            return refuse('时间范围超过限制')
        if not 1 <= page_size <= 100:
            return refuse('page_size超过限制')
        by = 'modified' if str(business.get('dateType')) == '1' else 'created'
        entries = self.select(start, end, by=by)
        return self.reply(method, {'searchorderinfo_result': {
                    'apiResult': {'success': True, 'englishErrCode': 'success',
                        'chineseErrCode': '成功', 'numberCode': 10100000},
                    'orderTotal': len(entries),
                    'orderInfoList': [e.payload
                        for e in page_of(entries, page, page_size)]}})

    def api_jingdong_pop_order_get(self, method, business):
        entry = self.entries.get(str(business.get('order_id')))
        if entry is None:
            return self.reply(method, {'orderDetailInfo': {
                        'apiResult': {'success': False,
                            'chineseErrCode': '订单不存在'}}})
        return self.reply(method, {'orderDetailInfo': {
                    'apiResult': {'success': True},
                    'orderInfo': entry.payload}})

    def api_jingdong_stock_write_updateSkuStock(self, method, business):
        with self.lock:
            self.stock.append({'sku_id': str(business['skuId']),
                    'quantity': int(business['stockNum'])})
        return self.reply(method, {'success': True})

    def api_jingdong_pop_order_shipment(self, method, business):
        order_id = str(business.get('orderId'))
        def result(success, message):
            return self.reply(method, {'sopjosshipment_result': {
                        'success': success, 'chineseErrCode': message}})
        if order_id not in self.entries:
            return result(False, '订单不存在')
        numbers = business['logiNo'].split('|')
        carriers = str(business['logiCoprId']).split('|')
        with self.lock:
            if any(t['order_id'] == order_id for t in self.tracking):
                return result(False, '订单已出库')
            for carrier, number in zip(carriers, numbers):
                self.tracking.append({'order_id': order_id,
                        'carrier': carrier, 'tracking_number': number})
        return result(True, '成功')
