# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
import io
import zipfile

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.ecom_base.portal import portal_route
from trytond.modules.ecom_base.tests import ModuleTestCase, RouteTestCase
from trytond.pool import Pool
from trytond.protocols.wrappers import with_pool, with_transaction as route
from trytond.tests.test_tryton import DB_NAME, with_transaction
from trytond.transaction import Transaction
from trytond.wsgi import app


def xlsx_cells(content):
    "The shared strings and numbers of the first sheet of an XLSX file"
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        strings = book.read('xl/sharedStrings.xml').decode()
        sheet = book.read('xl/worksheets/sheet1.xml').decode()
    return strings, sheet


class EcomBaseTestCase(CompanyTestMixin, ModuleTestCase):
    "Test the e-commerce base module"
    module = 'ecom_base'

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Jobs run for a company that exists before them, as in production.
        with Transaction().start(DB_NAME, 1) as transaction:
            cls.company_id = create_company(name="Job Runner Co.").id
            transaction.commit()

    @with_transaction()
    def test_job_run_counts_and_messages(self):
        "A tracked run keeps its counts and the messages of failed items"
        pool = Pool()
        JobRun = pool.get('ecom.job.run')
        company = create_company()
        with set_company(company):
            with JobRun.track('ecom_base.demo', origin=company) as run:
                run.add('processed', 3)
                run.add('created', 2)
                run.error("item 3: no price", record='product.product,3')
            saved, = JobRun.search([('id', '=', run.run_id)])
        self.assertEqual(saved.state, 'partial')
        self.assertEqual(
            (saved.processed, saved.created, saved.errors), (3, 2, 1))
        self.assertEqual(saved.origin, company)
        self.assertEqual(saved.company, company)
        self.assertTrue(saved.ended >= saved.started)
        line, = saved.lines
        self.assertEqual(
            (line.level, line.message, line.record),
            ('error', "item 3: no price", 'product.product,3'))

    @with_transaction()
    def test_job_run_failure(self):
        "A job that raises is rolled back and stored as failed"
        pool = Pool()
        JobRun = pool.get('ecom.job.run')
        Party = pool.get('party.party')
        company = pool.get('company.company')(self.company_id)
        with self.assertRaises(ValueError):
            with JobRun.track('ecom_base.demo', company=company.id) as run:
                Party.create([{'name': "Half-written"}])
                run.add('processed')
                raise ValueError("feed unreadable")
        saved, = JobRun.search([('id', '=', run.run_id)])
        self.assertEqual(saved.state, 'failed')
        self.assertIn("feed unreadable", saved.message)
        self.assertFalse(Party.search([('name', '=', "Half-written")]))

    @with_transaction()
    def test_job_run_in_transaction_that_queried(self):
        "A run started after the transaction's first query leaves one row"
        pool = Pool()
        JobRun = pool.get('ecom.job.run')
        Party = pool.get('party.party')
        company = pool.get('company.company')(self.company_id)
        # The snapshot of the transaction is taken here, before the run's
        # start is committed on the side (PostgreSQL).
        Party.search([], limit=1)
        with JobRun.track('ecom_base.demo', company=company.id) as run:
            run.add('processed')
        saved, = JobRun.search([('id', '=', run.run_id)])
        self.assertEqual(saved.state, 'done')
        self.assertFalse(JobRun.search([
                    ('job', '=', 'ecom_base.demo'),
                    ('state', '=', 'running'),
                    ]))
        with Transaction().new_transaction() as transaction:
            # nor any left behind for the others to see
            self.assertFalse(JobRun.search([
                        ('job', '=', 'ecom_base.demo'),
                        ('state', '=', 'running'),
                        ]))

    @with_transaction()
    def test_job_run_xlsx_export(self):
        "The job list exports to XLSX with translated labels"
        pool = Pool()
        JobRun = pool.get('ecom.job.run')
        Report = pool.get('ecom.xlsx', type='report')
        ActionReport = pool.get('ir.action.report')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        with set_company(company):
            with JobRun.track('ecom_base.demo') as run:
                run.add('processed', 41)
            action = ActionReport(ModelData.get_id(
                    'ecom_base', 'report_job_run_xlsx'))
            ext, content, _, name = Report.execute([run.run_id],
                {'action_id': action.id, 'model': 'ecom.job.run'})
        self.assertEqual(ext, 'xlsx')
        strings, sheet = xlsx_cells(content)
        for text in ["Job", "State", "Processed", "Demo data build",
                "Done"]:
            self.assertIn(text, strings)
        self.assertIn('<v>41</v>', sheet)

    def test_xlsx_workbook(self):
        "The XLSX writer writes native numbers, dates and unique titles"
        import datetime
        from decimal import Decimal

        from trytond.modules.ecom_base import xlsx
        columns = [xlsx.Column("Product"), xlsx.Column("Amount", 'numeric'),
            xlsx.Column("Date", 'date')]
        content = xlsx.workbook([
                xlsx.Sheet("Cost [CNY]", columns, [
                        ["杯子", Decimal('12.50'), datetime.date(2026, 1, 2)],
                        [None, None, None]]),
                xlsx.Sheet("Cost [CNY]", columns, [])])
        strings, sheet = xlsx_cells(content)
        self.assertIn("杯子", strings)
        self.assertIn('<v>12.5</v>', sheet)
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            workbook = book.read('xl/workbook.xml').decode()
        self.assertIn('name="Cost CNY"', workbook)
        self.assertIn('name="Cost CNY (2)"', workbook)
        with self.assertRaises(ValueError):
            xlsx.Column("x", 'money')

    @with_transaction()
    def test_roles_least_privilege(self):
        "Each role gets the rights of its work and no more"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        ModelAccess = pool.get('ir.model.access')

        def user(group):
            user, = User.create([{
                        'login': group, 'name': group,
                        'groups': [('add', [ModelData.get_id(
                                            'ecom_base', group)])],
                        }])
            return user

        rights = {
            # role: {model: (read, write)}
            'group_operations': {
                'sale.sale': (True, True), 'purchase.purchase': (False, False),
                'account.invoice': (True, False),
                'account.move': (False, False),
                'ecom.job.run': (True, False)},
            'group_purchasing': {
                # reads the sales whose lines it buys drop-ship
                # (dropship_routing's Routed Sale Lines)
                'purchase.purchase': (True, True), 'sale.sale': (True, False),
                'account.move': (False, False),
                'ecom.job.run': (True, False)},
            'group_warehouse': {
                'stock.shipment.out': (True, True),
                'stock.shipment.in': (True, True),
                'purchase.purchase': (True, False),
                'sale.sale': (False, False),
                'account.invoice': (False, False)},
            'group_finance': {
                'account.invoice': (True, True),
                'account.move': (True, True),
                'stock.shipment.out': (False, False),
                'sale.sale': (False, False),
                'purchase.purchase': (True, False)},
            'group_store_manager': {
                'sale.sale': (True, True), 'purchase.purchase': (False, False)},
            'group_supplier_portal': {
                'sale.sale': (False, False), 'purchase.purchase': (False, False),
                'ecom.job.run': (False, False), 'web.user': (True, False)},
            'group_store_portal': {
                # its own store's orders only: store_ordering's record rule
                # (tested with the portal routes there)
                'sale.sale': (True, False), 'account.invoice': (False, False),
                'ecom.job.run': (False, False)},
            }
        for group, models in rights.items():
            with Transaction().set_user(user(group).id), \
                    Transaction().set_context(_check_access=True):
                for model, (read, write) in models.items():
                    with self.subTest(group=group, model=model):
                        self.assertEqual(ModelAccess.check(
                                model, 'read', raise_exception=False), read)
                        self.assertEqual(ModelAccess.check(
                                model, 'write', raise_exception=False), write)

    @with_transaction()
    def test_portal_user_reads_own_parties_only(self):
        "The portal groups read only the parties of their web user"
        pool = Pool()
        Party = pool.get('party.party')
        Address = pool.get('party.address')
        ModelData = pool.get('ir.model.data')
        store_a, store_b = Party.create([
                {'name': "Store A", 'addresses': [('create', [{}])]},
                {'name': "Store B", 'addresses': [('create', [{}])]}])
        portal_user = ModelData.get_id('ecom_base', 'user_portal_store')
        transaction = Transaction()
        with transaction.set_user(portal_user), \
                transaction.set_context(
                    portal_parties=[store_a.id], _check_access=True):
            self.assertEqual(Party.search([]), [store_a])
            self.assertEqual(
                Address.search([]), list(store_a.addresses))
            with self.assertRaises(AccessError):
                Party.read([store_b.id], ['name'])
        with transaction.set_user(portal_user), \
                transaction.set_context(_check_access=True):
            self.assertEqual(Party.search([]), [])


