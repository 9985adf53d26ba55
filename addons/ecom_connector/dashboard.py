# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Per-channel figures by day (an SQL view over raw orders and sales)"""
import datetime

from sql import Literal, Null
from sql.aggregate import Max, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import AtTimeZone, Function

from trytond import backend
from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.ecom_base.report import context_period
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
        Channel = pool.get('ecom.channel')
        Company = pool.get('company.company')
        raw = RawOrder.__table__()
        sale = Sale.__table__()
        channel = Channel.__table__()
        company = Company.__table__()
        context = Transaction().context
        # the day in the company's timezone, computed in a sub-query: the
        # zone is a parameter, and PostgreSQL cannot tell that a parameter
        # in the select and the same in the group by are equal
        orders = raw.join(sale, 'LEFT', condition=raw.sale == sale.id
            ).join(channel, condition=raw.channel == channel.id
            ).join(company, condition=channel.company == company.id
            ).select(
                raw.id, raw.channel, raw.state, raw.total,
                raw.create_date, raw.write_date, raw.modified_at,
                sale.state.as_('sale_state'),
                sale.ecom_payment.as_('payment'),
                cls._local_day(raw.platform_created, company.timezone
                    ).as_('day'),
                where=raw.platform_created != Null)
        where = context_period(orders.day)
        if context.get('channel'):
            where &= orders.channel == context['channel']
        amount = Coalesce(orders.total, 0)
        imported = orders.state == 'imported'
        query = orders.select(
                Min(orders.id).as_('id'),
                orders.channel.as_('channel'),
                orders.day.as_('date'),
                Sum(Case((imported, 1), else_=0)).as_('orders'),
                Sum(Case((imported, amount), else_=0)).as_('amount'),
                (Sum(Case((imported, amount), else_=0))
                    / Case((Sum(Case((imported, 1), else_=0)) == 0, Null),
                        else_=Sum(Case((imported, 1), else_=0)))
                    ).as_('average'),
                Sum(Case((orders.sale_state == 'cancelled', 1), else_=0)
                    ).as_('cancelled'),
                Sum(Case((orders.payment == 'refunded', 1), else_=0)
                    ).as_('refunded'),
                Sum(Case((orders.state == 'exception', 1), else_=0)
                    ).as_('exceptions'),
                Max(orders.create_date - orders.modified_at).as_('lag'),
                Literal(0).as_('create_uid'),
                Max(orders.create_date).as_('create_date'),
                Literal(0).as_('write_uid'),
                Max(orders.write_date).as_('write_date'),
                where=where,
                group_by=[orders.channel, orders.day])
        return query

    @classmethod
    def _local_day(cls, moment, timezone):
        """The day of a UTC timestamp column in the company's timezone
        (the day the merchant sees: 23:30 UTC is the next day in
        Shanghai)"""
        date = cls.date.sql_type().base
        if backend.name == 'sqlite':
            # no zone database in SQLite: the offset of the context
            # company's zone now
            offset = cls._company_offset()
            return Function('DATE', moment,
                f'{int(offset.total_seconds() // 60):+d} minutes')
        local = AtTimeZone(AtTimeZone(moment, 'UTC'),
            Coalesce(timezone, 'UTC'))
        return local.cast(date)

    @staticmethod
    def _company_offset():
        from trytond.tools import timezone as tz
        Company = Pool().get('company.company')
        company_id = Transaction().context.get('company')
        zone = Company(company_id).timezone if company_id else None
        if not zone:
            return datetime.timedelta(0)
        now = datetime.datetime.now(datetime.timezone.utc)
        return now.astimezone(tz.ZoneInfo(zone)).utcoffset()


class ChannelDayContext(ModelView):
    __name__ = 'ecom.channel.day.context'
    __string__ = "Channel Figures Context"
    channel = fields.Many2One('ecom.channel', "Channel")
    from_date = fields.Date("From Date")
    to_date = fields.Date("To Date")
