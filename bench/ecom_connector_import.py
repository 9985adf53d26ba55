# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Order import throughput: raw store, and the whole path to processed sales.

    .venv/bin/python -m bench.ecom_connector_import [--orders 20000]
        [--whole 300] [--stock 100] [--batch 50] [--burst 300]
        [--all-modules] [--profile FILE]

In a fresh PostgreSQL database (ecom_connector and the Tryton modules it
depends on; --all-modules: all of ours) with 30 products in stock and one
channel, times (1) receiving and storing `--orders` raw orders of 3 lines
(`ecom.raw_order.receive`, batches of 500), (2) the whole path for `--whole`
of them: raw order stored, then imported (party, address, sale created,
quoted, confirmed and processed: moves and shipment, stock reserved) in
batches of `--batch`, (3) a webhook burst: `--burst` orders delivered one by
one, each queuing its import task (`import_waiting`), the tasks run in
turn, (4) the anchor measured in the same run: stock Tryton's path for
`--stock` orders of the same shape (Sale.create, quote, confirm, process,
one order at a time), and (5) the same stock calls on lists of `--batch`
sales, the bound of any whole path that keeps Tryton's own records.
Targets: storing >= 1,000 orders/s; whole path >= 50 orders/s and 10x the
stock path.
"""
import argparse
import os
import datetime
from decimal import Decimal

from bench.common import Timer, bench_database, report

UTC = datetime.timezone.utc


def payload(n, now):
    return {'id': f'B{n:07d}', 'modified': now.isoformat(),
        'buyer': f'buyer{n % 5000}', 'name': f'Buyer {n}',
        'city': 'Shanghai', 'street': f'{n} Road',
        'lines': [{'id': f'{n}-{i}', 'sku': f'S{(n + i * 7) % 30}',
                'qty': 1 + i, 'price': '9.90'} for i in range(3)]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--orders', type=int, default=20_000)
    parser.add_argument('--whole', type=int, default=300)
    parser.add_argument('--stock', type=int, default=100)
    parser.add_argument('--batch', type=int, default=50,
        help="orders per import batch on the whole path")
    parser.add_argument('--burst', type=int, default=300,
        help="orders of a webhook burst: one delivery and one import task "
        "each")
    parser.add_argument('--all-modules', action='store_true',
        help="run in a database of all the project's modules (by default: "
        "ecom_connector and the Tryton modules it depends on)")
    parser.add_argument('--profile', metavar='FILE',
        help="write a cProfile of the whole path to FILE (pstats)")
    args = parser.parse_args()
    from trytond.modules.ecom_connector.adapters import ADAPTERS
    from trytond.modules.ecom_connector.adapters.base import (
        Adapter, Address, Order, OrderLine, OrderStatus)
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    class Feed(Adapter):
        platform = 'bench_feed'
        title = "Benchmark feed"

        def order_reference(self, data):
            return data['id'], datetime.datetime.fromisoformat(
                data['modified'])

        def parse_order(self, data):
            modified = datetime.datetime.fromisoformat(data['modified'])
            return Order(platform_order_id=data['id'],
                status=OrderStatus.PAID, platform_status='paid',
                created_at=modified, modified_at=modified, currency=None,
                buyer=data['buyer'],
                address=Address(name=data['name'], city=data['city'],
                    street=data['street']),
                lines=[OrderLine(platform_line_id=l['id'], sku_id=l['sku'],
                        product_id=None, sku_code=None, barcode=None,
                        title=l['sku'], quantity=Decimal(l['qty']),
                        unit_price=Decimal(l['price']))
                    for l in data['lines']])
    ADAPTERS['bench_feed'] = Feed

    load_before = os.getloadavg()
    modules = None if args.all_modules else ['ecom_connector']
    with bench_database(modules=modules) as name:
        with Transaction().start(name, 0) as tx:
            company_id = Pool().get('company.company').search(
                [], limit=1)[0].id
        context = {'company': company_id}
        Company = Pool(name).get('company.company')
        with Transaction().start(name, 0, context=context) as tx:
            (channel_id, burst_channel_id), products = setup(Pool(),
                Company(company_id))
            tx.commit()
        now = datetime.datetime.now(UTC)
        with Transaction().start(name, 0, context=context) as tx:
            RawOrder = Pool().get('ecom.raw_order')
            channel = Pool().get('ecom.channel')(channel_id)
            with Timer() as store:
                for start in range(0, args.orders, 500):
                    RawOrder.receive(channel, [payload(n, now) for n in
                            range(start, min(start + 500, args.orders))],
                        'webhook')
            tx.commit()
        with Transaction().start(name, 0, context=context) as tx:
            RawOrder = Pool().get('ecom.raw_order')
            channel = Pool().get('ecom.channel')(channel_id)
            base = args.orders
            profiler = None
            if args.profile:
                import cProfile
                profiler = cProfile.Profile()
                profiler.enable()
            with Timer() as whole:
                for start in range(0, args.whole, args.batch):
                    raws = RawOrder.receive(channel, [payload(base + n, now)
                            for n in range(start,
                                min(start + args.batch, args.whole))],
                        'webhook')
                    RawOrder.import_orders(raws, push=False)
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.profile)
            imported = RawOrder.search_count([('state', '=', 'imported')])
            tx.commit()
        with Transaction().start(name, 0, context=context) as tx:
            # a burst of webhooks: each order delivered and stored alone,
            # each queuing its import task; the tasks then run in turn
            RawOrder = Pool().get('ecom.raw_order')
            channel = Pool().get('ecom.channel')(burst_channel_id)
            base = args.orders + args.whole
            with Timer() as burst:
                tasks = [RawOrder.receive(channel, [payload(base + n, now)],
                        'webhook') for n in range(args.burst)]
                for raws in tasks:
                    RawOrder.import_waiting(raws)
            tx.commit()
        with Transaction().start(name, 0, context=context) as tx:
            with Timer() as stock:
                stock_path(Pool(), Company(company_id), channel_id, products,
                    args.stock)
            tx.commit()
        with Transaction().start(name, 0, context=context) as tx:
            with Timer() as bound:
                stock_path(Pool(), Company(company_id), channel_id, products,
                    args.whole, batch=args.batch)
            tx.commit()
    report("ecom_connector: order import", [
            ('raw orders stored', args.orders / store.wall, None,
                'orders/s', '>= 1,000'),
            ('whole path (stored to processed sale)',
                args.whole / whole.wall, args.stock / stock.wall,
                'orders/s', '>= 50 and 10x the stock path'),
            ('webhook burst, one delivery and task per order',
                args.burst / burst.wall, args.stock / stock.wall,
                'orders/s', '-'),
            ('Tryton alone, batched (bound of the whole path)',
                args.whole / bound.wall, args.stock / stock.wall,
                'orders/s', '-'),
            ], notes=[
            f"{args.orders:,} orders stored, {args.whole} through the "
            f"whole path in batches of {args.batch} ({imported} imported), "
            f"{args.stock} by the stock path; 3 lines each",
            "anchor: Sale.create, quote, confirm, process of the same "
            "orders, one at a time",
            f"webhook burst: {args.burst} orders received one by one, "
            "then their import tasks run in turn (the first imports what "
            "waits, by batches of 50, at most 100 a task)",
            f"bound: the same stock Tryton calls on lists of {args.batch} "
            "sales (parties and addresses made beside, no raw order, no "
            "check): what Tryton's own quote, confirm and process cost "
            "when batched",
            "CPU of this process per order (the database's apart): whole "
            "path %.0f ms, stock path %.0f ms (%.1fx), Tryton alone "
            "batched %.0f ms" % (
                1000 * whole.cpu / args.whole, 1000 * stock.cpu / args.stock,
                (stock.cpu / args.stock) / (whole.cpu / args.whole),
                1000 * bound.cpu / args.whole),
            "load average (1, 5, 15 min) before: %.1f %.1f %.1f, after: "
            "%.1f %.1f %.1f" % (load_before + os.getloadavg())])


def setup(pool, company):
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    Location = pool.get('stock.location')
    Move = pool.get('stock.move')
    Channel = pool.get('ecom.channel')
    Listing = pool.get('ecom.listing')
    unit, = Uom.search([('name', '=', 'Unit')])
    templates = Template.create([{'name': f'Item {i}', 'type': 'goods',
                'salable': True, 'default_uom': unit.id,
                'sale_uom': unit.id, 'list_price': Decimal(10),
                'products': [('create', [{'suffix_code': f'ITEM{i}'}])]}
            for i in range(30)])
    products = [t.products[0] for t in templates]
    warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
    lost, = Location.search([('type', '=', 'lost_found')], limit=1)
    moves = Move.create([{'product': p.id, 'quantity': 1_000_000,
                'unit': unit.id, 'from_location': lost.id,
                'to_location': warehouse.storage_location.id,
                'effective_date': datetime.date.today(),
                'company': company.id} for p in products])
    Move.do(moves)
    # the second shop takes the webhook burst: the first one keeps the
    # stored orders of the store figure waiting, and a webhook's import
    # task would take them along
    channels = Channel.create([{'name': name, 'platform': 'bench_feed',
                'company': company.id, 'warehouse': warehouse.id,
                'push_stock': False} for name in ['Bench', 'Bench burst']])
    Channel.run(channels)
    Listing.create([{'channel': c.id, 'platform_sku_id': f'S{i}',
                'product': p.id}
            for c in channels for i, p in enumerate(products)])
    return [c.id for c in channels], [p.id for p in products]


def stock_path(pool, company, channel_id, product_ids, count, batch=1):
    """Stock Tryton: parties and sales saved, quoted, confirmed and
    processed, `batch` at a time (one at a time: the anchor)"""
    Sale = pool.get('sale.sale')
    Party = pool.get('party.party')
    Product = pool.get('product.product')
    Channel = pool.get('ecom.channel')
    channel = Channel(channel_id)
    products = Product.browse(product_ids)
    prefix = 'Stock' if batch == 1 else 'Batched'
    for start in range(0, count, batch):
        numbers = range(start, min(start + batch, count))
        parties = [Party(name=f'{prefix} buyer {n}',
                addresses=[{'street': f'{n} Road', 'city': 'Shanghai'}])
            for n in numbers]
        Party.save(parties)
        sales = [Sale(company=company, party=party,
                invoice_address=party.addresses[0],
                shipment_address=party.addresses[0],
                warehouse=channel.warehouse, currency=company.currency,
                invoice_method='manual', shipment_method='order',
                lines=[{'type': 'line',
                        'product': products[(n + i * 7) % 30],
                        'quantity': 1 + i,
                        'unit': products[(n + i * 7) % 30].sale_uom,
                        'unit_price': Decimal('9.90')} for i in range(3)])
            for n, party in zip(numbers, parties)]
        Sale.save(sales)
        Sale.quote(sales)
        Sale.confirm(sales)
        Sale.process(sales)


if __name__ == '__main__':
    main()
