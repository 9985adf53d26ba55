# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Suggestions for N products with daily history, against stock_supply.

    .venv/bin/python -m bench.purchase_suggest_scale [--products 2000]
        [--days 730] [--anchor-products N] [--profile]

Builds N purchasable products with a supplier (ORM) and their done
customer moves over `days` days (SQL: a sale on about 70% of the days, 1
to 5 units), one order point per product (minimal 10, target 50), then
times in the same database:

- ours: `purchase.suggestion.generate` for the warehouse (read the history
  by SQL aggregate, clean, choose a method by backtest, forecast, safety
  stock, supplier choice, and write the lines);
- the anchor: stock Tryton's `purchase.request.generate_requests` (the
  stock_supply order-point run over the same catalogue).

Target of the issue: 100,000 product x warehouse series with two years of
daily history in at most 60 s.

The anchor is slow (minutes for a few thousand order points): with
--anchor-products N it runs over the first N products only
(`generate_requests(products=...)`) and its time is extrapolated linearly
to the catalogue, which the output says.
"""
import argparse
import datetime
from decimal import Decimal

from bench.common import Timer, bench_database, report


def build(pool, transaction, products, days, today):
    Party = pool.get('party.party')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    Location = pool.get('stock.location')
    Company = pool.get('company.company')
    OrderPoint = pool.get('stock.order_point')
    company, = Company.search([], limit=1)
    unit, = Uom.search([('name', '=', 'Unit')])
    warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
    customer, = Location.search([('type', '=', 'customer')], limit=1)
    supplier, = Party.create([{'name': "Bench Supplier",
                'addresses': [('create', [{}])]}])
    ids = []
    for start in range(0, products, 500):
        templates = Template.create([{
                    'name': f'Item {i:06d}', 'type': 'goods',
                    'purchasable': True, 'default_uom': unit.id,
                    'purchase_uom': unit.id, 'list_price': Decimal(10),
                    'products': [('create', [{}])],
                    'product_suppliers': [('create', [{
                                    'party': supplier.id,
                                    'company': company.id,
                                    'lead_time': datetime.timedelta(days=7),
                                    'quantity_rounding': 6,
                                    }])],
                    } for i in range(start, min(start + 500, products))])
        ids.extend(t.products[0].id for t in templates)
    OrderPoint.create([{
                'product': product, 'location': warehouse.id,
                'type': 'purchase', 'min_quantity': 10,
                'target_quantity': 50, 'company': company.id,
                } for product in ids])
    cursor = transaction.connection.cursor()
    first = today - datetime.timedelta(days=days)
    cursor.execute(
        'INSERT INTO stock_move (product, unit, quantity, internal_quantity,'
        ' from_location, to_location, planned_date, effective_date, state,'
        ' company, unit_price, currency, unit_price_updated, create_uid,'
        ' create_date) '
        'SELECT p, %s, q, q, %s, %s, d, d, %s, %s, 1, %s, false, 0, now() '
        'FROM (SELECT p, d::date AS d, floor(random() * 5) + 1 AS q '
        'FROM unnest(%s::int[]) AS p, '
        'generate_series(%s::date, %s::date, interval \'1 day\') AS d '
        'WHERE random() < 0.7) AS s',
        (unit.id, warehouse.storage_location.id, customer.id, 'done',
            company.id, company.currency.id, ids, first,
            today - datetime.timedelta(days=1)))
    return company, warehouse, cursor.rowcount, ids


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('--products', type=int, default=2000)
    parser.add_argument('--days', type=int, default=730)
    parser.add_argument('--anchor-products', type=int, default=None,
        help="run stock_supply over this many products only and "
        "extrapolate")
    parser.add_argument('--profile', action='store_true',
        help="print where the generation spends its time")
    args = parser.parse_args(argv)
    from trytond.pool import Pool
    from trytond.transaction import Transaction
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
                Date = pool.get('ir.date')
                today = Date.today()
                with Timer() as build_time:
                    company, warehouse, moves, products = build(pool,
                        transaction, args.products, args.days, today)
                transaction.commit()
                Suggestion = pool.get('purchase.suggestion')
                Request = pool.get('purchase.request')
                suggestion, = Suggestion.create([{
                            'company': company.id, 'date': today,
                            'history_days': args.days,
                            'warehouses': [('add', [warehouse.id])],
                            }])
                profile = None
                if args.profile:
                    import cProfile
                    profile = cProfile.Profile()
                    profile.enable()
                with Timer() as ours:
                    Suggestion.generate([suggestion])
                if profile:
                    import pstats
                    profile.disable()
                    pstats.Stats(profile).sort_stats(
                        'cumulative').print_stats(35)
                lines = len(suggestion.lines)
                transaction.commit()
                anchor_products = min(args.anchor_products or args.products,
                    args.products)
                subset = None
                if anchor_products < args.products:
                    # stock_supply goes over every purchasable product
                    # unless given some
                    subset = pool.get('product.product').browse(
                        products[:anchor_products])
                with Timer() as anchor:
                    Request.generate_requests(products=subset)
                requests = Request.search_count([])
                transaction.rollback()
    scale = args.products / anchor_products
    anchor_wall, anchor_cpu = anchor.wall * scale, anchor.cpu * scale
    per_series = ours.wall / max(lines, 1)
    report(f"purchase_suggest: suggestions for {lines:,} product x "
        f"warehouse series, {args.days} days of history "
        f"({moves:,} done moves), PostgreSQL", [
            ("generate suggestion (wall)", ours.wall, anchor_wall, 's',
                "<= 60 s for 100,000 series"),
            ("generate suggestion (CPU)", ours.cpu, anchor_cpu, 's', '-'),
            ("per 100,000 series, extrapolated", per_series * 100_000,
                anchor.wall / anchor_products * 100_000, 's',
                "<= 60 s"),
            ], notes=[
            f"anchor: stock_supply purchase.request.generate_requests over "
            f"{anchor_products:,} of the {args.products:,} products "
            f"({requests:,} requests) in {anchor.wall:.1f} s wall / "
            f"{anchor.cpu:.1f} s CPU"
            + (f", extrapolated x{scale:.1f} to the catalogue"
                if scale != 1 else ", the whole catalogue"),
            f"build of the data: {build_time.wall:.1f} s",
            ])


if __name__ == '__main__':
    main()
