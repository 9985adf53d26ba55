# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
import datetime
from decimal import Decimal

from trytond.exceptions import UserWarning
from trytond.model.exceptions import AccessError, ValidationError
from trytond.modules.company.tests import (
    CompanyTestMixin, create_company, set_company)
from trytond.modules.ecom_base.tests import ModuleTestCase
from trytond.modules.ecom_base.tests.test_module import xlsx_cells
from trytond.modules.supplier_grading.tests.test_scms import ScmsImportMixin
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

D = Decimal
d = datetime.date


def supplier(name):
    Party = Pool().get('party.party')
    party, = Party.create([{'name': name, 'addresses': [('create', [{}])]}])
    return party


def product(name='Cup'):
    pool = Pool()
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    unit, = Uom.search([('name', '=', 'Unit')])
    template, = Template.create([{
                'name': name, 'type': 'goods', 'purchasable': True,
                'default_uom': unit.id, 'purchase_uom': unit.id,
                'list_price': D(0), 'products': [('create', [{}])]}])
    return template.products[0]


def purchase(party, lines, date=d(2024, 1, 2), confirm=True):
    """A processed purchase; lines: (product, quantity, price, promised)"""
    pool = Pool()
    Purchase = pool.get('purchase.purchase')
    Location = pool.get('stock.location')
    warehouse, = Location.search([('type', '=', 'warehouse')])
    record, = Purchase.create([{
                'party': party.id, 'invoice_address': party.addresses[0].id,
                'warehouse': warehouse.id, 'purchase_date': date,
                'invoice_method': 'manual',
                'lines': [('create', [{
                                'product': p.id, 'quantity': q,
                                'unit': p.purchase_uom.id, 'unit_price': u,
                                'delivery_date_edit': True,
                                'delivery_date_store': promised}
                            for p, q, u, promised in lines])]}])
    if confirm:
        Purchase.quote([record])
        Purchase.confirm([record])
        Purchase.process([record])
    return record


def receive(move, date, quantity=None, rejected=None):
    "Receive the move (or part of it) on date, inspected if rejected given"
    Move = Pool().get('stock.move')
    if quantity is not None and quantity != move.quantity:
        rest, = Move.copy([move], {'quantity': move.quantity - quantity})
        Move.write([move], {'quantity': quantity})
    values = {'effective_date': date}
    if rejected is not None:
        values.update(inspected=True, rejected_quantity=rejected,
            rejection_reason='damaged' if rejected else None)
    Move.write([move], values)
    Move.do([move])
    return move


def grading_config(**values):
    Configuration = Pool().get('supplier.grading.configuration')
    config = Configuration(1)
    for name, value in values.items():
        setattr(config, name, value)
    config.save()
    return config


