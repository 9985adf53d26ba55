# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The checks of a normalised order before it becomes a sale (pure)

Each check returns a (reason, text) pair: the reason is one of the raw
order's exception reasons, the text says what to fix.  The checks that need
the database (unmapped SKU, price floor, oversold, duplicate) are made by the
importer; these need only the order.
"""
import datetime
from decimal import Decimal

from .adapters.base import Order, OrderStatus, UTC

MAX_QUANTITY = Decimal(100000)
MAX_AMOUNT = Decimal(10) ** 9
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=UTC)
# platforms' clocks drift a little; a day ahead is a wrong payload
CLOCK_SLACK = datetime.timedelta(days=1)


def malformed(order, now):
    """What makes the order absurd, or None: wrong types or values that no
    platform sends for a real order"""
    if not isinstance(order, Order):
        return "The adapter returned no order."
    if not order.platform_order_id or not isinstance(
            order.platform_order_id, str):
        return "The order has no platform order id."
    for name in ('created_at', 'modified_at'):
        moment = getattr(order, name)
        if not isinstance(moment, datetime.datetime) or moment.tzinfo is None:
            return f"The order's {name} is not a date and time with zone."
        if not EARLIEST <= moment <= now + CLOCK_SLACK:
            return f"The order's {name} ({moment.isoformat()}) is absurd."
    if not order.lines:
        return "The order has no lines."
    for name in ('total', 'shipping_fee', 'discount'):
        problem = _amount(getattr(order, name), f"order {name}")
        if problem:
            return problem
    for line in order.lines:
        label = f"line {line.platform_line_id}"
        if not isinstance(line.quantity, Decimal) or not line.quantity.is_finite():
            return f"The quantity of {label} is not a number."
        if line.quantity != line.quantity.to_integral_value() or not (
                0 < line.quantity <= MAX_QUANTITY):
            return f"The quantity {line.quantity} of {label} is absurd."
        for name in ('unit_price', 'discount'):
            problem = _amount(getattr(line, name), f"{name} of {label}")
            if problem:
                return problem
        if line.discount > line.unit_price * line.quantity:
            return f"The discount of {label} exceeds its amount."
        if not (line.sku_id or line.product_id):
            return f"The {label} has neither SKU nor product id."
    return None


def _amount(value, label):
    if not isinstance(value, Decimal) or not value.is_finite():
        return f"The {label} is not an amount."
    if not Decimal(0) <= value < MAX_AMOUNT:
        return f"The {label} ({value}) is absurd."
    return None


def blocking(order):
    """The problems that stop a valid order from being imported:
    [(reason, text)]"""
    problems = []
    if order.status == OrderStatus.AWAITING_PAYMENT:
        problems.append(('unpaid', "The buyer has not paid yet."))
    if not order.address or not order.address.complete:
        missing = [n for n in ('name', 'city', 'street')
            if not getattr(order.address, n, None)]
        problems.append(('address',
                "The address has no " + ", ".join(missing) + "."))
    return problems


def fingerprint(order):
    """What two orders of one buyer placed twice by mistake share: the
    buyer, the address and the items (not the ids, not the times)"""
    import hashlib
    address = order.address
    parts = [order.buyer or '', address.name or '', address.phone or '',
        address.city or '', address.street or '']
    parts += sorted(f'{l.sku_id or l.product_id}x{l.quantity}'
        for l in order.lines)
    return hashlib.sha1('\x1f'.join(parts).encode()).hexdigest()


def line_amounts(line):
    "The line's net amount (what the buyer pays for it)"
    return line.unit_price * line.quantity - line.discount


def address_text(address):
    "One line to compare and show addresses"
    if address is None:
        return ''
    return ' '.join(p for p in (address.name, address.phone,
            address.province, address.city, address.district,
            address.street, address.postal_code) if p)
