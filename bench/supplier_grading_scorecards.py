# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Scorecards for 500 suppliers x 24 months x 200,000 receipt lines.

    .venv/bin/python -m bench.supplier_grading_scorecards [--lines 200000]

Builds the documents in a fresh PostgreSQL database (500 suppliers each
with a purchase made through the ORM; the 200,000 purchase lines and their
done incoming moves copied in SQL from an ORM-made line and move, with
random promised and receipt dates, quantities, prices and inspections over
24 months), then times `supplier.scorecard.compute` over the 24 months:
measuring, scoring, grading, storing 12,000 scorecards with their criteria,
grade log and alerts.  Anchors measured in the same run: the SQL floor (one
aggregate query of on-time lines per supplier and month) and stock
Tryton's ORM reading the receipts' dates and quantities
(`stock.move.search_read`), which any ORM-level scoring must do at least.
Target: under 30 s.
"""
import argparse
import datetime
import random
from decimal import Decimal

from bench.common import Timer, bench_database, report

SUPPLIERS = 500
PRODUCTS = 200
MONTHS = 24
SAMPLE = 20_000


def copy_rows(cursor, table, template_id, count, overrides):
    "INSERT count copies of a row, with SQL expressions per column"
    cursor.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name != 'id'", (table,))
    columns = [c for c, in cursor.fetchall()]
    select = [overrides.get(c, f't."{c}"') for c in columns]
    cursor.execute(
        f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) '
        f'SELECT {", ".join(select)} FROM "{table}" t, '
        f'generate_series(1, %s) g WHERE t.id = %s',
        (count, template_id))


def build(pool, transaction, lines, start):
    Party = pool.get('party.party')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    Purchase = pool.get('purchase.purchase')
    Move = pool.get('stock.move')
    Location = pool.get('stock.location')
    Company = pool.get('company.company')
    company, = Company.search([], limit=1)
    unit, = Uom.search([('name', '=', 'Unit')])
    warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
    supplier_loc, = Location.search([('code', '=', 'SUP')])
    parties = Party.create([{'name': f'Supplier {i:03d}',
                'addresses': [('create', [{}])]}
            for i in range(SUPPLIERS)])
    templates = Template.create([{'name': f'Item {i:03d}', 'type': 'goods',
                'purchasable': True, 'default_uom': unit.id,
                'purchase_uom': unit.id, 'list_price': Decimal(0),
                'products': [('create', [{}])]} for i in range(PRODUCTS)])
    products = [t.products[0] for t in templates]
    purchases = Purchase.create([{'party': p.id, 'company': company.id,
                'invoice_address': p.addresses[0].id,
                'warehouse': warehouse.id, 'purchase_date': start,
                'invoice_method': 'manual',
                'lines': [('create', [{'product': products[0].id,
                                'quantity': 10, 'unit': unit.id,
                                'unit_price': Decimal(10)}])]}
            for p in parties])
    Purchase.write(purchases, {'state': 'processing'})
    line = purchases[0].lines[0]
    move, = Move.create([{'product': products[0].id, 'quantity': 10,
                'unit': unit.id, 'from_location': supplier_loc.id,
                'to_location': warehouse.input_location.id,
                'company': company.id, 'unit_price': Decimal(10),
                'currency': company.currency.id, 'origin': str(line),
                'planned_date': start, 'effective_date': start}])
    Move.do([move])
    cursor = transaction.connection.cursor()
    purchase_ids = ','.join(str(p.id) for p in purchases)
    product_ids = ','.join(str(p.id) for p in products)
    days = MONTHS * 30
    cursor.execute('SELECT max(id) FROM purchase_line')
    before, = cursor.fetchone()
    copy_rows(cursor, 'purchase_line', line.id, lines - 1, {
            'purchase': f'(ARRAY[{purchase_ids}])[1 + g %% {SUPPLIERS}]',
            'product': f'(ARRAY[{product_ids}])[1 + g * 7 %% {PRODUCTS}]',
            'quantity': '1 + floor(random() * 100)',
            'unit_price': 'round((5 + random() * 10)::numeric, 2)',
            })
    cursor.execute(
        'CREATE TEMP TABLE bench_lines AS SELECT id, product, quantity, '
        'unit_price, row_number() OVER (ORDER BY id) AS g '
        'FROM purchase_line WHERE id > %s', (before,))
    cursor.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'stock_move' AND column_name != 'id'")
    columns = [c for c, in cursor.fetchall()]
    overrides = {
        'origin': "'purchase.line,' || l.id",
        'product': 'l.product',
        'quantity': 'l.quantity',
        'internal_quantity': 'l.quantity',
        'unit_price': 'l.unit_price',
        'planned_date': f"DATE '{start}' + (l.g * 13 %% {days})::int",
        'origin_planned_date':
            f"DATE '{start}' + (l.g * 13 %% {days})::int",
        'effective_date': f"DATE '{start}' + (l.g * 13 %% {days})::int "
        "+ (floor(random() * random() * 12) - 2)::int",
        'inspected': 'random() < 0.3',
        'rejected_quantity':
            'CASE WHEN random() < 0.1 THEN floor(random() * 3) ELSE 0 END',
        }
    select = [overrides.get(c, f'm."{c}"') for c in columns]
    cursor.execute(
        f'INSERT INTO stock_move ({", ".join(chr(34) + c + chr(34) for c in columns)}) '
        f'SELECT {", ".join(select)} FROM stock_move m, bench_lines l '
        'WHERE m.id = %s', (move.id,))
    cursor.execute('ANALYZE stock_move')
    cursor.execute('ANALYZE purchase_line')
    return company


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('--lines', type=int, default=200_000)
    parser.add_argument('--profile', action='store_true',
        help="print where the computation spends its time")
    parser.add_argument('--no-anchor', action='store_true',
        help="skip the stock Tryton ORM anchor")
    args = parser.parse_args(argv)
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    start = datetime.date(2023, 1, 1)
    end = datetime.date(2024, 12, 31)
    random.seed(42)
    with bench_database() as database:
        pool = Pool(database)
        with Transaction().start(database, 0) as transaction:
            User = pool.get('res.user')
            admin, = User.search([('login', '=', 'admin')])
            with transaction.set_context(company=None):
                Company = pool.get('company.company')
                company, = Company.search([], limit=1)
            with transaction.set_user(admin.id), transaction.set_context(
                    company=company.id, companies=[company.id]):
                with Timer() as build_time:
                    company = build(pool, transaction, args.lines, start)
                transaction.commit()
                Scorecard = pool.get('supplier.scorecard')
                Move = pool.get('stock.move')
                cursor = transaction.connection.cursor()
                with Timer() as floor:
                    cursor.execute(
                        "SELECT p.party, date_trunc('month', m.effective_date),"
                        " count(*), sum(CASE WHEN m.effective_date <= "
                        "m.planned_date + 2 THEN 1 ELSE 0 END) "
                        "FROM stock_move m JOIN purchase_line l ON "
                        "m.origin = 'purchase.line,' || l.id "
                        "JOIN purchase_purchase p ON p.id = l.purchase "
                        "GROUP BY 1, 2")
                    groups = len(cursor.fetchall())
                receipts = Move.search_count([
                        ('from_location.type', '=', 'supplier'),
                        ('state', '=', 'done'),
                        ])
                # stock Tryton's ORM read of the receipts, on a sample
                # (the whole read takes too long to run here), scaled
                with Timer() as orm:
                    sample = [] if args.no_anchor else Move.search_read([
                            ('from_location.type', '=', 'supplier'),
                            ('state', '=', 'done'),
                            ], limit=SAMPLE, fields_names=['effective_date',
                                'planned_date', 'quantity', 'unit_price',
                                'product'])
                orm_all = (orm.wall * receipts / len(sample)
                    if sample else None)
                profile = None
                if args.profile:
                    import cProfile
                    profile = cProfile.Profile()
                    profile.enable()
                with Timer() as ours:
                    cards = Scorecard.compute(company, start, end,
                        as_of=end)
                if profile:
                    import pstats
                    profile.disable()
                    pstats.Stats(profile).sort_stats('cumulative').print_stats(40)
                transaction.commit()
                report(
                    f"Supplier scorecards: {SUPPLIERS} suppliers x {MONTHS}"
                    f" months x {receipts:,} receipt lines (PostgreSQL)", [
                        ("compute scorecards (wall)", ours.wall, None, "s",
                            "< 30 s"),
                        ("compute scorecards (CPU)", ours.cpu, None, "s",
                            "-"),
                        ("ours vs SQL floor (1 aggregate query)", ours.wall,
                            floor.wall, "s", "-"),
                        ("ours vs stock Tryton ORM read of the receipts*",
                            ours.wall, orm_all, "s", "-"),
                        ("scorecards stored", len(cards), None, "records",
                            f"{SUPPLIERS * MONTHS:,}"),
                        ], notes=[
                        f"building the data took {build_time.wall:.0f} s "
                        "(not measured)",
                        f"* measured on {len(sample):,} receipts in "
                        f"{orm.wall:.1f} s and scaled to {receipts:,}",
                        f"SQL floor returned {groups:,} supplier-month groups"
                        " with no scoring and nothing stored",
                        ])


if __name__ == '__main__':
    main()
