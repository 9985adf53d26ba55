# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Supplier stock feeds: parsing and checking, pure computation, no ORM.

A feed is a table (CSV or XLSX, or JSON rows from the API) with a header
row.  Columns, by their header (case and spaces ignored, English or
Chinese): `code` (the supplier's product code, or our product code),
`stock`, and optionally `cost`, `freight` and `handling_days`.

`parse` returns every row with its errors, as (code, parameters) pairs
that the caller turns into messages: 'no_code', 'repeated' (row),
'negative' (column), 'not_number' (column, value).  A feed with any error is not
applied at all (never half-applied), and its rows and errors are kept for
the user to see.
"""
import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

HEADERS = {
    'code': 'code', 'sku': 'code', 'product': 'code', '编码': 'code',
    '商品编码': 'code',
    'stock': 'stock', 'quantity': 'stock', 'qty': 'stock', '库存': 'stock',
    'cost': 'cost', 'price': 'cost', '成本': 'cost', '价格': 'cost',
    'freight': 'freight', 'shipping': 'freight', '运费': 'freight',
    'handling_days': 'handling_days', 'handlingdays': 'handling_days',
    '发货天数': 'handling_days',
    }
REQUIRED = ('code', 'stock')


class FeedFormatError(ValueError):
    "The file is not a table this parser can read"


@dataclass
class Row:
    number: int
    code: str = ''
    stock: float | None = None
    cost: Decimal | None = None
    freight: Decimal | None = None
    handling_days: int | None = None
    errors: list = field(default_factory=list)


def _header(name):
    key = str(name or '').strip().lower().replace(' ', '_').replace('-', '_')
    return HEADERS.get(key, HEADERS.get(key.replace('_', '')))


def read_csv(data):
    "The rows (lists of text) of CSV bytes or text, UTF-8 with or without BOM"
    if isinstance(data, bytes):
        try:
            data = data.decode('utf-8-sig')
        except UnicodeDecodeError:
            try:
                data = data.decode('gb18030')
            except UnicodeDecodeError as exception:
                raise FeedFormatError(str(exception)) from exception
    try:
        dialect = csv.Sniffer().sniff(data[:4096], delimiters=',;\t')
    except csv.Error:
        dialect = csv.excel
    return [r for r in csv.reader(io.StringIO(data), dialect)
        if any(c.strip() for c in r)]


def read_xlsx(data):
    "The rows of the first sheet of an XLSX workbook"
    import openpyxl
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True,
            data_only=True)
    except Exception as exception:
        raise FeedFormatError(str(exception)) from exception
    sheet = book.worksheets[0]
    rows = [['' if v is None else v for v in r]
        for r in sheet.iter_rows(values_only=True)]
    book.close()
    return [r for r in rows if any(str(c).strip() for c in r)]


def read_table(data, filename=''):
    if (filename.lower().endswith('.xlsx')
            or (isinstance(data, bytes) and data[:2] == b'PK')):
        return read_xlsx(data)
    return read_csv(data)


def _decimal(value):
    if isinstance(value, float):
        value = repr(value)
    return Decimal(str(value).strip().replace(',', ''))


def parse(table):
    """The Rows of a table (a header row then data rows, lists of values)

    Raises FeedFormatError when the header lacks a required column.
    """
    if not table:
        raise FeedFormatError("empty feed")
    columns = {}
    for index, name in enumerate(table[0]):
        key = _header(name)
        if key and key not in columns:
            columns[key] = index
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise FeedFormatError("missing column(s): " + ', '.join(missing))
    rows, seen = [], {}
    for number, values in enumerate(table[1:], start=2):
        def value(key):
            index = columns.get(key)
            if index is None or index >= len(values):
                return ''
            v = values[index]
            return v.strip() if isinstance(v, str) else v
        row = Row(number=number)
        code = value('code')
        row.code = (str(int(code)) if isinstance(code, float)
            and code.is_integer() else str(code)).strip()
        if not row.code:
            row.errors.append(('no_code', {}))
        elif row.code in seen:
            row.errors.append(('repeated', {'row': seen[row.code]}))
        else:
            seen[row.code] = number
        try:
            row.stock = float(_decimal(value('stock')))
            if row.stock < 0:
                row.errors.append(('negative', {'column': 'stock'}))
        except (InvalidOperation, ValueError):
            row.errors.append(('not_number',
                {'column': 'stock', 'value': str(value('stock'))}))
        for name in ('cost', 'freight'):
            text = value(name)
            if text in ('', None):
                continue
            try:
                amount = _decimal(text)
            except (InvalidOperation, ValueError):
                row.errors.append(('not_number',
                        {'column': name, 'value': str(text)}))
                continue
            if amount < 0:
                row.errors.append(('negative', {'column': name}))
            setattr(row, name, amount)
        text = value('handling_days')
        if text not in ('', None):
            try:
                row.handling_days = int(_decimal(text))
                if row.handling_days < 0:
                    row.errors.append(
                        ('negative', {'column': 'handling_days'}))
            except (InvalidOperation, ValueError):
                row.errors.append(('not_number',
                    {'column': 'handling_days', 'value': str(text)}))
        rows.append(row)
    return rows


def parse_records(records):
    "Rows of a list of dicts (the API): their keys are the header"
    if not records or not all(isinstance(r, dict) for r in records):
        raise FeedFormatError("the feed must be a non-empty list of objects")
    header = []
    for record in records:
        for key in record:
            if key not in header:
                header.append(key)
    table = [header] + [[r.get(k, '') for k in header] for r in records]
    return parse(table)
