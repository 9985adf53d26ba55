# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Per-channel figures by day (an SQL view over raw orders and sales)"""
from sql import Literal, Null
from sql.aggregate import Max, Min, Sum
from sql.conditionals import Case, Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.transaction import Transaction


class ChannelDay(ModelSQL, ModelView):
    __name__ = 'ecom.channel.day'
    __string__ = "Channel Figures by Day"
    channel = fields.Many2One('ecom.channel', "Channel", readonly=True)
    date = fields.Date("Date", readonly=True)
    orders = fields.Integer("Orders", readonly=True)
    amount = fields.Numeric("Amount", digits=(16, 2), readonly=True)
    average = fields.Numeric("Average Order Value", digits=(16, 2),
        readonly=True)
    cancelled = fields.Integer("Cancellations", readonly=True)
    refunded = fields.Integer("Refunds", readonly=True)
    exceptions = fields.Integer("Exceptions", readonly=True)
    lag = fields.TimeDelta("Import Lag", readonly=True,
        help="The longest time between an order's change on the platform "
        "and its receipt.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('channel', 'ASC'), ('id', 'DESC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        RawOrder = pool.get('ecom.raw_order')
        Sale = pool.get('sale.sale')
        raw = RawOrder.__table__()
        sale = Sale.__table__()
        context = Transaction().context
        # a cast, not date_trunc('day', ...): PostgreSQL cannot tell that
        # a parameter in the select and the same in the group by are equal
        day = raw.platform_created.cast(cls.date.sql_type().base)
        where = raw.platform_created != Null
        if context.get('from_date'):
            where &= raw.platform_created >= context['from_date']
        if context.get('to_date'):
            where &= day <= context['to_date']
        if context.get('channel'):
            where &= raw.channel == context['channel']
        amount = Coalesce(raw.total, 0)
        imported = raw.state == 'imported'
        query = raw.join(sale, 'LEFT', condition=raw.sale == sale.id
            ).select(
                Min(raw.id).as_('id'),
                raw.channel.as_('channel'),
                day.as_('date'),
                Sum(Case((imported, 1), else_=0)).as_('orders'),
                Sum(Case((imported, amount), else_=0)).as_('amount'),
                (Sum(Case((imported, amount), else_=0))
                    / Case((Sum(Case((imported, 1), else_=0)) == 0, Null),
                        else_=Sum(Case((imported, 1), else_=0)))
                    ).as_('average'),
                Sum(Case((sale.state == 'cancelled', 1), else_=0)
                    ).as_('cancelled'),
                Sum(Case((sale.ecom_payment == 'refunded', 1), else_=0)
                    ).as_('refunded'),
                Sum(Case((raw.state == 'exception', 1), else_=0)
                    ).as_('exceptions'),
                Max(raw.create_date - raw.modified_at).as_('lag'),
                Literal(0).as_('create_uid'),
                Max(raw.create_date).as_('create_date'),
                Literal(0).as_('write_uid'),
                Max(raw.write_date).as_('write_date'),
                where=where,
                group_by=[raw.channel, day])
        return query


class ChannelDayContext(ModelView):
    __name__ = 'ecom.channel.day.context'
    __string__ = "Channel Figures Context"
    channel = fields.Many2One('ecom.channel', "Channel")
    from_date = fields.Date("From Date")
    to_date = fields.Date("To Date")
