# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Bulk reading and writing in PostgreSQL's COPY formats (pure functions).

The daily sales are read by ``COPY (query) TO STDOUT (FORMAT BINARY)``:
rows of (int4 product, int4 signed location, int4 day, float8 quantity),
none null, are then fixed-size records that NumPy reads without a Python
loop.  The lines are written by ``COPY ... FROM STDIN`` in the text format.
"""
import numpy as np

# a row of the binary format: field count, then (length, value) per field
SALES_ROW = np.dtype([('fields', '>i2'),
        ('product_size', '>i4'), ('product', '>i4'),
        ('location_size', '>i4'), ('location', '>i4'),
        ('day_size', '>i4'), ('day', '>i4'),
        ('quantity_size', '>i4'), ('quantity', '>f8')])


def sales_rows(rows):
    "The SALES_ROW records of (product, signed location, day, quantity)"
    return np.array([(4, 4, p, 4, l, 4, d, 8, q) for p, l, d, q in rows],
        SALES_ROW)


def parse_sales_copy(data):
    "The SALES_ROW records of a binary COPY of (int4, int4, int4, float8)"
    if not data:
        return np.zeros(0, SALES_ROW)
    # header: signature (11), flags (4), extension length (4) + extension;
    # trailer: -1 (2)
    extension, = np.frombuffer(data, '>i4', 1, 15)
    return np.frombuffer(data[19 + extension:-2], SALES_ROW)


def sales_arrays(rows, warehouse_of):
    """The arrays (product, warehouse, day, quantity) of the SALES_ROW
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
