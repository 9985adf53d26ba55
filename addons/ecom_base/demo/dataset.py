# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Read the public UCI Online Retail data (no ORM here).

The files stay in ../shared/datasets (or $ECOM_DATASETS): they are read at
run time, never copied into the repository.  Licence CC BY 4.0, Chen, D.
(2015) Online Retail, UCI Machine Learning Repository,
https://doi.org/10.24432/C5BW33.
"""
import csv
import datetime
import functools
import gzip
import os
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

MAIN_FILE = 'online_retail/online_retail_public_2010-12-01_2011-08-31.csv.gz'
II_FILE = 'online_retail/online_retail_ii_sample_2009-2010.csv.gz'
# The main file starts on this day; the II sample supplies the days before.
MAIN_START = datetime.date(2010, 12, 1)

# Codes that are charges, fees or manual adjustments, not goods.
NON_PRODUCT_CODES = {
    'POST', 'DOT', 'M', 'D', 'C2', 'BANK CHARGES', 'AMAZONFEE', 'CRUK',
    'PADS', 'S', 'B', 'm'}
_SPACES = re.compile(r'\s+')


class DatasetMissing(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Line:
    invoice: str
    code: str
    description: str
    quantity: int
    date: datetime.datetime
    unit_price: Decimal
    customer: str | None
    country: str

    @property
    def cancellation(self):
        return self.invoice.startswith('C')

    @property
    def adjustment(self):
        "Stock written off or found: no customer, no price, not a credit note"
        return (not self.cancellation and self.quantity < 0
            and not self.customer)


def datasets_dir():
    "The folder that holds online_retail/ and scms_delivery_history/"
    if path := os.environ.get('ECOM_DATASETS'):
        return Path(path)
    # ../shared/datasets beside the project root (or beside a folder above
    # it, for checkouts in a sub-folder)
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for parent in start.parents:
            candidate = parent / 'shared' / 'datasets'
            if candidate.is_dir():
                return candidate
    return Path.cwd().parent / 'shared' / 'datasets'


def is_product_code(code):
    return bool(code) and code not in NON_PRODUCT_CODES and not (
        code.startswith('gift_') or code.startswith('DCGS'))


def clean_description(text):
    return _SPACES.sub(' ', (text or '').strip())


def _open(name):
    path = datasets_dir() / name
    if not path.exists():
        raise DatasetMissing(str(path))
    return gzip.open(path, 'rt', encoding='utf-8', newline='')


def read_lines(start=None, end=None, codes=None):
    """Yield the invoice lines dated in [start, end] (dates, inclusive)

    The days before 2010-12-01 come from the Online Retail II sample, which
    holds 10 non-UK countries only.  Codes outside `codes` are skipped when
    it is given.
    """
    sources = []
    if start is None or start < MAIN_START:
        sources.append((II_FILE, ('Invoice', 'StockCode', 'Description',
                    'Quantity', 'InvoiceDate', 'Price', 'Customer ID',
                    'Country'), None, MAIN_START))
    sources.append((MAIN_FILE, ('InvoiceNo', 'StockCode', 'Description',
                'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID',
                'Country'), MAIN_START, None))
    for name, columns, source_start, source_end in sources:
        for line in _read_file(name, columns):
            day = line.date.date()
            if source_start and day < source_start:
                continue
            if source_end and day >= source_end:
                continue
            if start and day < start:
                continue
            if end and day > end:
                continue
            if codes is not None and line.code not in codes:
                continue
            yield line


@functools.lru_cache(maxsize=4)
def _read_file(name, columns):
    "The parsed lines of a file, kept for the process: tests plan often"
    with _open(name) as file:
        return tuple(filter(None, (
                    _parse(row, columns) for row in csv.DictReader(file))))


def _parse(row, columns):
    invoice, code, description, quantity, date, price, customer, country = (
        row.get(c) for c in columns)
    try:
        quantity = int(quantity)
        unit_price = Decimal(price)
        date = datetime.datetime.strptime(date, '%Y-%m-%d %H:%M:%S')
    except (TypeError, ValueError, InvalidOperation):
        return None
    code = (code or '').strip()
    customer = (customer or '').strip()
    if customer.endswith('.0'):
        customer = customer[:-2]
    return Line(
        invoice=(invoice or '').strip(), code=code,
        description=clean_description(description), quantity=quantity,
        date=date, unit_price=unit_price, customer=customer or None,
        country=(country or '').strip())
