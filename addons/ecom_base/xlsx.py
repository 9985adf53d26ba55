# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Write tables to an XLSX workbook with xlsxwriter (no ORM here).

A sheet is a title, columns and rows.  A column has a header, a kind that
decides how cells are written and formatted, and an optional number of
digits for numeric kinds.  Values are written as native Excel types so that
sums, filters and pivot tables work on the export.
"""
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

import xlsxwriter

KINDS = {
    'char', 'text', 'integer', 'float', 'numeric', 'date', 'datetime',
    'boolean', 'percentage'}
# Excel limits sheet names to 31 characters without these.
_FORBIDDEN_TITLE = str.maketrans({c: ' ' for c in '[]:*?/\\'})
_SPACES = re.compile(r'\s+')


@dataclass
class Column:
    header: str
    kind: str = 'char'
    digits: int | None = None
    width: float | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass
class Sheet:
    title: str
    columns: list
    rows: list = field(default_factory=list)


def sheet_title(title, taken=()):
    "A valid, unique worksheet name for `title`"
    base = _SPACES.sub(' ', title.translate(_FORBIDDEN_TITLE)).strip()
    base = (base or 'Sheet')[:31].strip()
    name, n = base, 1
    while name.lower() in {t.lower() for t in taken}:
        n += 1
        suffix = f' ({n})'
        name = base[:31 - len(suffix)] + suffix
    return name


def workbook(sheets):
    "Return the bytes of an XLSX workbook holding `sheets`"
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {
            'in_memory': True,
            'strings_to_numbers': False,
            'strings_to_formulas': False,
            'strings_to_urls': False,
            })
    header_format = book.add_format({
            'bold': True, 'bg_color': '#DDEBF7', 'border': 1,
            'text_wrap': True, 'valign': 'top'})
    formats = {
        'date': book.add_format({'num_format': 'yyyy-mm-dd'}),
        'datetime': book.add_format({'num_format': 'yyyy-mm-dd hh:mm:ss'}),
        'integer': book.add_format({'num_format': '0'}),
        'text': book.add_format({'text_wrap': True}),
        }
    numeric_formats = {}

    def numeric_format(kind, digits):
        key = (kind, digits)
        if key not in numeric_formats:
            decimals = '0' * (digits if digits is not None else 2)
            pattern = '#,##0' + ('.' + decimals if decimals else '')
            if kind == 'percentage':
                pattern = '0' + ('.' + decimals if decimals else '') + '%'
            numeric_formats[key] = book.add_format({'num_format': pattern})
        return numeric_formats[key]

    taken = []
    for sheet in sheets:
        title = sheet_title(sheet.title, taken)
        taken.append(title)
        ws = book.add_worksheet(title)
        widths = []
        for col, column in enumerate(sheet.columns):
            ws.write_string(0, col, column.header, header_format)
            widths.append(max(10, min(len(column.header) + 2, 40)))
        for row_index, row in enumerate(sheet.rows, 1):
            for col, (column, value) in enumerate(zip(sheet.columns, row)):
                _write(ws, row_index, col, column, value, formats,
                    numeric_format)
                if value is not None and column.kind in {'char', 'text'}:
                    # CJK characters are about twice as wide as Latin ones.
                    text = str(value)
                    length = len(text) + sum(
                        1 for c in text if ord(c) > 0x2E7F)
                    widths[col] = max(widths[col], min(length + 2, 60))
        for col, column in enumerate(sheet.columns):
            ws.set_column(col, col, column.width or widths[col])
        ws.freeze_panes(1, 0)
        if sheet.columns:
            ws.autofilter(0, 0, max(len(sheet.rows), 1), len(sheet.columns) - 1)
    book.close()
    return output.getvalue()


def _write(ws, row, col, column, value, formats, numeric_format):
    if value is None or value == '':
        ws.write_blank(row, col, None)
    elif column.kind in {'numeric', 'float', 'percentage'}:
        if isinstance(value, Decimal):
            value = float(value)
        ws.write_number(row, col, value,
            numeric_format(column.kind, column.digits))
    elif column.kind == 'integer':
        ws.write_number(row, col, int(value), formats['integer'])
    elif column.kind == 'boolean':
        ws.write_boolean(row, col, bool(value))
    elif column.kind == 'datetime' and isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            # Excel has no time zones: write the wall-clock time.
            value = value.replace(tzinfo=None)
        ws.write_datetime(row, col, value, formats['datetime'])
    elif column.kind == 'date' and isinstance(value, datetime.date):
        ws.write_datetime(row, col,
            datetime.datetime.combine(value, datetime.time()),
            formats['date'])
    elif column.kind == 'text':
        ws.write_string(row, col, str(value), formats['text'])
    else:
        ws.write_string(row, col, str(value))
