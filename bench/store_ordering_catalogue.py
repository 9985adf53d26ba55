# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Store portal catalogue: a page of 5,000 products at a store's prices.

    .venv/bin/python -m bench.store_ordering_catalogue [--products 5000]
        [--requests 200]

Builds, in a fresh PostgreSQL database, 5,000 salable products in 20
categories, a store level whose price list has a line per category (with
a quantity break) and allows 16 of the categories, a store with its own
prices for 500 products, 5 running flash sales, and a portal user.  Then
times `GET /<db>/store/api/catalogue` through Tryton's WSGI application in
this process (session check, the route's transaction, search, count, the
store's prices, flash sales, available quantities, images, JSON) for 200
pages: a quarter plain pages at random offsets, a quarter filtered by
category, a quarter searched, a quarter both.  Anchor, same pages in the
same run: stock Tryton's search and count of the same domain and
`Product.get_sale_price` under the level's price list (sale_price_list),
which gives the price list's price only.  Target: p95 <= 150 ms.
"""
import argparse
import datetime
import random
import statistics
import time
from decimal import Decimal

from bench.common import Timer, bench_database, report
from bench.store_ordering_data import (
    percentile, products as make_products, stores)

CATEGORIES = 20
ALLOWED = 16


def prepare(pool, company, count):
    Category = pool.get('product.category')
    PriceList = pool.get('product.price_list')
    Level = pool.get('store.level')
    Override = pool.get('store.price.override')
    FlashSale = pool.get('store.flash.sale')
    categories = Category.create([{'name': f"Category {i:02d}"}
            for i in range(CATEGORIES)])
    products = make_products(pool, count, categories)
    lines = []
    for i, category in enumerate(categories):
        lines.append({'category': category.id, 'quantity': 10,
                'formula': f"unit_price * Decimal('0.{80 - i % 5}')"})
        lines.append({'category': category.id,
                'formula': f"unit_price * Decimal('0.{90 - i % 5}')"})
    lines.append({'formula': 'unit_price'})
    price_list, = PriceList.create([{'name': "Bench level", 'price':
                'list_price', 'company': company.id,
                'lines': [('create', lines)]}])
    level, = Level.create([{'name': "Bench level", 'code': 'BENCH',
                'kind': 'franchise', 'price_list': price_list.id,
                'categories': [('add', [c.id for c in categories[:ALLOWED]])],
                }])
    (store,), (session,) = stores(pool, 1, level)
    rng = random.Random(1)
    Override.create([{'party': store.id, 'product': p.id,
                'min_quantity': 0,
                'unit_price': (p.template.list_price * Decimal('0.7')
                    ).quantize(Decimal('0.0001'))}
            for p in rng.sample(products, count // 10)])
    now = datetime.datetime.now()
    FlashSale.create([{'name': f"Flash {i}", 'company': company.id,
                'product': p.id, 'unit_price': Decimal('0.50'),
                'start': now - datetime.timedelta(hours=1),
                'end': now + datetime.timedelta(hours=1),
                'total_quantity': 100}
            for i, p in enumerate(rng.sample(products, 5))])
    return store, level, price_list, session, categories


def pages(categories, count, requests):
    "The query strings of the timed pages, the same for ours and the anchor"
    rng = random.Random(2)
    result = []
    for i in range(requests):
        params = {}
        kind = i % 4
        if kind in {1, 3}:
            params['category'] = rng.choice(categories[:ALLOWED]).id
        if kind in {2, 3}:
            # 'P012' matches the 100 products P01200 to P01299
            params['q'] = f"P{rng.randrange(count // 100):03d}"
        if kind == 0:
            params['offset'] = rng.randrange(0, count * ALLOWED
                // CATEGORIES - 24)
        result.append(params)
    return result


def ours(database, session, queries):
    from trytond.wsgi import app
    from werkzeug.test import Client
    client = Client(app)
    headers = {'Authorization': f'Bearer {session}'}
    times, sizes = [], []
    for params in queries:
        start = time.perf_counter()
        response = client.get(f'/{database}/store/api/catalogue',
            query_string=params, headers=headers)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.get_data(as_text=True)
        sizes.append(len(response.get_json()['products']))
    return times, sizes


def anchor(database, company, store, level, price_list, queries):
    "Stock Tryton: search, count and get_sale_price of the same page"
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    times, sizes = [], []
    domain_of = None
    for params in queries:
        start = time.perf_counter()
        with Transaction().start(database, 1, readonly=True, context={
                    'company': company, 'customer': store,
                    'price_list': price_list}):
            pool = Pool()
            Product = pool.get('product.product')
            if domain_of is None:
                Level = pool.get('store.level')
                base = Level(level).product_domain()
                domain_of = lambda: list(base)  # noqa: E731
            domain = domain_of()
            if params.get('q'):
                domain.append(('rec_name', 'ilike', f"%{params['q']}%"))
            if params.get('category'):
                domain.append(('categories_all', '=', params['category']))
            products = Product.search(domain, offset=params.get('offset', 0),
                limit=24, order=[('code', 'ASC'), ('id', 'ASC')])
            Product.search_count(domain)
            prices = Product.get_sale_price(products, 1)
            [{'id': p.id, 'code': p.code, 'name': p.name,
                    'price': str(prices[p.id])} for p in products]
        times.append(time.perf_counter() - start)
        sizes.append(len(products))
    return times, sizes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--products', type=int, default=5000)
    parser.add_argument('--requests', type=int, default=200)
    parser.add_argument('--profile', action='store_true',
        help="also print where the route's time goes (cProfile)")
    args = parser.parse_args()
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with bench_database() as database:
        with Transaction().start(database, 0) as transaction:
            pool = Pool()
            company, = pool.get('company.company').search([], limit=1)
            with transaction.set_context(company=company.id), \
                    Timer() as build:
                store, level, price_list, session, categories = prepare(
                    pool, company, args.products)
            ids = (company.id, store.id, level.id, price_list.id)
            queries = pages(categories, args.products, args.requests)
            transaction.commit()
        # one request each first: caches, first imports
        ours(database, session, queries[:4])
        anchor(database, *ids, queries[:4])
        with Timer() as ours_wall:
            our_times, our_sizes = ours(database, session, queries)
        with Timer() as anchor_wall:
            anchor_times, anchor_sizes = anchor(database, *ids, queries)
        if args.profile:
            import cProfile
            import pstats
            profile = cProfile.Profile()
            profile.runcall(ours, database, session, queries[:40])
            pstats.Stats(profile).sort_stats('cumulative').print_stats(45)
    assert our_sizes == anchor_sizes, "not the same pages"
    ms = 1000
    report(f"store_ordering: catalogue page, {args.products:,} products "
        "at a store's prices (PostgreSQL)", [
            ("server time p50", statistics.median(our_times) * ms,
                statistics.median(anchor_times) * ms, "ms", "-"),
            ("server time p95", percentile(our_times, 0.95) * ms,
                percentile(anchor_times, 0.95) * ms, "ms", "<= 150 ms"),
            ("server time max", max(our_times) * ms, max(anchor_times) * ms,
                "ms", "-"),
            ("pages per second", len(queries) / ours_wall.wall,
                len(queries) / anchor_wall.wall, "pages/s", "-"),
            ("products per page (mean)", statistics.mean(our_sizes),
                statistics.mean(anchor_sizes), "products", "-"),
            ], notes=[
            f"{args.requests} pages: plain (random offset), by category, "
            "searched, searched in a category; 24 products a page",
            "ours: the portal route through the WSGI app in process "
            "(session, transaction, store prices, overrides, flash sales, "
            "available quantities, image URLs, JSON)",
            "anchor: stock search + search_count + Product.get_sale_price "
            "under the level's price list (sale_price_list) for the same "
            "pages",
            f"data built in {build.wall:.0f} s"])


if __name__ == '__main__':
    main()
