# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Stock push: 100,000 listings recomputed and diffed after 1,000 changes.

    .venv/bin/python -m bench.ecom_connector_push [--products 25000]

Builds, in a fresh PostgreSQL database, 25,000 products with stock (rows
copied in SQL from one made through the ORM), 4 channels with different
allocation rules and a listing of every product on every channel
(100,000 listings, all pushed once), then adds 1,000 done stock moves and
times `ecom.listing.push_plan`: the availability of every listing computed
again (on hand, reserved, pending orders, safety buffer, allocation rules)
and compared with what was pushed.  Anchor measured in the same run: stock
Tryton's way of reading the quantities (`product.product.quantity` under a
warehouse context, what web_shop_shopify pushes), for the same products.
Target: under 5 s.
"""
import argparse
import os
import datetime
import random
from decimal import Decimal

from bench.common import Timer, bench_database, report
from bench.supplier_grading_scorecards import copy_rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--products', type=int, default=25_000)
    parser.add_argument('--changes', type=int, default=1_000)
    args = parser.parse_args()
    from trytond.modules.ecom_connector.adapters import ADAPTERS
    from trytond.modules.ecom_connector.adapters.base import (
        Adapter, InventoryResult)
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    class Sink(Adapter):
        platform = 'bench_sink'
        title = "Benchmark sink"

        def update_inventory(self, updates):
            return [InventoryResult(u.sku_id, u.product_id, True)
                for u in updates]
    ADAPTERS['bench_sink'] = Sink

    load_before = os.getloadavg()
    with bench_database() as name, Transaction().start(name, 0) as tx:
        pool = Pool()
        Company = pool.get('company.company')
        company, = Company.search([], limit=1)
        with tx.set_context(company=company.id):
            rows = run(pool, tx, company, args)
        tx.rollback()
    report("ecom_connector: stock push plan", rows, notes=[
            f"{args.products:,} products x 4 channels; "
            f"{args.changes:,} done moves added before the timed pass",
            "ours: availability and allocation of every listing, "
            "diffed with the pushed quantities",
            "anchor: stock Tryton reading product quantities "
            "(Product.products_by_location) for the same products",
            "load average (1, 5, 15 min) before: %.1f %.1f %.1f, after: "
            "%.1f %.1f %.1f" % (load_before + os.getloadavg())])


def run(pool, tx, company, args):
    Template = pool.get('product.template')
    Product = pool.get('product.product')
    Uom = pool.get('product.uom')
    Location = pool.get('stock.location')
    Move = pool.get('stock.move')
    Channel = pool.get('ecom.channel')
    Listing = pool.get('ecom.listing')
    cursor = tx.connection.cursor()
    unit, = Uom.search([('name', '=', 'Unit')])
    template, = Template.create([{'name': 'Item', 'type': 'goods',
                'salable': True, 'default_uom': unit.id, 'sale_uom': unit.id,
                'list_price': Decimal(10),
                'products': [('create', [{'suffix_code': 'ITEM'}])]}])
    product, = template.products
    warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
    storage = warehouse.storage_location
    lost, = Location.search([('type', '=', 'lost_found')], limit=1)
    move, = Move.create([{'product': product.id, 'quantity': 50,
                'unit': unit.id, 'from_location': lost.id,
                'to_location': storage.id,
                'effective_date': datetime.date.today(),
                'company': company.id}])
    Move.do([move])
    count = args.products - 1
    copy_rows(cursor, 'product_template', template.id, count, {})
    cursor.execute('SELECT id FROM product_template WHERE id != %s '
        'ORDER BY id', (template.id,))
    template_ids = [r for r, in cursor.fetchall()]
    cursor.execute(
        'CREATE TEMP TABLE tpl (n serial PRIMARY KEY, id integer)')
    cursor.execute('INSERT INTO tpl (id) SELECT unnest(%s::int[])',
        (template_ids,))
    copy_rows(cursor, 'product_product', product.id, count, {
            'template': '(SELECT id FROM tpl WHERE tpl.n = g.g)',
            'suffix_code': "'ITEM' || g.g", 'code': "'ITEM' || g.g"})
    cursor.execute('SELECT id FROM product_product ORDER BY id')
    product_ids = [r for r, in cursor.fetchall()]
    cursor.execute(
        'CREATE TEMP TABLE prd (n serial PRIMARY KEY, id integer)')
    cursor.execute('INSERT INTO prd (id) SELECT unnest(%s::int[])',
        (product_ids[1:],))
    copy_rows(cursor, 'stock_move', move.id, count, {
            'product': '(SELECT id FROM prd WHERE prd.n = g.g)',
            'quantity': '1 + mod(g.g, 40)',
            'internal_quantity': '1 + mod(g.g, 40)'})
    channels = Channel.create([{
                'name': f'Shop {n}', 'platform': 'bench_sink',
                'company': company.id, 'warehouse': warehouse.id,
                'allocation': mode, 'allocation_percentage': pct,
                'allocation_quantity': qty, 'safety_buffer': 1,
                'zero_threshold': 1}
            for n, (mode, pct, qty) in enumerate([
                    ('percentage', Decimal(100), None),
                    ('percentage', Decimal(60), None),
                    ('fixed', None, 5),
                    ('exclusive', None, 2)])])
    Channel.run(channels)
    listing = Listing.__table__()
    for channel in channels:
        for start in range(0, len(product_ids), 5000):
            cursor.execute(*listing.insert(
                    [listing.channel, listing.platform_product_id,
                        listing.platform_sku_id, listing.product,
                        listing.combo, listing.listed, listing.create_uid,
                        listing.create_date],
                    [[channel.id, str(p), f'{channel.id}-{p}', p, False,
                            True, 0, datetime.datetime.now()]
                        for p in product_ids[start:start + 5000]]))
    # everything pushed once: the timed pass diffs against it
    plan = Listing.push_plan(channels)
    values = {}
    for listing_id, _, _, target in plan:
        values.setdefault(target, []).append(listing_id)
    for target, ids in values.items():
        cursor.execute('UPDATE ecom_listing SET pushed_quantity = %s '
            'WHERE id = ANY(%s)', (target, ids))
    changed = random.Random(1).sample(product_ids, args.changes)
    cursor.execute(
        'CREATE TEMP TABLE chg (n serial PRIMARY KEY, id integer)')
    cursor.execute('INSERT INTO chg (id) SELECT unnest(%s::int[])',
        (changed,))
    copy_rows(cursor, 'stock_move', move.id, args.changes, {
            'product': '(SELECT id FROM chg WHERE chg.n = g.g)',
            'quantity': '3', 'internal_quantity': '3',
            'from_location': str(storage.id),
            'to_location': str(lost.id)})
    with Timer() as full:
        plan = Listing.push_plan(channels)
    to_push = [p for p in plan if p[2] != p[3]]
    with Timer() as incremental:
        changed_plan = Listing.push_plan(channels, products=changed)
    with Timer() as anchor:
        with tx.set_context(locations=[warehouse.id],
                stock_date_end=datetime.date.today()):
            Product.products_by_location([warehouse.id],
                with_childs=True, grouping_filter=(product_ids,))
    assert len(plan) == 4 * args.products
    return [
        ('all listings recomputed and diffed', full.wall, anchor.wall, 's',
            '< 5 s'),
        ('  the same, CPU time of this process', full.cpu, anchor.cpu, 's',
            '(the database server not counted)'),
        ('listings of the changed products only', incremental.wall, None,
            's', ''),
        ('listings to push (changed quantity)', len(to_push), None,
            'listings', ''),
        ('listings of the changed products', len(changed_plan), None,
            'listings', ''),
        ]


if __name__ == '__main__':
    main()
