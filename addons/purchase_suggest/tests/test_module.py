# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The suggestion on the database: the worked example read from moves,
the supplier policy, acceptance into purchases, and the follow-up."""
import datetime
from decimal import Decimal
from unittest.mock import patch

from trytond.modules.company.tests import create_company, set_company
from trytond.modules.ecom_base.tests import ModuleTestCase
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from .test_computation import worked_example_history

D = Decimal
SENDMAIL = 'trytond.modules.purchase_suggest.purchase.' \
    'send_message_transactional'


def _location(type_):
    Location = Pool().get('stock.location')
    location, = Location.search([('type', '=', type_)], limit=1)
    return location


def _moves(product, from_, to, rows, company):
    "Done moves of (date, quantity)"
    Move = Pool().get('stock.move')
    priced = {from_.type, to.type} & {'customer', 'supplier'}
    moves = Move.create([{
                'product': product.id, 'unit': product.default_uom.id,
                'quantity': quantity, 'from_location': from_.id,
                'to_location': to.id, 'planned_date': date,
                'effective_date': date, 'company': company.id,
                'unit_price': D(1) if priced else None,
                'currency': company.currency.id if priced else None}
            for date, quantity in rows])
    # history moves have no sale or purchase as origin: not a mistake here
    with Transaction().set_context(_skip_warnings=True):
        Move.do(moves)
    return moves


def _purchase(party, product, quantity, date, promised):
    pool = Pool()
    Purchase = pool.get('purchase.purchase')
    warehouse = _location('warehouse')
    purchase, = Purchase.create([{
                'party': party.id, 'invoice_address': party.addresses[0].id,
                'warehouse': warehouse.id, 'purchase_date': date,
                'invoice_method': 'manual',
                'lines': [('create', [{
                                'product': product.id, 'quantity': quantity,
                                'unit': product.purchase_uom.id,
                                'unit_price': D(5),
                                'delivery_date_edit': True,
                                'delivery_date_store': promised}])]}])
    Purchase.quote([purchase])
    Purchase.confirm([purchase])
    Purchase.process([purchase])
    return purchase


class World:
    "The worked example as documents: moves, purchases, promotions"

    def __init__(self, company):
        pool = Pool()
        Party = pool.get('party.party')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        ProductSupplier = pool.get('purchase.product_supplier')
        Grading = pool.get('party.party.supplier_grading')
        Promotion = pool.get('purchase.suggestion.promotion')
        Date = pool.get('ir.date')
        self.company = company
        today = Date.today()
        # a Monday: the 112 days of history start a Monday too
        self.date = today - datetime.timedelta(days=today.weekday())
        self.start = self.date - datetime.timedelta(days=112)
        unit, = Uom.search([('name', '=', 'Unit')])
        category, = pool.get('product.category').create([{
                    'name': "Mugs", 'accounting': True}])
        template, = Template.create([{
                    'account_category': category.id,
                    'name': "Mug", 'type': 'goods', 'purchasable': True,
                    'default_uom': unit.id, 'purchase_uom': unit.id,
                    'list_price': D(10),
                    'products': [('create', [{'suffix_code': 'MUG'}])]}])
        self.product = product = template.products[0]
        self.core, self.cheap = Party.create([
                {'name': "Core Supplier", 'addresses': [('create', [{}])],
                    'contact_mechanisms': [('create', [{
                                    'type': 'email',
                                    'value': 'core@example.com'}])]},
                {'name': "Eliminated Supplier",
                    'addresses': [('create', [{}])]},
                ])
        Grading.create([
                {'party': self.core.id, 'company': company.id,
                    'supplier_grade': 'core', 'manual': True},
                {'party': self.cheap.id, 'company': company.id,
                    'supplier_grade': 'eliminated', 'manual': True},
                ])
        ProductSupplier.create([{
                    'template': template.id, 'party': party.id,
                    'company': company.id, 'lead_time':
                    datetime.timedelta(days=10),
                    'quantity_minimal': 50, 'quantity_rounding': 10,
                    'prices': [('create', [{'quantity': 0,
                                    'unit_price': price}])]}
                for party, price in [(self.core, D(5)), (self.cheap, D(3))]])
        storage, customer = _location('storage'), _location('customer')
        lost = _location('lost_found')
        # lead times 11, 14 and 17 days, measured from 3 receipts of 10
        for lead in (11, 14, 17):
            ordered = self.start - datetime.timedelta(days=60 + lead)
            purchase = _purchase(self.core, product, 10, ordered,
                ordered + datetime.timedelta(days=14))
            move, = purchase.moves
            move.effective_date = ordered + datetime.timedelta(days=lead)
            move.save()
            with Transaction().set_context(_skip_warnings=True):
                pool.get('stock.move').do([move])
        self.sales, promotion = worked_example_history()
        _moves(product, storage, customer,
            [(self.start + datetime.timedelta(days=i), q)
                for i, q in enumerate(self.sales) if q > 0], company)
        # a return of 5: not demand
        _moves(product, customer, storage,
            [(self.start + datetime.timedelta(days=30), 5)], company)
        # on hand 40: receipts 30 + return 5 - sales + adjustment
        adjustment = 40 - 35 + self.sales.sum()
        _moves(product, lost, storage,
            [(self.start - datetime.timedelta(days=1), adjustment)], company)
        # incoming 30: an open purchase promised in 5 days
        self.open_purchase = _purchase(self.core, product, 30, self.date,
            self.date + datetime.timedelta(days=5))
        Promotion.create([{
                    'name': "Spring sale", 'company': company.id,
                    'product': product.id,
                    'start_date': self.start + datetime.timedelta(days=20),
                    'end_date': self.start + datetime.timedelta(days=22),
                    'uplift': 0.3,
                    }, {
                    'name': "Planned sale", 'company': company.id,
                    'product': product.id,
                    'start_date': self.date,
                    'end_date': self.date + datetime.timedelta(days=6),
                    'uplift': 0.3,
                    }])

    def suggestion(self, **values):
        Suggestion = Pool().get('purchase.suggestion')
        values.setdefault('date', self.date)
        values.setdefault('history_days', 112)
        suggestion, = Suggestion.create([values])
        Suggestion.generate([suggestion])
        return suggestion


class PurchaseSuggestTestCase(ModuleTestCase):
    "Test purchase_suggest module"
    module = 'purchase_suggest'
    extras = ['supplier_grading']

    @with_transaction()
    def test_worked_example(self):
        "Every term of the line equals the hand computation (one unit)"
        company = create_company()
        with set_company(company):
            world = World(company)
            suggestion = world.suggestion()
            line, = suggestion.lines
            self.assertEqual(line.product, world.product)
            self.assertEqual(line.supplier, world.core)
            self.assertIn("core", line.supplier_reason)
            self.assertEqual(line.method, 'moving_average')
            self.assertAlmostEqual(line.lead_time, 14)
            self.assertAlmostEqual(line.lead_time_sigma, 3)
            self.assertAlmostEqual(line.baseline, 210, delta=1)
            self.assertAlmostEqual(line.season_factor, 1)
            self.assertAlmostEqual(line.learned_uplift, 1.0, places=3)
            self.assertAlmostEqual(line.uplift, 0.51, places=3)
            self.assertAlmostEqual(line.promotion_units, 35.7, delta=1)
            # 1.6449 * sqrt((14 + 7) * 1**2 + 10**2 * 3**2)
            self.assertAlmostEqual(line.safety_stock, 49.92, delta=1)
            self.assertEqual(
                (line.on_hand, line.incoming, line.reserved), (40, 30, 0))
            self.assertEqual((line.minimum, line.multiple), (50, 10))
            self.assertAlmostEqual(line.need, 225.62, delta=1)
            self.assertEqual(line.quantity, 230)
            self.assertEqual(line.stockout_days, 4)
            self.assertAlmostEqual(line.wape, 0.1, places=3)

            # the weekly cron: a suggestion of today for every warehouse,
            # its run logged
            Suggestion = Pool().get('purchase.suggestion')
            JobRun = Pool().get('ecom.job.run')
            weekly = Suggestion.generate_cron()
            self.assertEqual([(l.product, l.supplier) for l in weekly.lines],
                [(world.product, world.core)])
            run, = JobRun.search([('origin', '=', str(weekly))])
            self.assertEqual((run.job, run.created),
                ('purchase_suggest.generate', 1))

    @with_transaction()
    def test_accept_and_follow_up(self):
        "Accepting makes the purchase; reminder, overdue alert and email"
        pool = Pool()
        Suggestion = pool.get('purchase.suggestion')
        Purchase = pool.get('purchase.purchase')
        Alert = pool.get('purchase.suggest.alert')
        company = create_company()
        with set_company(company):
            world = World(company)
            suggestion = world.suggestion(supplier_policy='price')
            line, = suggestion.lines
            # the cheapest supplier is eliminated: never suggested
            self.assertEqual(line.supplier, world.core)
            line.quantity = 240
            line.save()
            Suggestion.accept([suggestion])
            purchase, = suggestion.purchases
            self.assertEqual(purchase.party, world.core)
            self.assertEqual(purchase.state, 'draft')
            self.assertEqual(purchase.invoice_method, 'fulfillment')
            self.assertEqual([l.quantity for l in purchase.lines], [240])
            self.assertEqual(Purchase(purchase.id).suggestions,
                (suggestion,))
            self.assertEqual(Suggestion.search(
                    [('purchases', '=', purchase.id)]), [suggestion])

            with patch(SENDMAIL) as send:
                Purchase.send_to_supplier([world.open_purchase])
                msg, = send.call_args[0][:1]
            self.assertEqual(msg['To'], 'core@example.com')
            attachment, = msg.iter_attachments()
            self.assertTrue(attachment.get_content())
            self.assertTrue(world.open_purchase.sent_to_supplier)

            promised = world.date + datetime.timedelta(days=5)
            with patch(SENDMAIL) as send:
                self.assertEqual(Alert.check(promised
                        - datetime.timedelta(days=3)), [])
                reminder, = Alert.check(
                    promised - datetime.timedelta(days=2))
                self.assertEqual(send.call_count, 1)
            self.assertEqual(
                (reminder.kind, reminder.quantity, reminder.emailed),
                ('reminder', 30, True))
            self.assertEqual(Alert.check(promised), [])
            overdue, = Alert.check(promised + datetime.timedelta(days=1))
            self.assertEqual((overdue.kind, overdue.days_late),
                ('overdue', 1))
            self.assertEqual(Alert.check(
                    promised + datetime.timedelta(days=2)), [])


del ModuleTestCase
