# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Suggestions for N products with daily history, against stock_supply.

    .venv/bin/python -m bench.purchase_suggest_scale [--products 2000]
        [--days 730] [--anchor-products N] [--profile] [--no-cache]

Builds N purchasable products with a supplier and their done customer
moves over `days` days (a sale on about 70% of the days, 1 to 5 units),
one order point per product (minimal 10, target 50), all by SQL: one
product is made through the ORM, then its rows and the rows depending on
them (template, product, product supplier, order point, prices) are
copied N - 1 times with valid foreign keys, and the moves are inserted by
INSERT ... SELECT per 5,000 products (20,000 products and 10 million
moves in a few minutes).  The catalogue is kept as a template database
(benchps_<modules fingerprint>_<N>_<days>_<date>) that later runs copy;
--no-cache builds it in the measured database instead.  Then it times in
the same database:

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
import contextlib
import datetime
import sys
from decimal import Decimal

from sql import Union

from bench.common import (
    Timer, bench_database, databases, rename_database, report)


def _foreign_keys(cursor, table):
    "{column: referenced table} of table's single-column foreign keys"
    cursor.execute(
        "SELECT a.attname, r.relname "
        "FROM pg_constraint c JOIN pg_class r ON r.oid = c.confrelid "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid "
        "AND a.attnum = c.conkey[1] "
        "WHERE c.contype = 'f' AND c.conrelid = %s::regclass "
        "AND array_length(c.conkey, 1) = 1", (table,))
    return dict(cursor.fetchall())


def _referencing(cursor, table):
    "[(table, column)] whose single-column foreign key points to table"
    cursor.execute(
        "SELECT r.relname, a.attname "
        "FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid "
        "AND a.attnum = c.conkey[1] "
        "WHERE c.contype = 'f' AND c.confrelid = %s::regclass "
        "AND array_length(c.conkey, 1) = 1", (table,))
    return cursor.fetchall()


def clone(cursor, table, row_id, count, overrides=None, skip=()):
    """Copy row `row_id` of table, and every row depending on it, count times

    Copy g (1 .. count) of a row gets the id first + g - 1 of a block
    reserved in the table's sequence, and its foreign keys to a copied row
    point to copy g of that row, so the copies keep valid foreign keys
    (a product's template, an order point's product ...).  overrides:
    {table: {column: SQL expression of g}}.  Tables in skip are not
    followed.  Returns {(table, old id): first new id}.
    """
    overrides = overrides or {}
    copied = {}
    queue = [(table, row_id)]
    while queue:
        table, row_id = queue.pop(0)
        if (table, row_id) in copied:
            continue
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND table_schema = current_schema() "
            "AND column_name != 'id' ORDER BY ordinal_position", (table,))
        columns = [c for c, in cursor.fetchall()]
        keys = _foreign_keys(cursor, table)
        cursor.execute(f'SELECT * FROM "{table}" WHERE id = %s', (row_id,))
        names = [d[0] for d in cursor.description]
        row = dict(zip(names, cursor.fetchone()))
        cursor.execute(f"SELECT nextval('{table}_id_seq')")
        first, = cursor.fetchone()
        cursor.execute(f"SELECT setval('{table}_id_seq', %s)",
            (first + count - 1,))
        exprs = []
        for column in columns:
            expr = overrides.get(table, {}).get(column)
            target = (keys.get(column), row[column])
            if expr is None and target in copied:
                expr = f'{copied[target]} + g - 1'
            exprs.append(expr or f'"{column}"')
        quoted = ', '.join(f'"{c}"' for c in columns)
        cursor.execute(
            f'INSERT INTO "{table}" (id, {quoted}) '
            f'SELECT {first} + g - 1, {", ".join(exprs)} '
            f'FROM "{table}", generate_series(1, %s) AS g '
            f'WHERE id = %s', (count, row_id))
        copied[table, row_id] = first
        for child, column in _referencing(cursor, table):
            if child in skip:
                continue
            cursor.execute(
                f'SELECT id FROM "{child}" WHERE "{column}" = %s', (row_id,))
            queue.extend((child, i) for i, in cursor.fetchall())
    return copied


