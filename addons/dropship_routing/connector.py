# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The marketplace side of drop shipping, when ecom_connector is activated:

- the platform commission of a channel order counts in each line's margin
  (the order's commission shared by the lines' amounts);
- the tracking number a supplier ships with is pushed to the platform the
  order came from, for the order's line;
- the listings of a drop-ship-only product offer what the suppliers' fresh
  feeds have (own stock is none), so the channels delist them when no
  source has stock and relist them when stock returns.
"""
import datetime
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta

from .routing import CENT


class SaleLine(metaclass=PoolMeta):
    __name__ = 'sale.line'

    def dropship_commission_amount(self):
        commission = super().dropship_commission_amount()
        sale = self.sale
        if (commission or not getattr(sale, 'ecom_channel', None)
                or not sale.ecom_commission):
            return commission
        amounts = [line.amount or 0 for line in sale.lines
            if line.type == 'line']
        total = sum(amounts, Decimal(0))
        if not total:
            return commission
        return (sale.ecom_commission * (self.amount or 0) / total
            ).quantize(CENT)


class Order(metaclass=PoolMeta):
    __name__ = 'dropship.order'

    @classmethod
    def push_tracking(cls, orders):
        pool = Pool()
        Mapping = pool.get('ecom.carrier.mapping')
        JobRun = pool.get('ecom.job.run')
        super().push_tracking(orders)
        # imported here: the adapters exist only with ecom_connector
        from trytond.modules.ecom_connector.adapters.base import (
            AdapterError, Parcel, Unsupported)
        for order in orders:
            channel = getattr(order.sale, 'ecom_channel', None)
            if not channel or not order.tracking_number:
                continue
            adapter = channel.get_adapter()
            if not adapter.can_push_tracking:
                continue
            with JobRun.track('ecom_connector.tracking',
                    origin=channel) as run:
                line_id = order.sale_line.ecom_line_id
                parcel = Parcel(
                    carrier_code=Mapping.code_for(channel, adapter,
                        order.carrier),
                    tracking_number=order.tracking_number,
                    line_ids=[line_id] if line_id else [])
                try:
                    channel.call(adapter.push_tracking,
                        order.sale.reference, [parcel])
                    run.add('updated')
                except (AdapterError, Unsupported) as error:
                    run.error(gettext('dropship_routing.msg_tracking_failed',
                            order=order.rec_name, error=str(error)),
                        record=order)


class Product(metaclass=PoolMeta):
    __name__ = 'product.product'

    def dropship_sellable(self):
        "What the fresh feeds of the drop-ship sources have, if listed"
        pool = Pool()
        Configuration = pool.get('dropship.configuration')
        if not self.dropship_listed:
            return 0
        max_age = Configuration(1).feed_max_age
        now = datetime.datetime.now()
        return int(sum(ps.feed_stock for ps in self.product_suppliers_used()
                if ps.dropship_in_stock(now, max_age)))

    @classmethod
    def dropship_listing_changed(cls, delisted, relisted):
        pool = Pool()
        Listing = pool.get('ecom.listing')
        super().dropship_listing_changed(delisted, relisted)
        Listing.push(products=list(delisted) + list(relisted))


class Listing(metaclass=PoolMeta):
    __name__ = 'ecom.listing'

    @classmethod
    def push_plan(cls, channels, products=None):
        pool = Pool()
        Product = pool.get('product.product')
        plan = super().push_plan(channels, products)
        # only the few listings of drop-ship-only products are read (a
        # browse of every listing costs the square of their number)
        listings = {l.id: l for l in cls.search([
                    ('channel', 'in', [c.id for c in channels]),
                    ('combo', '=', False),
                    ('product.template.dropship_only', '=', True),
                    ])}
        dropship = {}
        result = []
        for listing_id, channel_id, pushed, target in plan:
            if listing_id in listings:
                product = listings[listing_id].product
                if product.id not in dropship:
                    dropship[product.id] = Product(
                        product.id).dropship_sellable()
                target = dropship[product.id]
            result.append((listing_id, channel_id, pushed, target))
        return result


class Margin(metaclass=PoolMeta):
    __name__ = 'dropship.margin'

    channel = fields.Many2One('ecom.channel', "Channel", readonly=True)

    @classmethod
    def _columns(cls, line, sale):
        return super()._columns(line, sale) + [
            sale.ecom_channel.as_('channel')]

    @classmethod
    def xlsx_columns(cls):
        columns = list(super().xlsx_columns())
        columns.insert(columns.index('number') + 1, 'channel')
        return columns
