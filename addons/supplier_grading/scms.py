# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Reading the USAID SCMS delivery history (pure, no ORM).

Each CSV row is a purchase order line: vendor, PO number, the dates the
order was sent, promised (scheduled) and delivered, the quantity of packs
and the pack price in USD.  Rows shipped from SCMS's own regional
distribution centre ("SCMS from RDC") are internal transfers, not
purchases from a vendor.  Rows that cannot become a purchase line are
returned as rejects with the reason, never dropped silently.
"""
import csv
import datetime
import gzip
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

INTERNAL_VENDOR = 'SCMS from RDC'
DATE_FORMATS = ('%d-%b-%y', '%m/%d/%y')


@dataclass(frozen=True)
class Row:
    number: int          # line number in the file (header is line 1)
    po: str
    vendor: str
    item: str
    product_group: str
    sent: datetime.date       # None when not captured
    scheduled: datetime.date
    delivered: datetime.date
    quantity: int
    pack_price: Decimal


def parse_date(text):
    text = (text or '').strip()
    for format_ in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, format_).date()
        except ValueError:
            continue
    return None


def parse_row(number, raw):
    "A Row, or raise ValueError with the reason"
    vendor = ' '.join((raw.get('Vendor') or '').split())
    po = (raw.get('PO / SO #') or '').strip()
    item = ' '.join((raw.get('Item Description') or '').split())
    if not vendor or not po or not item:
        raise ValueError("vendor, PO number or item missing")
    scheduled = parse_date(raw.get('Scheduled Delivery Date'))
    delivered = parse_date(raw.get('Delivered to Client Date'))
    if scheduled is None or delivered is None:
        raise ValueError("scheduled or delivered date unreadable")
    try:
        quantity = int(raw.get('Line Item Quantity') or '')
        pack_price = Decimal((raw.get('Pack Price') or '').strip())
    except (ValueError, InvalidOperation):
        raise ValueError("quantity or pack price unreadable")
    if quantity <= 0 or pack_price < 0:
        raise ValueError("quantity not positive or price negative")
    return Row(number=number, po=po, vendor=vendor, item=item,
        product_group=(raw.get('Product Group') or '').strip(),
        sent=parse_date(raw.get('PO Sent to Vendor Date')),
        scheduled=scheduled, delivered=delivered,
        quantity=quantity, pack_price=pack_price)


def read(path, vendors=None):
    """(rows, internal, rejects) of the file; vendors limits the rows to
    those vendor names.  rejects: (line number, reason, raw dict)"""
    opener = gzip.open if str(path).endswith('.gz') else open
    rows, rejects, internal = [], [], 0
    with opener(path, 'rt', encoding='utf-8', newline='') as file:
        for number, raw in enumerate(csv.DictReader(file), 2):
            vendor = ' '.join((raw.get('Vendor') or '').split())
            if vendors is not None and vendor not in vendors:
                continue
            if vendor == INTERNAL_VENDOR:
                internal += 1
                continue
            try:
                rows.append(parse_row(number, raw))
            except ValueError as exception:
                rejects.append((number, str(exception), raw))
    return rows, internal, rejects


def purchases(rows):
    "The rows grouped by (vendor, PO number), in file order"
    groups = {}
    for row in rows:
        groups.setdefault((row.vendor, row.po), []).append(row)
    return groups