def build(pool, transaction, products, days, today, chunk=5000):
    """The catalogue, built by SQL: one product made through the ORM, then
    copied products - 1 times with its dependent rows (template, product,
    product supplier, order point, list and cost prices ...), and the done
    customer moves of every product inserted by SQL per chunk of products.
    """
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
    template, = Template.create([{
                'name': 'Item 000000', 'type': 'goods',
                'purchasable': True, 'default_uom': unit.id,
                'purchase_uom': unit.id, 'list_price': Decimal(10),
                'products': [('create', [{}])],
                'product_suppliers': [('create', [{
                                'party': supplier.id,
                                'company': company.id,
                                'lead_time': datetime.timedelta(days=7),
                                'quantity_rounding': 6,
                                }])],
                }])
    product, = template.products
    OrderPoint.create([{
                'product': product.id, 'location': warehouse.id,
                'type': 'purchase', 'min_quantity': 10,
                'target_quantity': 50, 'company': company.id,
                }])
    cursor = transaction.connection.cursor()
    ids = [product.id]
    if products > 1:
        copied = clone(cursor, 'product_template', template.id,
            products - 1, overrides={'product_template': {
                    'name': "'Item ' || lpad(g::text, 6, '0')"}},
            skip={'stock_move'})
        first = copied['product_product', product.id]
        ids.extend(range(first, first + products - 1))
    first = today - datetime.timedelta(days=days)
    moves = 0
    # the moves' secondary indexes are dropped during the bulk insert and
    # made again after it, by the same definitions (an index per row
    # inserted made it several times slower)
    cursor.execute("SELECT i.indexname, i.indexdef FROM pg_indexes AS i "
        "JOIN pg_index AS x ON x.indexrelid = (quote_ident(i.indexname))"
        "::regclass "
        "WHERE i.tablename = 'stock_move' "
        "AND i.schemaname = current_schema() AND NOT x.indisprimary")
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    # and the foreign keys' triggers are not fired for them: the rows
    # refer to the product, unit, locations, company and currency above
    cursor.execute("SET LOCAL session_replication_role = replica")
    for start in range(0, products, chunk):
        cursor.execute(
            'INSERT INTO stock_move (product, unit, quantity,'
            ' internal_quantity, from_location, to_location, planned_date,'
            ' effective_date, state, company, unit_price, currency,'
            ' unit_price_updated, create_uid, create_date) '
            'SELECT p, %s, q, q, %s, %s, d, d, %s, %s, 1, %s, false, 0, '
            'now() '
            'FROM (SELECT p, d::date AS d, floor(random() * 5) + 1 AS q '
            'FROM unnest(%s::int[]) AS p, '
            'generate_series(%s::date, %s::date, interval \'1 day\') AS d '
            'WHERE random() < 0.7) AS s',
            (unit.id, warehouse.storage_location.id, customer.id, 'done',
                company.id, company.currency.id, ids[start:start + chunk],
                first, today - datetime.timedelta(days=1)))
        moves += cursor.rowcount
        print(f"  {min(start + chunk, products):,} products, {moves:,} "
            "moves", file=sys.stderr, flush=True)
    cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    for _, definition in indexes:
        cursor.execute(definition)
    cursor.execute('ANALYZE')
    return company, warehouse, moves, ids


def prepare_catalogue(pool, transaction):
    """The maintenance after moves written by SQL, timed: the sales history
    rebuilt from the moves, and a stock period closed at the end of the
    previous month (stock's caches, which both our stock position and
    stock_supply's quantities start from).  Returns {step: wall seconds}.
    """
    History = pool.get('purchase.suggestion.history')
    Period = pool.get('stock.period')
    Company = pool.get('company.company')
    timings = {}
    company = Company(transaction.context['company'])
    with Timer() as rebuild:
        rows = History.rebuild([company])
    timings[f'sales history rebuilt from the moves ({rows:,} rows)'] = (
        rebuild.wall)
    today = pool.get('ir.date').today()
    with Timer() as close:
        period, = Period.create([{'company': company.id,
                    'date': today.replace(day=1) - datetime.timedelta(
                        days=1)}])
        close_period(pool, transaction, period)
    timings[f'stock period closed on {period.date} (by SQL)'] = close.wall
    return timings