@app.route('/<database_name>/ecom_base/test/portal/whoami', methods={'GET'})
@with_pool
@route()
@portal_route('store')
def whoami(request, pool, web_user):
    "A test-only portal route: who the request runs as, and what it reads"
    Party = pool.get('party.party')
    transaction = Transaction()
    result = {
        'user': transaction.user,
        'web_user': web_user.id,
        'parties': [p.id for p in Party.search([])],
        }
    if request.args.get('party'):
        try:
            Party.read([int(request.args['party'])], ['name'])
        except UserError:
            result['denied'] = True
    return result


class EcomBasePortalTestCase(RouteTestCase):
    "Test the portal plumbing through a real HTTP route"
    module = 'ecom_base'

    @classmethod
    def setUpDatabase(cls):
        pool = Pool()
        Party = pool.get('party.party')
        WebUser = pool.get('web.user')
        store_a, store_b = Party.create([
                {'name': "Store A"}, {'name': "Store B"}])
        users = WebUser.create([
                {'email': 'a@stores.example.com', 'password': 'secret-a',
                    'party': store_a.id, 'portal': 'store'},
                {'email': 'b@stores.example.com', 'password': 'secret-b',
                    'party': store_b.id, 'portal': 'store'},
                {'email': 's@suppliers.example.com', 'password': 'secret-s',
                    'party': store_b.id, 'portal': 'supplier'},
                ])
        Transaction().commit()
        cls.parties = store_a.id, store_b.id
        cls.portal_user = pool.get('ir.model.data').get_id(
            'ecom_base', 'user_portal_store')
        cls.sessions = {}
        with Transaction().set_context(_check_access=False):
            for user in users:
                cls.sessions[user.email] = user.new_session()
        Transaction().commit()

    def get(self, session=None, **params):
        headers = {'Accept': 'application/json'}
        if session:
            headers['Authorization'] = f'Bearer {session}'
        return self.client().get(
            f'/{self.db_name}/ecom_base/test/portal/whoami',
            headers=headers, query_string=params)

    def test_portal_route_runs_as_portal_user(self):
        "A store session runs as the store portal user, seeing its store"
        store_a, store_b = self.parties
        response = self.get(self.sessions['a@stores.example.com'])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json['user'], self.portal_user)
        self.assertEqual(response.json['parties'], [store_a])

        response = self.get(
            self.sessions['a@stores.example.com'], party=store_b)
        self.assertTrue(response.json.get('denied'))

    def test_portal_route_refuses(self):
        "No session, a bad session or another portal's session gets 401"
        self.assertEqual(self.get().status_code, 401)
        self.assertEqual(self.get('not-a-session').status_code, 401)
        self.assertEqual(
            self.get(self.sessions['s@suppliers.example.com']).status_code,
            401)


del ModuleTestCase, RouteTestCase
