# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Flash sale: 200 concurrent buyers for 100 units.

    .venv/bin/python -m bench.store_ordering_flash [--buyers 200]

Each buyer is a store with a draft order of one unit of the flash sale
product; all quote at once (one thread each, retried as Tryton's
dispatcher retries), at most --concurrency (32) transactions open at a
time, as a server's request threads share its database connections (64 by
default): a buyer waits for a free connection instead of timing out, and
every buyer gets an answer, sold, refused (sold out) or error.  Ours holds the unit under the flash sale
row lock (`store.flash.sale.reserve`); the anchor, measured in the same
run on a second flash sale, checks the units sold by counting the order
lines and holds nothing (count-then-insert), as a naive implementation
would.  Target: never more than 100 sold.
"""
import argparse
import datetime
import random
import threading
import time
from decimal import Decimal

from bench.common import Timer, bench_database, report

UNITS = 100
# each sale of a unit makes the buyers waiting on the row lock retry: a
# buyer may retry about once per unit sold before the sale is sold out
ATTEMPTS = 1000


def prepare(pool, buyers):
    Party = pool.get('party.party')
    Level = pool.get('store.level')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    FlashSale = pool.get('store.flash.sale')
    Sale = pool.get('sale.sale')
    Line = pool.get('sale.line')
    Company = pool.get('company.company')
    Account = pool.get('account.account')
    Category = pool.get('product.category')
    company, = Company.search([], limit=1)
    unit, = Uom.search([('name', '=', 'Unit')])
    revenue, = Account.search([
            ('type.revenue', '=', True), ('closed', '=', False)], limit=1)
    expense, = Account.search([
            ('type.expense', '=', True), ('closed', '=', False)], limit=1)
    accounting, = Category.create([{'name': "Bench goods",
                'accounting': True, 'account_revenue': revenue.id,
                'account_expense': expense.id}])
    template, = Template.create([{
                'account_category': accounting.id,
                'name': "Flash Tea", 'type': 'goods', 'salable': True,
                'default_uom': unit.id, 'sale_uom': unit.id,
                'list_price': Decimal('10'),
                'products': [('create', [{}])]}])
    product, = template.products
    level, = Level.create([{'name': "Bench", 'code': 'BENCH'}])
    now = datetime.datetime.now()
    flash_sales = FlashSale.create([{
                'name': name, 'company': company.id, 'product': product.id,
                'unit_price': Decimal('1'),
                'start': now - datetime.timedelta(hours=1),
                'end': now + datetime.timedelta(hours=1),
                'total_quantity': UNITS} for name in ("ours", "anchor")])
    stores = Party.create([{'name': f"Buyer {i}", 'store_level': level.id,
                'addresses': [('create', [{}])]} for i in range(buyers)])
    sales = []
    for store in stores:
        sale = Sale(party=store, company=company)
        sale.on_change_party()
        sale.save()
        line = Line(sale=sale, type='line', product=product, quantity=1)
        line.on_change_product()
        line.save()
        sales.append(sale.id)
    return company.id, [f.id for f in flash_sales], sales


def run(database, sale_ids, company, naive, concurrency):
    from trytond import backend
    from trytond.exceptions import UserError
    from trytond.pool import Pool
    from trytond.transaction import Transaction, TransactionError

    barrier = threading.Barrier(len(sale_ids))
    slots = threading.BoundedSemaphore(concurrency)
    outcomes = []
    errors = []

    def buy(sale_id):
        barrier.wait()
        with slots:
            try:
                attempt(sale_id)
            except Exception as error:
                outcomes.append('error')
                errors.append(repr(error))

    def attempt(sale_id):
        extras = {}
        rng = random.Random(sale_id)
        for count in range(ATTEMPTS):
            if count:
                # jittered back-off, as Tryton's dispatcher sleeps between
                # its retries: the waiters of a lock do not all retry at
                # the same instant
                time.sleep(rng.uniform(0, 0.01 * min(count, 20)))
            with Transaction(new=True).start(database, 0, context={
                        'company': company},
                    **extras) as transaction:
                try:
                    Sale = Pool(database).get('sale.sale')
                    Sale.quote([Sale(sale_id)])
                    transaction.commit()
                    outcomes.append('sold')
                    return
                except TransactionError as error:
                    transaction.rollback()
                    error.fix(extras)
                except backend.DatabaseOperationalError:
                    transaction.rollback()
                except UserError:
                    transaction.rollback()
                    outcomes.append('refused')
                    return
        outcomes.append('error')
        errors.append(
            f"still failing to serialize after {ATTEMPTS} attempts")

    threads = [threading.Thread(target=buy, args=(i,)) for i in sale_ids]
    with Timer() as timer:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(outcomes) == len(sale_ids), "a buyer got no answer"
    return outcomes, timer.wall, errors


def sold(database, flash_id):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database, 0):
        Line = Pool(database).get('sale.line')
        return sum(l.quantity for l in Line.search([
                    ('store_flash_sale', '=', flash_id),
                    ('sale.state', '=', 'quotation')]))


def naive_reserve(cls, flash_sale, party, quantity):
    "The anchor: count the lines sold, hold nothing"
    from trytond.exceptions import UserError
    from trytond.pool import Pool
    Line = Pool().get('sale.line')
    already = sum(l.quantity for l in Line.search([
                ('store_flash_sale', '=', flash_sale.id),
                ('sale.state', 'not in', ['draft', 'cancelled'])]))
    if already + quantity > flash_sale.total_quantity:
        raise UserError("sold out")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--buyers', type=int, default=200)
    parser.add_argument('--concurrency', type=int, default=32,
        help="transactions open at once (below the pool's 64 connections)")
    args = parser.parse_args()
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with bench_database() as database:
        pool = Pool(database)
        with Transaction().start(database, 0) as transaction:
            company, = pool.get('company.company').search([], limit=1)
            with transaction.set_context(company=company.id):
                company, flashes, sales = prepare(pool, 2 * args.buyers)
            transaction.commit()
        FlashSale = pool.get('store.flash.sale')
        ours_flash, anchor_flash = flashes
        # each run sees only its own flash sale as running
        results = {}
        original_running = FlashSale.running.__func__
        original_reserve = FlashSale.reserve.__func__
        for name, flash_id, sale_ids, naive in [
                ('ours', ours_flash, sales[:args.buyers], False),
                ('anchor', anchor_flash, sales[args.buyers:], True)]:
            def running(cls, product_ids, at=None, _id=flash_id):
                result = original_running(cls, product_ids, at)
                return {p: cls(_id) for p in result}
            FlashSale.running = classmethod(running)
            FlashSale.reserve = classmethod(
                naive_reserve if naive else original_reserve)
            outcomes, wall, errors = run(
                database, sale_ids, company, naive, args.concurrency)
            results[name] = (
                sold(database, flash_id), outcomes, wall, errors)
        FlashSale.running = classmethod(original_running)
        FlashSale.reserve = classmethod(original_reserve)
        ours, anchor = results['ours'], results['anchor']
        report(f"Flash sale: {args.buyers} concurrent buyers for {UNITS} "
            "units (PostgreSQL)", [
                ("units sold", ours[0], anchor[0], "units",
                    f"<= {UNITS}"),
                ("orders refused", ours[1].count('refused'),
                    anchor[1].count('refused'), "orders", "-"),
                ("errors", ours[1].count('error'),
                    anchor[1].count('error'), "orders", "0"),
                ("buyers answered", len(ours[1]), len(anchor[1]), "buyers",
                    f"{args.buyers}"),
                ("wall time", ours[2], anchor[2], "s", "-"),
                ], notes=[
                "anchor: count the lines sold then add, holding nothing",
                f"at most {args.concurrency} transactions at once"]
            + [f"{name} error: {e}" for name, (*_, errors) in
                results.items() for e in errors[:3]])


if __name__ == '__main__':
    main()
