# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Prices that include VAT turned into Tryton's untaxed prices (pure)

The platforms' prices include VAT.  Tryton's sale lines carry untaxed unit
prices (4 decimals) and Tryton computes the tax from them: the tax of the
whole document rounded once ('document' rounding) or each line's rounded
('line').  `untaxed_prices` chooses the untaxed unit prices so that
untaxed amount + tax equals what the buyer paid, to the cent.

How the rounding difference is absorbed: each unit price is the gross
price divided by (1 + rate), rounded; if the sum is then off by a cent or
two, the unit price of the line with the largest amount is moved by the
smallest number of 0.0001 steps that makes the total exact.  A total that
no unit price can reach (untaxed and tax both step by a cent at the same
point) leaves the difference as an untaxed amount, returned for a
rounding line of its own.
"""
from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal('0.01')
PRICE = Decimal('0.0001')
MAX_STEPS = 500


def _round(amount, exp=CENT):
    return amount.quantize(exp, rounding=ROUND_HALF_EVEN)


def gross_total(lines):
    "What the buyer pays for [(quantity, gross unit price)]"
    return sum((_round(q * p) for q, p in lines), Decimal(0))


def totals(lines, units, rate, rounding='document'):
    "(untaxed amount, tax) as Tryton computes them for these unit prices"
    untaxed = sum((_round(q * u) for (q, _), u in zip(lines, units)),
        Decimal(0))
    if rounding == 'line':
        tax = sum((_round(q * u * rate) for (q, _), u in zip(lines, units)),
            Decimal(0))
    else:
        tax = _round(sum((q * u * rate for (q, _), u in zip(lines, units)),
                Decimal(0)))
    return untaxed, tax


def untaxed_prices(lines, rate, rounding='document'):
    """(untaxed unit prices, rest) for [(quantity, gross unit price)]

    rate: the tax rate (Decimal('0.13') for 13 %); rest: the amount that
    a separate untaxed line must carry (zero nearly always) so that
    untaxed + tax + rest equals the gross total.
    """
    lines = [(Decimal(str(q)), Decimal(p)) for q, p in lines]
    target = gross_total(lines)
    divisor = 1 + rate
    units = [_round(p / divisor, PRICE) for _, p in lines]
    if not lines:
        return units, Decimal(0)

    def difference(units):
        untaxed, tax = totals(lines, units, rate, rounding)
        return target - untaxed - tax

    rest = difference(units)
    if rest:
        # the line with the largest amount absorbs the difference
        index = max(range(len(lines)),
            key=lambda i: (abs(lines[i][0] * lines[i][1]), -i))
        quantity = lines[index][0]
        direction = 1 if (rest > 0) == (quantity > 0) else -1
        base = units[index]
        best = None
        for step in range(1, MAX_STEPS + 1):
            for sign in (direction, -direction):
                trial = list(units)
                trial[index] = base + sign * step * PRICE
                if not difference(trial):
                    best = trial
                    break
            if best:
                break
        if best:
            units, rest = best, Decimal(0)
    return units, rest
