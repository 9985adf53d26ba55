# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Purchase reports: cost by category, supplier and month; the price
comparison of the suppliers of a product; the efficiency of each supplier
(order-to-receipt lead time, late lines, on-time rate).

SQL views (``table_query``) over the purchase lines of confirmed purchases
and over the done receipts of purchase lines.  Amounts are converted to
the company currency at the rate of the purchase date (the rate in force
that day, as ``currency.currency.compute`` does); quantities are in the
product's default unit, so unit prices compare across suppliers.
"""
from sql import Cast, Literal, Null, Window
from sql.aggregate import Avg, Count, Max, Min, Sum
from sql.conditionals import Case, Coalesce
from sql.functions import DateTrunc
from sql.operators import Concat, Div

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.ecom_base.report import context_period
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .sql_tools import days_between

PURCHASE_STATES = ['confirmed', 'processing', 'done']


def _rate(currency, date):
    "The rate of currency in force at date (scalar sub-query)"
    Rate = Pool().get('currency.currency.rate')
    rate = Rate.__table__()
    return rate.select(rate.rate,
        where=(rate.currency == currency) & (rate.date <= date),
        order_by=[rate.date.desc], limit=1)


def purchase_line_query():
    """One row per product line of the confirmed purchases of the context's
    company (and dates): quantity in the default unit, amount in the
    company currency, category (the product's first)
    """
    pool = Pool()
    Line = pool.get('purchase.line')
    Purchase = pool.get('purchase.purchase')
    Company = pool.get('company.company')
    Product = pool.get('product.product')
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    TemplateCategory = pool.get('product.template-product.category')
    context = Transaction().context
    line = Line.__table__()
    purchase = Purchase.__table__()
    company = Company.__table__()
    product = Product.__table__()
    template = Template.__table__()
    line_uom = Uom.__table__()
    default_uom = Uom.__table__()
    template_category = TemplateCategory.__table__()
    category = template_category.select(template_category.template,
        Min(template_category.category).as_('category'),
        group_by=[template_category.template])

    where = (purchase.state.in_(PURCHASE_STATES)
        & (line.type == 'line') & (line.product != Null)
        & (purchase.company == context.get('company', -1))
        & context_period(purchase.purchase_date))
    # the received quantity once known, else the ordered one
    ordered = Cast(Coalesce(line.actual_quantity, line.quantity), 'NUMERIC')
    factor = Case((purchase.currency == company.currency, Literal(1)),
        else_=Div(_rate(company.currency, purchase.purchase_date),
            _rate(purchase.currency, purchase.purchase_date)))
    amount = ordered * line.unit_price * factor
    quantity = (ordered * Cast(line_uom.factor, 'NUMERIC')
        / Cast(default_uom.factor, 'NUMERIC'))
    return (line
        .join(purchase, condition=line.purchase == purchase.id)
        .join(company, condition=purchase.company == company.id)
        .join(product, condition=line.product == product.id)
        .join(template, condition=product.template == template.id)
        .join(line_uom, condition=line.unit == line_uom.id)
        .join(default_uom, condition=template.default_uom == default_uom.id)
        .join(category, 'LEFT',
            condition=category.template == template.id)
        .select(
            line.id.as_('id'),
            purchase.id.as_('purchase'),
            purchase.company.as_('company'),
            company.currency.as_('currency'),
            purchase.purchase_date.as_('date'),
            fields.Date("Month").sql_cast(
                DateTrunc('month', purchase.purchase_date)).as_('month'),
            purchase.party.as_('supplier'),
            line.product.as_('product'),
            category.category.as_('category'),
            quantity.as_('quantity'),
            amount.as_('amount'),
            where=where))


class _Report(ModelSQL, ModelView):
    company = fields.Many2One('company.company', "Company", readonly=True)
    currency = fields.Many2One('currency.currency', "Currency",
        readonly=True)
    supplier = fields.Many2One('party.party', "Supplier", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})


class Cost(_Report):
    __name__ = 'purchase.suggest.cost'
    __string__ = "Purchase Cost"

    date = fields.Date("Month", readonly=True,
        help="The first day of the month of the purchases.")
    category = fields.Many2One('product.category', "Category",
        readonly=True, help="The first category of the products.")
    purchases = fields.Integer("Purchases", readonly=True)
    quantity = fields.Float("Quantity", digits=(16, 2), readonly=True,
        help="In the products' default units.")
    amount = Monetary("Amount", currency='currency', digits='currency',
        readonly=True, help="In the company currency.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('amount', 'DESC'), ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        lines = purchase_line_query()
        return lines.select(
            Min(lines.id).as_('id'),
            lines.company, lines.currency,
            lines.month.as_('date'),
            lines.supplier, lines.category,
            Count(lines.purchase, distinct=True).as_('purchases'),
            Sum(lines.quantity).as_('quantity'),
            cls.amount.sql_cast(Sum(lines.amount)).as_('amount'),
            group_by=[lines.company, lines.currency, lines.month,
                lines.supplier, lines.category])

    @classmethod
    def xlsx_columns(cls):
        return ['date', 'category', 'supplier', 'purchases', 'quantity',
            'amount']


class Price(_Report):
    __name__ = 'purchase.suggest.price'
    __string__ = "Supplier Price Comparison"

    product = fields.Many2One('product.product', "Product", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    quantity = fields.Float("Quantity", digits=(16, 2), readonly=True,
        help="In the product's default unit.")
    amount = Monetary("Amount", currency='currency', digits='currency',
        readonly=True, help="In the company currency.")
    average_price = Monetary("Average Unit Price", currency='currency',
        digits=(16, 4), readonly=True,
        help="Amount over quantity, per default unit.")
    minimum_price = Monetary("Lowest Unit Price", currency='currency',
        digits=(16, 4), readonly=True)
    maximum_price = Monetary("Highest Unit Price", currency='currency',
        digits=(16, 4), readonly=True)
    cheapest_price = Monetary("Cheapest Average", currency='currency',
        digits=(16, 4), readonly=True,
        help="The lowest average unit price of the product's suppliers.")
    above_cheapest = fields.Float("Above Cheapest", digits=(16, 4),
        readonly=True,
        help="Average unit price over the cheapest average, minus 1 "
        "(0.10 = 10% dearer).")
    suppliers = fields.Integer("Suppliers", readonly=True,
        help="How many suppliers sold the product over the period.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('product', 'ASC'), ('average_price', 'ASC'),
            ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        lines = purchase_line_query()
        unit_price = lines.amount / lines.quantity
        average = Sum(lines.amount) / Sum(lines.quantity)
        of_product = Window([lines.company, lines.product])
        cheapest = Min(average, window=of_product)
        return lines.select(
            Min(lines.id).as_('id'),
            lines.company, lines.currency, lines.supplier, lines.product,
            Sum(lines.quantity).as_('quantity'),
            cls.amount.sql_cast(Sum(lines.amount)).as_('amount'),
            cls.average_price.sql_cast(average).as_('average_price'),
            cls.minimum_price.sql_cast(Min(unit_price)).as_(
                'minimum_price'),
            cls.maximum_price.sql_cast(Max(unit_price)).as_(
                'maximum_price'),
            cls.cheapest_price.sql_cast(cheapest).as_('cheapest_price'),
            Cast(average / cheapest - 1, 'FLOAT').as_('above_cheapest'),
            Count(Literal(1), window=of_product).as_('suppliers'),
            where=lines.quantity > 0,
            group_by=[lines.company, lines.currency, lines.supplier,
                lines.product])

    @classmethod
    def xlsx_columns(cls):
        return ['product', 'supplier', 'quantity', 'amount',
            'average_price', 'minimum_price', 'maximum_price',
            'cheapest_price', 'above_cheapest', 'suppliers']


class Efficiency(_Report):
    __name__ = 'purchase.suggest.efficiency'
    __string__ = "Purchase Efficiency"

    receipts = fields.Integer("Received Lines", readonly=True,
        help="Done receipts of purchase lines (a backorder counts apart).")
    lead_time = fields.Float("Average Lead Time", digits=(16, 1),
        readonly=True, help="Days from the purchase date to the receipt.")
    maximum_lead_time = fields.Integer("Longest Lead Time", readonly=True)
    late = fields.Integer("Late Lines", readonly=True,
        help="Received after the promised (planned) date.")
    on_time_rate = fields.Float("On-Time Rate", digits=(16, 4),
        readonly=True, help="Share of the received lines not late.")
    delay = fields.Float("Average Delay", digits=(16, 1), readonly=True,
        help="Days after the promised date, over the late lines.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('on_time_rate', 'ASC'), ('lead_time', 'DESC'),
            ('id', 'ASC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        Line = pool.get('purchase.line')
        Purchase = pool.get('purchase.purchase')
        Company = pool.get('company.company')
        context = Transaction().context
        move = Move.__table__()
        source = Location.__table__()
        line = Line.__table__()
        purchase = Purchase.__table__()
        company = Company.__table__()
        where = ((move.state == 'done') & (source.type == 'supplier')
            & (purchase.purchase_date != Null)
            & (purchase.company == context.get('company', -1))
            & context_period(move.effective_date))
        lead = days_between(move.effective_date, purchase.purchase_date)
        # the move's planned date, else (a purchase processed after its
        # delivery date leaves none) the line's edited delivery date
        promised = Coalesce(move.origin_planned_date, move.planned_date,
            line.delivery_date_store)
        delay = days_between(move.effective_date, promised)
        late = (promised != Null) & (move.effective_date > promised)
        late_count = Sum(Case((late, Literal(1)), else_=Literal(0)))
        return (move
            .join(source, condition=move.from_location == source.id)
            .join(line, condition=move.origin == Concat(
                    'purchase.line,', Cast(line.id, 'VARCHAR')))
            .join(purchase, condition=line.purchase == purchase.id)
            .join(company, condition=purchase.company == company.id)
            .select(
                Min(move.id).as_('id'),
                purchase.company.as_('company'),
                company.currency.as_('currency'),
                purchase.party.as_('supplier'),
                Count(Literal(1)).as_('receipts'),
                Cast(Avg(lead), 'FLOAT').as_('lead_time'),
                Cast(Max(lead), 'INTEGER').as_('maximum_lead_time'),
                late_count.as_('late'),
                Cast(Literal(1) - Cast(late_count, 'FLOAT') / Count(Literal(1)),
                    'FLOAT').as_('on_time_rate'),
                Cast(Avg(Case((late, delay), else_=Null)), 'FLOAT').as_(
                    'delay'),
                where=where,
                group_by=[purchase.company, company.currency,
                    purchase.party]))

    @classmethod
    def xlsx_columns(cls):
        return ['supplier', 'receipts', 'lead_time', 'maximum_lead_time',
            'late', 'on_time_rate', 'delay']


class ReportContext(ModelView):
    __name__ = 'purchase.suggest.report.context'
    __string__ = "Purchase Report Context"

    company = fields.Many2One('company.company', "Company", required=True)
    from_date = fields.Date("From Date",
        domain=[If(Eval('to_date') & Eval('from_date'),
                ('from_date', '<=', Eval('to_date')), ())],
        help="Purchases dated (receipts done for the efficiency) from "
        "this day.")
    to_date = fields.Date("To Date",
        domain=[If(Eval('from_date') & Eval('to_date'),
                ('to_date', '>=', Eval('from_date')), ())])

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')
