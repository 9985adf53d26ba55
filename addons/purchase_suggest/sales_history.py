# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The sales history (销售历史): the daily quantities sold to customers and
returned by them per product × warehouse, one row per year (a blob of 366
daily figures), kept up to date when customer moves are done or cancelled,
and rebuilt from the moves on demand (repair, or after moves written by
SQL).  The suggestions read it instead of aggregating the moves.
"""
import datetime
from collections import defaultdict

import numpy as np
from sql import Cast, Conflict, Literal, Null
from sql.aggregate import Sum
from sql.conditionals import Case

from trytond import backend
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .bulk import (
    YEAR_DAYS, blob, pack_years, parse_sales_chunks, sales_arrays,
    sales_rows, unblob, year_and_day)
from .sql_tools import days_between

EPOCH = datetime.date(1970, 1, 1)


def read_sales_chunks(query, products_per_chunk=1000):
    """The records of query's rows (product, signed location, day,
    quantity) as chunks of bytes, aggregated by PostgreSQL
    """
    sql, params = tuple(query)
    cursor = Transaction().connection.cursor()
    cursor.execute('SELECT string_agg(int4send(p) || int4send(l) '
        '|| int4send(d) || float8send(q), \'\'::bytea) '
        f'FROM ({sql}) AS s (p, l, d, q) '
        'GROUP BY p / %s', params + (products_per_chunk,))
    for chunk, in cursor:
        yield bytes(chunk)


def warehouse_of_locations(warehouses):
    "{location: warehouse} of the locations inside the warehouses"
    Location = Pool().get('stock.location')
    result = {}
    for warehouse in warehouses:
        for location in Location.search(
                [('parent', 'child_of', [warehouse.id])]):
            result[location.id] = warehouse.id
    return result


class SalesHistory(ModelSQL, ModelView):
    __name__ = 'purchase.suggestion.history'
    __string__ = "Sales History"

    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True, ondelete='CASCADE')
    product = fields.Many2One('product.product', "Product", required=True,
        readonly=True, ondelete='CASCADE')
    warehouse = fields.Many2One('stock.location', "Warehouse",
        required=True, readonly=True, ondelete='CASCADE',
        domain=[('type', '=', 'warehouse')])
    year = fields.Integer("Year", required=True, readonly=True)
    sold = fields.Binary("Sold per Day", readonly=True,
        help="The quantities sold each day of the year (366 figures).")
    returned = fields.Binary("Returned per Day", readonly=True,
        help="The quantities returned by customers each day of the year.")
    sold_total = fields.Float("Sold", readonly=True)
    returned_total = fields.Float("Returned", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('series_year_unique',
                Unique(t, t.company, t.product, t.warehouse, t.year),
                'purchase_suggest.msg_history_unique'),
            ]
        cls._sql_indexes.add(Index(t,
                (t.company, Index.Equality()),
                (t.year, Index.Range()),
                (t.warehouse, Index.Equality())))
        cls._order = [('year', 'DESC'), ('product', 'ASC'),
            ('warehouse', 'ASC'), ('id', 'ASC')]

    # --- the moves that count ----------------------------------------

    @classmethod
    def _moves_query(cls, company, warehouse_of, customers):
        """(product, signed location, days since 1970, quantity) of the
        done moves of company between the warehouses and the customers,
        summed per day; the location is negative for the returns
        """
        Move = Pool().get('stock.move')
        move = Move.__table__()
        locations = list(warehouse_of)
        outgoing = (move.from_location.in_(locations)
            & move.to_location.in_(customers))
        incoming = (move.from_location.in_(customers)
            & move.to_location.in_(locations))
        moves = move.select(
            move.product.as_('product'),
            Case((outgoing, move.from_location),
                else_=-move.to_location).as_('location'),
            days_between(move.effective_date, Literal(EPOCH)).as_('day'),
            move.internal_quantity.as_('quantity'),
            where=(move.state == 'done')
            & (move.effective_date != Null)
            & (move.company == company.id)
            & (outgoing | incoming))
        return moves.select(
            Cast(moves.product, 'INTEGER'),
            Cast(moves.location, 'INTEGER'),
            Cast(moves.day, 'INTEGER'),
            Cast(Sum(moves.quantity), 'FLOAT'),
            group_by=[moves.product, moves.location, moves.day])

    @classmethod
    def rebuild(cls, companies=None):
        """Recompute the history of the companies (all by default) from
        their done moves: a repair, or after moves were written by SQL
        """
        pool = Pool()
        Company = pool.get('company.company')
        Location = pool.get('stock.location')
        table = cls.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        if companies is None:
            companies = Company.search([])
        warehouse_of = warehouse_of_locations(
            Location.search([('type', '=', 'warehouse')]))
        customers = [l.id for l in Location.search(
                [('type', '=', 'customer')])]
        transaction.counter += 1
        rows = 0
        for company in companies:
            cursor.execute(*table.delete(
                    where=table.company == company.id))
            if not warehouse_of or not customers:
                continue
            query = cls._moves_query(company, warehouse_of, customers)
            if backend.name == 'postgresql':
                # per chunk of products: the rows of a series are together
                chunks = (parse_sales_chunks([c])
                    for c in read_sales_chunks(query))
            else:
                cursor.execute(*query)
                chunks = [sales_rows(cursor.fetchall())]
            for records in chunks:
                rows += cls._insert_packed(company,
                    *pack_years(*sales_arrays(records, warehouse_of)))
        return rows

    @classmethod
    def rebuild_cron(cls):
        "Rebuild the history of every company (cron)"
        cls.rebuild()

    @classmethod
    def _insert_packed(cls, company, product, warehouse, year, sold,
            returned):
        "Insert the packed rows of company; returns their number"
        transaction = Transaction()
        table = cls.__table__()
        cursor = transaction.connection.cursor()
        names = ['company', 'product', 'warehouse', 'year', 'sold',
            'returned', 'sold_total', 'returned_total', 'create_uid',
            'create_date']
        now = datetime.datetime.now()
        user = transaction.user
        sold_totals = sold.sum(axis=1).tolist()
        returned_totals = returned.sum(axis=1).tolist()
        values = [[company.id, p, w, y, blob(s), blob(r), st, rt, user, now]
            for p, w, y, s, r, st, rt in zip(product.tolist(),
                warehouse.tolist(), year.tolist(), sold, returned,
                sold_totals, returned_totals)]
        if not values:
            return 0
        if backend.name == 'postgresql':
            columns = ', '.join(f'"{n}"' for n in names)
            with cursor.copy(f'COPY "{cls._table}" ({columns}) '
                    'FROM STDIN') as copy:
                for row in values:
                    copy.write_row(row)
        else:
            columns = [getattr(table, n) for n in names]
            for start in range(0, len(values), 500):
                cursor.execute(*table.insert(columns,
                        values[start:start + 500]))
        return len(values)

    # --- kept up to date by the moves --------------------------------

    @classmethod
    def add_moves(cls, moves, sign=1):
        """Add (sign 1) or remove (sign -1) the done moves' quantities:
        moves from a warehouse to a customer are sold, from a customer into
        a warehouse returned; other moves do not count
        """
        warehouses = {}

        def warehouse(location):
            if location.id not in warehouses:
                warehouses[location.id] = (location.warehouse.id
                    if location.warehouse else None)
            return warehouses[location.id]
        deltas = defaultdict(lambda: np.zeros((2, YEAR_DAYS)))
        for move in moves:
            if not move.effective_date or not move.internal_quantity:
                continue
            if move.to_location.type == 'customer':
                kind, location = 0, move.from_location
            elif move.from_location.type == 'customer':
                kind, location = 1, move.to_location
            else:
                continue
            warehouse_id = warehouse(location)
            if not warehouse_id:
                continue
            year, day = year_and_day(
                [(move.effective_date - EPOCH).days])
            key = (move.company.id, move.product.id, warehouse_id,
                int(year[0]))
            deltas[key][kind, int(day[0])] += sign * move.internal_quantity
        if deltas:
            cls._apply(deltas)

    @classmethod
    def _apply(cls, deltas):
        "Add the {(company, product, warehouse, year): (2, 366)} deltas"
        transaction = Transaction()
        table = cls.__table__()
        cursor = transaction.connection.cursor()
        transaction.counter += 1
        keys = sorted(deltas)
        existing = {}
        products = sorted({k[1] for k in keys})
        for start in range(0, len(products), 1000):
            cursor.execute(*table.select(
                    table.id, table.company, table.product, table.warehouse,
                    table.year, table.sold, table.returned,
                    where=table.product.in_(products[start:start + 1000])
                    & table.year.in_(sorted({k[3] for k in keys}))))
            for id_, company, product, warehouse, year, sold, returned \
                    in cursor:
                existing[company, product, warehouse, year] = (
                    id_, sold, returned)
        inserts = []
        now = datetime.datetime.now()
        for key in keys:
            delta = deltas[key]
            if key in existing:
                id_, sold, returned = existing[key]
                sold = unblob(sold) + delta[0]
                returned = unblob(returned) + delta[1]
                # a cancelled move leaves rounding dust, not a sale
                sold[np.abs(sold) < 1e-9] = 0
                returned[np.abs(returned) < 1e-9] = 0
                cursor.execute(*table.update(
                        [table.sold, table.returned, table.sold_total,
                            table.returned_total, table.write_uid,
                            table.write_date],
                        [blob(sold), blob(returned), float(sold.sum()),
                            float(returned.sum()), transaction.user, now],
                        where=table.id == id_))
            else:
                sold, returned = delta
                inserts.append([*key, blob(sold), blob(returned),
                        float(sold.sum()), float(returned.sum()),
                        transaction.user, now])
        if inserts:
            columns = [table.company, table.product, table.warehouse,
                table.year, table.sold, table.returned, table.sold_total,
                table.returned_total, table.create_uid, table.create_date]
            if backend.name != 'postgresql':
                # (SQLite has one writer at a time)
                cursor.execute(*table.insert(columns, inserts))
                return
            # Two transactions making the same series' first row of a year
            # (two shipments of a new product at once): the second must be
            # retried by Tryton, then it adds to the row, not fail on the
            # unique key.  PostgreSQL raises a serialization failure itself
            # for a committed row outside our snapshot; a row it skipped
            # otherwise shows as missing from what was returned.
            cursor.execute(*table.insert(columns, inserts,
                    on_conflict=Conflict(table), returning=[table.id]))
            if len(cursor.fetchall()) != len(inserts):
                raise backend.DatabaseOperationalError(
                    "sales history rows made by a concurrent transaction")


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def do(cls, moves):
        History = Pool().get('purchase.suggestion.history')
        super().do(moves)
        # Workflow.transition gives the moves not done before
        History.add_moves(moves, 1)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, moves):
        History = Pool().get('purchase.suggestion.history')
        done = [m for m in moves if m.state == 'done']
        super().cancel(moves)
        History.add_moves(done, -1)
