# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The store portal (store_ordering) in headless Chromium at phone width.

A trytond server runs on a copy of the test database with the two stores of
store_ordering's test fixtures; a store user opens the portal on a 375 px
wide phone, logs in, searches and browses the catalogue by category, puts
in the cart products whose amount reaches the spend-threshold discount and
the gift, sees both in the cart, places the order and finds it in its
order list with its status, in Chinese and in English.  The amounts are
worked out here from the fixtures' list prices and price list, and no page
may scroll sideways at 375 px.
"""
import os
import re
import struct
import unittest
import zlib
from decimal import Decimal

from tests.support import (
    CHROMIUM, CHROMIUM_ARGS, ServerDatabase, require_browser, trytond_server)

TIMEOUT = 60_000  # ms, see test_browser
PHONE = {'width': 375, 'height': 740}
EMAIL, PASSWORD = 'a@stores.example.com', 'store-a-secret'
D = Decimal

# Worked out from tests/fixtures.py of store_ordering: level A prices Tea
# at 0.8 × 10.00 from 10 units and Coffee at 0.9 × 20.00; 满100减10 takes
# 10.00 off 100.00 or more, then 满150赠杯 gives a Cup from 150.00.
TEA_QUANTITY, COFFEE_QUANTITY = 10, 5
TEA_PRICE = D('10.00') * D('0.8')
COFFEE_PRICE = D('20.00') * D('0.9')
SUBTOTAL = TEA_QUANTITY * TEA_PRICE + COFFEE_QUANTITY * COFFEE_PRICE
DISCOUNT = D('10.00') if SUBTOTAL >= 100 else D(0)
TOTAL = SUBTOTAL - DISCOUNT
GIFT = TOTAL >= 150

TEXTS = {
    'zh_CN': {'locale': 'zh-CN', 'checkout': '提交订单', 'total': '合计',
        'discount': '优惠', 'gift': '赠品',
        'states': {'已审核', '处理中'}},
    'en': {'locale': 'en-US', 'checkout': 'Place order', 'total': 'Total',
        'discount': 'Discount', 'gift': 'Gift',
        'states': {'confirmed', 'processing'}},
    }


class PortalError(AssertionError):
    "The store portal did not do what a store user needs"


def money(amount):
    return f'¥{amount:.2f}'


def png(width=2, height=2, rgb=(180, 35, 42)):
    "A small valid PNG image"
    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data
            + struct.pack('>I', zlib.crc32(kind + data)))
    raw = b''.join(b'\x00' + bytes(rgb) * width for _ in range(height))
    return (b'\x89PNG\r\n\x1a\n'
        + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0))
        + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


class Portal:
    "Drive the portal as a store user on a phone; fail with what went wrong"

    def __init__(self, page, url, database):
        self.page = page
        self.url = f'{url}/{database}/store/'
        self.errors = []
        page.on('pageerror', lambda e: self.errors.append(str(e)))

    def fail(self, step, error):
        toast = self.page.locator('#toast')
        shown = toast.inner_text() if toast.is_visible() else ''
        raise PortalError(f"could not {step}: {error}"
            + (f"; the portal said: {shown!r}" if shown else '')
            + (f"; JavaScript errors: {self.errors}" if self.errors else ''))

    def overflow(self):
        "How far the page scrolls sideways beyond the phone's width"
        return self.page.evaluate(
            'document.scrollingElement.scrollWidth') - PHONE['width']

    def card(self, name):
        return self.page.locator('.card.product').filter(
            has=self.page.locator('.name', has_text=re.compile(
                    f'^{re.escape(name)}$')))

    def login(self, email, password):
        page = self.page
        page.goto(self.url)
        # no tabs before the user is known
        page.locator('input[name=email]').wait_for()
        if page.locator('#tabs').is_visible():
            self.fail("show the login page", "the tabs show before login")
        page.fill('input[name=email]', email)
        page.fill('input[name=password]', password)
        page.click('form.login button[type=submit]')
        # logged in: the store's name shows; refused: the form says why
        page.wait_for_function("() => document.getElementById('store-name')"
            ".textContent || (document.querySelector('form.login .error')"
            " || {}).textContent")
        refused = page.locator('form.login .error')
        if refused.count() and refused.inner_text():
            self.fail("log in", refused.inner_text())

    def search(self, text):
        self.page.fill('input[name=q]', text)
        self.page.press('input[name=q]', 'Enter')

    def add(self, name, quantity):
        card = self.card(name)
        card.locator('input[type=number]').fill(str(quantity))
        card.locator('button.add').click()


class StorePortalBrowserTestCase(unittest.TestCase):
    "A store orders from its phone"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not os.path.exists(CHROMIUM):
            return  # setUp skips or fails each test
        cls.database = ServerDatabase(
            setup='tests.test_store_portal_browser.prepare')
        cls.database.__enter__()
        cls.addClassCleanup(cls.database.__exit__, None, None, None)
        server = trytond_server(cls.database)
        cls.url = server.__enter__()
        cls.addClassCleanup(server.__exit__, None, None, None)

    def setUp(self):
        require_browser(self)

    def browser_page(self, lang):
        from playwright.sync_api import sync_playwright
        playwright = sync_playwright().start()
        self.addCleanup(playwright.stop)
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.addCleanup(browser.close)
        page = browser.new_page(locale=TEXTS[lang]['locale'],
            viewport=PHONE, is_mobile=True, has_touch=True)
        page.set_default_timeout(TIMEOUT)
        return Portal(page, self.url, self.database.name)

    def order_with_promotions(self, lang):
        "Search, browse, cart with the promotions, checkout, order list"
        from playwright.sync_api import Error, expect
        text = TEXTS[lang]
        portal = self.browser_page(lang)
        page = portal.page
        step = "log in"
        try:
            portal.login(EMAIL, PASSWORD)
            self.assertEqual(page.locator('#store-name').inner_text(),
                "Store A")
            self.assertEqual(
                page.locator('#tabs button[data-tab=cart] [data-t=cart]'
                    ).inner_text(), "购物车" if lang == 'zh_CN' else "Cart")

            step = "search the catalogue"
            portal.search("Tea")
            expect(page.locator('.card.product')).to_have_count(1)
            tea = portal.card("Tea")
            self.assertEqual(tea.locator('.price').inner_text(),
                money(D('10.00') * D('0.9')))
            # its picture is there and decodes
            image = tea.locator('img.thumb')
            image.wait_for()
            page.wait_for_function(
                'img => img.complete && img.naturalWidth > 0',
                arg=image.element_handle())
            self.assertEqual(portal.overflow(), 0)
            portal.add("Tea", TEA_QUANTITY)

            step = "browse a category"
            portal.search("")
            page.locator('.chips button', has_text="Drinks").click()
            expect(page.locator('.chips button.on')).to_have_text("Drinks")
            expect(page.locator('.card.product')).to_have_count(3)
            self.assertEqual(sorted(page.locator(
                        '.card.product .name').all_inner_texts()),
                ["Coffee", "Cup", "Tea"])
            self.assertEqual(portal.overflow(), 0)
            portal.add("Coffee", COFFEE_QUANTITY)
            expect(page.locator('#cart-count')).to_have_text(
                f'({TEA_QUANTITY + COFFEE_QUANTITY})')

            step = "see the promotions in the cart"
            page.click('#tabs button[data-tab=cart]')
            expect(page.locator('#cart-total')).to_have_text(money(TOTAL))
            discount = page.locator('tr.promo.discount')
            expect(discount).to_have_count(1)
            self.assertIn(text['discount'], discount.inner_text())
            self.assertIn("满100减10", discount.inner_text())
            self.assertIn('-' + money(DISCOUNT), discount.inner_text())
            gift = page.locator('tr.promo.gift')
            expect(gift).to_have_count(1 if GIFT else 0)
            self.assertIn(f"{text['gift']}: ", gift.inner_text())
            self.assertIn("Cup", gift.inner_text())
            amounts = page.locator('tbody tr:not(.promo) td.num:last-child'
                ).all_inner_texts()
            self.assertEqual(amounts[:2], [
                    money(TEA_QUANTITY * TEA_PRICE),
                    money(COFFEE_QUANTITY * COFFEE_PRICE)])
            self.assertEqual(
                page.locator('#checkout').inner_text(), text['checkout'])
            self.assertEqual(portal.overflow(), 0)

            step = "check out"
            page.click('#checkout')
            number = page.locator('#order-number')
            number.wait_for()
            number = number.inner_text()
            self.assertRegex(number, r'\S')
            self.assertIn(page.locator('#order-state').inner_text(),
                text['states'])
            self.assertEqual(
                page.locator('td.num.total').inner_text(), money(TOTAL))
            kinds = page.locator('tbody tr').evaluate_all(
                'rows => rows.map(r => r.className)')
            self.assertEqual(sorted(k for k in kinds if k), sorted(
                    ['line', 'line', 'discount'] + (['gift'] if GIFT else [])))
            self.assertEqual(portal.overflow(), 0)

            step = "see the order in the order list"
            page.click('#tabs button[data-tab=orders]')
            order = page.locator('.order').filter(
                has=page.locator('b', has_text=number))
            expect(order).to_have_count(1)
            self.assertIn(order.locator('.state').inner_text(),
                text['states'])
            self.assertIn(money(TOTAL), order.inner_text())
            self.assertEqual(portal.overflow(), 0)
            self.assertEqual(portal.errors, [])
        except Error as error:
            portal.fail(step, error.message.splitlines()[0])

    def test_order_in_chinese(self):
        "A Chinese phone gets the portal in Chinese and places an order"
        self.order_with_promotions('zh_CN')

    def test_order_in_english(self):
        "An English phone gets the portal in English and places an order"
        self.order_with_promotions('en')

    def test_wrong_password_fails(self):
        "The driver reports a portal that does not let the user in"
        portal = self.browser_page('en')
        with self.assertRaises(PortalError) as caught:
            portal.page.set_default_timeout(10_000)
            portal.login(EMAIL, 'not-the-password')
        self.assertIn("could not log in: Wrong email or password",
            str(caught.exception))


def prepare(database):
    "store_ordering's two stores, a store user, pictures of the drinks"
    from trytond.pool import Pool
    from trytond.transaction import Transaction, TransactionError
    from trytond.modules.store_ordering.tests.fixtures import build
    extras = {}
    for _ in range(5):
        # the chart's set-up locks tables: Tryton's dispatcher retries so
        with Transaction().start(database, 0, **extras) as transaction:
            try:
                pool = Pool()
                WebUser = pool.get('web.user')
                Template = pool.get('product.template')
                s = build()
                WebUser.create([{'email': EMAIL, 'password': PASSWORD,
                            'party': s.store_a.id, 'portal': 'store'}])
                Template.write([s.tea.template, s.coffee.template],
                    {'store_image': png()})
                transaction.commit()
                return
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)
    raise RuntimeError("the set-up kept asking for locks")
