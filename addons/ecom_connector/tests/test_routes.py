# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The webhook endpoint, over HTTP"""
import json

from trytond.modules.company.tests import set_company
from trytond.modules.ecom_base.tests import RouteTestCase
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction

from .memory import MemoryAdapter, order_payload
from .test_module import T0, channel, company, listing, product


class EcomConnectorRouteTestCase(RouteTestCase):
    "Marketplace webhooks"
    module = 'ecom_connector'

    @classmethod
    def setUpDatabase(cls):
        with set_company(company()):
            cup = product('CUP', stock=5)
            shop_ = channel('hook')
            listing(shop_, 'S1', cup)
            cls.channel_id = shop_.id

    def post(self, body, signature):
        return self.client().post(
            f'/{self.db_name}/ecom_connector/webhook/{self.channel_id}',
            data=body, headers={'X-Signature': signature,
                'Content-Type': 'application/json'})

    def raw_orders(self):
        with Transaction().start(DB_NAME, 0):
            RawOrder = Pool().get('ecom.raw_order')
            return [(r.platform_order_id, r.state, r.source)
                for r in RawOrder.search([])]

    def test_webhook(self):
        "a signed delivery is stored and imported; a bad signature is not"
        adapter = MemoryAdapter({'secret': 's3cret'})
        body = json.dumps(order_payload('w1', T0)).encode()
        forged = json.dumps(order_payload('w2', T0)).encode()

        response = self.post(forged, adapter.sign(body))
        self.assertEqual(response.status_code, 401)
        response = self.post(forged, '')
        self.assertEqual(response.status_code, 401)
        self.assertEqual(self.raw_orders(), [])

        response = self.post(body, adapter.sign(body))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json, {'received': 1, 'fetching': 0})
        self.assertEqual(self.raw_orders(), [('w1', 'imported', 'webhook')])


del RouteTestCase
