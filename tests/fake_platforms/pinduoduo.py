# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Fake Pinduoduo router (marketplace-apis.md §3)

Checks the MD5 sign, the unix timestamp (10 min), client_id and
access_token; serves pdd.order.number.list.increment.get (30 min window,
page_size <= 100, newest first, total_count), pdd.order.list.get (deal
time, 24 h), pdd.order.information.get, pdd.logistics.companies.get;
records stock, on-sale and shipping calls.
"""
import datetime
import json

from .base import FakePlatform, Response, page_of, shanghai
from .signatures import top_sign

COMPANIES = [
    {'id': 44, 'logistics_company': '顺丰快递', 'code': 'SF', 'available': 1},
    {'id': 115, 'logistics_company': '中通快递', 'code': 'ZTO',
        'available': 1},
    {'id': 85, 'logistics_company': '圆通快递', 'code': 'YTO', 'available': 1},
    ]


class PinduoduoFake(FakePlatform):
    platform = 'pinduoduo'
    default_credentials = {'client_id': 'pdd-client',
        'client_secret': 'pdd-secret', 'access_token': 'pdd-token'}

    def make_order(self, order_id, created, modified, status, lines):
        items, total = [], 0
        for line in lines:
            total += float(line['price']) * line['quantity']
            items.append({
                'goods_id': line['product_id'], 'sku_id': line['sku_id'],
                'outer_goods_id': '', 'outer_id': line['sku_code'],
                'goods_name': line['title'], 'goods_spec': '',
                'goods_count': line['quantity'],
                'goods_price': float(line['price'])})
        return {
            'order_sn': order_id, 'order_status': status or 1,
            'refund_status': 1, 'after_sales_status': 0,
            'confirm_status': 1, 'risk_control_status': 0, 'trade_type': 0,
            'created_time': shanghai(created),
            'confirm_time': shanghai(created), 'pay_time': shanghai(created),
            'updated_at': shanghai(modified),
            'pay_amount': round(total, 2), 'goods_amount': round(total, 2),
            'discount_amount': 0.0, 'postage': 0.0,
            'province': '浙江省', 'city': '杭州市', 'town': '余杭区',
            'receiver_name_mask': '张*', 'receiver_phone_mask': '138****5678',
            'address_mask': '浙江省杭州市余杭区****',
            'receiver_name': '~AgAAAAGiN1gG3Qx~0~',
            'receiver_phone': '$138$AgAAAAGiN1gG$0$',
            'address': '~AgAAAAGiN1gH~0~',
            'item_list': items, 'tracking_number': '', 'logistics_id': 0}

    def set_modified(self, payload, modified):
        payload['updated_at'] = shanghai(modified)

    @staticmethod
    def error(code, message, sub_code=None):
        return Response({'error_response': {'error_code': code,
                    'error_msg': message, 'sub_msg': message,
                    'sub_code': sub_code if sub_code is not None
                    else str(code), 'request_id': '15749321782103707'}})

    def throttle_response(self, seconds):
        # PDD says no wait time (its flow-control code is [VERIFY])
        return self.error(70031, '调用过于频繁，请调整调用频率')

    def handle(self, request):
        params = request.params
        if top_sign(params, self.credentials['client_secret']) != params.get(
                'sign'):
            return self.error(20004, '签名验证失败')
        if params.get('client_id') != self.credentials['client_id']:
            return self.error(10016, 'client_id不存在')
        try:
            moment = datetime.datetime.fromtimestamp(
                int(params['timestamp']), datetime.timezone.utc)
        except (KeyError, ValueError):
            return self.error(10000, '参数错误:timestamp')
        if not self.check_skew(moment):
            return self.error(10000, '参数错误:timestamp已过期')
        if params.get('type') == 'pdd.pop.auth.token.refresh':
            answer = self.refresh_access(params.get('refresh_token'))
            if answer is None:
                return self.error(10019, 'refresh_token已过期')
            return Response({'pop_auth_token_refresh_response': {
                        **answer, 'refresh_token_expires_in': 30 * 86400,
                        'owner_id': '1', 'owner_name': 'test-shop',
                        'scope': ['pdd.order.number.list.increment.get']}})
        if (not self.token_valid
                or params.get('access_token')
                != self.credentials['access_token']):
            return self.error(10019, 'access_token已过期')
        api = params.get('type', '')
        handler = getattr(self, 'api_' + api.replace('.', '_'), None)
        if handler is None:
            return self.error(10000, f'参数错误:type {api}')
        with self.lock:
            self.calls.append((api, params))
        return handler(params)

    def _list(self, key, params, by, limit, bounds):
        try:
            start = datetime.datetime.fromtimestamp(int(params[bounds[0]]),
                datetime.timezone.utc)
            end = datetime.datetime.fromtimestamp(int(params[bounds[1]]),
                datetime.timezone.utc)
            page = int(params.get('page', 1))
            page_size = int(params.get('page_size', 100))
        except (KeyError, ValueError):
            return self.error(10000, '参数错误:' + ','.join(bounds))
        if end - start > limit:
            return self.error(50001, '时间跨度不能超过'
                + ('30分钟' if limit.seconds == 1800 else '24小时'))
        if not 1 <= page_size <= 100:
            return self.error(10000, '参数错误:page_size')
        entries = self.select(start, end, by=by)
        return Response({key: {
                    'total_count': len(entries),
                    'has_next': page * page_size < len(entries),
                    ('order_sn_list' if by == 'modified' else 'order_list'):
                    [e.payload for e in page_of(entries, page, page_size)],
                    'request_id': '17145300000000001'}})

    def api_pdd_order_number_list_increment_get(self, params):
        return self._list('order_sn_increment_get_response', params,
            'modified', datetime.timedelta(minutes=30),
            ('start_updated_at', 'end_updated_at'))

    def api_pdd_order_list_get(self, params):
        return self._list('order_list_get_response', params, 'created',
            datetime.timedelta(hours=24),
            ('start_confirm_at', 'end_confirm_at'))

    def api_pdd_order_information_get(self, params):
        entry = self.entries.get(params.get('order_sn', ''))
        if entry is None:
            return self.error(50001, '订单不存在')
        return Response({'order_info_get_response': {
                    'order_info': entry.payload}})

    def api_pdd_logistics_companies_get(self, params):
        return Response({'logistics_companies_get_response': {
                    'logistics_companies': COMPANIES}})

    def api_pdd_goods_quantity_update(self, params):
        with self.lock:
            self.stock.append({'product_id': params['goods_id'],
                    'sku_id': params.get('sku_id'),
                    'quantity': int(params['quantity']),
                    'type': params.get('update_type', '1')})
        return Response({'goods_quantity_update_response': {
                    'is_success': True}})

    def api_pdd_goods_sale_status_set(self, params):
        with self.lock:
            self.listing.append({'product_id': params['goods_id'],
                    'listed': params['is_onsale'] == '1'})
        return Response({'goods_sale_status_set_response': {
                    'is_success': True}})

    def _ship(self, order_sn, logistics_id, tracking_number):
        if order_sn not in self.entries:
            return self.error(50001, '订单不存在')
        with self.lock:
            if any(t['order_id'] == order_sn
                    and t['tracking_number'] == tracking_number
                    for t in self.tracking):
                return self.error(50001, '订单已发货')
            self.tracking.append({'order_id': order_sn,
                    'carrier': logistics_id,
                    'tracking_number': tracking_number})

    def api_pdd_logistics_online_send(self, params):
        refused = self._ship(params.get('order_sn'),
            params.get('logistics_id'), params.get('tracking_number'))
        return refused or Response({'logistics_online_send_response': {
                    'is_success': True, 'request_id': '1'}})

    def api_pdd_order_upload_extra_logistic(self, params):
        for track in json.loads(params['extra_track_list']):
            refused = self._ship(params.get('order_sn'),
                str(track['shipping_id']), track['tracking_number'])
            if refused:
                return refused
        return Response({'order_upload_extra_logistic_response': {
                    'is_success': True}})
