# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The sao web client, in headless Chromium driven by Playwright.

A test server (trytond serving sao, as bin/demo does) runs on a copy of the
test database; the browser logs in, opens the E-commerce menu and one of
its lists, in English and in Chinese.  The same check against a server
whose web client is broken must fail.
"""
import json
import shutil
import tempfile
import unittest
import urllib.request
from pathlib import Path

from tests.support import (
    ADMIN_PASSWORD, CHROMIUM, CHROMIUM_ARGS, SAO, ServerDatabase,
    require_browser, trytond_server)

# ms: the first page load compiles 2 MB of JavaScript, and CI runs the
# browser beside a test worker on two cores
TIMEOUT = 60_000
FORM_TIMEOUT = 30_000  # the login form of a client that loads at all


class WebClientError(AssertionError):
    "The web client did not do what a user needs"


def open_menu(url, database, login, password, path, columns=()):
    """Log in to sao at `url` on `database`, open the list at menu `path`

    Returns the column headers of the list that opens.  Raises
    WebClientError with what failed and the JavaScript errors seen.
    """
    from playwright.sync_api import Error, sync_playwright

    check_login(url, database, login, password)
    errors = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale='en-US')
            page.set_default_timeout(TIMEOUT)
            page.on('pageerror', lambda e: errors.append(str(e)))
            step = "load the login form"
            try:
                page.goto(f'{url}/#{database}')
                page.locator('input#login').wait_for(timeout=FORM_TIMEOUT)
                step = "log in"
                # The server does not list its databases (support.py): the
                # login form asks for the name.
                page.fill('input#database', database)
                page.fill('input#login', login)
                page.click('form.modal-content button[type=submit]')
                secret = page.locator('.modal-dialog input[type=password]')
                secret.wait_for()
                secret.fill(password)
                secret.press('Enter')
                menu = page.locator('#menu')
                for depth, name in enumerate(path):
                    step = f"find menu entry {name!r}"
                    entry = menu.locator(
                        f'tr:has(.column-char[title="{name}"])')
                    entry.wait_for()
                    if depth < len(path) - 1:
                        entry.locator('.expander').click()
                    else:
                        step = f"open {name!r}"
                        entry.dblclick()
                step = f"show the list {path[-1]!r}"
                page.locator('#tablist a', has_text=path[-1]).wait_for()
                headers = page.locator('#tabcontent th')
                headers.first.wait_for()
                texts = [t.strip() for t in headers.all_inner_texts()]
                missing = [c for c in columns if c not in texts]
                if missing:
                    raise WebClientError(
                        f"the list {path[-1]!r} lacks columns {missing}")
                return texts
            except Error as error:
                # What the user would see: sao reports server errors in
                # dialogs.
                dialogs = [t.strip() for t in page.locator(
                        '.modal-dialog:visible').all_inner_texts()]
                raise WebClientError(
                    f"could not {step}: {error.message.splitlines()[0]}"
                    + (f"; dialogs shown: {dialogs}" if dialogs else '')
                    + (f"; JavaScript errors: {errors}" if errors else ''))
        finally:
            browser.close()


def check_login(url, database, login, password):
    """Log in over JSON-RPC as sao does, so that a server-side failure is
    reported with the server's own answer rather than as a browser timeout"""
    request = urllib.request.Request(f'{url}/{database}/rpc/',
        data=json.dumps({'id': 0, 'method': 'common.db.login',
                'params': [login, {'password': password}, 'en']}).encode(),
        headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=TIMEOUT / 1000) as response:
        answer = json.load(response)
    if 'error' in answer:
        raise WebClientError(
            f"the server refused the login of {login!r}: {answer['error']}")


class WebClientTestCase(unittest.TestCase):
    "Log in to the web client and open the E-commerce menu"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.database = ServerDatabase(setup='tests.test_browser.prepare')
        cls.database.__enter__()
        cls.addClassCleanup(cls.database.__exit__, None, None, None)

    def setUp(self):
        require_browser(self)

    def test_open_ecommerce_menu(self):
        "The admin opens E-commerce / Reporting / Background Jobs"
        with trytond_server(self.database) as url:
            columns = open_menu(url, self.database.name, 'admin',
                ADMIN_PASSWORD, ["E-commerce", "Reporting", "Background Jobs"],
                columns=["Job", "State", "Processed", "Errors"])
        self.assertIn("Started", columns)

    def test_open_ecommerce_menu_in_chinese(self):
        "A Chinese-speaking operator gets the menu and list in Chinese"
        with trytond_server(self.database) as url:
            open_menu(url, self.database.name, 'ops_zh', 'ops-password',
                ["电商运营", "报表", "后台任务"],
                columns=["任务", "状态", "已处理", "错误"])

    def test_broken_client_fails(self):
        "The check fails when the web client does not load"
        broken = Path(tempfile.mkdtemp(prefix='ecom-broken-sao-'))
        self.addCleanup(shutil.rmtree, broken, ignore_errors=True)
        # The page is there, the JavaScript of the client is not.
        shutil.copy(SAO / 'index.html', broken / 'index.html')
        with trytond_server(self.database, web_root=broken) as url:
            with self.assertRaises(WebClientError) as caught:
                open_menu(url, self.database.name, 'admin',
                    ADMIN_PASSWORD,
                    ["E-commerce", "Reporting", "Background Jobs"])
        self.assertIn("could not load the login form", str(caught.exception))


def prepare(database):
    "Chinese translations and a user who reads them"
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        Lang = pool.get('ir.lang')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        zh, = Lang.search([('code', '=', 'zh_CN')])
        Lang.write([zh], {'active': True})
        Lang.load_translations([zh])
        User.create([{
                    'login': 'ops_zh', 'name': "运营", 'language': zh.id,
                    'password': 'ops-password',
                    'groups': [('add', [ModelData.get_id(
                                    'ecom_base', 'group_operations')])],
                    }])
        transaction.commit()
