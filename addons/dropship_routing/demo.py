# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Demo data: drop-ship-only products, supplier offers, feeds and a
supplier portal login."""
from decimal import Decimal

from trytond.modules.ecom_base.demo.model import DEMO_PASSWORD
from trytond.pool import Pool, PoolMeta

DROPSHIP_PRODUCTS = 4
OFFERS_PER_PRODUCT = 3
PORTAL_EMAIL = 'dropship@suppliers.example.com'


class Demo(metaclass=PoolMeta):
    __name__ = 'ecom.demo'

    @classmethod
    def steps(cls):
        steps = list(super().steps())
        index = (steps.index('configured') if 'configured' in steps
            else len(steps))
        steps.insert(index, 'dropship')
        return steps

    @classmethod
    def step_dropship(cls, plan):
        """The last products of the catalogue become drop-ship only, each
        offered by three suppliers whose feeds are applied; the first of
        them signs in to the supplier portal"""
        pool = Pool()
        Template = pool.get('product.template')
        Product = pool.get('product.product')
        ProductSupplier = pool.get('purchase.product_supplier')
        Party = pool.get('party.party')
        Feed = pool.get('dropship.feed')
        WebUser = pool.get('web.user')
        company = cls.company()
        codes = sorted(plan.ids['product'])[-DROPSHIP_PRODUCTS:]
        suppliers = [Party(i) for i in sorted(
                plan.ids['supplier'].values())[:OFFERS_PER_PRODUCT + 1]]
        if not codes or len(suppliers) < 2:
            return
        products = Product.browse([plan.ids['product'][c] for c in codes])
        Template.write([p.template for p in products], {
                'supply_on_sale': 'always', 'dropship_only': True})
        values, feeds = [], {s: [] for s in suppliers}
        for n, product in enumerate(products):
            cost = (product.list_price or Decimal(50)) * Decimal('0.55')
            for k in range(OFFERS_PER_PRODUCT):
                supplier = suppliers[(n + k) % len(suppliers)]
                code = f"DS-{product.code}-{k}"
                values.append({
                        'template': product.template.id,
                        'product': product.id,
                        'party': supplier.id, 'company': company.id,
                        'currency': company.currency.id,
                        'code': code, 'drop_shipment': True,
                        'dropship_freight': Decimal(6 + 2 * k),
                        'handling_days': 1 + k,
                        'dropship_regions': None if k else 'CN',
                        'prices': [('create', [{'quantity': 0,
                                        'unit_price': (cost + k).quantize(
                                            Decimal('0.01'))}])],
                        })
                feeds[supplier].append({'code': code,
                        'stock': 0 if n == 0 else 20 * (k + 1)})
        ProductSupplier.create(values)
        for supplier, records in feeds.items():
            if records:
                Feed.receive(supplier, source='api', records=records)
        Product.dropship_update_listing(products)
        if not WebUser.search([('email', '=', PORTAL_EMAIL)]):
            WebUser.create([{'email': PORTAL_EMAIL,
                        'password': DEMO_PASSWORD,
                        'party': suppliers[0].id, 'portal': 'supplier'}])
        plan.ids['dropship_products'] = [p.id for p in products]