def close_period(pool, transaction, period, sample=20):
    """Close the stock period with its caches computed by one SQL
    aggregate of the done moves, as the catalogue's moves were written.

    Tryton's `Period.close` is made for closing a month of new moves at a
    time; over the whole two years of a 100,000-product catalogue at once
    (51 million moves) its Python part and the ORM creation of ~200,000
    caches took over 18 minutes.  The caches are checked against Tryton's
    own `products_by_location` at the period's date on a sample."""
    Period = pool.get('stock.period')
    Cache = pool.get('stock.period.cache')
    Product = pool.get('product.product')
    Location = pool.get('stock.location')
    move = pool.get('stock.move').__table__()
    cursor = transaction.connection.cursor()
    done = ((move.state == 'done') & (move.company == period.company.id)
        & (move.effective_date <= period.date))
    quantities = Union(move.select(move.to_location.as_('location'),
            move.product, move.internal_quantity.as_('quantity'),
            where=done),
        move.select(move.from_location.as_('location'), move.product,
            (-move.internal_quantity).as_('quantity'), where=done),
        all_=True)
    query, params = tuple(quantities)
    cursor.execute(
        f"INSERT INTO {Cache._table} (create_uid, create_date, period, "
        "location, product, internal_quantity) "
        "SELECT %s, now() AT TIME ZONE 'UTC', %s, q.location, q.product, "
        "SUM(q.quantity) "
        f"FROM ({query}) AS q "
        "JOIN stock_location l ON l.id = q.location "
        "WHERE l.type NOT IN ('warehouse', 'view') "
        "GROUP BY q.location, q.product HAVING SUM(q.quantity) != 0",
        (transaction.user, period.id) + tuple(params))
    caches = Cache.search([('period', '=', period.id)], limit=sample,
        order=[('product', 'DESC')])
    products = list({c.product.id for c in caches})
    locations = list({c.location.id for c in caches})
    if products:
        with transaction.set_context(stock_date_end=period.date,
                stock_date_start=None, stock_assign=False, forecast=False,
                stock_destinations=None, company=period.company.id):
            expected = Product.products_by_location(locations,
                grouping_filter=(products,), with_childs=False)
        for cache in caches:
            key = (cache.location.id, cache.product.id)
            if abs(expected.get(key, 0) - cache.internal_quantity) > 1e-6:
                raise AssertionError(f"period cache {key}: "
                    f"{cache.internal_quantity} != {expected.get(key)}")
    # closed once checked (a closed period's caches would be read back)
    cursor.execute(f"UPDATE {Period._table} SET state = 'closed' "
        "WHERE id = %s", (period.id,))


