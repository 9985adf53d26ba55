# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""supplier-grading-scms: import the SCMS delivery history and compute the
quarterly scorecards of its vendors.

    supplier-grading-scms -c config/trytond.conf -d demo [--usd-rate 0.14] \\
        [--file ../shared/datasets/scms_delivery_history/....csv.gz] \\
        [--vendor "CIPLA LIMITED" ...] [--no-compute]

The file defaults to the dataset found beside the project (../shared).
The purchases are in USD: the database needs the USD currency, with a rate
when the company's currency is another one.
"""
import argparse
import datetime
import os
import sys
from decimal import Decimal
from pathlib import Path

DATASET = Path('scms_delivery_history') / (
    'scms_public_scheduled_before_2014-07-01.csv.gz')


def default_file():
    "The dataset in the project's datasets folder (see ecom_base), or None"
    from trytond.modules.ecom_base.demo.dataset import datasets_dir
    path = datasets_dir() / DATASET
    return path if path.exists() else None


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog='supplier-grading-scms',
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('-c', '--config', default=os.environ.get(
            'TRYTOND_CONFIG', 'config/trytond.conf'))
    parser.add_argument('-d', '--database', required=True)
    parser.add_argument('--file', type=Path, default=None)
    parser.add_argument('--vendor', action='append', dest='vendors',
        help="import only this vendor (repeatable)")
    parser.add_argument('--company', type=int, default=None,
        help="company id (default: the first)")
    parser.add_argument('--no-compute', action='store_true',
        help="do not compute the quarterly scorecards")
    parser.add_argument('--usd-rate', type=Decimal, default=None,
        help="create the USD currency when missing, with this rate against "
        "the company's currency (Tryton rates: USD per 1 unit of the "
        "company's currency, e.g. 0.14 for CNY)")
    return parser.parse_args(argv)


def ensure_usd(rate):
    "The USD currency, created with `rate` when the database has none"
    from trytond.pool import Pool
    pool = Pool()
    Currency = pool.get('currency.currency')
    Rate = pool.get('currency.currency.rate')
    if Currency.search([('code', '=', 'USD')], limit=1):
        return
    usd, = Currency.create([{
                'name': "US Dollar", 'code': 'USD', 'numeric_code': '840',
                'symbol': '$', 'rounding': Decimal('0.01'), 'digits': 2}])
    Rate.create([{'currency': usd.id, 'rate': rate,
                'date': datetime.date.min}])


def run(database, path, vendors=None, company_id=None, compute=True,
        usd_rate=None):
    "Import and compute in database; returns (purchases, scorecards)"
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    from . import scms
    from .scms_import import import_history
    pool = Pool(database)
    pool.init()
    with Transaction().start(database, 0, readonly=False) as transaction:
        Company = pool.get('company.company')
        Scorecard = pool.get('supplier.scorecard')
        User = pool.get('res.user')
        companies = Company.search([], order=[('id', 'ASC')])
        company = (Company(company_id) if company_id else companies[0])
        admin, = User.search([('login', '=', 'admin')])
        with transaction.set_user(admin.id), transaction.set_context(
                company=company.id, companies=[company.id],
                language='en'):
            if usd_rate is not None:
                ensure_usd(usd_rate)
            purchases = import_history(path, company,
                vendors=set(vendors) if vendors else None)
            transaction.commit()
            cards = []
            if compute:
                rows, _, _ = scms.read(path,
                    vendors=set(vendors) if vendors else None)
                if rows:
                    first = min(r.delivered for r in rows)
                    last = max(max(r.delivered, r.scheduled) for r in rows)
                    cards = Scorecard.compute(company, first, last,
                        as_of=last, kind='quarter')
            transaction.commit()
            return len(purchases), len(cards)


def main(argv=None):
    args = parse_args(argv)
    path = args.file or default_file()
    if path is None or not Path(path).exists():
        sys.exit("the SCMS dataset was not found: pass --file")
    from trytond.config import config
    config.update_etc(args.config)
    from trytond.exceptions import UserError
    try:
        purchases, cards = run(args.database, path, vendors=args.vendors,
            company_id=args.company, compute=not args.no_compute,
            usd_rate=args.usd_rate)
    except UserError as error:
        # The message says what to do; a traceback would hide it.
        sys.exit(f"supplier-grading-scms: {error.message}")
    print(f"{purchases} purchases imported, {cards} scorecards computed")


if __name__ == '__main__':
    main()
