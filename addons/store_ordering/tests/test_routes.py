# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The store portal over HTTP: login, catalogue at the store's prices, cart
and checkout giving the same figures as the back office, orders, reorder,
and the isolation of one store from another, guessed ids included."""
import base64
from decimal import Decimal

from trytond.modules.ecom_base.tests import RouteTestCase
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction

from .fixtures import build, committed
from .flash_concurrency import FlashSaleConcurrency

D = Decimal


class StorePortalTestCase(FlashSaleConcurrency, RouteTestCase):
    "The store portal's routes, and the flash sale cap under concurrency"
    module = 'store_ordering'

    @classmethod
    def setUpDatabase(cls):
        Transaction().commit()

        def prepare():
            pool = Pool()
            WebUser = pool.get('web.user')
            s = build()
            users = WebUser.create([
                    {'email': 'a@stores.example.com', 'password': 'secret-a',
                        'party': s.store_a.id, 'portal': 'store'},
                    {'email': 'b@stores.example.com', 'password': 'secret-b',
                        'party': s.store_b.id, 'portal': 'store'},
                    {'email': 's@suppliers.example.com',
                        'password': 'secret-s', 'party': s.store_a.id,
                        'portal': 'supplier'},
                    ])
            sessions = [u.new_session() for u in users]
            return {
                'company': s.company.id,
                'tea': s.tea.id, 'coffee': s.coffee.id, 'chips': s.chips.id,
                'cup': s.cup.id, 'store_a': s.store_a.id,
                'level_a': s.level_a.id,
                'store_b': s.store_b.id, 'sessions': sessions,
                }
        cls.ids = committed(prepare)
        cls.session_a, cls.session_b, cls.session_supplier = (
            cls.ids['sessions'])

    def call(self, method, path, session=None, json=None, **params):
        headers = {'Accept': 'application/json'}
        if session:
            headers['Authorization'] = f'Bearer {session}'
        return self.client().open(f'/{self.db_name}/store/{path}',
            method=method, headers=headers, json=json, query_string=params)

    def sales_of(self, party):
        def count():
            return Pool().get('sale.sale').search_count(
                [('party', '=', party)])
        return committed(count)

    def test_login(self):
        "A store user logs in; a wrong password or another portal does not"
        response = self.call('POST', 'api/login', json={
                'email': 'a@stores.example.com', 'password': 'secret-a'})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json['store'], "Store A")
        session = response.json['session']
        self.assertEqual(
            self.call('GET', 'api/me', session).json['store'], "Store A")
        self.assertEqual(self.call('POST', 'api/login', json={
                    'email': 'a@stores.example.com', 'password': 'wrong'},
                ).status_code, 403)
        self.assertEqual(self.call('POST', 'api/login', json={
                    'email': 's@suppliers.example.com',
                    'password': 'secret-s'}).status_code, 403)
        self.assertEqual(self.call('GET', 'api/me').status_code, 401)
        self.assertEqual(
            self.call('GET', 'api/me', self.session_supplier).status_code,
            401)

    def test_page_and_static_files(self):
        "The app is served; nothing outside its static folder is"
        response = self.call('GET', '')
        self.assertEqual(response.status_code, 200)
        self.assertIn(b'static/app.js', response.data)
        self.assertEqual(self.call('GET', 'static/app.js').status_code, 200)
        self.assertEqual(
            self.call('GET', 'static/../routes.py').status_code, 404)

    def catalogue(self, session, **params):
        response = self.call('GET', 'api/catalogue', session, **params)
        self.assertEqual(response.status_code, 200, response.data)
        return {p['code']: p for p in response.json['products']}

    def test_catalogue_at_store_prices(self):
        "Each store reads its own catalogue at its own prices"
        a = self.catalogue(self.session_a)
        self.assertEqual(sorted(a), ['CHI', 'COF', 'CUP', 'TEA'])
        # level A: 0.9 × list price; Chips at the flash price
        self.assertEqual(D(a['TEA']['price']), D('9.00'))
        self.assertEqual(D(a['COF']['price']), D('18.00'))
        self.assertEqual(D(a['CHI']['price']), D('2.00'))
        self.assertEqual(a['CHI']['price_source'], 'flash')

        # level B: drinks only, list prices, its own Coffee price
        b = self.catalogue(self.session_b)
        self.assertEqual(sorted(b), ['COF', 'CUP', 'TEA'])
        self.assertEqual(D(b['TEA']['price']), D('10.00'))
        self.assertEqual(D(b['COF']['price']), D('15.00'))
        self.assertEqual(b['COF']['price_source'], 'override')

        self.assertEqual(sorted(self.catalogue(self.session_a, q='co')),
            ['COF'])

    def test_catalogue_follows_price_list_lines(self):
        """A price list line created, written or deleted changes the
        catalogue's price at the next request"""
        def change(action):
            def run():
                pool = Pool()
                Level = pool.get('store.level')
                Line = pool.get('product.price_list.line')
                price_list = Level(self.ids['level_a']).price_list
                action(Line, price_list)
            committed(run, context={'company': self.ids['company']})

        def tea():
            return D(self.catalogue(self.session_a)['TEA']['price'])
        self.assertEqual(tea(), D('9.00'))  # 0.9 × 10.00, now cached

        def catch_all(Line, price_list):
            return Line.search([('price_list', '=', price_list.id),
                    ('product', '=', None), ('category', '=', None)])

        def write(Line, price_list):
            Line.write(catch_all(Line, price_list),
                {'formula': "unit_price * Decimal('0.6')"})
        change(write)
        self.assertEqual(tea(), D('6.00'))

        def delete(Line, price_list):
            Line.delete(catch_all(Line, price_list))
        change(delete)
        self.assertEqual(tea(), D('10.00'))  # no line applies: list price

        def create(Line, price_list):
            # back to the fixture's line, the last one
            Line.create([{'price_list': price_list.id,
                        'formula': "unit_price * Decimal('0.9')"}])
        change(create)
        self.assertEqual(tea(), D('9.00'))

    def test_cart_then_checkout_same_figures(self):
        "The cart's figures are the order's; the order is confirmed"
        cart = {'lines': [
                {'product': self.ids['tea'], 'quantity': 10},
                {'product': self.ids['coffee'], 'quantity': 5},
                {'product': self.ids['chips'], 'quantity': 4}]}
        response = self.call('POST', 'api/cart', self.session_a, json=cart)
        self.assertEqual(response.status_code, 200, response.data)
        priced = response.json
        # 80 + 90 + 8 - 10, and a Cup (see test_module)
        self.assertEqual(D(priced['total']), D('168.00'))
        self.assertEqual([D(d['amount']) for d in priced['discounts']],
            [D(10)])
        self.assertEqual([g['product'] for g in priced['gifts']],
            [self.ids['cup']])

        left = self.catalogue(self.session_a)['CHI']['flash_sale']['left']
        response = self.call(
            'POST', 'api/checkout', self.session_a, json=cart)
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(
            self.catalogue(self.session_a)['CHI']['flash_sale']['left'],
            left - 4)
        order = response.json
        self.assertEqual(D(order['untaxed_amount']), D('168.00'))
        # 168.00 is within level A's automatic approval (1,000.00)
        self.assertIn(order['state'], {'confirmed', 'processing'})
        self.assertEqual(sorted(l['kind'] for l in order['lines']),
            ['discount', 'gift', 'line', 'line', 'line'])

        listed = self.call('GET', 'api/orders', self.session_a).json
        self.assertIn(order['id'], [o['id'] for o in listed])
        detail = self.call('GET', f"api/orders/{order['id']}",
            self.session_a).json
        self.assertEqual(detail['number'], order['number'])
        again = self.call('POST', f"api/orders/{order['id']}/reorder",
            self.session_a).json
        self.assertEqual(
            sorted((l['product'], l['quantity']) for l in again['lines']),
            sorted([(self.ids['tea'], 10), (self.ids['coffee'], 5),
                    (self.ids['chips'], 4)]))

        # Store B sees nothing of it, whatever the id it tries
        self.assertNotIn(order['id'], [o['id'] for o in self.call(
                        'GET', 'api/orders', self.session_b).json])
        for path in [f"api/orders/{order['id']}",
                f"api/orders/{order['id'] + 1}"]:
            self.assertEqual(
                self.call('GET', path, self.session_b).status_code, 404)
        self.assertEqual(self.call('POST',
                f"api/orders/{order['id']}/reorder",
                self.session_b).status_code, 404)

    def test_coupon_cart_checkout(self):
        "A coupon number gives the back office's figures; a wrong one is refused"
        lines = [{'product': self.ids['tea'], 'quantity': 10},
            {'product': self.ids['coffee'], 'quantity': 5}]
        before = self.sales_of(self.ids['store_a'])
        for coupon in ['NOPE', 'VIP5 NOPE']:
            for path in ['api/cart', 'api/checkout']:
                response = self.call('POST', path, self.session_a,
                    json={'lines': lines, 'coupon': coupon})
                self.assertEqual(response.status_code, 400, response.data)
                self.assertIn('NOPE', response.json['error'])
        self.assertEqual(self.sales_of(self.ids['store_a']), before)

        cart = {'lines': lines, 'coupon': ' VIP5 '}
        priced = self.call('POST', 'api/cart', self.session_a, json=cart).json
        # 170 - 5 (VIP5) - 10 (满100减10) = 155, and a Cup (see test_module)
        self.assertEqual([D(d['amount']) for d in priced['discounts']],
            [D(5), D(10)])
        self.assertEqual(D(priced['total']), D('155.00'))
        response = self.call(
            'POST', 'api/checkout', self.session_a, json=cart)
        self.assertEqual(response.status_code, 201, response.data)
        self.assertEqual(D(response.json['untaxed_amount']), D('155.00'))

        def numbers():
            Sale = Pool().get('sale.sale')
            return [n.number
                for n in Sale(response.json['id']).coupons]
        self.assertEqual(committed(numbers), ['VIP5'])

    def test_store_b_cannot_order_outside_its_catalogue(self):
        "A product outside the store's catalogue is refused, not priced"
        response = self.call('POST', 'api/cart', self.session_b, json={
                'lines': [{'product': self.ids['chips'], 'quantity': 1}]})
        self.assertEqual(response.status_code, 400)
        self.assertNotIn('price', response.json)

    def test_refusals_keep_nothing(self):
        "Bad input, the minimum and the credit limit refuse with a message"
        before = self.sales_of(self.ids['store_a'])
        for lines in [[], [{'product': self.ids['tea'], 'quantity': -1}],
                [{'product': 'x', 'quantity': 1}]]:
            response = self.call('POST', 'api/checkout', self.session_a,
                json={'lines': lines})
            self.assertEqual(response.status_code, 400)
            self.assertTrue(response.json['error'])
        # 2 × 9.00 is below level A's 50.00
        response = self.call('POST', 'api/checkout', self.session_a,
            json={'lines': [{'product': self.ids['tea'], 'quantity': 2}]})
        self.assertEqual(response.status_code, 400, response.data)
        self.assertIn('50.00', response.json['error'])

        def limit(amount):
            def write():
                Party = Pool().get('party.party')
                Party.write([Party(self.ids['store_a'])],
                    {'credit_limit_amount': amount})
            committed(write, context={'company': self.ids['company']})
        limit(D('100.00'))
        self.addCleanup(limit, None)
        response = self.call('POST', 'api/checkout', self.session_a,
            json={'lines': [{'product': self.ids['coffee'], 'quantity': 10}]})
        self.assertEqual(response.status_code, 400)
        self.assertIn('credit limit', response.json['error'])
        self.assertEqual(self.sales_of(self.ids['store_a']), before)

    def test_product_images(self):
        """A product's store image shows in the catalogue of the stores
        that may order it, and only there"""
        png = (b'\x89PNG\r\n\x1a\n' + b'\x00' * 40)

        def set_image(product, data):
            def write():
                Product = Pool().get('product.product')
                template = Product(product).template
                template.store_image = data
                template.save()
            committed(write)
        set_image(self.ids['chips'], png)
        self.addCleanup(set_image, self.ids['chips'], None)

        a = self.catalogue(self.session_a)
        self.assertIsNone(a['TEA']['image'])
        url = a['CHI']['image']
        self.assertRegex(url,
            rf"^api/products/{self.ids['chips']}/image\?v=\w+$")
        response = self.call('GET', url.split('?')[0], self.session_a)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.mimetype, 'image/png')
        self.assertEqual(response.data, png)
        self.assertIn('private', response.headers['Cache-Control'])
        # Chips are no part of store B's catalogue; Tea has no image; no
        # session, no image
        for session, product, status in [
                (self.session_b, 'chips', 404), (self.session_a, 'tea', 404),
                (None, 'chips', 401)]:
            self.assertEqual(self.call('GET',
                    f"api/products/{self.ids[product]}/image",
                    session).status_code, status)

        # Not an image: refused with a message, the image kept
        from trytond.modules.store_ordering.exceptions import (
            StoreImageError)
        with self.assertRaises(StoreImageError) as caught:
            set_image(self.ids['chips'], b'<svg><script>alert(1)</script>')
        self.assertIn('Chips', caught.exception.message)
        self.assertEqual(self.call('GET', url.split('?')[0],
                self.session_a).data, png)

    def test_portal_session_is_no_rpc_session(self):
        "A store's portal session opens no Tryton RPC access"
        for header in [f'Bearer {self.session_a}', 'Session ' +
                base64.b64encode(
                    f'a@stores.example.com:1:{self.session_a}'.encode()
                    ).decode()]:
            response = self.client().post(f'/{DB_NAME}/rpc/', json={
                    'id': 1, 'method': 'model.sale.sale.search_read',
                    'params': [[], 0, None, None, ['party'], {}]},
                headers={'Authorization': header})
            self.assertIn(response.status_code, {401, 403})


del RouteTestCase
