# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""A queue worker killed in the middle of an import batch loses nothing

Forty orders are stored as raw orders and their import is queued in
batches of five.  A real `trytond-worker` process is killed (SIGKILL) while
it imports, then the waiting orders are queued again (what the
`import_received` cron does) and a new worker finishes: every order has
exactly one sale, none is missing, none is doubled.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

from .support import ServerDatabase

ORDERS = 40
BATCH = 5
HEADER = ("order_id,status,created,buyer,name,city,street,sku_code,title,"
    "quantity,unit_price\n")


def prepare(name):
    "Company, a product in stock, a file channel and the queued imports"
    import datetime
    from decimal import Decimal

    from trytond.modules.ecom_connector.adapters.file import FileAdapter
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(name, 0) as transaction:
        pool = Pool()
        Currency = pool.get('currency.currency')
        Party = pool.get('party.party')
        Company = pool.get('company.company')
        User = pool.get('res.user')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        Location = pool.get('stock.location')
        Move = pool.get('stock.move')
        Channel = pool.get('ecom.channel')
        RawOrder = pool.get('ecom.raw_order')
        currency, = Currency.create([{'name': 'Yuan', 'code': 'CNY',
                    'symbol': '¥'}])
        party, = Party.create([{'name': 'Shop Co'}])
        company, = Company.create([{'party': party.id,
                    'currency': currency.id}])
        User.write(User.search([('login', '=', 'admin')]), {
                'companies': [('add', [company.id])],
                'company': company.id})
        with Transaction().set_context(company=company.id):
            unit, = Uom.search([('name', '=', 'Unit')])
            template, = Template.create([{'name': 'Cup', 'type': 'goods',
                        'salable': True, 'default_uom': unit.id,
                        'sale_uom': unit.id, 'list_price': Decimal(10),
                        'products': [('create', [{'suffix_code': 'CUP'}])]}])
            storage, = Location.search([('code', '=', 'STO')])
            lost, = Location.search([('type', '=', 'lost_found')], limit=1)
            warehouse, = Location.search([('code', '=', 'WH')])
            move, = Move.create([{'product': template.products[0].id,
                        'quantity': 1000, 'unit': unit.id,
                        'from_location': lost.id, 'to_location': storage.id,
                        'effective_date': datetime.date(2026, 1, 1),
                        'company': company.id}])
            Move.do([move])
            channel, = Channel.create([{'name': 'Back office',
                        'platform': 'file', 'warehouse': warehouse.id,
                        'company': company.id, 'push_stock': False}])
            Channel.run([channel])
            rows = ''.join(
                f"W{i:03d},paid,2026-03-01T10:{i % 60:02d}:00+08:00,"
                f"b{i},Buyer {i},Hangzhou,{i} Road,CUP,Cup,1,10\n"
                for i in range(ORDERS))
            payloads = FileAdapter({}).payloads(
                (HEADER + rows).encode(), 'orders.csv')
            raws = RawOrder.receive(channel, payloads, 'file')
            for start in range(0, len(raws), BATCH):
                RawOrder.__queue__.import_orders(raws[start:start + BATCH])
        transaction.commit()


def requeue(name):
    "What the import_received cron does after a worker was lost"
    import datetime

    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool(name).init()
    with Transaction().start(name, 0) as transaction:
        RawOrder = Pool().get('ecom.raw_order')
        company = RawOrder.search([])[0].channel.company.id
        with Transaction().set_context(company=company):
            RawOrder.import_received(older_than=datetime.timedelta(0))
        transaction.commit()


@unittest.skipUnless(
    (os.environ.get('TRYTOND_DATABASE__URI') or '').startswith('postgresql'),
    "queue workers need PostgreSQL (SKIP LOCKED, LISTEN)")
class WorkerKillTestCase(unittest.TestCase):

    def query(self, database, sql):
        import psycopg
        uri = os.environ['TRYTOND_DATABASE__URI'].rstrip('/')
        with psycopg.connect(f'{uri}/{database}') as connection:
            return connection.execute(sql).fetchall()

    def worker(self, db):
        env = dict(db.env, TRYTOND_QUEUE__WORKER='True')
        script = Path(sys.executable).parent / 'trytond-worker'
        log = tempfile.NamedTemporaryFile('w+', suffix='.log')
        self.addCleanup(log.close)
        self.logs.append(log)
        return subprocess.Popen(
            [sys.executable, str(script), '-d', db.name, '-n', '1', '-v'],
            env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def setUp(self):
        self.logs = []

    def worker_output(self):
        text = []
        for log in self.logs:
            log.seek(0)
            text.append(log.read()[-3000:])
        return '\n'.join(text)

    def wait(self, condition, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.05)
        return False

    def test_killed_worker_loses_nothing(self):
        with ServerDatabase(setup=f'{__name__}.prepare') as db:
            count = lambda state: self.query(db.name,  # noqa: E731
                "SELECT count(*) FROM ecom_raw_order "
                f"WHERE state = '{state}'")[0][0]
            self.assertEqual(count('received'), ORDERS)
            worker = self.worker(db)
            try:
                # killed once a batch is committed and the next one runs
                self.assertTrue(self.wait(lambda: count('imported') > 0),
                    self.worker_output())
                time.sleep(0.3)
            finally:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
            imported = count('imported')
            self.assertLess(imported, ORDERS, "the worker was too fast")
            # a batch is one transaction: all of it or nothing
            self.assertEqual(imported % BATCH, 0)
            db.run_python(_CALL, f'{__name__}.requeue')
            worker = self.worker(db)
            try:
                self.assertTrue(self.wait(
                        lambda: count('imported') == ORDERS),
                    self.worker_output())
            finally:
                # the worker's pool does not stop on SIGTERM while idle
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
            sales = self.query(db.name,
                "SELECT reference, count(*) FROM sale_sale "
                "GROUP BY reference")
            self.assertEqual(len(sales), ORDERS)
            self.assertEqual({c for _, c in sales}, {1})
            self.assertEqual(sorted(r for r, _ in sales),
                [f'W{i:03d}' for i in range(ORDERS)])
            self.assertEqual(count('exception'), 0)


_CALL = """
import importlib, sys
name, target = sys.argv[1:3]
module, _, function = target.rpartition('.')
getattr(importlib.import_module(module), function)(name)
"""
