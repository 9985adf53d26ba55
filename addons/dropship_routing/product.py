# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
import datetime
from decimal import Decimal

from trytond.model import fields
from trytond.modules.product import price_digits
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from .routing import Offer, parse_regions, price_at


class ProductSupplier(metaclass=PoolMeta):
    __name__ = 'purchase.product_supplier'

    dropship_freight = fields.Numeric("Drop-Ship Freight",
        digits=price_digits,
        states={'invisible': ~Eval('drop_shipment', False)},
        help="Freight the supplier charges per drop-shipped order line.")
    handling_days = fields.Integer("Handling Days",
        states={'invisible': ~Eval('drop_shipment', False)},
        help="Days the supplier takes to ship a drop-shipped order.")
    dropship_regions = fields.Char("Regions Served",
        states={'invisible': ~Eval('drop_shipment', False)},
        help="Region codes the supplier ships to (country or subdivision "
        "codes such as CN or CN-GD, separated by spaces); empty serves all.")
    feed_stock = fields.Float("Feed Stock", readonly=True,
        states={'invisible': ~Eval('drop_shipment', False)},
        help="The supplier's stock from its last applied feed.")
    feed_at = fields.DateTime("Feed Updated", readonly=True,
        states={'invisible': ~Eval('drop_shipment', False)})

    @classmethod
    def default_dropship_freight(cls):
        return Decimal(0)

    @classmethod
    def default_handling_days(cls):
        return 0

    def dropship_cost(self, quantity=0):
        """The unit cost for quantity: the last matching price line, as
        Tryton's purchase price does"""
        return price_at(
            [(p.quantity, p.unit_price) for p in self.prices], quantity)

    def dropship_offer(self, quantity=0):
        """The routing Offer of this drop-ship supplier, read through the
        ORM (routing many lines reads them in bulk:
        `sale.line._dropship_offers`)"""
        return Offer(key=self.id, supplier=self.party.id,
            cost=self.dropship_cost(quantity),
            freight=self.dropship_freight or Decimal(0),
            handling_days=self.handling_days or 0,
            grade=self.party.supplier_grade,
            stock=self.feed_stock, feed_at=self.feed_at,
            regions=parse_regions(self.dropship_regions))

    def dropship_in_stock(self, now, max_age):
        "Whether the fresh feed of this supplier shows stock"
        return bool(self.drop_shipment and self.active
            and self.feed_stock and self.feed_stock > 0
            and self.feed_at and now - self.feed_at <= max_age
            and self.party.supplier_grade != 'eliminated')


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    dropship_only = fields.Boolean("Drop-Ship Only",
        help="Not stocked: sold only through drop-ship suppliers, its "
        "listings follow their feeds (delisted when none has stock).")

    @classmethod
    def default_dropship_only(cls):
        return False


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    dropship_listed = fields.Boolean("Listed", readonly=True,
        states={'invisible': ~Eval('dropship_only', False)},
        help="Whether a drop-ship source has the product in stock, so "
        "that its marketplace listings are on sale.")
    dropship_only = fields.Function(fields.Boolean("Drop-Ship Only"),
        'get_dropship_only')

    @classmethod
    def default_dropship_listed(cls):
        return True

    def get_dropship_only(self, name):
        return bool(self.template.dropship_only)

    @classmethod
    def dropship_update_listing(cls, products=None):
        """Delist the drop-ship-only products no fresh feed has in stock and
        relist those back in stock; return (delisted, relisted)"""
        pool = Pool()
        Configuration = pool.get('dropship.configuration')
        max_age = Configuration(1).feed_max_age
        now = datetime.datetime.now()
        if products is None:
            products = cls.search([('template.dropship_only', '=', True)])
        delisted, relisted = [], []
        for product in products:
            if not product.template.dropship_only:
                continue
            available = any(ps.dropship_in_stock(now, max_age)
                for ps in product.product_suppliers_used())
            if product.dropship_listed and not available:
                delisted.append(product)
            elif not product.dropship_listed and available:
                relisted.append(product)
        if delisted:
            cls.write(delisted, {'dropship_listed': False})
        if relisted:
            cls.write(relisted, {'dropship_listed': True})
        if delisted or relisted:
            cls.dropship_listing_changed(delisted, relisted)
        return delisted, relisted

    @classmethod
    def dropship_listing_changed(cls, delisted, relisted):
        """Hook for the marketplace channels: set the listings of delisted
        products off sale (or to zero) and put relisted ones back"""
        pool = Pool()
        JobRun = pool.get('ecom.job.run')
        with JobRun.track('dropship_routing.listing') as run:
            for product in delisted:
                run.add('updated')
                run.info("delisted: no source in stock", record=product)
            for product in relisted:
                run.add('updated')
                run.info("relisted: back in stock", record=product)


class Location(metaclass=PoolMeta):
    __name__ = 'stock.location'

    dropship_regions = fields.Char("Regions Served",
        states={'invisible': Eval('type') != 'warehouse'},
        help="Region codes this warehouse ships to (country or subdivision "
        "codes, separated by spaces); empty serves all.")


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    dropship_feed_url = fields.Char("Stock Feed URL",
        help="A CSV or XLSX stock feed of this supplier, pulled on a "
        "schedule.")
    dropship_dispatch = fields.Selection([
            ('portal', "Supplier Portal"),
            ('email', "Email"),
            ], "Order Dispatch",
        help="How drop-ship orders reach this supplier: on the supplier "
        "portal (and its order file), or also by email with the purchase "
        "order attached.")
    dropship_email = fields.Char("Order Email",
        states={'invisible': Eval('dropship_dispatch') != 'email'},
        help="The address drop-ship orders are emailed to; empty uses the "
        "party's email.")

    @classmethod
    def default_dropship_dispatch(cls):
        return 'portal'

    @classmethod
    def dropship_region(cls, address):
        "The region code of a delivery address: subdivision, else country"
        if address is None:
            return ''
        if getattr(address, 'subdivision', None):
            return address.subdivision.code or ''
        if getattr(address, 'country', None):
            return address.country.code or ''
        return ''
