# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Drop-ship margin report: one row per drop-shipped sale line.

An SQL view over the routed sale lines: revenue, supplier cost, freight,
commission and margin, by order, product, supplier and date; the list
groups and sums them, the graphs compare suppliers and products, and the
Print menu exports the rows to XLSX.

The order is its number (text), not a link to the sale: purchasing and
finance read the report without any right on sales.
"""
from sql import Cast, Literal, Null
from sql.conditionals import Coalesce

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.ecom_base.report import context_period
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction


class Margin(ModelSQL, ModelView):
    __name__ = 'dropship.margin'
    __string__ = "Drop-Ship Margin"

    company = fields.Many2One('company.company', "Company", readonly=True)
    number = fields.Char("Order", readonly=True,
        help="The number of the sale order.")
    date = fields.Date("Date", readonly=True)
    product = fields.Many2One('product.product', "Product", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    supplier = fields.Many2One('party.party', "Supplier", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    customer = fields.Many2One('party.party', "Customer", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    route = fields.Selection([
            ('dropship', "Drop Shipment"),
            ('exception', "Exception"),
            ], "Route", readonly=True)
    currency = fields.Many2One('currency.currency', "Currency",
        readonly=True)
    quantity = fields.Float("Quantity", readonly=True)
    revenue = Monetary("Revenue", currency='currency', digits='currency',
        readonly=True)
    cost = Monetary("Supplier Cost", currency='currency', digits='currency',
        readonly=True)
    freight = Monetary("Freight", currency='currency', digits='currency',
        readonly=True)
    commission = Monetary("Commission", currency='currency',
        digits='currency', readonly=True)
    margin = Monetary("Margin", currency='currency', digits='currency',
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('number', 'DESC'), ('id', 'DESC')]

    @classmethod
    def table_query(cls):
        pool = Pool()
        Line = pool.get('sale.line')
        Sale = pool.get('sale.sale')
        context = Transaction().context
        line = Line.__table__()
        sale = Sale.__table__()
        where = (line.dropship_route.in_(['dropship', 'exception'])
            & ~sale.state.in_(['draft', 'cancelled']))
        where &= context_period(sale.sale_date, sale.company)
        if context.get('supplier'):
            where &= line.dropship_supplier == context['supplier']
        return line.join(sale, condition=line.sale == sale.id).select(
            *cls._columns(line, sale),
            where=where & (line.product != Null))

    @classmethod
    def _columns(cls, line, sale):
        "The columns of the view over the sale line and its sale"
        zero = Literal(0)
        # quantity is a float column: multiply as numeric to stay exact
        revenue = Cast(line.quantity, 'NUMERIC') * line.unit_price
        cost = Coalesce(line.dropship_cost, zero)
        freight = Coalesce(line.dropship_freight, zero)
        commission = Coalesce(line.dropship_commission, zero)
        return [
            line.id.as_('id'),
            sale.company.as_('company'),
            sale.number.as_('number'),
            sale.sale_date.as_('date'),
            line.product.as_('product'),
            line.dropship_supplier.as_('supplier'),
            sale.party.as_('customer'),
            line.dropship_route.as_('route'),
            sale.currency.as_('currency'),
            line.quantity.as_('quantity'),
            revenue.as_('revenue'),
            cost.as_('cost'),
            freight.as_('freight'),
            commission.as_('commission'),
            (revenue - cost - freight - commission).as_('margin'),
            ]

    @classmethod
    def xlsx_columns(cls):
        return ['date', 'number', 'product', 'supplier', 'customer', 'route',
            'quantity', 'revenue', 'cost', 'freight', 'commission', 'margin']


class MarginContext(ModelView):
    __name__ = 'dropship.margin.context'
    __string__ = "Drop-Ship Margin Context"

    company = fields.Many2One('company.company', "Company", required=True)
    from_date = fields.Date("From Date")
    to_date = fields.Date("To Date")
    supplier = fields.Many2One('party.party', "Supplier",
        context={'company': Eval('company', -1)}, depends={'company'})

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')