def update_modules(database, modules):
    "trytond-admin -u modules on database (an older module set's catalogue)"
    import os
    import subprocess
    import tempfile
    from pathlib import Path
    with tempfile.NamedTemporaryFile('w', suffix='.pass') as passfile:
        passfile.write('admin\n')
        passfile.flush()
        subprocess.run([str(Path(sys.executable).with_name('trytond-admin')),
                '-d', database, '-u', *modules, '--activate-dependencies'],
            env=dict(os.environ, TRYTONPASSFILE=passfile.name),
            check=True, stdout=subprocess.DEVNULL)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument('--products', type=int, default=2000)
    parser.add_argument('--days', type=int, default=730)
    parser.add_argument('--anchor-products', type=int, default=None,
        help="run stock_supply over this many products only and "
        "extrapolate")
    parser.add_argument('--profile', action='store_true',
        help="print where the generation spends its time")
    parser.add_argument('--no-cache', action='store_true',
        help="build the catalogue in the measured database and keep "
        "nothing (saves the copy of a large catalogue)")
    args = parser.parse_args(argv)
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    from trytond.modules.ecom_base.demo.cli import modules_fingerprint

    @contextlib.contextmanager
    def session(database, lock_tables=()):
        "A transaction as admin in the company"
        started = database in Pool.database_list()
        pool = Pool(database)
        if not started:
            pool.init()
        with Transaction().start(database, 0,
                _lock_tables=list(lock_tables)) as transaction:
            User = pool.get('res.user')
            admin, = User.search([('login', '=', 'admin')])
            with transaction.set_context(company=None):
                Company = pool.get('company.company')
                company, = Company.search([], limit=1)
            with transaction.set_user(admin.id), transaction.set_context(
                    company=company.id, companies=[company.id]):
                yield pool, transaction

    # the catalogue is kept as a template database: later runs copy it
    # (--no-cache: built in the measured database, nothing kept)
    suffix = f'_{args.products}_{args.days}_{datetime.date.today():%Y%m%d}'
    catalogue = f'benchps_{modules_fingerprint()}{suffix}'
    build_time = reused = None
    maintenance = {}

    def prepare(database):
        "The maintenance the suggestion relies on, timed apart"
        # closing a stock period locks the moves' table
        with session(database, ['stock_move']) as (pool, transaction):
            maintenance.update(prepare_catalogue(pool, transaction))
            transaction.commit()

    if not args.no_cache and catalogue not in databases():
        older = sorted(name for name in databases()
            if name.startswith('benchps_') and name.endswith(suffix))
        if older:
            # a catalogue of an older module set: its moves are the same,
            # only the modules are updated (no 51 million moves inserted
            # again); it is renamed, not copied
            reused = older[-1]
            building = f'{catalogue}_building'
            rename_database(reused, building)
            from trytond.modules.ecom_base.demo.cli import our_modules
            with Timer() as update_time:
                update_modules(building, our_modules())
            maintenance['module update of the older catalogue'] = (
                update_time.wall)
            prepare(building)
            rename_database(building, catalogue)
        else:
            with Timer() as build_time:
                with bench_database(keep=True) as building:
                    with session(building) as (pool, transaction):
                        today = pool.get('ir.date').today()
                        build(pool, transaction, args.products, args.days,
                            today)
                        transaction.commit()
            prepare(building)
            rename_database(building, catalogue)
    with bench_database(
            template_name=None if args.no_cache else catalogue) as database:
        if args.no_cache:
            with Timer() as build_time:
                with session(database) as (pool, transaction):
                    today = pool.get('ir.date').today()
                    build(pool, transaction, args.products, args.days,
                        today)
                    transaction.commit()
            prepare(database)
        with session(database) as (pool, transaction):
            Date = pool.get('ir.date')
            Location = pool.get('stock.location')
            today = Date.today()
            company = pool.get('company.company')(
                transaction.context['company'])
            warehouse, = Location.search([('type', '=', 'warehouse')],
                limit=1)
            cursor = transaction.connection.cursor()
            cursor.execute('SELECT p.id FROM product_product AS p '
                'JOIN product_template AS t ON t.id = p.template '
                "WHERE t.name LIKE 'Item %%' ORDER BY p.id")
            products = [i for i, in cursor.fetchall()]
            cursor.execute("SELECT count(*) FROM stock_move "
                "WHERE state = 'done'")
            moves, = cursor.fetchone()
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
            print(f"  generate: {ours.wall:.1f} s wall, {ours.cpu:.1f} s CPU",
                file=sys.stderr, flush=True)
            if profile:
                import pstats
                profile.disable()
                pstats.Stats(profile).sort_stats(
                    'cumulative').print_stats(35)
            # (counted: browsing 100,000 lines is quadratic in Tryton)
            lines = pool.get('purchase.suggestion.line').search_count(
                [('suggestion', '=', suggestion.id)])
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
            (f"build of the catalogue by SQL: {build_time.wall:.1f} s"
                if build_time else
                f"catalogue copied from the template {catalogue}"
                + (f" (made from {reused}, modules updated)"
                    if reused else "")),
            ] + [f"maintenance, not timed above: {name} {wall:.1f} s"
                for name, wall in maintenance.items()])


if __name__ == '__main__':
    main()
