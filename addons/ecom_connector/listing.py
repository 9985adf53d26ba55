# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Listings: platform products and SKUs mapped to our variants"""
import datetime
from collections import defaultdict
from decimal import Decimal

from sql import Literal
from sql.aggregate import Sum
from sql.conditionals import Case

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from . import allocation
from .adapters.base import AdapterError, InventoryUpdate


class Listing(ModelSQL, ModelView):
    __name__ = 'ecom.listing'
    __string__ = "Channel Listing"
    _rec_name = 'title'

    channel = fields.Many2One('ecom.channel', "Channel", required=True,
        ondelete='CASCADE')
    platform_product_id = fields.Char("Platform Product ID")
    platform_sku_id = fields.Char("Platform SKU ID")
    sku_code = fields.Char("SKU Code",
        help="The merchant's code of the SKU on the platform.")
    title = fields.Char("Title")
    product = fields.Many2One('product.product', "Product",
        states={'invisible': Eval('combo', False)},
        help="The variant sold; empty until matched.")
    combo = fields.Boolean("Combo",
        help="One platform SKU sells several products.")
    components = fields.One2Many('ecom.listing.component', 'listing',
        "Components", states={'invisible': ~Eval('combo', False)})
    match = fields.Selection([
            (None, "Unmatched"),
            ('manual', "Manual"),
            ('sku', "SKU Code"),
            ('barcode', "Barcode"),
            ], "Match", readonly=True)
    floor_price = fields.Numeric("Floor Price", digits=(16, 4),
        help="Orders paying less per unit become exceptions.")
    quantity_to_offer = fields.Function(fields.Integer("Quantity to Offer",
            help="What the channel may sell now, by its allocation rule."),
        'get_quantity_to_offer')
    pushed_quantity = fields.Integer("Pushed Quantity", readonly=True)
    listed = fields.Boolean("On Sale", readonly=True)
    last_push = fields.DateTime("Last Push", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('platform_ids_unique',
                Unique(t, t.channel, t.platform_product_id,
                    t.platform_sku_id),
                'ecom_connector.msg_listing_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.channel, Index.Equality()),
                    (t.platform_sku_id, Index.Equality())),
                Index(t, (t.product, Index.Equality())),
                })

    @staticmethod
    def default_listed():
        return True

    @staticmethod
    def default_combo():
        return False

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        args = []
        for listings, values in zip(actions, actions):
            if ('product' in values or 'components' in values) and (
                    'match' not in values):
                values = values | {'match': 'manual'}
            args.extend((listings, values))
        super().write(*args)

    @property
    def contents(self):
        "[(product, quantity)] sold by one unit of the listing"
        if self.combo:
            return [(c.product, c.quantity) for c in self.components]
        return [(self.product, 1)] if self.product else []

    @classmethod
    def find(cls, channel, lines, known=None):
        """The listing of each order line (list in line order), matched
        by platform ids, else by SKU code or barcode (then remembered);
        None for a line matched to nothing (an unmatched listing is kept
        for the user to map)

        `known` ({key: listing}), shared by the orders of an import batch,
        keeps the listings found mapped: the next orders of the batch
        selling the same SKU read neither the listing nor its products
        again.  The lines' SKU ids are searched in one query."""
        pool = Pool()
        Product = pool.get('product.product')
        Identifier = pool.get('product.identifier')
        if known is None:
            known = {}
        by_sku = {}
        skus = sorted({l.sku_id for l in lines if l.sku_id
                and (channel.id, 'sku', l.sku_id) not in known})
        if skus:
            # (in the listings' order: the first per SKU, as limit=1 found)
            for listing in cls.search([('channel', '=', channel.id),
                        ('platform_sku_id', 'in', skus)]):
                by_sku.setdefault(listing.platform_sku_id, listing)
        result = []
        to_create = {}
        for line in lines:
            key = (line.product_id or None, line.sku_id or None)
            domain = [('channel', '=', channel.id)]
            if line.sku_id:
                memo = (channel.id, 'sku', line.sku_id)
                listing = known.get(memo) or by_sku.get(line.sku_id)
                listings = [listing] if listing else []
            else:
                if line.product_id:
                    domain.extend([
                            ('platform_product_id', '=', line.product_id),
                            ('platform_sku_id', '=', None)])
                else:
                    # back-office exports may give only the merchant's code
                    domain.extend([('platform_product_id', '=', None),
                            ('platform_sku_id', '=', None),
                            ('sku_code', '=', line.sku_code)])
                    key = (None, None, line.sku_code)
                memo = (channel.id,) + key
                listings = ([known[memo]] if memo in known
                    else cls.search(domain, limit=1))
            if listings:
                listing, = listings
                if listing.contents:
                    # (only a listing mapped before: one matched here may
                    # be rolled back with its order)
                    known[memo] = listing
                    result.append(listing)
                    continue
            else:
                listing = None
            product, match = None, None
            if line.sku_code:
                products = Product.search([('code', '=', line.sku_code)],
                    limit=2)
                if len(products) == 1:
                    product, match = products[0], 'sku'
            if product is None and line.barcode:
                identifiers = Identifier.search([
                        ('code', '=', line.barcode)], limit=2)
                if len(identifiers) == 1 and identifiers[0].product:
                    product, match = identifiers[0].product, 'barcode'
            values = {'product': product.id if product else None,
                'match': match}
            if listing:
                if product:
                    super().write([listing], values)
                    result.append(listing)
                else:
                    result.append(None)
                continue
            if key not in to_create:
                values.update(channel=channel.id,
                    platform_product_id=line.product_id,
                    platform_sku_id=line.sku_id, sku_code=line.sku_code,
                    title=line.title)
                listing, = cls.create([values])
                to_create[key] = listing
            listing = to_create[key]
            result.append(listing if listing.product else None)
        return result

    @classmethod
    def find_mapped(cls, channel, lines, known=None):
        """The listing of each order line as it is mapped now, or None: a
        read only (nothing matched nor created), for the demand of orders
        not imported yet; `known` keeps what was found for the next calls
        (the SKU ids of the lines searched in one query)"""
        if known is None:
            known = {}

        def key(line):
            if line.sku_id:
                return ('mapped', channel.id, 'sku', line.sku_id)
            elif line.product_id:
                return ('mapped', channel.id, 'product', line.product_id)
            return ('mapped', channel.id, 'code', line.sku_code)
        skus = sorted({l.sku_id for l in lines
                if l.sku_id and key(l) not in known})
        if skus:
            found = {}
            for listing in cls.search([('channel', '=', channel.id),
                        ('platform_sku_id', 'in', skus)]):
                found.setdefault(listing.platform_sku_id, listing)
            for sku in skus:
                known[('mapped', channel.id, 'sku', sku)] = found.get(sku)
        for line in lines:
            memo = key(line)
            if memo in known:
                continue
            if line.product_id:
                domain = [('platform_product_id', '=', line.product_id)]
            else:
                domain = [('sku_code', '=', line.sku_code)]
            listings = cls.search([('channel', '=', channel.id)] + domain,
                limit=1)
            known[memo] = listings[0] if listings else None
        return [known[key(l)] for l in lines]

    # -- stock push ---------------------------------------------------------
    @classmethod
    def push(cls, channels=None, products=None, now=None):
        """Push the quantity of the listings whose allocation changed

        Only the listings of `channels` (default: all running ones that push
        stock) holding one of `products` (default: all) are computed.
        Returns the number of listings pushed.
        """
        pool = Pool()
        Channel = pool.get('ecom.channel')
        JobRun = pool.get('ecom.job.run')
        if channels is None:
            channels = Channel.search([
                    ('state', '=', 'running'), ('push_stock', '=', True)])
        channels = [c for c in channels if c.push_stock and c.can_push_stock]
        if not channels:
            return 0
        plan = cls.push_plan(channels, products)
        pushed = 0
        by_channel = defaultdict(list)
        for listing_id, channel_id, old, new in plan:
            if old != new:
                by_channel[channel_id].append((listing_id, old, new))
        for channel in channels:
            changes = by_channel.get(channel.id)
            if not changes:
                continue
            with JobRun.track('ecom_connector.push', origin=channel) as run:
                pushed += cls._push_channel(channel, changes, run, now=now)
        return pushed

    @classmethod
    def push_listings(cls, listings):
        "Push the listings sharing stock with these (their stock moved)"
        cls.push(products={p.id for l in listings for p, _ in l.contents})

    @classmethod
    def push_cron(cls):
        "Push the stock of every listing that changed (a full pass)"
        cls.push()

    @classmethod
    def push_plan(cls, channels, products=None):
        """[(listing id, channel id, pushed, target)] of the listings: the
        quantities come from one read of stock per warehouse set (pure
        allocation arithmetic after that)"""
        pool = Pool()
        Component = pool.get('ecom.listing.component')
        cursor = Transaction().connection.cursor()
        listing = cls.__table__()
        component = Component.__table__()
        channel_ids = [c.id for c in channels]
        where = listing.channel.in_(channel_ids)
        product_ids = None
        if products is not None:
            product_ids = sorted({getattr(p, 'id', p) for p in products})
            sub = component.select(component.listing,
                where=component.product.in_(product_ids or [-1]))
            where &= (listing.product.in_(product_ids or [-1])
                | listing.id.in_(sub))
        cursor.execute(*listing.select(
                listing.id, listing.channel, listing.product, listing.combo,
                listing.pushed_quantity, where=where))
        rows = cursor.fetchall()
        combo_ids = [r[0] for r in rows if r[3]]
        contents = defaultdict(list)
        for sub_ids in allocation.batches(combo_ids, 10000):
            cursor.execute(*component.select(component.listing,
                    component.product, component.quantity,
                    where=component.listing.in_(sub_ids)))
            for listing_id, product_id, quantity in cursor:
                contents[listing_id].append((product_id, quantity))
        # the stock key of each listing: what one unit of it takes
        keys = {}
        for listing_id, _, product_id, combo, _ in rows:
            if combo:
                key = tuple(sorted(contents.get(listing_id, [])))
            else:
                key = ((product_id, 1),) if product_id else ()
            keys[listing_id] = key
        needed = sorted({p for k in set(keys.values()) for p, _ in k})
        warehouse_sets = {c.id: tuple(sorted(w.id for w in c.stock_warehouses))
            for c in channels}
        pending = RawOrderDemand.pending(needed)
        stocks = {}
        for warehouses in set(warehouse_sets.values()):
            stocks[warehouses] = stock_levels(warehouses, needed)
        # {channel id: {product id: sellable units}}, computed once for the
        # channels with the same warehouses and safety buffer
        available, by_setting = {}, {}
        for channel in channels:
            setting = (warehouse_sets[channel.id], channel.safety_buffer or 0)
            if setting not in by_setting:
                stock, buffer = stocks[setting[0]], setting[1]
                by_setting[setting] = {
                    p: allocation.available(*stock.get(p, (0, 0)),
                        pending.get(p, 0), buffer) for p in needed}
            available[channel.id] = by_setting[setting]
        rules = {c.id: c.allocation_rule for c in channels}
        # the channels selling each stock key share its stock by their rules
        key_channels = defaultdict(dict)
        for listing_id, channel_id, _, _, _ in rows:
            key = keys[listing_id]
            if key:
                key_channels[key][channel_id] = rules[channel_id]
        allocated = {}
        # most products have one of a few stock figures: the rule
        # arithmetic runs once per figure and set of channels
        shares_of = {}
        for key, key_rules in key_channels.items():
            # (a channel's rule is the same for all its keys)
            signature = tuple(key_rules)
            for channel_id in key_rules:
                stock = available[channel_id]
                if len(key) == 1 and key[0][1] == 1:
                    figure = stock[key[0][0]]
                else:
                    figure = min(int(stock[p] // Decimal(str(q)))
                        if q else 0 for p, q in key)
                # several warehouse sets: each channel reads its own figure
                shares = shares_of.get((figure, signature))
                if shares is None:
                    shares = shares_of[figure, signature] = (
                        allocation.allocate(figure, key_rules))
                allocated[key, channel_id] = shares[channel_id]
        plan = []
        for listing_id, channel_id, _, _, pushed in rows:
            key = keys[listing_id]
            target = allocated.get((key, channel_id), 0) if key else 0
            plan.append((listing_id, channel_id, pushed, target))
        return plan

    @classmethod
    def get_quantity_to_offer(cls, listings, name):
        by_channel = defaultdict(list)
        for listing in listings:
            by_channel[listing.channel].append(listing)
        result = {l.id: None for l in listings}
        for channel, some in by_channel.items():
            products = {p.id for l in some for p, _ in l.contents}
            for listing_id, _, _, target in cls.push_plan(
                    [channel], products):
                if listing_id in result:
                    result[listing_id] = target
        return result

    @classmethod
    def _push_channel(cls, channel, changes, run, now=None):
        pool = Pool()
        PushLog = pool.get('ecom.push.log')
        adapter = channel.get_adapter()
        listings = {l.id: l for l in cls.browse([c[0] for c in changes])}
        now = now or datetime.datetime.now()
        size = getattr(adapter, 'inventory_batch_size', None) or 50
        logs, pushed = [], 0
        for batch in allocation.batches(changes, size):
            updates = [InventoryUpdate(
                    sku_id=listings[i].platform_sku_id,
                    product_id=listings[i].platform_product_id,
                    quantity=new) for i, _, new in batch]
            try:
                results = channel.call(adapter.update_inventory, updates)
            except AdapterError as error:
                results = [None] * len(batch)
                run.error(gettext('ecom_connector.msg_push_failed',
                        channel=channel.rec_name, error=str(error)),
                    record=channel)
                message = str(error)
            else:
                message = None
            for (listing_id, old, new), result in zip(batch, results):
                listing = listings[listing_id]
                ok = bool(result and result.ok)
                logs.append({'channel': channel.id, 'listing': listing_id,
                        'kind': 'stock', 'old_quantity': old,
                        'new_quantity': new, 'success': ok,
                        'message': (result.message if result else message),
                        'date': now})
                if ok:
                    pushed += 1
                    run.add('updated')
                    listing.pushed_quantity = new
                    listing.last_push = now
                elif result is not None:
                    run.error(result.message or '', record=listing)
        if channel.auto_delist and adapter.can_delist:
            logs.extend(cls._delist_relist(channel, adapter,
                    [listings[i] for i, _, _ in changes], now, run))
        cls.save([l for l in listings.values()])
        PushLog.create(logs)
        return pushed

    @classmethod
    def _delist_relist(cls, channel, adapter, listings, now, run):
        logs = []
        for kind, method, keep in [
                ('delist', adapter.delist,
                    lambda l: l.listed and l.pushed_quantity == 0),
                ('relist', adapter.relist,
                    lambda l: not l.listed and (l.pushed_quantity or 0) > 0)]:
            selected = [l for l in listings if keep(l)]
            if not selected:
                continue
            ids = sorted({l.platform_product_id for l in selected})
            try:
                channel.call(method, ids)
                ok, message = True, None
            except AdapterError as error:
                ok, message = False, str(error)
                run.error(message, record=channel)
            for listing in selected:
                if ok:
                    listing.listed = kind == 'relist'
                logs.append({'channel': channel.id, 'listing': listing.id,
                        'kind': kind, 'old_quantity': None,
                        'new_quantity': listing.pushed_quantity,
                        'success': ok, 'message': message, 'date': now})
        return logs


class ListingComponent(ModelSQL, ModelView):
    __name__ = 'ecom.listing.component'
    __string__ = "Channel Listing Component"
    listing = fields.Many2One('ecom.listing', "Listing", required=True,
        ondelete='CASCADE')
    product = fields.Many2One('product.product', "Product", required=True)
    quantity = fields.Float("Quantity", required=True,
        domain=[('quantity', '>', 0)])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('listing')

    @staticmethod
    def default_quantity():
        return 1


class PushLog(ModelSQL, ModelView):
    __name__ = 'ecom.push.log'
    __string__ = "Channel Push Log"
    channel = fields.Many2One('ecom.channel', "Channel", required=True,
        ondelete='CASCADE', readonly=True)
    listing = fields.Many2One('ecom.listing', "Listing", readonly=True,
        ondelete='CASCADE')
    date = fields.DateTime("Date", required=True, readonly=True)
    kind = fields.Selection([
            ('stock', "Stock"),
            ('delist', "Delist"),
            ('relist', "Relist"),
            ], "Kind", required=True, readonly=True)
    old_quantity = fields.Integer("Old Quantity", readonly=True)
    new_quantity = fields.Integer("New Quantity", readonly=True)
    success = fields.Boolean("Success", readonly=True)
    message = fields.Text("Message", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.listing, Index.Equality()),
                (t.date, Index.Range())))


