# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Price list lines as plain rules: no ORM.

Tryton's `product.price_list.compute` reads the lines of the price list
and walks them for each product.  To price a page of products at once,
the lines are read once (and cached, see price_list.py) as `Rule`s, and
these functions repeat Tryton's choice and formula exactly:

- `first_rule`: the first line (in the lines' order) whose quantity is
  not above the quantity, whose category is one of the product's
  categories or their parents, and whose product is the product
  (`PriceListLine.match`);
- `evaluate`: the line's formula with `unit_price`, `cost_price` and
  `list_price` (`PriceListLine.get_unit_price`), rounded to the price
  digits.
"""
from dataclasses import dataclass
from decimal import Decimal

from simpleeval import simple_eval

from trytond.modules.product import round_price
from trytond.tools.decimal_ import DecimalNull, decistmt


@dataclass(frozen=True)
class Rule:
    "A price list line"
    formula: str
    product: int = None
    category: int = None
    quantity: float = None


def ancestors(category_ids, parent_of):
    """The categories with all their parents; parent_of: {id: parent id or
    None}"""
    result = []
    for category in category_ids:
        while category is not None:
            result.append(category)
            category = parent_of.get(category)
    return result


def first_rule(rules, product, categories, quantity):
    "The first rule that applies to the product at quantity, or None"
    for rule in rules:
        if rule.quantity is not None and rule.quantity > abs(quantity):
            continue
        if rule.category is not None and rule.category not in categories:
            continue
        if rule.product is not None and rule.product != product:
            continue
        return rule
    return None


def _name(value):
    return value if value is not None else DecimalNull()


def evaluate(formula, unit_price, cost_price, list_price):
    """The unit price the formula gives, rounded, or None; raises
    ValueError (or the formula's own error) on a bad formula"""
    result = simple_eval(decistmt(formula), names={
            'unit_price': _name(unit_price),
            'cost_price': _name(cost_price),
            'list_price': _name(list_price),
            }, functions={'Decimal': Decimal})
    if isinstance(result, DecimalNull):
        return None
    if result is None:
        return None
    if not isinstance(result, Decimal):
        raise ValueError("result is not a Decimal")
    return round_price(result)
