# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Store levels (franchise, direct, distributor; A/B/C), their price list,
minimum order and catalogue, and per-store price overrides."""
from decimal import Decimal

from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.modules.product import price_digits
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from . import pricing, statement


class StoreLevel(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'store.level'
    __string__ = "Store Level"

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    kind = fields.Selection([
            ('franchise', "Franchise Store"),
            ('direct', "Direct Store"),
            ('distributor', "Distributor"),
            ], "Kind", required=True)
    price_list = fields.Many2One('product.price_list', "Price List",
        help="The tier prices of the stores of this level, with their "
        "quantity breaks.")
    minimum_order_amount = fields.Numeric("Minimum Order Amount",
        digits=(16, 2),
        help="Orders below this untaxed amount are refused.")
    auto_approve_limit = fields.Numeric("Automatic Approval Limit",
        digits=(16, 2),
        help="Portal orders up to this untaxed amount are confirmed "
        "without head office; empty: every order waits for approval.")
    categories = fields.Many2Many('store.level-product.category',
        'level', 'category', "Allowed Categories",
        help="The stores of this level order only products of these "
        "categories (and their children); empty: all salable products.")
    stores = fields.One2Many('party.party', 'store_level', "Stores",
        readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'store_ordering.msg_level_code_unique'),
            ]
        cls._order.insert(0, ('code', 'ASC'))

    @staticmethod
    def default_kind():
        return 'franchise'

    def allowed_category_ids(self):
        "Ids of the allowed categories with their children, None for all"
        if not self.categories:
            return None
        Category = Pool().get('product.category')
        return [c.id for c in Category.search([
                    ('parent', 'child_of', [c.id for c in self.categories]),
                    ])]

    def product_domain(self):
        "Domain of the product.product this level may order"
        domain = [('salable', '=', True)]
        categories = self.allowed_category_ids()
        if categories is not None:
            domain.append(('categories_all', 'in', categories))
        return domain


class StoreLevelCategory(ModelSQL):
    __name__ = 'store.level-product.category'
    __string__ = "Store Level - Category"

    level = fields.Many2One('store.level', "Level", required=True,
        ondelete='CASCADE')
    category = fields.Many2One('product.category', "Category",
        required=True, ondelete='CASCADE')


class PriceOverride(ModelSQL, ModelView):
    __name__ = 'store.price.override'
    __string__ = "Store Price Override"

    party = fields.Many2One('party.party', "Store", required=True,
        ondelete='CASCADE')
    product = fields.Many2One('product.product', "Product", required=True,
        ondelete='CASCADE')
    min_quantity = fields.Float("Minimum Quantity", required=True,
        domain=[('min_quantity', '>=', 0)])
    unit_price = fields.Numeric("Unit Price", digits=price_digits,
        required=True, domain=[('unit_price', '>=', 0)])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('break_unique', Unique(t, t.party, t.product, t.min_quantity),
                'store_ordering.msg_override_unique'),
            ]
        cls._order = [
            ('product', 'ASC'), ('min_quantity', 'ASC'), ('id', 'ASC')]

    @staticmethod
    def default_min_quantity():
        return 0

    @classmethod
    def breaks(cls, party, product_ids):
        "{product id: (PriceBreak, ...)} of the party"
        result = {}
        for override in cls.search([
                    ('party', '=', party.id),
                    ('product', 'in', list(product_ids)),
                    ]):
            result.setdefault(override.product.id, []).append(
                pricing.PriceBreak(
                    Decimal(str(override.min_quantity)),
                    override.unit_price))
        return {k: tuple(v) for k, v in result.items()}


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    store_level = fields.Many2One('store.level', "Store Level",
        ondelete='RESTRICT',
        help="Makes the party a store or distributor that orders at the "
        "prices, minimum and catalogue of this level.")
    store_price_overrides = fields.One2Many('store.price.override', 'party',
        "Store Prices")

    @property
    def store_price_list(self):
        "The price list of the store: its own, else its level's"
        if self.sale_price_list:
            return self.sale_price_list
        if self.store_level:
            return self.store_level.price_list

    def store_statement(self, start, end):
        """The statement of the store from start to end (dates) and the
        orders it placed in the period, from the posted receivable lines
        of the context company"""
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        Invoice = pool.get('account.invoice')
        Sale = pool.get('sale.sale')
        company = Transaction().context.get('company')
        lines = MoveLine.search([
                ('party', '=', self.id),
                ('account.type.receivable', '=', True),
                ('move.state', '=', 'posted'),
                ('move.company', '=', company),
                ('date', '<=', end),
                ], order=[('date', 'ASC'), ('id', 'ASC')])
        opening = sum((l.debit - l.credit for l in lines if l.date < start),
            Decimal(0))
        entries = []
        for line in lines:
            if line.date < start:
                continue
            origin = line.move.origin
            if isinstance(origin, Invoice):
                kind, reference = 'invoice', origin.number
            elif line.credit > 0:
                kind = 'payment'
                reference = line.description or line.move.description
            else:
                kind = 'other'
                reference = line.description or line.move.description
            entries.append(statement.Entry(line.date, kind, reference or '',
                    line.debit, line.credit))
        orders = Sale.search([
                ('party', '=', self.id),
                ('company', '=', company),
                ('sale_date', '>=', start),
                ('sale_date', '<=', end),
                ('state', 'not in', ['draft', 'cancelled']),
                ], order=[('sale_date', 'ASC'), ('id', 'ASC')])
        return statement.build_statement(opening, entries), orders
