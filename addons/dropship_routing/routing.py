# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Routing of a sale line: pure computation, no ORM.

A line ships from own stock when a warehouse serving its destination
region has the whole quantity; otherwise from the best drop-ship offer by
the declared policy:

1. eligibility: the offer serves the region, its supplier's grade is
   allowed (never eliminated), the supplier was not tried already, its feed
   is fresh (no older than `Policy.feed_max_age`) and shows the quantity;
2. rank: grade (core first, then new, then backup), landed cost
   (cost × quantity + freight), handling days, then an offer naming the
   region before one serving everywhere, then the given order;
3. margin floor: revenue − supplier cost − freight − commission must reach
   the floor (an amount and a rate of the revenue); the first ranked offer
   that reaches it wins.  When eligible offers exist but none reaches the
   floor, the line is an exception instead of a purchase.

Every decision carries its reason code and a detail line with the figures,
stored on the sale line so that a user can see why.
"""
import datetime
from dataclasses import dataclass, field, replace
from decimal import Decimal

from trytond.modules.supplier_grading.scoring import grade_allowed, grade_rank

ZERO = Decimal(0)
CENT = Decimal('0.01')

#: Decision routes
STOCK, DROPSHIP, EXCEPTION = 'stock', 'dropship', 'exception'

#: Reason codes of a decision
REASONS = {
    'own_stock': "Own stock in a warehouse serving the region",
    'best_offer': "Best drop-ship offer by the routing policy",
    'margin_floor': "Margin below the floor for every eligible offer",
    'no_offer': "No supplier offer can ship it",
    'attempts': "Too many suppliers rejected or did not answer",
    'manual': "Chosen by hand",
    }

#: Why an offer was not eligible
SKIPS = {
    'region': "does not serve the region",
    'grade': "supplier eliminated",
    'tried': "already tried",
    'no_feed': "no stock feed",
    'stale_feed': "stale feed",
    'short_stock': "not enough stock in feed",
    'no_cost': "no cost price",
    }


@dataclass(frozen=True)
class Offer:
    "A supplier's offer to drop-ship a product"
    key: object
    supplier: object
    cost: Decimal | None
    freight: Decimal = ZERO
    handling_days: int = 0
    grade: str | None = None
    stock: float | None = None
    feed_at: datetime.datetime | None = None
    regions: frozenset = frozenset()
    #: the supplier's price lines ((minimum quantity, unit price), ...)
    prices: tuple = ()

    def landed_cost(self, quantity):
        return self.cost * Decimal(str(quantity)) + self.freight

    def at(self, quantity):
        "This offer with the cost of its price lines for quantity"
        return replace(self, cost=price_at(self.prices, quantity))


def price_at(prices, quantity):
    """The unit price for quantity: the last price line (minimum quantity,
    unit price) whose minimum the quantity reaches, as Tryton's purchase
    price; None when no line matches"""
    cost = None
    for minimum, unit_price in prices:
        if (minimum or 0) <= quantity:
            cost = unit_price
    return cost


@dataclass(frozen=True)
class Line:
    "What routing needs to know of a sale line"
    quantity: float
    unit_price: Decimal
    region: str = ''
    commission: Decimal = ZERO

    @property
    def revenue(self):
        return (self.unit_price * Decimal(str(self.quantity))).quantize(CENT)


@dataclass(frozen=True)
class Policy:
    margin_floor: Decimal = ZERO
    margin_floor_rate: Decimal = ZERO
    feed_max_age: datetime.timedelta = datetime.timedelta(days=1)
    max_attempts: int = 3

    def floor(self, revenue):
        return max(self.margin_floor,
            (revenue * self.margin_floor_rate).quantize(CENT))


@dataclass
class Decision:
    route: str
    reason: str
    warehouse: object = None
    offer: Offer | None = None
    revenue: Decimal = ZERO
    cost: Decimal = ZERO
    freight: Decimal = ZERO
    commission: Decimal = ZERO
    margin: Decimal | None = None
    detail: str = ''
    skipped: dict = field(default_factory=dict)


def serves(regions, region):
    """Whether a set of region codes serves the region: empty serves all,
    a code serves itself and its sub-regions ('CN' serves 'CN-GD')"""
    if not regions:
        return True
    return any(region == code or region.startswith(code + '-')
        for code in regions)


def parse_regions(text):
    "The set of region codes of a text listing them (comma or space)"
    return frozenset(
        c.strip().upper() for c in (text or '').replace(',', ' ').split()
        if c.strip())


def margin_of(line, offer):
    "(cost, freight, margin) of the line drop-shipped by offer"
    cost = (offer.cost * Decimal(str(line.quantity))).quantize(CENT)
    freight = offer.freight.quantize(CENT)
    return cost, freight, line.revenue - cost - freight - line.commission


def skip_reason(offer, line, now, policy, tried=()):
    "Why the offer cannot ship the line, or None when it can"
    if not serves(offer.regions, line.region):
        return 'region'
    if not grade_allowed(offer.grade):
        return 'grade'
    if offer.key in tried:
        return 'tried'
    if offer.cost is None:
        return 'no_cost'
    if offer.stock is None or offer.feed_at is None:
        return 'no_feed'
    if now - offer.feed_at > policy.feed_max_age:
        return 'stale_feed'
    if offer.stock < line.quantity:
        return 'short_stock'
    return None


def rank_key(offer, line, index):
    region_named = 0 if offer.regions and serves(
        offer.regions, line.region) else 1
    return (grade_rank(offer.grade), offer.landed_cost(line.quantity),
        offer.handling_days, region_named, index)


def rank_offers(line, offers, now, policy, tried=()):
    """The eligible offers, best first, and {offer key: skip reason} of
    the others"""
    eligible, skipped = [], {}
    for index, offer in enumerate(offers):
        reason = skip_reason(offer, line, now, policy, tried)
        if reason:
            skipped[offer.key] = reason
        else:
            eligible.append((rank_key(offer, line, index), offer))
    eligible.sort(key=lambda e: e[0])
    return [o for _, o in eligible], skipped


def own_warehouse(line, warehouses):
    """The first warehouse serving the region with the whole quantity;
    warehouses: [(warehouse, available quantity, regions)], preferred first
    """
    for warehouse, available, regions in warehouses:
        if serves(regions, line.region) and available >= line.quantity:
            return warehouse


def _offer_detail(offer, line, margin):
    return (f"grade {offer.grade or 'new'}, stock {offer.stock:g}, "
        f"landed cost {offer.landed_cost(line.quantity).quantize(CENT)}, "
        f"{offer.handling_days} d, margin {margin}")


def route_line(line, warehouses, offers, now, policy=Policy(), tried=()):
    """Decide how to ship line

    warehouses: [(warehouse, available quantity, region codes)], preferred
    first; offers: [Offer] of the line's product; tried: keys of the offers
    already tried for the line (rejected or timed out).
    """
    decision = Decision(route=EXCEPTION, reason='no_offer',
        revenue=line.revenue, commission=line.commission)
    warehouse = own_warehouse(line, warehouses)
    if warehouse is not None:
        decision.route, decision.reason = STOCK, 'own_stock'
        decision.warehouse = warehouse
        decision.detail = f"warehouse {warehouse}"
        return decision
    if len(tried) >= policy.max_attempts:
        decision.reason = 'attempts'
        decision.detail = f"{len(tried)} suppliers tried"
        return decision
    ranked, decision.skipped = rank_offers(line, offers, now, policy, tried)
    floor = policy.floor(line.revenue)
    best_margin = None
    for offer in ranked:
        cost, freight, margin = margin_of(line, offer)
        if margin >= floor:
            decision.route, decision.reason = DROPSHIP, 'best_offer'
            decision.offer = offer
            decision.cost, decision.freight = cost, freight
            decision.margin = margin
            decision.detail = _offer_detail(offer, line, margin)
            return decision
        decision.skipped[offer.key] = 'margin'
        if best_margin is None or margin > best_margin:
            best_margin = margin
            decision.offer = offer
            decision.cost, decision.freight = cost, freight
            decision.margin = margin
    if ranked:
        decision.reason = 'margin_floor'
        decision.detail = (f"best margin {best_margin} "
            f"below floor {floor}")
    else:
        decision.offer = None
        decision.detail = ', '.join(
            f"{k}: {SKIPS.get(r, r)}" for k, r in decision.skipped.items())
    return decision
