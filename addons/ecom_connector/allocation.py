# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""How much stock each channel may sell (pure arithmetic, no ORM)

The sellable stock of a product is what is on hand, less what sales already
reserve, less the orders accepted on the platforms but not imported yet,
less a safety buffer.  It is then shared among the channels by their rules:

- ``exclusive``: the channel owns up to `quantity` units that no other
  channel sees (served first, in the order given);
- ``fixed``: the channel shows `quantity` units, never more than the pool;
- ``percentage``: the channel shows `percentage` % of the shared pool,
  rounded down (never oversell on rounding);

then every rule caps at `maximum` and shows 0 at or below
`zero_threshold` (a listing with 1 unit left is often better hidden than
sold twice).
"""
import math
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Rule:
    mode: str = 'percentage'           # percentage, fixed, exclusive
    percentage: Decimal = Decimal(100)
    quantity: int = 0                  # fixed / exclusive quantity
    maximum: int | None = None
    zero_threshold: int = 0


def available(on_hand, reserved=0, pending=0, buffer=0):
    "The sellable units: never negative, whole units only"
    return max(0, math.floor(on_hand - reserved - pending - buffer))


def allocate(quantity, rules):
    """The quantity to show on each channel, keyed like `rules`

    `quantity` is the sellable stock (see `available`), `rules` maps a
    channel key to its Rule; exclusive channels are served in the mapping's
    order.
    """
    quantity = max(0, int(quantity))
    result = {}
    pool = quantity
    for key, rule in rules.items():
        if rule.mode == 'exclusive':
            taken = min(max(0, rule.quantity), pool)
            pool -= taken
            result[key] = taken
    for key, rule in rules.items():
        if rule.mode == 'fixed':
            result[key] = min(max(0, rule.quantity), pool)
        elif rule.mode == 'percentage':
            # Decimal keeps 33 % of 10 at exactly 3.3 before rounding down
            result[key] = int(
                (Decimal(pool) * Decimal(rule.percentage) / 100)
                .to_integral_value(rounding='ROUND_FLOOR'))
        elif rule.mode != 'exclusive':
            raise ValueError(f"unknown allocation mode {rule.mode!r}")
    for key, rule in rules.items():
        shown = result[key]
        if rule.maximum is not None:
            shown = min(shown, rule.maximum)
        if shown <= rule.zero_threshold:
            shown = 0
        result[key] = max(0, shown)
    return result


def diff(targets, pushed):
    """The listings whose quantity must be pushed: {key: (old, new)}

    `targets` and `pushed` map listing keys to quantities; a listing never
    pushed (absent or None in `pushed`) is always pushed.
    """
    changes = {}
    for key, target in targets.items():
        old = pushed.get(key)
        if old is None or old != target:
            changes[key] = (old, target)
    return changes


def batches(items, size):
    "Consecutive slices of at most `size` items"
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]
