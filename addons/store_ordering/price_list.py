# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Store prices of many products at once from a Tryton price list.

`PriceList.store_compute` gives, for each (product, quantity), what
`PriceList.compute(product, quantity, product.sale_uom)` gives, but reads
the price list's lines once: they are kept per price list in a
`trytond.cache.Cache`, cleared whenever a price list or one of its lines
is created, written or deleted (in every process, through Tryton's cache
synchronisation), and the choice of line and its formula are the pure
functions of `price_rules`.
"""
from decimal import Decimal

from trytond.cache import Cache
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice, reduce_ids
from trytond.transaction import Transaction

from . import price_rules


def category_parents(category_ids):
    "{category id: parent id or None} of the categories and their parents"
    Category = Pool().get('product.category')
    table = Category.__table__()
    cursor = Transaction().connection.cursor()
    parent_of = {}
    wanted = set(category_ids)
    while wanted:
        for sub_ids in grouped_slice(list(wanted)):
            cursor.execute(*table.select(table.id, table.parent,
                    where=reduce_ids(table.id, sub_ids)))
            parent_of.update(cursor)
        wanted = {p for p in parent_of.values()
            if p is not None and p not in parent_of}
    return parent_of


class PriceList(metaclass=PoolMeta):
    __name__ = 'product.price_list'

    _store_rules_cache = Cache(
        'product.price_list.store_rules', context=False)

    def store_rules(self):
        "The lines of the price list as price_rules.Rule, in their order"
        rules = self._store_rules_cache.get(self.id)
        if rules is None:
            Line = Pool().get('product.price_list.line')
            rules = tuple(price_rules.Rule(
                    formula=line.formula,
                    product=line.product.id if line.product else None,
                    category=line.category.id if line.category else None,
                    quantity=line.quantity)
                for line in Line.search([('price_list', '=', self.id)]))
            self._store_rules_cache.set(self.id, rules)
        return rules

    def store_compute(self, items):
        """The price list's unit price of each (product, quantity) in the
        product's sale unit's quantity, as compute() gives it"""
        Uom = Pool().get('product.uom')
        rules = self.store_rules()
        uses_cost = self.price == 'cost_price' or any(
            'cost_price' in r.formula for r in rules)
        parent_of = category_parents(
            {c.id for p, _ in items for c in p.categories_all})
        result = []
        for product, quantity in items:
            categories = price_rules.ancestors(
                [c.id for c in product.categories_all], parent_of)
            rule = price_rules.first_rule(rules, product.id, categories,
                Uom.compute_qty(product.sale_uom, quantity,
                    self.get_uom(product), round=False))
            if rule is None:
                result.append(None)
                continue
            list_price = product.list_price_used
            # as get_context_formula, read only when a formula needs it
            cost_price = ((product.get_multivalue('cost_price')
                    or Decimal(0)) if uses_cost else Decimal(0))
            unit_price = {'list_price': list_price,
                'cost_price': cost_price}.get(self.price)
            try:
                price = price_rules.evaluate(
                    rule.formula, unit_price, cost_price, list_price)
            except Exception:
                # Tryton's own computation raises its own error
                price = self.compute(product, quantity, product.sale_uom)
            result.append(price)
        return result

    @classmethod
    def create(cls, vlist):
        cls._store_rules_cache.clear()
        return super().create(vlist)

    @classmethod
    def write(cls, *args):
        super().write(*args)
        cls._store_rules_cache.clear()

    @classmethod
    def delete(cls, price_lists):
        super().delete(price_lists)
        cls._store_rules_cache.clear()


class PriceListLine(metaclass=PoolMeta):
    __name__ = 'product.price_list.line'

    @classmethod
    def create(cls, vlist):
        lines = super().create(vlist)
        Pool().get('product.price_list')._store_rules_cache.clear()
        return lines

    @classmethod
    def write(cls, *args):
        super().write(*args)
        Pool().get('product.price_list')._store_rules_cache.clear()

    @classmethod
    def delete(cls, lines):
        super().delete(lines)
        Pool().get('product.price_list')._store_rules_cache.clear()
