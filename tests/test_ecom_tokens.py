# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Access-token refresh of the platforms whose tokens expire (no database)

Taobao (OAuth refresh of the session), Pinduoduo
(pdd.pop.auth.token.refresh), JD (OAuth refresh_token) and Douyin
(token.refresh), each against its fake: renewed before expiry and on the
platform's "token expired" answer, stored, the call retried once.
"""
import datetime
import unittest

from trytond.modules.ecom_connector.adapters import get_adapter
from trytond.modules.ecom_connector.adapters.base import AuthError

from tests.test_ecom_adapters import AdapterContract

UTC = datetime.timezone.utc


class TokenContract:
    platform = None
    token_key = 'access_token'
    margin = datetime.timedelta(minutes=10)

    # one fake and one HTTP client per class, as the adapter contract
    setUpClass = AdapterContract.__dict__['setUpClass']
    tearDownClass = AdapterContract.__dict__['tearDownClass']

    def setUp(self):
        self.fake.reset()
        self.stored = []
        now = datetime.datetime.now(UTC)
        self.window = (now - datetime.timedelta(hours=2),
            now - datetime.timedelta(hours=2) + datetime.timedelta(
                minutes=30))

    def adapter(self, **credentials):
        adapter = get_adapter(self.platform)(
            {**self.fake.adapter_credentials(),
                'refresh_token': self.fake.refresh_token, **credentials},
            base_url=self.fake.url, session=self.http)
        adapter.on_credentials = self.stored.append
        return adapter

    def pull(self, adapter):
        return adapter.list_orders(*self.window)

    def test_expired_token_refreshed_stored_and_retried(self):
        adapter = self.adapter()
        self.pull(adapter)
        self.assertEqual(self.fake.refreshes, [])
        self.fake.expire_token()
        self.pull(adapter)
        self.assertEqual(self.fake.refreshes, [f'{self.platform}-refresh-1'])
        stored, = self.stored
        self.assertEqual(stored[self.token_key], f'{self.platform}-token-2')
        self.assertEqual(stored['refresh_token'],
            f'{self.platform}-refresh-2')
        expires = datetime.datetime.fromisoformat(
            stored['access_token_expires'])
        self.assertAlmostEqual(
            (expires - datetime.datetime.now(UTC)).total_seconds(),
            self.fake.token_life, delta=30)
        # expired again: the new refresh token is the one used
        self.fake.expire_token()
        self.pull(adapter)
        self.assertEqual(self.fake.refreshes, [f'{self.platform}-refresh-1',
                f'{self.platform}-refresh-2'])

    def test_renewed_before_expiry(self):
        soon = datetime.datetime.now(UTC) + self.margin - (
            datetime.timedelta(minutes=1))
        adapter = self.adapter(access_token_expires=soon.isoformat())
        self.pull(adapter)
        self.assertEqual(len(self.fake.refreshes), 1)
        self.assertEqual(len(self.stored), 1)
        # the call went with the new token: the old one was never refused
        self.assertEqual(adapter.credentials[self.token_key],
            f'{self.platform}-token-2')

    def test_not_renewed_while_valid(self):
        later = datetime.datetime.now(UTC) + self.margin + (
            datetime.timedelta(minutes=5))
        adapter = self.adapter(access_token_expires=later.isoformat())
        self.pull(adapter)
        self.assertEqual(self.fake.refreshes, [])
        self.assertEqual(self.stored, [])

    def test_refused_refresh_is_auth_error(self):
        adapter = self.adapter(refresh_token='stolen')
        self.fake.expire_token()
        with self.assertRaises(AuthError):
            self.pull(adapter)
        self.assertEqual(self.stored, [])


class TaobaoTokenTestCase(TokenContract, unittest.TestCase):
    platform = 'taobao'
    token_key = 'session'


class PinduoduoTokenTestCase(TokenContract, unittest.TestCase):
    platform = 'pinduoduo'


class JdTokenTestCase(TokenContract, unittest.TestCase):
    platform = 'jd'


class DouyinTokenTestCase(TokenContract, unittest.TestCase):
    platform = 'douyin'
    margin = datetime.timedelta(days=1)


if __name__ == '__main__':
    unittest.main()
