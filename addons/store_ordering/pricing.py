# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Store prices and promotions: pure computation, no ORM.

The same functions price an order placed in the back office, through the
store portal or over RPC, so a store always gets the same figure.

Unit price of a product for a store, at a quantity (`unit_price`):

1. the store's own override (per-store price), the highest quantity break
   not above the quantity;
2. else the tier price of the store's level (the level's Tryton price
   list, which has its own quantity breaks);
3. else the list price;
4. a flash sale (秒杀) price, while its window is open, replaces that price
   when it is lower.

Promotions on an order (`apply_promotions`) run in declared precedence
(sequence, then id).  Each is a spend threshold discount (满减), a spend
threshold gift (满赠) or a buy-N-get-M gift (买赠), optionally gated by a
coupon (its id: the order gives the coupons of its numbers).  Declared rules:

- lines sold at a flash sale price take part in no other promotion;
- a threshold is measured on the eligible amount after the discounts of
  the promotions applied before it;
- an exclusive promotion applies only when no promotion applied before it,
  and once it applies no later promotion does;
- a promotion with `repeat` applies once per full threshold (每满);
- a discount never takes the eligible amount below zero.
"""
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

CENT = Decimal('0.01')
ZERO = Decimal(0)

#: kinds of promotion
KINDS = ('discount', 'gift', 'buy_gift')


@dataclass(frozen=True)
class PriceBreak:
    "A unit price from a minimum quantity"
    min_quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class FlashSale:
    "A flash sale price for a product, while it runs"
    id: int
    product: int
    unit_price: Decimal
    start: object
    end: object

    def running(self, at):
        return self.start <= at < self.end


def best_break(breaks, quantity):
    """The price of the break with the highest minimum quantity that the
    quantity reaches, or None"""
    chosen = None
    for price_break in breaks:
        if price_break.min_quantity <= quantity and (chosen is None
                or price_break.min_quantity > chosen.min_quantity):
            chosen = price_break
    return chosen.unit_price if chosen else None


def unit_price(list_price, quantity, tier_price=None, store_breaks=(),
        flash_sale=None, at=None):
    """The unit price of a store at quantity and where it comes from

    Returns (price, source) with source one of 'override', 'tier', 'list',
    'flash'.
    """
    price = best_break(store_breaks, quantity)
    source = 'override'
    if price is None and tier_price is not None:
        price, source = tier_price, 'tier'
    if price is None:
        price, source = list_price, 'list'
    if (flash_sale is not None and at is not None
            and flash_sale.running(at) and flash_sale.unit_price < price):
        price, source = flash_sale.unit_price, 'flash'
    return price, source


@dataclass(frozen=True)
class Line:
    "An order line as the promotions see it"
    product: int
    quantity: Decimal
    unit_price: Decimal
    flash: bool = False
    categories: tuple = ()

    @property
    def amount(self):
        return (self.quantity * self.unit_price).quantize(CENT)


@dataclass(frozen=True)
class Promotion:
    """A promotion of the store engine

    kind 'discount' (满减): `discount` off when the eligible amount reaches
    `threshold`; kind 'gift' (满赠): `gift_quantity` of `gift_product` when
    the eligible amount reaches `threshold`; kind 'buy_gift' (买赠):
    `gift_quantity` of `gift_product` per `buy_quantity` of `buy_product`.
    `products` / `categories` restrict the eligible lines (empty: all).
    """
    id: int
    kind: str
    sequence: int = 10
    exclusive: bool = False
    repeat: bool = False
    threshold: Decimal = ZERO
    discount: Decimal = ZERO
    gift_product: int = None
    gift_quantity: Decimal = ZERO
    buy_product: int = None
    buy_quantity: Decimal = ZERO
    coupon: int = None  # the coupon given by the order's numbers
    products: frozenset = frozenset()
    categories: frozenset = frozenset()
    name: str = ''

    def eligible(self, line):
        if line.flash:
            return False
        if self.products and line.product not in self.products:
            return False
        if self.categories and not self.categories.intersection(
                line.categories):
            return False
        return True


@dataclass
class Outcome:
    "What the promotions give an order"
    discounts: list = field(default_factory=list)  # (promotion, amount)
    gifts: list = field(default_factory=list)  # (promotion, product, qty)
    applied: list = field(default_factory=list)  # promotion ids, in order

    @property
    def discount_total(self):
        return sum((a for _, a in self.discounts), ZERO)


def _times(value, step, repeat):
    "How many times value reaches step: 0 or 1, or each full step"
    if step <= 0:
        return 1 if value >= 0 else 0
    if value < step:
        return 0
    return int((value / step).to_integral_value(ROUND_DOWN)) if repeat else 1


def apply_promotions(lines, promotions, coupons=()):
    "The Outcome of the promotions on the order lines"
    coupons = set(coupons)
    outcome = Outcome()
    discounted = {}  # promotion-independent running discount per line index
    for promotion in sorted(promotions, key=lambda p: (p.sequence, p.id)):
        if promotion.coupon is not None and promotion.coupon not in coupons:
            continue
        if promotion.exclusive and outcome.applied:
            continue
        eligible = [i for i, l in enumerate(lines) if promotion.eligible(l)]
        if not eligible:
            continue
        if promotion.kind == 'buy_gift':
            bought = sum((lines[i].quantity for i in eligible
                    if lines[i].product == promotion.buy_product), ZERO)
            times = (_times(bought, promotion.buy_quantity, promotion.repeat)
                if bought > 0 else 0)
        else:
            amount = sum((lines[i].amount - discounted.get(i, ZERO)
                    for i in eligible), ZERO)
            times = _times(amount, promotion.threshold, promotion.repeat)
        if not times:
            continue
        if promotion.kind == 'discount':
            wanted = (promotion.discount * times).quantize(CENT)
            given = _spread(lines, eligible, discounted, wanted)
            if given <= 0:
                continue
            outcome.discounts.append((promotion, given))
        else:
            outcome.gifts.append((promotion, promotion.gift_product,
                    promotion.gift_quantity * times))
        outcome.applied.append(promotion.id)
        if promotion.exclusive:
            break
    return outcome


def _spread(lines, eligible, discounted, wanted):
    """Take `wanted` off the eligible lines, never below zero; records it in
    `discounted` so later thresholds see the reduced amounts"""
    left = wanted
    for i in eligible:
        room = lines[i].amount - discounted.get(i, ZERO)
        take = min(room, left)
        if take > 0:
            discounted[i] = discounted.get(i, ZERO) + take
            left -= take
    return wanted - left


def order_total(lines, outcome):
    "Amount of the lines less the discounts (gifts are free)"
    return sum((l.amount for l in lines), ZERO) - outcome.discount_total


def flash_allowance(total, sold, per_store_limit, store_bought, quantity):
    """Whether a store may buy `quantity` more of a flash sale: the units
    left overall and the store's own limit (0: no limit) must cover it"""
    if quantity <= 0:
        return False
    if sold + quantity > total:
        return False
    if per_store_limit and store_bought + quantity > per_store_limit:
        return False
    return True
