# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Store promotions (满减, 满赠, 买赠, coupons) and flash sales (秒杀)."""
import datetime
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import DeactivableMixin, ModelSQL, ModelView, fields
from trytond.model.exceptions import AccessError
from trytond.modules.product import price_digits
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from . import pricing
from .exceptions import FlashSaleError


class Promotion(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'store.promotion'
    __string__ = "Store Promotion"

    name = fields.Char("Name", required=True, translate=True)
    company = fields.Many2One('company.company', "Company", required=True)
    kind = fields.Selection([
            ('discount', "Spend Threshold Discount"),
            ('gift', "Spend Threshold Gift"),
            ('buy_gift', "Buy and Get Gift"),
            ], "Kind", required=True)
    sequence = fields.Integer("Precedence", required=True,
        help="Promotions apply in increasing precedence.")
    exclusive = fields.Boolean("Exclusive",
        help="Applies only alone: not after another promotion, and none "
        "after it.")
    repeat = fields.Boolean("Repeat",
        help="Applies once per full threshold or bought quantity.")
    threshold = fields.Numeric("Threshold", digits=(16, 2),
        states={'invisible': Eval('kind') == 'buy_gift'},
        help="The eligible untaxed amount the order must reach.")
    discount = fields.Numeric("Discount", digits=(16, 2),
        states={
            'invisible': Eval('kind') != 'discount',
            'required': Eval('kind') == 'discount',
            })
    gift_product = fields.Many2One('product.product', "Gift Product",
        states={
            'invisible': Eval('kind') == 'discount',
            'required': Eval('kind') != 'discount',
            })
    gift_quantity = fields.Float("Gift Quantity",
        states={
            'invisible': Eval('kind') == 'discount',
            'required': Eval('kind') != 'discount',
            })
    buy_product = fields.Many2One('product.product', "Bought Product",
        states={
            'invisible': Eval('kind') != 'buy_gift',
            'required': Eval('kind') == 'buy_gift',
            })
    buy_quantity = fields.Float("Bought Quantity",
        states={
            'invisible': Eval('kind') != 'buy_gift',
            'required': Eval('kind') == 'buy_gift',
            })
    coupon = fields.Many2One('sale.promotion.coupon', "Coupon",
        ondelete='RESTRICT',
        domain=[('company', '=', Eval('company', -1))],
        help="When set, applies only to orders that give one of the "
        "coupon's active numbers.")
    start_date = fields.Date("Start Date")
    end_date = fields.Date("End Date",
        domain=[If(Eval('start_date') & Eval('end_date'),
                ('end_date', '>=', Eval('start_date')), ())])
    products = fields.Many2Many('store.promotion-product.product',
        'promotion', 'product', "Products",
        help="Only these products count; empty: all products.")
    levels = fields.Many2Many('store.promotion-store.level',
        'promotion', 'level', "Store Levels",
        help="Only stores of these levels get it; empty: every store.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('sequence', 'ASC'), ('id', 'ASC')]

    @classmethod
    def __register__(cls, module):
        table_h = cls.__table_handler__(module)
        # Migration: the coupon code was a Char; its codes are kept aside
        # (the coupons are re-created as Tryton coupons with numbers)
        if (table_h.column_exist('coupon')
                and table_h._columns['coupon']['typname'].lower()
                == 'varchar'):
            table_h.column_rename('coupon', 'coupon_code_deprecated')
        super().__register__(module)

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_kind():
        return 'discount'

    @staticmethod
    def default_sequence():
        return 10

    @staticmethod
    def default_threshold():
        return Decimal(0)

    @classmethod
    def for_store(cls, party, date):
        "The promotions a store may get on date"
        level = party.store_level
        return [p for p in cls.search([
                    ('company', '=', Transaction().context.get('company')),
                    ['OR', ('start_date', '=', None),
                        ('start_date', '<=', date)],
                    ['OR', ('end_date', '=', None),
                        ('end_date', '>=', date)],
                    ])
            if not p.levels or (level and level in p.levels)]

    def to_pure(self):
        return pricing.Promotion(
            id=self.id, kind=self.kind, sequence=self.sequence,
            exclusive=bool(self.exclusive), repeat=bool(self.repeat),
            threshold=self.threshold or Decimal(0),
            discount=self.discount or Decimal(0),
            gift_product=self.gift_product.id if self.gift_product else None,
            gift_quantity=Decimal(str(self.gift_quantity or 0)),
            buy_product=self.buy_product.id if self.buy_product else None,
            buy_quantity=Decimal(str(self.buy_quantity or 0)),
            coupon=self.coupon.id if self.coupon else None,
            products=frozenset(p.id for p in self.products),
            name=self.name)


class PromotionProduct(ModelSQL):
    __name__ = 'store.promotion-product.product'
    __string__ = "Store Promotion - Product"

    promotion = fields.Many2One('store.promotion', "Promotion",
        required=True, ondelete='CASCADE')
    product = fields.Many2One('product.product', "Product", required=True,
        ondelete='CASCADE')


class PromotionLevel(ModelSQL):
    __name__ = 'store.promotion-store.level'
    __string__ = "Store Promotion - Level"

    promotion = fields.Many2One('store.promotion', "Promotion",
        required=True, ondelete='CASCADE')
    level = fields.Many2One('store.level', "Level", required=True,
        ondelete='CASCADE')


class FlashSale(ModelSQL, ModelView):
    __name__ = 'store.flash.sale'
    __string__ = "Flash Sale"

    name = fields.Char("Name", required=True, translate=True)
    company = fields.Many2One('company.company', "Company", required=True)
    product = fields.Many2One('product.product', "Product", required=True)
    unit_price = fields.Numeric("Unit Price", digits=price_digits,
        required=True, domain=[('unit_price', '>=', 0)])
    start = fields.DateTime("Start", required=True)
    end = fields.DateTime("End", required=True,
        domain=[If(Eval('start') & Eval('end'),
                ('end', '>', Eval('start')), ())])
    total_quantity = fields.Float("Total Quantity", required=True,
        domain=[('total_quantity', '>', 0)])
    per_store_limit = fields.Float("Limit per Store",
        help="The most one store may buy; empty: no limit.")
    sold_quantity = fields.Float("Sold Quantity", readonly=True,
        help="Units held by quoted and confirmed orders.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start', 'DESC'), ('id', 'DESC')]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_sold_quantity():
        return 0

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode == 'write' and external and 'sold_quantity' in values:
            raise AccessError(gettext('store_ordering.msg_flash_sold_readonly'))

    @classmethod
    def running(cls, product_ids, at=None):
        "{product id: FlashSale} of the flash sales running at `at`"
        at = at or datetime.datetime.now()
        result = {}
        for flash in cls.search([
                    ('company', '=', Transaction().context.get('company')),
                    ('product', 'in', list(product_ids)),
                    ('start', '<=', at),
                    ('end', '>', at),
                    ], order=[('start', 'ASC')]):
            result.setdefault(flash.product.id, flash)
        return result

    def to_pure(self):
        return pricing.FlashSale(self.id, self.product.id, self.unit_price,
            self.start, self.end)

    @classmethod
    def reserve(cls, flash_sale, party, quantity):
        """Hold `quantity` units of the flash sale for `party`

        SELECT ... FOR NO KEY UPDATE takes the row lock: concurrent buyers queue
        on it, and under PostgreSQL's repeatable read a buyer whose
        snapshot predates another's reservation fails to serialize and is
        retried by Tryton on a fresh snapshot, so the units never oversell.
        """
        Line = Pool().get('sale.line')
        sold = cls._lock_sold(flash_sale)
        bought = 0
        if flash_sale.per_store_limit:
            # under the row lock: the other orders of the store are settled
            bought = sum(l.quantity for l in Line.search([
                        ('store_flash_sale', '=', flash_sale.id),
                        ('sale.party', '=', party.id),
                        ('sale.state', 'not in', ['draft', 'cancelled']),
                        ]))
        if not pricing.flash_allowance(flash_sale.total_quantity, sold,
                0, 0, quantity):
            raise FlashSaleError(gettext('store_ordering.msg_flash_sold_out',
                    flash_sale=flash_sale.rec_name))
        if not pricing.flash_allowance(flash_sale.total_quantity, 0,
                flash_sale.per_store_limit, bought, quantity):
            raise FlashSaleError(gettext(
                    'store_ordering.msg_flash_store_limit',
                    flash_sale=flash_sale.rec_name,
                    limit=flash_sale.per_store_limit))
        cls.write([cls(flash_sale.id)], {
                'sold_quantity': sold + quantity,
                })

    @classmethod
    def release(cls, flash_sale, quantity):
        "Give back units of a flash sale held by an order"
        sold = cls._lock_sold(flash_sale)
        cls.write([cls(flash_sale.id)], {
                'sold_quantity': max(sold - quantity, 0),
                })

    @classmethod
    def _lock_sold(cls, flash_sale):
        "Lock the flash sale's row and return its sold quantity"
        table = cls.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        query, params = table.select(table.sold_quantity,
            where=table.id == flash_sale.id)
        if transaction.database.has_select_for():
            # NO KEY UPDATE: order lines referencing the flash sale hold a
            # KEY SHARE lock on it, which FOR UPDATE would deadlock with
            query += ' FOR NO KEY UPDATE'
        cursor.execute(query, params)
        sold, = cursor.fetchone()
        return sold or 0


class SalePromotion(metaclass=PoolMeta):
    __name__ = 'sale.promotion'

    def match(self, pattern):
        # a promotion carrying the coupons of store promotions gives no
        # price of its own: the store engine applies the store promotion
        StorePromotion = Pool().get('store.promotion')
        if self.coupons:
            with without_check_access():
                if StorePromotion.search([
                            ('coupon', 'in', [c.id for c in self.coupons]),
                            ('active', 'in', [True, False]),
                            ], limit=1):
                    return False
        return super().match(pattern)
