# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""What the store_ordering benchmarks share: salable products booked to an
accounting category, stores and their portal users (run inside a
transaction with the company in the context), and percentiles."""
from decimal import Decimal


def accounting_category(pool, name="Bench goods"):
    "A product category that books sales to the chart's first revenue account"
    Account = pool.get('account.account')
    Category = pool.get('product.category')
    revenue, = Account.search([
            ('type.revenue', '=', True), ('closed', '=', False)], limit=1)
    expense, = Account.search([
            ('type.expense', '=', True), ('closed', '=', False)], limit=1)
    category, = Category.create([{'name': name, 'accounting': True,
                'account_revenue': revenue.id,
                'account_expense': expense.id}])
    return category


def products(pool, count, categories=(), prefix='P', batch=500):
    """count salable goods, code <prefix><n>, list price 1.00 to 99.99, in
    categories[n % len(categories)]"""
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    unit, = Uom.search([('name', '=', 'Unit')])
    accounting = accounting_category(pool)
    result = []
    for start in range(0, count, batch):
        templates = Template.create([{
                    'name': f"Product {prefix}{n:05d}", 'type': 'goods',
                    'salable': True, 'default_uom': unit.id,
                    'sale_uom': unit.id, 'account_category': accounting.id,
                    'list_price': Decimal(100 + (n * 37) % 9900) / 100,
                    'categories': [('add', [categories[n % len(categories)]
                                    .id])] if categories else [],
                    'products': [('create', [{
                                    'suffix_code': f'{prefix}{n:05d}'}])],
                    } for n in range(start, min(start + batch, count))])
        result.extend(t.products[0] for t in templates)
    return result


def stores(pool, count, level, prefix="Store"):
    "count stores of the level, each with a portal user and a session key"
    Party = pool.get('party.party')
    WebUser = pool.get('web.user')
    parties = Party.create([{'name': f"{prefix} {i:03d}",
                'store_level': level.id,
                'addresses': [('create', [{'city': "Shanghai"}])]}
            for i in range(count)])
    users = WebUser.create([{
                'email': f'{prefix.lower()}{i:03d}@stores.example.com',
                'party': party.id, 'portal': 'store'}
            for i, party in enumerate(parties)])
    return parties, [u.new_session() for u in users]


def percentile(values, fraction):
    "The value under which `fraction` of the values are (nearest rank)"
    values = sorted(values)
    return values[min(len(values) - 1,
            max(0, int(round(fraction * len(values))) - 1))]
