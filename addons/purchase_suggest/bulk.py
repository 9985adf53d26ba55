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
