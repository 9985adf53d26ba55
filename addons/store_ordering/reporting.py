# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Head-office views of the stores: SQL views (table_query) with list and
graph views and the XLSX export of ecom_base.

- orders by store, month and state: number of orders and untaxed amount;
- sales by store, level, product and month: quantity and amount of the
  lines of confirmed orders (promotion discounts are lines without
  product, so the totals are what the stores are invoiced);
- receivables outstanding per store: the open (unreconciled) posted
  receivable lines, by ageing bucket on the reporting date.

The context (company, months, store, level, date) filters them.
"""
import datetime

from sql import Cast, Literal, Null
from sql.aggregate import Count, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import DateTrunc, Round

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.ecom_base.report import context_period
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from . import ageing

#: sale states counted as sold
SOLD_STATES = ['confirmed', 'processing', 'done']


def _month(column, field):
    return field.sql_cast(DateTrunc('month', column))


def _line_amount(line, digits=2):
    # quantity is a float column: multiply as numeric, round as the line
    return Round(Cast(line.quantity, 'NUMERIC') * line.unit_price, digits)


class _StoreRow:
    "The store, its level and the company of a reporting row"
    __slots__ = ()
    company = fields.Many2One('company.company', "Company", readonly=True)
    store = fields.Many2One('party.party', "Store", readonly=True)
    level = fields.Many2One('store.level', "Store Level", readonly=True)
    currency = fields.Many2One('currency.currency', "Currency",
        readonly=True)


class _StoreFilter(_StoreRow):
    "Filters of the reporting context on a sale and its store"
    __slots__ = ()

    @classmethod
    def _where_sale(cls, sale, party):
        context = Transaction().context
        where = ((party.store_level != Null)
            & context_period(sale.sale_date, sale.company))
        if context.get('store'):
            where &= sale.party == context['store']
        if context.get('level'):
            where &= party.store_level == context['level']
        return where


class OrderReport(_StoreFilter, ModelSQL, ModelView):
    __name__ = 'store.report.order'
    __string__ = "Store Orders by Month"

    month = fields.Date("Month", readonly=True)
    state = fields.Selection('get_states', "State", readonly=True)
    orders = fields.Integer("Orders", readonly=True)
    amount = Monetary("Untaxed Amount", currency='currency',
        digits='currency', readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('store', 'ASC'), ('id', 'ASC')]

    @classmethod
    def get_states(cls):
        return Pool().get('sale.sale').fields_get(['state'])[
            'state']['selection']

    @classmethod
    def table_query(cls):
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        Party = pool.get('party.party')
        sale = Sale.__table__()
        line = Line.__table__()
        party = Party.__table__()
        amounts = line.select(line.sale.as_('sale'),
            Sum(_line_amount(line)).as_('amount'),
            where=line.type == 'line',
            group_by=[line.sale])
        # the month in a sub-query: PostgreSQL does not match a grouped
        # DATE_TRUNC whose unit is a query parameter
        orders = (sale
            .join(party, condition=sale.party == party.id)
            .join(amounts, 'LEFT', condition=amounts.sale == sale.id)
            .select(sale.id.as_('id'), sale.company.as_('company'),
                sale.party.as_('store'), party.store_level.as_('level'),
                _month(sale.sale_date, cls.month).as_('month'),
                sale.state.as_('state'), sale.currency.as_('currency'),
                Coalesce(amounts.amount, 0).as_('amount'),
                where=cls._where_sale(sale, party)
                & (sale.sale_date != Null)))
        return orders.select(
            Min(orders.id).as_('id'),
            orders.company.as_('company'),
            orders.store.as_('store'),
            orders.level.as_('level'),
            orders.month.as_('month'),
            orders.state.as_('state'),
            orders.currency.as_('currency'),
            Count(orders.id).as_('orders'),
            Sum(orders.amount).as_('amount'),
            group_by=[orders.company, orders.store, orders.level,
                orders.month, orders.state, orders.currency])

    @classmethod
    def xlsx_columns(cls):
        return ['month', 'store', 'level', 'state', 'orders', 'amount']


class SalesReport(_StoreFilter, ModelSQL, ModelView):
    __name__ = 'store.report.sales'
    __string__ = "Store Sales"

    product = fields.Many2One('product.product', "Product", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'},
        help="Empty for the promotion discounts.")
    month = fields.Date("Month", readonly=True)
    quantity = fields.Float("Quantity", readonly=True)
    amount = Monetary("Untaxed Amount", currency='currency',
        digits='currency', readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('month', 'DESC'), ('store', 'ASC'),
            ('amount', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        Party = pool.get('party.party')
        sale = Sale.__table__()
        line = Line.__table__()
        party = Party.__table__()
        where = (cls._where_sale(sale, party)
            & (line.type == 'line')
            & sale.state.in_(SOLD_STATES))
        lines = (line
            .join(sale, condition=line.sale == sale.id)
            .join(party, condition=sale.party == party.id)
            .select(line.id.as_('id'), sale.company.as_('company'),
                sale.party.as_('store'), party.store_level.as_('level'),
                line.product.as_('product'),
                _month(sale.sale_date, cls.month).as_('month'),
                sale.currency.as_('currency'),
                Case((line.product != Null, line.quantity),
                    else_=0).as_('quantity'),
                _line_amount(line).as_('amount'),
                where=where))
        return lines.select(
            Min(lines.id).as_('id'),
            lines.company.as_('company'),
            lines.store.as_('store'),
            lines.level.as_('level'),
            lines.product.as_('product'),
            lines.month.as_('month'),
            lines.currency.as_('currency'),
            Sum(lines.quantity).as_('quantity'),
            Sum(lines.amount).as_('amount'),
            group_by=[lines.company, lines.store, lines.level,
                lines.product, lines.month, lines.currency])

    @classmethod
    def xlsx_columns(cls):
        return ['month', 'store', 'level', 'product', 'quantity', 'amount']


class ReceivableReport(_StoreRow, ModelSQL, ModelView):
    __name__ = 'store.report.receivable'
    __string__ = "Store Receivables"

    oldest_maturity = fields.Date("Oldest Maturity", readonly=True)
    not_due = Monetary("Not Due", currency='currency', digits='currency',
        readonly=True)
    days_1_30 = Monetary("1-30 Days", currency='currency',
        digits='currency', readonly=True)
    days_31_60 = Monetary("31-60 Days", currency='currency',
        digits='currency', readonly=True)
    days_61_90 = Monetary("61-90 Days", currency='currency',
        digits='currency', readonly=True)
    days_over_90 = Monetary("Over 90 Days", currency='currency',
        digits='currency', readonly=True)
    unallocated = Monetary("Unallocated Payments", currency='currency',
        digits='currency', readonly=True,
        help="Payments received and not yet reconciled with an invoice.")
    outstanding = Monetary("Outstanding", currency='currency',
        digits='currency', readonly=True,
        help="Invoiced and not paid, less the unallocated payments.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [
            ('outstanding', 'DESC'), ('store', 'ASC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        Move = pool.get('account.move')
        Account = pool.get('account.account')
        AccountType = pool.get('account.account.type')
        Party = pool.get('party.party')
        Company = pool.get('company.company')
        Date = pool.get('ir.date')
        context = Transaction().context
        line = MoveLine.__table__()
        move = Move.__table__()
        account = Account.__table__()
        type_ = AccountType.__table__()
        party = Party.__table__()
        company = Company.__table__()
        date = context.get('date') or Date.today()
        if isinstance(date, datetime.datetime):
            date = date.date()

        where = ((move.state == 'posted')
            & (type_.receivable == Literal(True))
            & (line.reconciliation == Null)
            & (party.store_level != Null)
            & (move.date <= date))
        if context.get('company'):
            where &= move.company == context['company']
        if context.get('store'):
            where &= line.party == context['store']
        if context.get('level'):
            where &= party.store_level == context['level']

        maturity = Coalesce(line.maturity_date, move.date)
        debit = line.debit - line.credit
        columns = []
        for name, (earliest, latest) in ageing.limits(date).items():
            condition = line.debit > line.credit
            if earliest is not None:
                condition &= maturity >= earliest
            if latest is not None:
                condition &= maturity <= latest
            columns.append(
                Sum(Case((condition, debit), else_=0)).as_(name))
        query = (line
            .join(move, condition=line.move == move.id)
            .join(account, condition=line.account == account.id)
            .join(type_, condition=account.type == type_.id)
            .join(party, condition=line.party == party.id)
            .join(company, condition=move.company == company.id))
        return query.select(
            line.party.as_('id'),
            move.company.as_('company'),
            line.party.as_('store'),
            party.store_level.as_('level'),
            company.currency.as_('currency'),
            Min(Case((line.debit > line.credit, maturity))
                ).as_('oldest_maturity'),
            *columns,
            Sum(Case((line.credit > line.debit, line.credit - line.debit),
                    else_=0)).as_('unallocated'),
            Sum(debit).as_('outstanding'),
            where=where,
            group_by=[line.party, move.company, party.store_level,
                company.currency])

    @classmethod
    def xlsx_columns(cls):
        return ['store', 'level', 'oldest_maturity', 'not_due', 'days_1_30',
            'days_31_60', 'days_61_90', 'days_over_90', 'unallocated',
            'outstanding']


class ReportContext(ModelView):
    __name__ = 'store.report.context'
    __string__ = "Store Reporting Context"

    company = fields.Many2One('company.company', "Company", required=True)
    from_date = fields.Date("From Date",
        help="Orders and sales from this date (the first of a month for "
        "whole months).")
    to_date = fields.Date("To Date")
    store = fields.Many2One('party.party', "Store",
        domain=[('store_level', '!=', None)])
    level = fields.Many2One('store.level', "Store Level")
    date = fields.Date("Ageing Date",
        help="The receivables are aged on this date (today when empty).")

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')
