# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Store portal under load: 50 store users placing orders for 60 s.

    .venv/bin/python -m bench.store_ordering_load [--users 50]
        [--seconds 60] [--anchor-seconds 20]

Builds, in a fresh PostgreSQL database, 200 products, a store level (price
list with a quantity break, automatic approval up to 100,000.00) and 51
stores with their portal users, then starts the trytond server (the one
`bin/demo` runs, a single process with a thread per request) on loopback.
Each of the 50 users is a thread with its own HTTP connection that places
order after order through `POST /<db>/store/api/checkout` (3 random lines;
the order is priced, quoted with its promotions, and confirmed, which
processes it: shipment and invoice) for 60 s.  Figures: orders per second
and the latency of the checkout request (p50, p99).  Anchor, measured
first on the same server: one user placing orders alone.
"""
import argparse
import random
import statistics
import threading
import time
from decimal import Decimal

from bench.common import bench_database, report
from bench.store_ordering_data import (
    percentile, products as make_products, stores)


def prepare(pool, company, users, count=200):
    PriceList = pool.get('product.price_list')
    Level = pool.get('store.level')
    Promotion = pool.get('store.promotion')
    products = make_products(pool, count)
    price_list, = PriceList.create([{'name': "Load level", 'price':
                'list_price', 'company': company.id,
                'lines': [('create', [
                                {'quantity': 10,
                                    'formula': "unit_price * Decimal('0.8')"},
                                {'formula': "unit_price * Decimal('0.9')"},
                                ])]}])
    level, = Level.create([{'name': "Load level", 'code': 'LOAD',
                'kind': 'franchise', 'price_list': price_list.id,
                'auto_approve_limit': Decimal(100_000)}])
    Promotion.create([{'name': "满500减20", 'company': company.id,
                'kind': 'discount', 'sequence': 10,
                'threshold': Decimal(500), 'discount': Decimal(20)}])
    _, sessions = stores(pool, users + 1, level)
    return [p.id for p in products], sessions


def place_orders(url, sessions, products, seconds):
    """Each session a thread placing orders until the time is up;
    returns (latencies of placed orders, errors, wall time)"""
    import httpx
    latencies, errors = [], []
    lock = threading.Lock()
    barrier = threading.Barrier(len(sessions) + 1)

    def user(session, seed):
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=120, headers={
                    'Authorization': f'Bearer {session}'}) as client:
            barrier.wait()
            while time.perf_counter() < deadline:
                lines = [{'product': p, 'quantity': rng.randint(1, 20)}
                    for p in rng.sample(products, 3)]
                start = time.perf_counter()
                try:
                    response = client.post('checkout', json={
                            'lines': lines, 'reference': f'load {seed}'})
                    ok = response.status_code == 201
                    detail = response.text[:200]
                except httpx.HTTPError as error:
                    ok, detail = False, repr(error)
                elapsed = time.perf_counter() - start
                with lock:
                    if ok:
                        latencies.append(elapsed)
                    else:
                        errors.append(detail)

    threads = [threading.Thread(target=user, args=(s, i))
        for i, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    deadline = time.perf_counter() + 3600
    barrier.wait()
    begin = time.perf_counter()
    deadline = begin + seconds
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - begin


class _Database:
    "What tests.support.trytond_server needs of a database"
    def __init__(self, name):
        import os
        self.name = name
        self.env = dict(os.environ)
        self.env.pop('DB_NAME', None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--users', type=int, default=50)
    parser.add_argument('--seconds', type=float, default=60)
    parser.add_argument('--anchor-seconds', type=float, default=20)
    args = parser.parse_args()
    from tests.support import trytond_server
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with bench_database() as database:
        with Transaction().start(database, 0) as transaction:
            pool = Pool()
            company, = pool.get('company.company').search([], limit=1)
            with transaction.set_context(company=company.id):
                products, sessions = prepare(pool, company, args.users)
            transaction.commit()
        with trytond_server(_Database(database)) as url:
            url = f'{url}/{database}/store/api/'
            # warm up: the server's first request loads the pool
            place_orders(url, sessions[-1:], products, 2)
            single = place_orders(url, sessions[-1:], products,
                args.anchor_seconds)
            many = place_orders(url, sessions[:args.users], products,
                args.seconds)
        with Transaction().start(database, 0) as transaction:
            Sale = Pool().get('sale.sale')
            confirmed = Sale.search_count([
                    ('reference', 'like', 'load %'),
                    ('state', 'in', ['confirmed', 'processing'])])
    ms = 1000

    def figures(run):
        latencies, errors, wall = run
        return (len(latencies) / wall, statistics.median(latencies) * ms,
            percentile(latencies, 0.99) * ms, len(latencies), len(errors))
    ours, anchor = figures(many), figures(single)
    report(f"store_ordering: {args.users} store users placing orders on "
        f"loopback for {args.seconds:.0f} s (PostgreSQL)", [
            ("orders per second", ours[0], anchor[0], "orders/s", "-"),
            ("checkout latency p50", ours[1], anchor[1], "ms", "-"),
            ("checkout latency p99", ours[2], anchor[2], "ms", "-"),
            ("orders placed", ours[3], anchor[3], "orders", "-"),
            ("failed requests", ours[4], anchor[4], "requests", "0"),
            ], notes=[
            "ours: the users at once; anchor: one user alone for "
            f"{args.anchor_seconds:.0f} s, same server, same run",
            "an order: 3 random lines of 200 products, priced, quoted with "
            "the promotions and confirmed (processed: shipment, invoice)",
            "server: trytond (single process, a thread per request)",
            f"orders confirmed in the database after both runs: {confirmed:,}"]
        + ([f"first error: {many[1][0]}"] if many[1] else []))


if __name__ == '__main__':
    main()
