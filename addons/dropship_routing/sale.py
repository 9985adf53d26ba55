# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Routing of sale lines: own stock or a drop-ship supplier.

Lines of products with drop-ship offers are routed when the sale is quoted
and again when it is confirmed (stock and feeds move in between).  The
decision is stored on the line (route, reason, figures).  A line routed to
own stock ships from the warehouse the routing chose (Tryton splits the
shipments by warehouse); a drop-ship line becomes a purchase request to the
chosen supplier with the customer's address (sale_supply_drop_shipment),
then a drop-ship order the supplier answers (order.py); an exception line
gets neither a move nor a request until a user handles it.
"""
import datetime
from collections import defaultdict
from decimal import Decimal

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction, without_check_access

from . import routing

ROUTES = [
    (None, ""),
    ('stock', "Own Stock"),
    ('dropship', "Drop Shipment"),
    ('exception', "Exception"),
    ]
REASONS = [(None, "")] + [(k, v) for k, v in routing.REASONS.items()]


def _decimal(value):
    "A Decimal of a numeric column's value (SQLite may give a float)"
    return value if isinstance(value, Decimal) else Decimal(str(value))


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    dropship_exception = fields.Function(fields.Boolean(
            "Drop-Ship Exception"), 'get_dropship_exception',
        searcher='search_dropship_exception')
    dropship_orders = fields.One2Many('dropship.order', 'sale',
        "Drop-Ship Orders", readonly=True)

    def get_dropship_exception(self, name):
        return any(line.dropship_route == 'exception' for line in self.lines)

    @classmethod
    def search_dropship_exception(cls, name, clause):
        _, operator, value = clause
        if (operator == '=') == bool(value):
            return [('lines.dropship_route', '=', 'exception')]
        return [('lines.dropship_route', '!=', 'exception')]

    @classmethod
    @ModelView.button
    @Workflow.transition('quotation')
    def quote(cls, sales):
        super().quote(sales)
        cls.dropship_route(sales)

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, sales):
        cls.dropship_route(sales)
        super().confirm(sales)

    @classmethod
    def dropship_route(cls, sales):
        "Route the lines not yet supplied of sales"
        pool = Pool()
        Line = pool.get('sale.line')
        Line.dropship_route_lines([line for s in sales for line in s.lines
                if not line.purchase_request
                and line.dropship_reason != 'manual'])

    @classmethod
    def _process_supply(cls, sales, product_quantities):
        pool = Pool()
        Order = pool.get('dropship.order')
        super()._process_supply(sales, product_quantities)
        Order.dispatch([line for s in sales for line in s.lines
                if line.dropship_route == 'dropship'
                and line.purchase_request
                and not line.purchase_request.purchase_line])


class Line(metaclass=PoolMeta):
    __name__ = 'sale.line'

    dropship_route = fields.Selection(ROUTES, "Route", readonly=True)
    dropship_reason = fields.Selection(REASONS, "Route Reason",
        readonly=True)
    dropship_detail = fields.Char("Route Detail", readonly=True)
    dropship_routed_at = fields.DateTime("Routed", readonly=True)
    dropship_warehouse = fields.Many2One('stock.location',
        "Routed Warehouse", readonly=True,
        domain=[('type', '=', 'warehouse')])
    dropship_offer = fields.Many2One('purchase.product_supplier',
        "Supplier Offer", readonly=True)
    dropship_supplier = fields.Many2One('party.party', "Drop-Ship Supplier",
        readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    dropship_commission = Monetary("Commission", currency='currency',
        digits='currency',
        states={'readonly': Eval('sale_state') != 'draft'},
        help="The platform commission on the line, counted in its margin.")
    dropship_cost = Monetary("Supplier Cost", currency='currency',
        digits='currency', readonly=True)
    dropship_freight = Monetary("Freight", currency='currency',
        digits='currency', readonly=True)
    dropship_margin = Monetary("Drop-Ship Margin", currency='currency',
        digits='currency', readonly=True)
    dropship_orders = fields.One2Many('dropship.order', 'sale_line',
        "Drop-Ship Orders", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'dropship_force': {
                    'invisible': Eval('dropship_route') != 'exception',
                    'depends': ['dropship_route'],
                    },
                'dropship_reroute': {
                    'invisible': Eval('dropship_route') != 'exception',
                    'depends': ['dropship_route'],
                    },
                })

    @classmethod
    def copy(cls, lines, default=None):
        default = default.copy() if default else {}
        for name in ['dropship_route', 'dropship_reason', 'dropship_detail',
                'dropship_routed_at', 'dropship_warehouse', 'dropship_offer',
                'dropship_supplier', 'dropship_cost', 'dropship_freight',
                'dropship_margin', 'dropship_orders']:
            default.setdefault(name, None)
        return super().copy(lines, default=default)

    @fields.depends('dropship_route', 'dropship_warehouse')
    def on_change_with_warehouse(self, name=None):
        # Own stock may be in another warehouse than the sale's: its
        # moves go from there, and Tryton groups shipments by warehouse.
        if self.dropship_route == 'stock' and self.dropship_warehouse:
            return self.dropship_warehouse
        return super().on_change_with_warehouse(name=name)

    @property
    def supply_on_sale(self):
        if self.dropship_route == 'stock':
            return False
        return super().supply_on_sale

    def get_move(self, shipment_type):
        if self.dropship_route == 'exception':
            return
        return super().get_move(shipment_type)

    def get_drop_moves(self):
        if self.dropship_route == 'exception':
            return []
        return super().get_drop_moves()

    def dropship_commission_amount(self):
        """The platform commission of the line; marketplace channels
        set it from the channel's commission"""
        return self.dropship_commission or Decimal(0)

    def get_purchase_request(self, product_quantities):
        if self.dropship_route in {'stock', 'exception'}:
            return
        if self.dropship_route != 'dropship' or not self.dropship_offer:
            return super().get_purchase_request(product_quantities)
        if (not self.supply_on_sale or self.purchase_request
                or not self.ready_for_supply):
            return
        return self._dropship_request(self.dropship_offer)

    def _dropship_request(self, offer):
        "A purchase request of the line to the supplier of offer"
        pool = Pool()
        Uom = pool.get('product.uom')
        Request = pool.get('purchase.request')
        Date = pool.get('ir.date')
        product = self.product
        unit = product.purchase_uom or product.default_uom
        quantity = Uom.compute_qty(self.unit,
            self._get_move_quantity('out'), unit)
        with Transaction().set_context(company=self.sale.company.id):
            today = Date.today()
        return Request(
            product=product, party=offer.party,
            quantity=quantity, unit=unit,
            computed_quantity=quantity, computed_unit=unit,
            purchase_date=today, supply_date=self.shipping_date,
            company=self.sale.company, warehouse=self.warehouse,
            origin=self.sale,
            customer=self.sale.shipment_party or self.sale.party,
            delivery_address=self.sale.shipment_address)

    # Routing

    @classmethod
    def _dropship_routable(cls, line):
        return (line.type == 'line' and line.product
            and line.product.type in {'goods', 'assets'}
            and line.product.supply_on_sale
            and line.quantity and line.quantity > 0)

    @classmethod
    def dropship_route_lines(cls, lines, reroute=False):
        """Route lines (those of products with drop-ship offers) and store
        the decisions; on reroute, own stock is not considered and the
        suppliers already tried are left out.  Returns the decisions.

        The offers (with their prices, the suppliers' grades and feeds),
        the warehouses and their stock are read once for all the lines,
        the offers priced once per product and quantity, then the pure
        `routing.route_line` decides each line."""
        pool = Pool()
        Configuration = pool.get('dropship.configuration')
        Party = pool.get('party.party')
        Uom = pool.get('product.uom')
        Location = pool.get('stock.location')
        policy = Configuration(1).policy()
        now = datetime.datetime.now()
        lines = [line for line in lines if cls._dropship_routable(line)]
        offers = cls._dropship_offers({line.product for line in lines})
        lines = [line for line in lines if offers.get(line.product.id)]
        if not lines:
            return {}
        available = {} if reroute else cls._dropship_available(lines)
        warehouses = [] if reroute else Location.search(
            [('type', '=', 'warehouse')], order=[('id', 'ASC')])
        regions = {w: routing.parse_regions(w.dropship_regions)
            for w in warehouses}
        decisions, to_save, priced = {}, [], {}
        for line in lines:
            quantity = Uom.compute_qty(line.unit, line.quantity,
                line.product.default_uom, round=False)
            request = routing.Line(quantity=quantity,
                unit_price=line.unit_price * Decimal(str(line.quantity))
                / Decimal(str(quantity)) if quantity else line.unit_price,
                region=Party.dropship_region(line.sale.shipment_address),
                commission=line.dropship_commission_amount())
            # the sale's warehouse first
            own = line.sale.warehouse
            line_warehouses = [
                (w, available.get((w.id, line.product.id), 0), regions[w])
                for w in sorted(warehouses, key=lambda w: w != own)]
            tried = {o.offer.id for o in line.dropship_orders
                if o.state in {'rejected', 'expired'} and o.offer}
            key = (line.product.id, quantity)
            if key not in priced:
                priced[key] = [o.at(quantity) for o in offers[key[0]]]
            decision = routing.route_line(request, line_warehouses,
                priced[key], now, policy, tried=tried)
            if decision.route == 'stock':
                key = (decision.warehouse.id, line.product.id)
                available[key] -= quantity
            decisions[line] = decision
            to_save.append(line._dropship_set(decision, now))
        cls.save(to_save)
        return decisions

    def _dropship_set(self, decision, now):
        pool = Pool()
        ProductSupplier = pool.get('purchase.product_supplier')
        Party = pool.get('party.party')
        offer = (ProductSupplier(decision.offer.key)
            if decision.offer else None)
        self.dropship_route = decision.route
        self.dropship_reason = decision.reason
        self.dropship_detail = (decision.warehouse.rec_name
            if decision.route == 'stock' else decision.detail)[:250]
        self.dropship_routed_at = now
        # the commission counted, kept for the margin report
        self.dropship_commission = decision.commission
        self.dropship_warehouse = decision.warehouse
        self.dropship_offer = offer
        self.dropship_supplier = (Party(decision.offer.supplier)
            if offer else None)
        if decision.route == 'stock':
            self.dropship_cost = self.dropship_freight = None
            self.dropship_margin = None
        else:
            self.dropship_cost = decision.cost if offer else None
            self.dropship_freight = decision.freight if offer else None
            self.dropship_margin = decision.margin
        return self

    @classmethod
    def _dropship_offers(cls, products):
        """{product id: [routing.Offer]}: the drop-ship offers of products
        (the variant's first, then the template's, each in Tryton's
        order) with their price lines, their suppliers' grades for the
        context's company and their feeds, read in bulk: one search query,
        then one query per table and thousand offers, whatever the number
        of lines."""
        pool = Pool()
        ProductSupplier = pool.get('purchase.product_supplier')
        Price = pool.get('purchase.product_supplier.price')
        Grading = pool.get('party.party.supplier_grading')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        company = transaction.context.get('company')
        products = list(products)
        result = {p.id: [] for p in products}
        if not products:
            return result
        by_template = {}
        for product in products:
            by_template.setdefault(product.template.id, []).append(product)
        # the search's query applies Tryton's rules (company, active) and
        # order; run as SQL, it builds no record instance (browsing tens of
        # thousands of records costs more than the routing)
        cursor.execute(*ProductSupplier.search([
                    ('drop_shipment', '=', True),
                    ['OR',
                        ('product', 'in', list(result)),
                        [('product', '=', None),
                            ('template', 'in', list(by_template))],
                        ],
                    ], order=[('sequence', 'ASC NULLS FIRST'),
                    ('id', 'ASC')], query=True))
        ids = [i for i, in cursor]
        rows, prices, grades = {}, defaultdict(list), {}
        table = ProductSupplier.__table__()
        price = Price.__table__()
        in_max = backend.MAX_QUERY_PARAMS
        for sub_ids in grouped_slice(ids, in_max):
            sub_ids = list(sub_ids)
            cursor.execute(*table.select(table.id, table.product,
                    table.template, table.party, table.dropship_freight,
                    table.handling_days, table.dropship_regions,
                    table.feed_stock, table.feed_at,
                    where=reduce_ids(table.id, sub_ids)))
            for row in cursor:
                rows[row[0]] = row
            cursor.execute(*price.select(price.product_supplier,
                    price.quantity, price.unit_price,
                    where=reduce_ids(price.product_supplier, sub_ids),
                    order_by=[price.sequence.asc.nulls_first,
                        price.id.asc]))
            for supplier_id, minimum, unit_price in cursor:
                prices[supplier_id].append((minimum, unit_price))
        parties = list({row[3] for row in rows.values()})
        grading = Grading.__table__()
        for sub_ids in grouped_slice(parties, in_max):
            cursor.execute(*grading.select(grading.party,
                    grading.supplier_grade,
                    where=reduce_ids(grading.party, list(sub_ids))
                    & (grading.company == company)))
            grades.update(cursor)
        template_offers = []
        for ps_id in ids:
            (_, product, template, party, freight, days, regions, stock,
                feed_at) = rows[ps_id]
            offer = routing.Offer(key=ps_id, supplier=party, cost=None,
                freight=_decimal(freight or 0), handling_days=days or 0,
                grade=grades.get(party), stock=stock, feed_at=feed_at,
                regions=routing.parse_regions(regions),
                prices=tuple((m, _decimal(p)) for m, p in prices[ps_id]))
            if product is not None:
                result[product].append(offer)
            else:
                template_offers.append((template, offer))
        for template, offer in template_offers:
            for product in by_template[template]:
                result[product.id].append(offer)
        return result

    @classmethod
    def _dropship_available(cls, lines):
        """{(warehouse id, product id): quantity} on hand and not
        assigned, in the product's default unit"""
        pool = Pool()
        Product = pool.get('product.product')
        Location = pool.get('stock.location')
        Date = pool.get('ir.date')
        warehouses = Location.search([('type', '=', 'warehouse')])
        product_ids = list({line.product.id for line in lines})
        if not warehouses:
            return defaultdict(float)
        with Transaction().set_context(stock_date_end=Date.today(),
                stock_assign=True):
            quantities = Product.products_by_location(
                [w.id for w in warehouses], with_childs=True,
                grouping_filter=(product_ids,))
        return defaultdict(float, quantities)

    @classmethod
    @ModelView.button
    def dropship_reroute(cls, lines):
        "Route exception lines again (a feed or the floor may have changed)"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Order = pool.get('dropship.order')
        cls._check_exception(lines)
        # Purchasing handles exceptions without the right to edit sales.
        with without_check_access():
            cls.dropship_route_lines(lines, reroute=True)
            Order.resupply(lines)
            Sale.process(list({line.sale for line in lines}))

    @classmethod
    @ModelView.button
    def dropship_force(cls, lines):
        """Send exception lines to the best offer found, accepting its
        margin below the floor"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Order = pool.get('dropship.order')
        cls._check_exception(lines)
        to_save = []
        for line in lines:
            if not line.dropship_offer:
                raise AccessError(gettext(
                        'dropship_routing.msg_force_no_offer',
                        line=line.rec_name))
            line.dropship_route = 'dropship'
            line.dropship_reason = 'manual'
            to_save.append(line)
        with without_check_access():
            cls.save(to_save)
            Order.resupply(lines)
            Sale.process(list({line.sale for line in lines}))

    @classmethod
    def _check_exception(cls, lines):
        for line in lines:
            if line.dropship_route != 'exception':
                raise AccessError(gettext(
                        'dropship_routing.msg_line_not_exception',
                        line=line.rec_name))
