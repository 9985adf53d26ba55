# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The suggestion on the database: the worked example read from moves,
the supplier policy, acceptance into purchases, and the follow-up."""
import datetime
import unittest
from decimal import Decimal
from unittest.mock import patch

import numpy as np

from trytond import backend
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.currency.tests import add_currency_rate, create_currency
from trytond.modules.ecom_base.tests import ModuleTestCase
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction

from trytond.modules.ecom_base.tests.test_module import xlsx_cells

from trytond.modules.purchase_suggest import bulk

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


def _purchase(party, product, quantity, date, promised, unit_price=D(5),
        unit=None, currency=None, lines=()):
    "A processed purchase of product (and of lines: product, quantity, price)"
    pool = Pool()
    Purchase = pool.get('purchase.purchase')
    warehouse = _location('warehouse')
    values = {
        'party': party.id, 'invoice_address': party.addresses[0].id,
        'warehouse': warehouse.id, 'purchase_date': date,
        'invoice_method': 'manual',
        'lines': [('create', [{
                        'product': p.id, 'quantity': q,
                        'unit': (unit or p.purchase_uom).id,
                        'unit_price': price,
                        'delivery_date_edit': True,
                        'delivery_date_store': promised}
                    for p, q, price in [(product, quantity, unit_price)]
                    + list(lines)])]}
    if currency:
        values['currency'] = currency.id
    purchase, = Purchase.create([values])
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
    def test_sales_history(self):
        "Moves done and cancelled keep the sales history; rebuild equals it"
        pool = Pool()
        History = pool.get('purchase.suggestion.history')
        Move = pool.get('stock.move')
        company = create_company()
        with set_company(company):
            world = World(company)
            warehouse = _location('warehouse')

            def snapshot():
                return {(h.product.id, h.warehouse.id, h.year): (
                        bulk.unblob(h.sold).tolist(),
                        bulk.unblob(h.returned).tolist(),
                        h.sold_total, h.returned_total)
                    for h in History.search([('company', '=', company.id)])}

            def sold_on(date):
                history, = History.search([
                        ('product', '=', world.product.id),
                        ('year', '=', date.year)])
                return bulk.unblob(history.sold)[
                    date.timetuple().tm_yday - 1]
            rows = snapshot()
            # the sales of the worked example, the return of 5 apart; the
            # receipts and the adjustment are no sales
            self.assertEqual({k[:2] for k in rows},
                {(world.product.id, warehouse.id)})
            self.assertEqual(sum(r[2] for r in rows.values()),
                world.sales.sum())
            self.assertEqual(sum(r[3] for r in rows.values()), 5)
            for i, quantity in enumerate(world.sales):
                date = world.start + datetime.timedelta(days=i)
                self.assertEqual(sold_on(date), quantity, date)

            # a done sale cancelled: its quantity leaves the history
            index = next(i for i, q in enumerate(world.sales) if q > 1)
            date = world.start + datetime.timedelta(days=index)
            move, = Move.search([
                    ('product', '=', world.product.id),
                    ('to_location.type', '=', 'customer'),
                    ('effective_date', '=', date)])
            Move.cancel([move])
            self.assertEqual(sold_on(date), 0)
            # and a new sale of 3 that day counts
            storage, customer = _location('storage'), _location('customer')
            _moves(world.product, storage, customer, [(date, 3)], company)
            self.assertEqual(sold_on(date), 3)
            expected = world.sales.sum() - world.sales[index] + 3
            incremental = snapshot()
            self.assertEqual(sum(r[2] for r in incremental.values()),
                expected)

            # the rebuild from the moves gives the same rows
            History.rebuild([company])
            rebuilt = snapshot()
            self.assertEqual(rebuilt.keys(), incremental.keys())
            for key in rebuilt:
                np.testing.assert_allclose(rebuilt[key][0],
                    incremental[key][0])
                np.testing.assert_allclose(rebuilt[key][1],
                    incremental[key][1])
                self.assertAlmostEqual(rebuilt[key][2], incremental[key][2])
                self.assertAlmostEqual(rebuilt[key][3], incremental[key][3])

    @unittest.skipUnless(backend.name == 'postgresql', "one writer on SQLite")
    @with_transaction()
    def test_sales_history_concurrent_first_row(self):
        "A series' first row of a year made meanwhile by another transaction"
        pool = Pool()
        History = pool.get('purchase.suggestion.history')
        company = create_company()
        with set_company(company):
            world = World(company)
            warehouse = _location('warehouse')
            key = (company.id, world.product.id, warehouse.id, 1999)
            sold = np.zeros((2, bulk.YEAR_DAYS))
            sold[0, 10] = 4
            transaction = Transaction()
            # the other transaction commits the row first (the records it
            # refers to are this test's, not committed: their foreign keys
            # are not checked in that session)
            with transaction.new_transaction() as other:
                cursor = other.connection.cursor()
                cursor.execute("SET LOCAL session_replication_role = replica")
                table = History.__table__()
                cursor.execute(*table.insert(
                        [table.company, table.product, table.warehouse,
                            table.year, table.sold, table.returned,
                            table.sold_total, table.returned_total],
                        [[*key, bulk.blob(sold[0]), bulk.blob(sold[1]),
                                4.0, 0.0]]))
                other.commit()
            try:
                # this transaction's snapshot does not see it: a conflict
                # that Tryton retries, not a unique-key error
                with self.assertRaises(backend.DatabaseOperationalError):
                    History._apply({key: sold})
            finally:
                with transaction.new_transaction() as other:
                    cursor = other.connection.cursor()
                    cursor.execute(*table.delete(
                            where=(table.year == 1999)
                            & (table.product == world.product.id)))
                    other.commit()

    @with_transaction()
    def test_stock_from_period(self):
        "On hand from a closed stock period's caches and the later moves"
        pool = Pool()
        Period = pool.get('stock.period')
        Cache = pool.get('stock.period.cache')
        company = create_company()
        with set_company(company):
            world = World(company)
            period, = Period.create([{'company': company.id,
                        'date': world.start + datetime.timedelta(days=50)}])
            # the table lock of the close guards against other
            # transactions: none here (taking it would restart the test's
            # transaction)
            with patch.object(pool.get('stock.move'), 'lock'):
                Period.close([period])
            line, = world.suggestion().lines
            self.assertEqual(
                (line.on_hand, line.incoming, line.reserved), (40, 30, 0))
            # the cache is what is read: 7 more cached gives 7 more on hand
            cache, = Cache.search([('period', '=', period.id),
                    ('location', '=', _location('storage').id)])
            table = Cache.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.update([table.internal_quantity],
                    [cache.internal_quantity + 7],
                    where=table.id == cache.id))
            line, = world.suggestion().lines
            self.assertEqual(line.on_hand, 47)

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

    @with_transaction()
    def test_reports(self):
        "Purchase cost, price comparison and efficiency equal hand figures"
        pool = Pool()
        Party = pool.get('party.party')
        Template = pool.get('product.template')
        Category = pool.get('product.category')
        Uom = pool.get('product.uom')
        Move = pool.get('stock.move')
        Cost = pool.get('purchase.suggest.cost')
        Price = pool.get('purchase.suggest.price')
        Efficiency = pool.get('purchase.suggest.efficiency')
        company = create_company()
        eur = create_currency('eur')
        # 1 USD = 0.5 EUR in January and February, 0.25 EUR from March
        add_currency_rate(eur, D('0.5'))
        add_currency_rate(eur, D('0.25'), datetime.date(2024, 3, 1))
        date = datetime.date
        with set_company(company):
            unit, = Uom.search([('name', '=', 'Unit')])
            box, = Uom.create([{'name': "Box of 12", 'symbol': "b12",
                        'category': unit.category.id, 'factor': 12,
                        'rate': round(1 / 12, 12), 'rounding': 1, 'digits': 0}])
            kitchen, office = Category.create(
                [{'name': "Kitchen"}, {'name': "Office"}])
            mug_template, pen_template = Template.create([{
                        'name': name, 'type': 'goods', 'purchasable': True,
                        'default_uom': unit.id, 'purchase_uom': unit.id,
                        'list_price': D(10),
                        'categories': [('add', [category.id])],
                        'products': [('create', [{}])]}
                    for name, category in [
                        ("Mug", kitchen), ("Pen", office)]])
            mug, = mug_template.products
            pen, = pen_template.products
            a, b, c = Party.create([{'name': name,
                        'addresses': [('create', [{}])]}
                    for name in ["A", "B", "C"]])
            p1 = _purchase(a, mug, 10, date(2024, 1, 10), date(2024, 1, 20),
                unit_price=D(4), lines=[(pen, 20, D('1.5'))])
            p2 = _purchase(a, mug, 10, date(2024, 1, 20), date(2024, 1, 30),
                unit_price=D(7))
            # 2 boxes of 12 at 60 a box: 24 units at 5
            p3 = _purchase(b, mug, 2, date(2024, 1, 15), date(2024, 1, 25),
                unit_price=D(60), unit=box)
            # 10 at 4 EUR = 40 EUR = 80 USD at the rate of 5 February
            _purchase(c, mug, 10, date(2024, 2, 5), date(2024, 2, 15),
                unit_price=D(4), currency=eur)
            # a draft purchase counts nowhere
            pool.get('purchase.purchase').create([{
                        'party': a.id,
                        'invoice_address': a.addresses[0].id,
                        'purchase_date': date(2024, 1, 12),
                        'lines': [('create', [{'product': mug.id,
                                        'quantity': 100, 'unit': unit.id,
                                        'unit_price': D(1)}])]}])
            received = {
                (p1, mug): date(2024, 1, 18),  # lead 8, on time
                (p1, pen): date(2024, 1, 25),  # lead 15, 5 days late
                (p2, mug): date(2024, 2, 2),  # lead 13, 3 days late
                (p3, mug): date(2024, 1, 25),  # lead 10, on the day
                }
            moves = []
            for (purchase, product), day in received.items():
                move, = [m for m in purchase.moves if m.product == product]
                move.effective_date = day
                moves.append(move)
            Move.save(moves)
            with Transaction().set_context(_skip_warnings=True):
                Move.do(moves)

            with Transaction().set_context(company=company.id):
                costs = {(r.date, r.supplier, r.category):
                    (r.purchases, r.quantity, r.amount)
                    for r in Cost.search([])}
                self.assertEqual(costs, {
                        (date(2024, 1, 1), a, kitchen): (2, 20, D(110)),
                        (date(2024, 1, 1), a, office): (1, 20, D(30)),
                        (date(2024, 1, 1), b, kitchen): (1, 24, D(120)),
                        (date(2024, 2, 1), c, kitchen): (1, 10, D(80)),
                        })
                prices = {(r.product, r.supplier): (
                        r.quantity, r.amount, r.average_price,
                        r.minimum_price, r.maximum_price, r.cheapest_price,
                        round(r.above_cheapest, 4), r.suppliers)
                    for r in Price.search([])}
                self.assertEqual(prices, {
                        (mug, a): (20, 110, D('5.5'), 4, 7, 5, 0.1, 3),
                        (mug, b): (24, 120, 5, 5, 5, 5, 0, 3),
                        (mug, c): (10, 80, 8, 8, 8, 5, 0.6, 3),
                        (pen, a): (20, 30, D('1.5'), D('1.5'), D('1.5'),
                            D('1.5'), 0, 1),
                        })
                efficiency = {r.supplier: (r.receipts, r.lead_time,
                        r.maximum_lead_time, r.late,
                        round(r.on_time_rate, 4), r.delay)
                    for r in Efficiency.search([])}
                self.assertEqual(efficiency, {
                        a: (3, 12, 15, 2, round(1 / 3, 4), 4),
                        b: (1, 10, 10, 0, 1, None),
                        })
            with Transaction().set_context(company=company.id,
                    to_date=date(2024, 1, 31)):
                self.assertEqual(
                    {r.supplier for r in Cost.search([])}, {a, b})
                # receipts up to 31 January: p2's receipt is left out
                (receipts,), = [(r.receipts,) for r in Efficiency.search(
                        [('supplier', '=', a.id)])]
                self.assertEqual(receipts, 2)
            # XLSX export of the list: the amounts as numbers
            Report = pool.get('ecom.xlsx', type='report')
            ModelData = pool.get('ir.model.data')
            action_id = ModelData.get_id(
                'purchase_suggest', 'report_cost_xlsx')
            with Transaction().set_context(company=company.id):
                records = Cost.search([])
                ext, content, _, _ = Report.execute(
                    [r.id for r in records], {
                        'model': 'purchase.suggest.cost',
                        'action_id': action_id})
            strings, sheet = xlsx_cells(content)
            self.assertIn("Kitchen", strings)
            self.assertIn('<v>120</v>', sheet)
            self.assertEqual(ext, 'xlsx')
            self.assertTrue(content)


del ModuleTestCase