def stock_levels(warehouse_ids, product_ids):
    """{product id: (on hand, reserved)} in the warehouses, in the
    product's default unit: on hand from the done moves, reserved from the
    moves leaving the warehouses that are not done yet (the sales
    processed and not shipped)"""
    pool = Pool()
    Location = pool.get('stock.location')
    Move = pool.get('stock.move')
    cursor = Transaction().connection.cursor()
    if not product_ids:
        return {}
    inside = Location.search([('parent', 'child_of', list(warehouse_ids))])
    inside_ids = [l.id for l in inside]
    move = Move.__table__()
    result = {}
    into = move.to_location.in_(inside_ids)
    out_of = move.from_location.in_(inside_ids)
    where = (into | out_of) & (move.state != 'cancelled')
    if len(product_ids) <= 10000:
        where &= move.product.in_(product_ids)
    # else one pass over the warehouses' moves, not one per slice of
    # products: the products not asked for are left out below
    wanted = set(product_ids)
    cursor.execute(*move.select(move.product,
            Sum(Case(((move.state == 'done') & into & ~out_of,
                        move.internal_quantity),
                    ((move.state == 'done') & out_of & ~into,
                        -move.internal_quantity),
                    else_=Literal(0))),
            Sum(Case((move.state.in_(['staging', 'draft', 'assigned'])
                        & out_of & ~into, move.internal_quantity),
                    else_=Literal(0))),
            where=where, group_by=[move.product]))
    for product_id, on_hand, reserved in cursor:
        if product_id in wanted:
            result[product_id] = (on_hand or 0, reserved or 0)
    return result


class RawOrderDemand:
    "The units of raw orders accepted on the platforms, not imported yet"

    @staticmethod
    def pending(product_ids):
        RawOrder = Pool().get('ecom.raw_order')
        return RawOrder.pending_demand(product_ids)


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    @classmethod
    def do(cls, moves):
        super().do(moves)
        cls._ecom_stock_changed(moves)

    @classmethod
    def cancel(cls, moves):
        super().cancel(moves)
        cls._ecom_stock_changed(moves)

    @classmethod
    def _ecom_stock_changed(cls, moves):
        "Queue the push of the listings of the products whose stock moved"
        pool = Pool()
        Listing = pool.get('ecom.listing')
        product_ids = sorted({m.product.id for m in moves})
        if not product_ids:
            return
        listings = Listing.search([
                ('channel.state', '=', 'running'),
                ('channel.push_stock', '=', True),
                ['OR', ('product', 'in', product_ids),
                    ('components.product', 'in', product_ids)],
                ])
        if listings:
            # after commit: a burst of moves (a shipment, an inventory)
            # becomes one push of the diffs
            Listing.__queue__.push_listings(listings)
