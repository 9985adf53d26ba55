# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""supplier-grading-scms: import the SCMS delivery history and compute the
quarterly scorecards of its vendors.

    supplier-grading-scms -c config/trytond.conf -d demo \\
        [--file ../shared/datasets/scms_delivery_history/....csv.gz] \\
        [--vendor "CIPLA LIMITED" ...] [--no-compute]

The file defaults to the dataset found beside the project (../shared).
The purchases are in USD: the database needs the USD currency, with a rate
when the company's currency is another one.
"""
import argparse
import os
import sys
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
    return parser.parse_args(argv)


def run(database, path, vendors=None, company_id=None, compute=True):
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
    purchases, cards = run(args.database, path, vendors=args.vendors,
        company_id=args.company, compute=not args.no_compute)
    print(f"{purchases} purchases imported, {cards} scorecards computed")


if __name__ == '__main__':
    main()
