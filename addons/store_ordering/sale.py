# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Store orders: the store's prices, promotions, flash sales, minimum
amount, catalogue and credit limit, applied when the order is quoted, the
same way for the back office, the portal and RPC."""
import datetime
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelView, Workflow, fields
from trytond.modules.product import round_price
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from . import pricing
from .exceptions import StoreOrderError


def _decimal(value):
    return Decimal(str(value or 0))


def store_prices(party, items, at=None):
    """Price (product, quantity) items for the store party

    Returns a list of (unit price, source, flash sale or None), one per
    item, from the pure engine fed with the level's price list, the store's
    overrides and the running flash sales.
    """
    pool = Pool()
    Override = pool.get('store.price.override')
    FlashSale = pool.get('store.flash.sale')
    Uom = pool.get('product.uom')
    at = at or datetime.datetime.now()
    product_ids = {p.id for p, _ in items}
    breaks = Override.breaks(party, product_ids)
    flashes = FlashSale.running(product_ids, at)
    price_list = party.store_price_list

    def in_sale_unit(product, price):
        # price lists and list prices are per default unit, orders per
        # sale unit
        if price is None or not product.sale_uom:
            return price
        return round_price(
            Uom.compute_price(product.default_uom, price, product.sale_uom))

    items = [(product, abs(quantity or 0)) for product, quantity in items]
    # the price list's lines read once for all the items
    tiers = (price_list.store_compute(items) if price_list
        else [None] * len(items))
    result = []
    for (product, quantity), tier in zip(items, tiers):
        flash = flashes.get(product.id)
        price, source = pricing.unit_price(
            in_sale_unit(product, product.list_price_used or Decimal(0)),
            _decimal(quantity), tier_price=in_sale_unit(product, tier),
            store_breaks=breaks.get(product.id, ()),
            flash_sale=flash.to_pure() if flash else None, at=at)
        result.append((price, source, flash if source == 'flash' else None))
    return result


def store_promotions(party, lines, coupons=(), date=None):
    """The pure Outcome of the store's promotions on pricing.Line lines and
    the promotion records by id"""
    pool = Pool()
    Promotion = pool.get('store.promotion')
    Date = pool.get('ir.date')
    promotions = Promotion.for_store(party, date or Date.today())
    outcome = pricing.apply_promotions(
        lines, [p.to_pure() for p in promotions], coupons)
    return outcome, {p.id: p for p in promotions}


def coupon_codes(text):
    "The coupon numbers typed in text, separated by spaces or commas"
    if not isinstance(text, str):
        return []
    return list(dict.fromkeys(
            c for c in text.replace(',', ' ').split() if c))


def coupon_numbers(codes, company):
    """The sale.promotion.coupon.number records of the typed codes, or a
    clear error for an unknown one (validity is checked_coupons' job)"""
    Number = Pool().get('sale.promotion.coupon.number')
    result = []
    for code in codes:
        # the used up and expired ones too, to say why they are refused
        with Transaction().set_context(active_test=False):
            numbers = Number.search([
                    ('number', '=', code),
                    ('company', '=', company),
                    ], order=[('start_date', 'DESC NULLS FIRST')])
        if not numbers:
            raise StoreOrderError(gettext(
                    'store_ordering.msg_coupon_unknown', number=code))
        # several numbers alike have disjoint dates: the current one
        today = Pool().get('ir.date').today()
        current = [n for n in numbers
            if (n.start_date or datetime.date.min) <= today
            <= (n.end_date or datetime.date.max)]
        result.append((current or numbers)[0])
    return result


def _lock_number(number):
    """Take the number's row lock: concurrent orders giving it queue, and
    under repeatable read the later one is retried on a fresh snapshot.
    NO KEY UPDATE as the orders' links to the number hold KEY SHARE."""
    transaction = Transaction()
    if transaction.readonly or not transaction.database.has_select_for():
        return  # pricing a cart only reads
    table = number.__table__()
    query, params = table.select(table.id, where=table.id == number.id)
    transaction.connection.cursor().execute(
        query + ' FOR NO KEY UPDATE', params)


def checked_coupons(numbers, party, date, sale=None):
    """The coupon ids given by numbers for an order of party on date;
    an expired or used up number is refused.  Uses are counted as
    sale_promotion_coupon does: the other orders holding the number (per
    party when the coupon says so); cancelled orders give it back."""
    pool = Pool()
    SaleNumber = pool.get('sale.sale-sale.promotion.coupon.number')
    coupons = set()
    for number in numbers:
        if not ((number.start_date or datetime.date.min) <= date
                <= (number.end_date or datetime.date.max)):
            raise StoreOrderError(gettext(
                    'store_ordering.msg_coupon_expired',
                    number=number.number))
        coupon = number.coupon
        if coupon.number_of_use > 0:
            domain = [
                ('number', '=', number.id),
                ('sale.state', '!=', 'cancelled'),
                ]
            if sale and sale.id is not None and sale.id >= 0:
                domain.append(('sale', '!=', sale.id))
            if coupon.per_party:
                domain.append(('sale.party', '=', party.id))
            _lock_number(number)
            if SaleNumber.search_count(domain) >= coupon.number_of_use:
                raise StoreOrderError(gettext(
                        'store_ordering.msg_coupon_used_up',
                        number=number.number))
        coupons.add(coupon.id)
    return coupons


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    store_level = fields.Function(fields.Many2One('store.level',
            "Store Level"), 'on_change_with_store_level',
        searcher='search_store_level')

    @fields.depends('party')
    def on_change_with_store_level(self, name=None):
        return self.party.store_level if self.party else None

    @classmethod
    def search_store_level(cls, name, clause):
        return [('party.' + clause[0],) + tuple(clause[1:])]

    @fields.depends('party')
    def on_change_party(self):
        super().on_change_party()
        if (self.party and self.party.store_level
                and not self.party.sale_price_list):
            self.price_list = self.party.store_level.price_list

    @property
    def is_store_order(self):
        return bool(self.party and self.party.store_level)

    def must_check_credit_limit(self):
        # Stores order on credit whatever the shipment method.
        return super().must_check_credit_limit() or self.is_store_order

    @classmethod
    @ModelView.button
    @Workflow.transition('quotation')
    def quote(cls, sales):
        for sale in sales:
            if sale.state == 'draft' and sale.is_store_order:
                sale.apply_store_order()
        super().quote(sales)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, sales):
        held = [s for s in sales if s.state not in {'draft', 'cancelled'}]
        super().draft(sales)
        cls._release_store_order(held)
        Line = Pool().get('sale.line')
        Line.delete([l for s in sales for l in s.lines if l.store_generated])

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, sales):
        held = [s for s in sales if s.state not in {'draft', 'cancelled'}]
        super().cancel(sales)
        cls._release_store_order(held)

    @classmethod
    def _release_store_order(cls, sales):
        FlashSale = Pool().get('store.flash.sale')
        for flash, quantity in cls._flash_quantities(sales).items():
            FlashSale.release(flash, quantity)

    @staticmethod
    def _flash_quantities(sales):
        quantities = defaultdict(float)
        for sale in sales:
            for line in sale.lines:
                if line.store_flash_sale:
                    quantities[line.store_flash_sale] += line.quantity
        return quantities

    def store_lines(self):
        "The lines the store ordered (not the ones promotions added)"
        return [l for l in self.lines
            if l.type == 'line' and l.product and not l.store_generated]

    def apply_store_order(self):
        """Price the lines as the store's, add the promotions' discount and
        gift lines, check the catalogue and minimum, hold flash units"""
        pool = Pool()
        Line = pool.get('sale.line')
        FlashSale = pool.get('store.flash.sale')
        level = self.party.store_level
        Line.delete([l for l in self.lines if l.store_generated])
        lines = self.store_lines()
        self.check_store_catalogue(lines)
        prices = store_prices(
            self.party, [(l.product, l.quantity) for l in lines])
        pure = []
        for line, (price, source, flash) in zip(lines, prices):
            line.unit_price = price
            line.store_flash_sale = flash
            pure.append(pricing.Line(line.product.id,
                    _decimal(line.quantity), price, flash=bool(flash),
                    categories=tuple(c.id for c in
                        line.product.categories_all)))
        Line.save(lines)
        Date = pool.get('ir.date')
        with Transaction().set_context(company=self.company.id):
            date = self.sale_date or Date.today()
        coupons = checked_coupons(self.coupons, self.party, date, sale=self)
        outcome, promotions = store_promotions(
            self.party, pure, coupons, date)
        generated = []
        for promotion, product_id, quantity in outcome.gifts:
            generated.append(self._store_gift_line(
                    promotions[promotion.id], product_id, quantity))
        for promotion, amount in outcome.discounts:
            generated.append(self._store_discount_line(
                    promotions[promotion.id], amount))
        Line.save(generated)
        self.lines = self.lines  # reload with the new lines
        total = pricing.order_total(pure, outcome)
        if (level.minimum_order_amount
                and total < level.minimum_order_amount):
            raise StoreOrderError(gettext(
                    'store_ordering.msg_minimum_order',
                    sale=self.rec_name, amount=total,
                    minimum=level.minimum_order_amount))
        for flash, quantity in self._flash_quantities([self]).items():
            FlashSale.reserve(flash, self.party, quantity)

    def check_store_catalogue(self, lines):
        Product = Pool().get('product.product')
        domain = self.party.store_level.product_domain()
        ids = {l.product.id for l in lines}
        allowed = {p.id for p in Product.search(
                [('id', 'in', list(ids))] + domain)}
        for line in lines:
            if line.product.id not in allowed:
                raise StoreOrderError(gettext(
                        'store_ordering.msg_product_not_in_catalogue',
                        product=line.product.rec_name,
                        level=self.party.store_level.rec_name))

    def _store_gift_line(self, promotion, product_id, quantity):
        pool = Pool()
        Line = pool.get('sale.line')
        Product = pool.get('product.product')
        line = Line(sale=self, type='line', product=Product(product_id),
            quantity=float(quantity))
        line.on_change_product()
        line.unit_price = Decimal(0)
        line.description = gettext('store_ordering.msg_gift_description',
            promotion=promotion.rec_name, product=line.product.rec_name)
        line.store_generated = 'gift'
        line.store_promotion = promotion
        return line

    def _store_discount_line(self, promotion, amount):
        Line = Pool().get('sale.line')
        line = Line(sale=self, type='line', quantity=1,
            unit_price=-amount, taxes=[],
            description=gettext('store_ordering.msg_discount_description',
                promotion=promotion.rec_name))
        line.store_generated = 'discount'
        line.store_promotion = promotion
        return line

    def store_auto_approve(self):
        "Whether head office approves this quoted store order unseen"
        level = self.party.store_level if self.party else None
        return bool(level and level.auto_approve_limit is not None
            and self.untaxed_amount <= level.auto_approve_limit)


class Line(metaclass=PoolMeta):
    __name__ = 'sale.line'

    store_generated = fields.Selection([
            (None, ""),
            ('discount', "Promotion Discount"),
            ('gift', "Promotion Gift"),
            ], "Store Promotion Line", readonly=True)
    store_promotion = fields.Many2One('store.promotion', "Store Promotion",
        readonly=True, ondelete='RESTRICT')
    store_flash_sale = fields.Many2One('store.flash.sale', "Flash Sale",
        readonly=True, ondelete='RESTRICT')

    @fields.depends('sale', '_parent_sale.party', 'product', 'quantity')
    def compute_unit_price(self):
        party = self.sale.party if self.sale else None
        if (self.product and party and party.store_level
                and not getattr(self, 'store_generated', None)):
            # the store engine reads the level's price list itself, also
            # for the portal's technical user, who has no company
            (price, _, _), = store_prices(
                party, [(self.product, self.quantity or 0)])
            return price
        return super().compute_unit_price()

    @classmethod
    def copy(cls, lines, default=None):
        default = {} if default is None else default.copy()
        default.setdefault('store_flash_sale')
        return super().copy(lines, default=default)