class SupplierGradingTestCase(
        ScmsImportMixin, CompanyTestMixin, ModuleTestCase):
    "Test the supplier grading module"
    module = 'supplier_grading'

    @with_transaction()
    def test_scorecard_end_to_end(self):
        "A month of real documents gives the scores worked out by hand"
        pool = Pool()
        Scorecard = pool.get('supplier.scorecard')
        Complaint = pool.get('supplier.complaint')
        Return = pool.get('stock.shipment.in.return')
        Location = pool.get('stock.location')
        company = create_company()
        with set_company(company):
            grading_config(period='month', on_time_tolerance=2)
            a, b = supplier("Supplier A"), supplier("Supplier B")
            cup, mug = product("Cup"), product("Mug")
            pa = purchase(a, [(cup, 10, D(10), d(2024, 1, 8)),
                    (mug, 4, D(5), d(2024, 1, 8))])
            pb = purchase(b, [(cup, 5, D(8), d(2024, 1, 10))])
            cup_a, mug_a = [l.moves[0] for l in pa.lines]
            # A: 6 cups on time (the 10th is within 2 days of the 8th),
            # 3 cups late (12 days), 4 mugs on time; 1 cup rejected of 6
            receive(cup_a, d(2024, 1, 10), quantity=6, rejected=1)
            rest = [m for m in pa.lines[0].moves if m.state == 'draft'][0]
            receive(rest, d(2024, 1, 20), quantity=3)
            receive(mug_a, d(2024, 1, 9), rejected=0)
            receive(pb.lines[0].moves[0], d(2024, 1, 10))
            # A gets 1 cup back and a complaint settled in 4 days
            storage, = Location.search([('code', '=', 'STO')])
            supplier_loc, = Location.search([('code', '=', 'SUP')])
            ret, = Return.create([{
                        'supplier': a.id, 'from_location': storage.id,
                        'to_location': supplier_loc.id,
                        'effective_date': d(2024, 1, 25),
                        'moves': [('create', [{
                                        'product': cup.id, 'quantity': 1,
                                        'unit': cup.default_uom.id,
                                        'from_location': storage.id,
                                        'to_location': supplier_loc.id,
                                        'company': company.id,
                                        'unit_price': D(10),
                                        'currency': company.currency.id,
                                        }])]}])
            with Transaction().set_context(_skip_warnings=True):
                Return.wait([ret])
                Return.assign_force([ret])
                Return.do([ret])
            complaint, = Complaint.create([{
                        'party': a.id, 'subject': "Broken cups",
                        'date': d(2024, 1, 15), 'origin': str(pa),
                        'resolution': "Credit note"}])
            Complaint.settle([complaint])
            Complaint.write([complaint], {'settled_date': d(2024, 1, 19)})

            cards = Scorecard.browse(Scorecard.compute(company,
                    d(2024, 1, 1), d(2024, 1, 31),
                    as_of=d(2024, 2, 1)).values())
            card_a, = [c for c in cards if c.party == a]
            card_b, = [c for c in cards if c.party == b]
            # A: 3 receipt lines, 2 on time; 13 received of 14 ordered;
            # 1 rejected of 10 inspected; 1 returned of 13 received;
            # cups: A average 10, B 8 -> index 8/10 on A's 9 cups
            self.assertEqual((card_a.lines, card_a.on_time_lines), (3, 2))
            self.assertEqual(card_a.on_time_rate, D('66.67'))
            self.assertEqual(card_a.fill_rate, D('92.86'))
            self.assertEqual(card_a.quality_rate, D('90.00'))
            self.assertEqual(card_a.return_rate, D('7.69'))
            self.assertEqual(card_a.price_index, D('80.00'))
            self.assertEqual(card_a.complaints, 1)
            scores = {l.criterion.code: l.score for l in card_a.criteria}
            after_sales = (D(100) - D(200) / D(13) - 2 * 4).quantize(
                D('0.01'))
            self.assertEqual(scores, {'on_time': D('66.67'),
                    'fill': D('92.86'), 'quality': D('90.00'),
                    'after_sales': after_sales, 'price': D('80.00')})
            expected = (30 * D('66.67') + 20 * D('92.86') + 25 * D(90)
                + 10 * after_sales + 15 * D(80)) / 100
            self.assertEqual(card_a.score, expected.quantize(D('0.01')))
            # B: one line on time, full, no inspection (left out), cheapest
            self.assertEqual(card_b.score, D('100.00'))
            self.assertEqual((card_b.rank, card_a.rank), (1, 2))
            # drill-down to the documents behind the figures
            self.assertEqual(len(card_a.receipts), 3)
            self.assertEqual(set(card_a.purchase_lines), set(pa.lines))
            self.assertEqual(len(card_a.returns), 1)
            self.assertEqual(card_a.complaint_records, (complaint,))
            # the performance report exports to XLSX with the rank
            Report = pool.get('ecom.xlsx', type='report')
            ModelData = pool.get('ir.model.data')
            ext, content, _, _ = Report.execute([card_a.id, card_b.id], {
                    'action_id': ModelData.get_id(
                        'supplier_grading', 'report_scorecard_xlsx'),
                    'model': 'supplier.scorecard'})
            self.assertEqual(ext, 'xlsx')
            strings, sheet = xlsx_cells(content)
            for text in ["Supplier A", "Supplier B", "2024-01", "Rank",
                    "On-Time %"]:
                self.assertIn(text, strings)
            self.assertIn(f'<v>{float(card_a.score):.16g}</v>', sheet)

    @with_transaction()
    def test_grade_hysteresis_logged_and_notified(self):
        "Grades move after two periods across a threshold, logged"
        pool = Pool()
        Scorecard = pool.get('supplier.scorecard')
        Change = pool.get('supplier.grade.change')
        Notification = pool.get('res.notification')
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        company = create_company()
        buyer, = User.create([{'login': 'buyer', 'name': "Buyer",
                    'companies': [('add', [company.id])],
                    'company': company.id,
                    'groups': [('add', [ModelData.get_id(
                                    'ecom_base', 'group_purchasing')])]}])
        with set_company(company):
            grading_config(period='month', decay_periods=1,
                hysteresis_periods=2, on_time_tolerance=0)
            party = supplier("Supplier H")
            item = product()
            # on-time share per month: 9/10, 9/10, 5/10, 5/10
            for month, on_time in [(1, 9), (2, 9), (3, 5), (4, 5)]:
                p = purchase(party, [(item, 1, D(1), d(2024, month, 5))
                        for _ in range(10)], date=d(2024, month, 1))
                for i, line in enumerate(p.lines):
                    receive(line.moves[0],
                        d(2024, month, 5 if i < on_time else 9))
            cards = Scorecard.browse(Scorecard.compute(company,
                    d(2024, 1, 1), d(2024, 4, 30),
                    as_of=d(2024, 5, 1)).values())
            cards.sort(key=lambda c: c.period_start)
            # fill 100, on time 90 or 50, no inspection, no competitor:
            # (30*90 + 20*100 + 10*100) / 60 = 95; (30*50 + 3000) / 60 = 75
            self.assertEqual([c.score for c in cards],
                [D('95.00'), D('95.00'), D('75.00'), D('75.00')])
            self.assertEqual([c.grade for c in cards],
                ['new', 'core', 'core', 'backup'])
            party = party.__class__(party.id)
            self.assertEqual(party.supplier_grade, 'backup')
            self.assertEqual(party.supplier_score, D('75.00'))
            changes = Change.search([('party', '=', party.id)],
                order=[('date', 'ASC')])
            self.assertEqual([(c.old_grade, c.new_grade) for c in changes],
                [(None, 'new'), ('new', 'core'), ('core', 'backup')])
            self.assertTrue(Notification.search([('user', '=', buyer.id)]))
            self.assertEqual(
                party.__class__.search([('supplier_grade', '=', 'backup')]),
                [party])
            # a grade set by hand is logged as such
            grading, = party.supplier_gradings
            grading.supplier_grade = 'eliminated'
            grading.manual = True
            grading.save()
            last, = Change.search([('party', '=', party.id)],
                order=[('id', 'DESC')], limit=1)
            self.assertEqual((last.new_grade, last.reason),
                ('eliminated', 'manual'))

    @with_transaction()
    def test_purchase_confirmation_by_grade(self):
        "Eliminated refused, backup warned, expired document blocks"
        pool = Pool()
        Purchase = pool.get('purchase.purchase')
        Grading = pool.get('party.party.supplier_grading')
        Document = pool.get('supplier.document')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            item = product()
            bad, backup, ok = (supplier("Bad"), supplier("Spare"),
                supplier("Good"))
            Grading.create([
                    {'party': bad.id, 'company': company.id,
                        'supplier_grade': 'eliminated'},
                    {'party': backup.id, 'company': company.id,
                        'supplier_grade': 'backup'}])
            today = Date.today()
            refused = purchase(bad, [(item, 1, D(1), today)], date=today,
                confirm=False)
            with self.assertRaisesRegex(ValidationError, 'eliminated'):
                Purchase.quote([refused])
            warned = purchase(backup, [(item, 1, D(1), today)], date=today,
                confirm=False)
            Purchase.quote([warned])
            with self.assertRaisesRegex(UserWarning, 'backup supplier'):
                Purchase.confirm([warned])
            with Transaction().set_context(_skip_warnings=True):
                Purchase.confirm([warned])
            self.assertEqual(warned.state, 'confirmed')
            Document.create([{'party': ok.id, 'number': "BL-1",
                        'type': 'business_licence', 'mandatory': True,
                        'expiry_date': today - datetime.timedelta(days=1)}])
            blocked = purchase(ok, [(item, 1, D(1), today)], date=today,
                confirm=False)
            with self.assertRaisesRegex(ValidationError, 'BL-1'):
                Purchase.quote([blocked])
            grading_config(block_expired_documents=False)
            Purchase.quote([blocked])
            self.assertEqual(blocked.state, 'quotation')

    @with_transaction()
    def test_purchase_request_prefers_core(self):
        "Tryton's purchase requests prefer core and skip eliminated"
        pool = Pool()
        Request = pool.get('purchase.request')
        ProductSupplier = pool.get('purchase.product_supplier')
        Grading = pool.get('party.party.supplier_grading')
        Date = pool.get('ir.date')
        company = create_company()
        with set_company(company):
            item = product()
            out, spare, core = (supplier("Out"), supplier("Spare"),
                supplier("Core"))
            for sequence, party in enumerate([out, spare, core]):
                ProductSupplier.create([{'template': item.template.id,
                            'product': item.id, 'party': party.id,
                            'company': company.id, 'sequence': sequence}])
            Grading.create([{'party': p.id, 'company': company.id,
                        'supplier_grade': g} for p, g in [
                        (out, 'eliminated'), (spare, 'backup'),
                        (core, 'core')]])
            item = item.__class__(item.id)
            date = Date.today() + datetime.timedelta(days=10)
            self.assertEqual(
                Request.find_best_supplier(item, date)[0], core)
            Grading.write(Grading.search([('party', '=', core.id)]),
                {'supplier_grade': 'eliminated'})
            self.assertEqual(
                Request.find_best_supplier(item, date)[0], spare)

    @with_transaction()
    def test_document_expiry_alert_30_days(self):
        "Documents expiring within 30 days raise one alert each"
        pool = Pool()
        Document = pool.get('supplier.document')
        Alert = pool.get('supplier.risk.alert')
        company = create_company()
        with set_company(company):
            party = supplier("Licensed")
            today = d(2024, 6, 1)
            soon, later, past = Document.create([
                    {'party': party.id, 'number': n, 'expiry_date': e}
                    for n, e in [("IN-30", d(2024, 7, 1)),
                        ("IN-31", d(2024, 7, 2)), ("OLD", d(2024, 5, 1))]])
            alerts = Alert.check_documents(company, today=today)
            self.assertEqual({(a.document, a.kind) for a in alerts},
                {(soon, 'document_expiring'), (past, 'document_expired')})
            self.assertFalse(Alert.check_documents(company, today=today))

    @with_transaction()
    def test_access_scorecards_and_documents(self):
        "Purchasing reads scorecards; portal users never read documents"
        pool = Pool()
        User = pool.get('res.user')
        ModelData = pool.get('ir.model.data')
        ModelAccess = pool.get('ir.model.access')
        Document = pool.get('supplier.document')
        company = create_company()
        with set_company(company):
            party = supplier("Documented")
            document, = Document.create([{'party': party.id,
                        'number': "QR-1", 'type': 'quality_report'}])
        buyer, = User.create([{'login': 'buyer2', 'name': "Buyer",
                    'groups': [('add', [ModelData.get_id(
                                    'ecom_base', 'group_purchasing')])]}])
        transaction = Transaction()
        with transaction.set_user(buyer.id), \
                transaction.set_context(_check_access=True):
            for model in ['supplier.scorecard', 'supplier.scorecard.line',
                    'supplier.document', 'supplier.risk.alert']:
                self.assertTrue(ModelAccess.check(
                        model, 'read', raise_exception=False), model)
        for portal in ['user_portal_supplier', 'user_portal_store']:
            user = ModelData.get_id('ecom_base', portal)
            with transaction.set_user(user), transaction.set_context(
                    portal_parties=[party.id], _check_access=True):
                self.assertFalse(ModelAccess.check('supplier.document',
                        'read', raise_exception=False))
                self.assertFalse(ModelAccess.check('supplier.scorecard',
                        'read', raise_exception=False))
                with self.assertRaises(AccessError):
                    Document.read([document.id], ['number'])


del ModuleTestCase
