# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Bulk reading and writing in PostgreSQL's COPY formats (pure functions).

The daily sales are aggregated by PostgreSQL into chunks of fixed-size
big-endian records (int4 product, int4 signed location, int4 day, float8
quantity: ``int4send(...) || float8send(...)``, concatenated by
``string_agg`` per range of products), so that a few rows carry millions
of records which NumPy reads without a Python loop.  The lines are written
by ``COPY ... FROM STDIN`` in the text format.
"""
import numpy as np

SALES_RECORD = np.dtype([('product', '>i4'), ('location', '>i4'),
        ('day', '>i4'), ('quantity', '>f8')])


def sales_rows(rows):
    "The SALES_RECORD array of (product, signed location, day, quantity)"
    return np.array(list(rows), SALES_RECORD)


def parse_sales_chunks(chunks):
    "The SALES_RECORD array of the concatenated records of the chunks"
    data = b''.join(chunks)
    return np.frombuffer(data, SALES_RECORD)


def sales_arrays(rows, warehouse_of):
    """The arrays (product, warehouse, day, quantity) of the SALES_RECORD
    records: a negative location is the receiving location of a return,
    whose quantity turns negative; warehouse_of maps a location to its
    warehouse
    """
    if not len(rows):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros(0)
    location = rows['location'].astype(np.int64)
    returned = location < 0
    location = np.abs(location)
    lookup = np.zeros(max(int(location.max()), max(warehouse_of)) + 1,
        dtype=np.int64)
    lookup[list(warehouse_of)] = list(warehouse_of.values())
    quantity = rows['quantity'].astype(float)
    quantity[returned] *= -1
    return (rows['product'].astype(np.int64), lookup[location],
        rows['day'].astype(np.int64), quantity)


def copy_text(value):
    "A value in the text format of COPY"
    if value is None:
        return '\\N'
    if isinstance(value, str):
        return (value.replace('\\', '\\\\').replace('\t', '\\t')
            .replace('\n', '\\n').replace('\r', '\\r'))
    if isinstance(value, bool):
        return 't' if value else 'f'
    return str(value)


def copy_text_rows(vlist, names, tail=''):
    "The text-format COPY lines of the values of names in each dict"
    return ''.join('\t'.join(copy_text(v[n]) for n in names) + tail + '\n'
        for v in vlist)


# --- the sales history table: one row per product x warehouse x year ----
#
# The daily quantities of a year are a blob of YEAR_DAYS little-endian
# float8, day 0 being the 1st of January (the 366th day stays 0 in common
# years).  Reading a window of days is then a substring of the blob per
# year, which PostgreSQL packs with the row's key into fixed-size records.

YEAR_DAYS = 366
DAY = np.dtype('<f8')
EPOCH = np.datetime64('1970-01-01', 'D')


def year_and_day(epoch_days):
    "The year and the day of the year (0 = 1st January) of days since 1970"
    dates = EPOCH + np.asarray(epoch_days, dtype=np.int64).astype(
        'timedelta64[D]')
    years = dates.astype('datetime64[Y]')
    return (years.astype(np.int64) + 1970,
        (dates - years.astype('datetime64[D]')).astype(np.int64))


def year_length(year):
    "The days of the year"
    return int((np.datetime64(f'{year + 1}-01-01')
            - np.datetime64(f'{year}-01-01')).astype(int))


def blob(days):
    "The blob of a year's YEAR_DAYS quantities, None when all zero"
    days = np.asarray(days, dtype=DAY)
    return days.tobytes() if days.any() else None


def unblob(data):
    "The YEAR_DAYS quantities of a blob (zeros for None)"
    if data is None:
        return np.zeros(YEAR_DAYS)
    return np.frombuffer(bytes(data), DAY).astype(float)


def pack_years(product, warehouse, epoch_day, quantity):
    """The history rows of daily records (quantity negative: a return):
    (product, warehouse, year) arrays of the k rows, sorted, and the
    (k, YEAR_DAYS) arrays sold and returned (positive)
    """
    product = np.asarray(product, dtype=np.int64)
    warehouse = np.asarray(warehouse, dtype=np.int64)
    quantity = np.asarray(quantity, dtype=float)
    year, day = year_and_day(epoch_day)
    if not len(product):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros((0, YEAR_DAYS)), \
            np.zeros((0, YEAR_DAYS))
    order = np.lexsort((year, warehouse, product))
    product, warehouse, year = product[order], warehouse[order], year[order]
    day, quantity = day[order], quantity[order]
    new = np.ones(len(product), dtype=bool)
    new[1:] = ((product[1:] != product[:-1])
        | (warehouse[1:] != warehouse[:-1]) | (year[1:] != year[:-1]))
    row = np.cumsum(new) - 1
    rows = int(row[-1]) + 1
    cell = row * YEAR_DAYS + day
    size = rows * YEAR_DAYS
    sold = np.bincount(cell, weights=np.maximum(quantity, 0),
        minlength=size).reshape(rows, YEAR_DAYS)
    returned = np.bincount(cell, weights=np.maximum(-quantity, 0),
        minlength=size).reshape(rows, YEAR_DAYS)
    return product[new], warehouse[new], year[new], sold, returned


def year_window(year, start, days):
    """The days of year inside the window of `days` days from start (a
    date): (first day of the year, last + 1, column of the first in the
    window); first >= last when none
    """
    offset = (np.datetime64(f'{year}-01-01') - np.datetime64(start, 'D')
        ).astype(int)
    first = max(0, -offset)
    last = min(year_length(year), days - offset)
    return first, last, int(offset + first)


def history_record(count):
    "The packed record of a year's window of `count` days"
    return np.dtype([('product', '>i4'), ('warehouse', '>i4'),
            ('sold', DAY, (count,))])


def history_matrix(parts, days):
    """The (n, days) daily sales of the series from the parts read per
    year: (column, product, warehouse, sold (k, count)); series sorted by
    (product, warehouse), those without any sale in the window left out.
    Returns product, warehouse, sales.
    """
    keys = [(p.astype(np.int64) << 32) | w.astype(np.int64)
        for _, p, w, _ in parts]
    every = np.unique(np.concatenate(keys)) if keys else np.zeros(0,
        dtype=np.int64)
    sales = np.zeros((len(every), days))
    for (column, _, _, sold), key in zip(parts, keys):
        rows = np.searchsorted(every, key)
        sales[rows, column:column + sold.shape[1]] = sold
    sold = (sales > 0).any(axis=1)
    if not sold.all():
        every, sales = every[sold], sales[sold]
    return every >> 32, every & 0xFFFFFFFF, sales
