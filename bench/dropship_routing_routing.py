# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Routing decisions for 10,000 order lines over 1,000 products × 20 offers.

    .venv/bin/python -m bench.dropship_routing_routing [--lines 10000]

Builds 20 graded suppliers, 1,000 drop-ship products and their 20,000
drop-ship offers (price, freight, handling days, regions, feed stock and
freshness) in a fresh PostgreSQL database (the offers and their prices by
bulk SQL inserts in committed chunks: 20,000 ORM creates in one
transaction exhaust the server's lock table), then routes 10,000 lines
(random product, quantity, region, price, commission):

- ours: the module's production path, `sale.line._dropship_offers` reading
  the offers of all the lines' products, their price lines, the suppliers'
  grades and feeds in bulk (the search as one SQL query, then one query
  per table and thousand offers), the offers priced once per product and
  quantity, then the pure `routing.route_line` for each line;
- anchor: naive per-line ORM routing, what an override of Tryton's
  `find_best_product_supplier` does: for each line, search the product's
  drop-ship offers and build them through the ORM (prices, the supplier
  grade Function field), then rank them (measured on a sample of lines,
  reported per line).

Both make the same decisions (checked on the sample).  Target: ≥ 500
lines/s.
"""
import argparse
import datetime
import random
from decimal import Decimal

from bench.common import Timer, bench_database, report

PRODUCTS = 1000
OFFERS = 20
REGIONS = ['CN-GD', 'CN-BJ', 'CN-SH', 'CN-ZJ', 'CN-JS', 'CN-SC']
GRADES = ['core', 'core', 'new', 'backup', None]


def build(pool, rng, company):
    from trytond.transaction import Transaction
    Party = pool.get('party.party')
    Grading = pool.get('party.party.supplier_grading')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    ProductSupplier = pool.get('purchase.product_supplier')
    Price = pool.get('purchase.product_supplier.price')
    unit, = Uom.search([('name', '=', 'Unit')])
    suppliers = Party.create([{'name': f'Dropshipper {i:02d}'}
            for i in range(OFFERS)])
    Grading.create([{'party': s.id, 'company': company.id,
                'supplier_grade': rng.choice(GRADES)} for s in suppliers])
    templates = []
    for start in range(0, PRODUCTS, 100):
        templates += Template.create([{
                    'name': f'Item {i:04d}', 'type': 'goods',
                    'purchasable': True, 'salable': True,
                    'default_uom': unit.id, 'purchase_uom': unit.id,
                    'sale_uom': unit.id, 'list_price': Decimal(50),
                    'supply_on_sale': 'always', 'dropship_only': True,
                    'products': [('create', [{'suffix_code': f'I{i:04d}'}])]}
                for i in range(start, min(start + 100, PRODUCTS))])
        Transaction().commit()
    now = datetime.datetime.now()
    rows, costs = [], []
    for template in templates:
        for supplier in suppliers:
            rows.append([template.id, template.products[0].id, supplier.id,
                    company.id, company.currency.id, True, True,
                    Decimal(rng.randint(0, 8)), rng.randint(1, 5),
                    ' '.join(rng.sample(REGIONS, 3))
                    if rng.random() < 0.5 else None,
                    rng.choice([0, 3, 20, 100]),
                    now - datetime.timedelta(hours=rng.choice([1, 5, 30])),
                    0, now])
            costs.append(Decimal(rng.randint(1500, 3500)) / 100)
    # bulk inserts in committed chunks: the shared server's lock table is
    # small
    table, price = ProductSupplier.__table__(), Price.__table__()
    columns = [table.template, table.product, table.party, table.company,
        table.currency, table.drop_shipment, table.active,
        table.dropship_freight, table.handling_days, table.dropship_regions,
        table.feed_stock, table.feed_at, table.create_uid, table.create_date]
    cursor = Transaction().connection.cursor()
    for start in range(0, len(rows), 2000):
        cursor.execute(*table.insert(columns, rows[start:start + 2000],
                returning=[table.id]))
        ids = [i for i, in cursor]
        cursor.execute(*price.insert(
                [price.product_supplier, price.quantity, price.unit_price,
                    price.create_uid, price.create_date],
                [[i, 0, c, 0, now]
                    for i, c in zip(ids, costs[start:start + 2000])]))
        Transaction().commit()
    return [t.products[0] for t in templates]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--lines', type=int, default=10_000)
    parser.add_argument('--sample', type=int, default=500,
        help="lines routed by the anchor (reported per line)")
    args = parser.parse_args(argv)

    from trytond.modules.dropship_routing import routing
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    rng = random.Random(6)
    with bench_database() as database:
        pool = Pool(database)
        with Transaction().start(database, 0) as transaction:
            Company = pool.get('company.company')
            company, = Company.search([], limit=1)
            with transaction.set_context(company=company.id):
                with Timer() as build_time:
                    products = build(pool, rng, company)
                transaction.commit()
                Line = pool.get('sale.line')
                ProductSupplier = pool.get('purchase.product_supplier')
                Product = pool.get('product.product')
                policy = routing.Policy(margin_floor=Decimal(5))
                now = datetime.datetime.now()
                lines = [(rng.choice(products).id, routing.Line(
                            quantity=rng.randint(1, 4),
                            unit_price=Decimal(rng.randint(3000, 6000)) / 100,
                            region=rng.choice(REGIONS),
                            commission=Decimal(rng.randint(0, 300)) / 100))
                    for _ in range(args.lines)]

                transaction.cache.clear()
                with Timer() as ours:
                    offers = Line._dropship_offers(
                        Product.browse({p for p, _ in lines}))
                    decisions, priced = [], {}
                    for product_id, line in lines:
                        # priced once per product and quantity, as
                        # sale.line.dropship_route_lines does
                        key = (product_id, line.quantity)
                        if key not in priced:
                            priced[key] = [o.at(line.quantity)
                                for o in offers[product_id]]
                        decisions.append(routing.route_line(line, [],
                                priced[key], now, policy))

                transaction.cache.clear()
                sample = lines[:args.sample]
                with Timer() as anchor:
                    anchor_decisions = []
                    for product_id, line in sample:
                        found = ProductSupplier.search([
                                ('product', '=', product_id),
                                ('drop_shipment', '=', True)],
                            order=[('sequence', 'ASC NULLS FIRST'),
                                ('id', 'ASC')])
                        anchor_decisions.append(routing.route_line(line, [],
                                [ps.dropship_offer(line.quantity)
                                    for ps in found], now, policy))
                        transaction.cache.clear()
                same = sum(1 for a, b in zip(decisions, anchor_decisions)
                    if (a.route, a.offer and a.offer.key)
                    == (b.route, b.offer and b.offer.key))
                routes = {}
                for decision in decisions:
                    routes[decision.reason] = routes.get(
                        decision.reason, 0) + 1
                ours_rate = len(lines) / ours.wall
                anchor_rate = len(sample) / anchor.wall
                report("dropship_routing: routing decisions", [
                        ("lines routed", len(lines), len(sample), "lines",
                            f"{PRODUCTS} products x {OFFERS} offers"),
                        ("throughput (wall)", ours_rate, anchor_rate,
                            "lines/s", ">= 500"),
                        ("CPU per line", ours.cpu / len(lines) * 1000,
                            anchor.cpu / len(sample) * 1000, "ms", "-"),
                        ], notes=[
                        f"anchor: per-line ORM search of the offers, on "
                        f"{len(sample)} lines; same decisions on "
                        f"{same}/{len(sample)}",
                        "decisions: " + ', '.join(
                            f"{k} {v}" for k, v in sorted(routes.items())),
                        f"build of the offers: {build_time.wall:.1f} s",
                        ])
            transaction.rollback()


if __name__ == '__main__':
    main()
