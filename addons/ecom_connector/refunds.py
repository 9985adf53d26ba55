# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Line-level refunds: what a platform refunded, what is left to do (pure)

A platform says which lines (and, where it can, how many units of each)
it refunded.  The importer keeps per platform line what it already turned
into a reduction (before shipment) or a return (after), so that the same
refund delivered again does nothing, and a later, larger refund only adds
the difference.

A refund of money without goods returned (WooCommerce's amount-only
refunds, 仅退款) is credited once per refund id: `money_refunds` says which
are new, `credit_lines` the credit's lines with the tax included in the
amount refunded.
"""
from dataclasses import dataclass
from decimal import Decimal

from . import taxes
from .adapters.base import OrderStatus


def refunded_quantities(order):
    """{platform line id: units refunded} of an order, capped at each
    line's quantity; an order refunded as a whole without refund details
    (nor refunds of money only) refunds every line"""
    ordered = {l.platform_line_id: l.quantity for l in order.lines}
    result = {}
    for refund in order.refunds:
        if not getattr(refund, 'completed', True):
            continue
        quantities = getattr(refund, 'quantities', None) or {}
        for line_id in set(refund.line_ids) | set(quantities):
            if line_id not in ordered:
                continue
            quantity = quantities.get(line_id)
            if quantity is None:
                quantity = ordered[line_id]
            result[line_id] = result.get(line_id, Decimal(0)) + Decimal(
                str(quantity))
    if (order.status == OrderStatus.REFUNDED and not result
            and not any(getattr(r, 'money_only', False)
                for r in order.refunds)):
        # (a refund of money only says nothing of the goods)
        result = dict(ordered)
    return {k: min(v, ordered[k]) for k, v in result.items() if v > 0}


@dataclass
class Step:
    "What to do now for one platform line (units of the platform line)"
    line_id: str
    reduce: Decimal          # take off the sale before it ships
    ret: Decimal             # return (it has shipped)


def plan(refunded, handled, ordered, shipped):
    """The steps still to take

    refunded: {line id: units refunded on the platform}
    handled: {line id: {'reduced': units, 'returned': units}} done before
    ordered: {line id: units the buyer ordered}
    shipped: {line id: units already shipped (done moves)}
    Unshipped units are reduced first, the rest is returned.
    """
    steps = []
    for line_id in sorted(refunded):
        done = handled.get(line_id, {})
        reduced = Decimal(str(done.get('reduced', 0)))
        returned = Decimal(str(done.get('returned', 0)))
        delta = refunded[line_id] - reduced - returned
        if delta <= 0:
            continue
        unshipped = max(ordered.get(line_id, Decimal(0)) - reduced
            - Decimal(str(shipped.get(line_id, 0))), Decimal(0))
        reduce = min(delta, unshipped)
        steps.append(Step(line_id, reduce, delta - reduce))
    return steps


def record(handled, steps):
    "The handled quantities after the steps (a new dict, JSON-ready)"
    result = {k: dict(v) for k, v in handled.items()}
    for step in steps:
        done = result.setdefault(step.line_id, {})
        for key, value in (('reduced', step.reduce), ('returned', step.ret)):
            total = Decimal(str(done.get(key, 0))) + value
            done[key] = format(total.normalize(), 'f') if total else '0'
    return result


def remaining(handled, ordered, line_id):
    "Units of a platform line still on the sale (not reduced away)"
    reduced = Decimal(str(handled.get(line_id, {}).get('reduced', 0)))
    return ordered[line_id] - reduced


def money_refunds(order, done):
    """The completed money-only refunds of the order not credited yet
    (their ids not in `done`), once per id, in the platform's order"""
    result, seen = [], set(done)
    for refund in order.refunds:
        if (not getattr(refund, 'money_only', False)
                or not getattr(refund, 'completed', True)
                or refund.platform_refund_id in seen
                or refund.amount <= 0):
            continue
        seen.add(refund.platform_refund_id)
        result.append(refund)
    return result


def credit_lines(amount, rate=None, rounding='document', taxed=()):
    """[(quantity, unit price, taxed)] crediting `amount` (what the buyer got
    back, tax included at `rate` when given)

    One line of quantity −1, as Tryton's credit notes.  With a tax, its
    untaxed unit price is chosen so that the invoice's untaxed amount plus
    tax drops by exactly the amount: `taxed` are the [(quantity, untaxed
    unit price)] of the invoice's lines with that tax and a negative base
    already (a draft invoice reduced; none for a credit note of its own):
    Tryton rounds the tax of a document's negative lines apart from its
    positive ones ('document' rounding), so those are rounded with the
    credit.  A cent no unit price reaches goes on an untaxed rounding
    line."""
    amount = Decimal(amount)
    if rate is None:
        return [(Decimal(-1), amount, False)]
    base = [(Decimal(str(q)), Decimal(u)) for q, u in taxed]

    def total(lines):
        untaxed, tax = taxes.totals(lines, [u for _, u in lines], rate,
            rounding)
        return untaxed + tax

    target = (total(base) if base else Decimal(0)) - amount
    start = taxes._round(amount / (1 + rate), taxes.PRICE)
    unit = start
    for step in range(taxes.MAX_STEPS + 1):
        found = None
        for sign in (1, -1):
            trial = start + sign * step * taxes.PRICE
            if total(base + [(Decimal(-1), trial)]) == target:
                found = trial
                break
        if found is not None:
            unit = found
            break
    lines = [(Decimal(-1), unit, True)]
    rest = target - total(base + [(Decimal(-1), unit)])
    if rest:
        lines.append((Decimal(1), rest, False))
    return lines
