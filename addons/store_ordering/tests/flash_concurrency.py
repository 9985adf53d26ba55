# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The flash sale cap under concurrent transactions.

A mixin of the route test class: it needs committed data and threads with
their own transactions, which that class's database already has (one
database restore and one build() less than a class of its own).
"""
import datetime
import threading
from decimal import Decimal

from trytond import backend
from trytond.exceptions import UserError
from trytond.pool import Pool
from trytond.tests.test_tryton import DB_NAME
from trytond.transaction import Transaction

from .fixtures import committed

BUYERS = 5
EACH = 10
UNITS = (BUYERS - 1) * EACH  # one buyer too many


class FlashSaleConcurrency:
    "Needs self.ids with the company, level A and Tea of fixtures.build()"

    def test_concurrent_buyers(self):
        "5 stores each try 10 units of a 40-unit flash sale at once"
        if backend.name != 'postgresql':
            self.skipTest("row locks need PostgreSQL")
        company = self.ids['company']

        def prepare():
            # A product of its own, so that the fixtures' Chips flash sale
            # stays as the route tests expect it
            pool = Pool()
            Party = pool.get('party.party')
            Template = pool.get('product.template')
            Category = pool.get('product.category')
            FlashSale = pool.get('store.flash.sale')
            Sale = pool.get('sale.sale')
            Line = pool.get('sale.line')
            Product = pool.get('product.product')
            tea = Product(self.ids['tea'])
            accounting, = Category.search([('accounting', '=', True)],
                limit=1)
            template, = Template.create([{
                        'name': "Crisps", 'type': 'goods', 'salable': True,
                        'default_uom': tea.default_uom.id,
                        'sale_uom': tea.sale_uom.id,
                        'list_price': Decimal('5.00'),
                        'account_category': accounting.id,
                        'products': [('create', [{'suffix_code': 'CRI'}])],
                        }])
            crisps, = template.products
            now, hour = datetime.datetime.now(), datetime.timedelta(hours=1)
            flash, = FlashSale.create([{
                        'name': "Crisps flash", 'company': company,
                        'product': crisps.id, 'unit_price': Decimal('2.00'),
                        'start': now - hour, 'end': now + hour,
                        'total_quantity': UNITS}])
            stores = Party.create([{
                        'name': f"Buyer {i}",
                        'store_level': self.ids['level_a'],
                        'addresses': [('create', [{}])]}
                    for i in range(BUYERS)])
            sale_ids = []
            for store in stores:
                sale = Sale(party=store, company=company)
                sale.on_change_party()
                sale.save()
                lines = [Line(sale=sale, type='line', product=product,
                        quantity=EACH) for product in [tea, crisps]]
                for line in lines:
                    line.on_change_product()
                Line.save(lines)
                sale_ids.append(sale.id)
            return flash.id, sale_ids, template.id
        flash_id, sale_ids, crisps = committed(
            prepare, context={'company': company})

        def withdraw():
            # out of store A's catalogue again for the other route tests
            Template = Pool().get('product.template')
            Template.write([Template(crisps)], {'active': False})
        self.addCleanup(committed, withdraw)

        barrier = threading.Barrier(BUYERS)
        outcomes = []

        def buy(sale_id):
            barrier.wait()

            def quote():
                Sale = Pool().get('sale.sale')
                Sale.quote([Sale(sale_id)])
            try:
                committed(quote, context={'company': company})
                outcomes.append('sold')
            except UserError:
                outcomes.append('refused')

        threads = [threading.Thread(target=buy, args=(i,)) for i in sale_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        with Transaction().start(DB_NAME, 0):
            pool = Pool()
            Line = pool.get('sale.line')
            FlashSale = pool.get('store.flash.sale')
            sold = sum(l.quantity for l in Line.search([
                        ('store_flash_sale', '=', flash_id),
                        ('sale.state', '=', 'quotation'),
                        ]))
            self.assertEqual(sold, UNITS)
            self.assertEqual(FlashSale(flash_id).sold_quantity, UNITS)
        self.assertEqual(outcomes.count('sold'), BUYERS - 1)
        self.assertEqual(outcomes.count('refused'), 1)
