# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Supplier stock feeds received by upload, URL pull or the API.

Each received feed is kept with its rows; a feed with any bad row is not
applied at all (state *Error*, the rows show what is wrong) and can be
corrected and applied again.
"""
import datetime
import urllib.request

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.modules.product import price_digits
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from . import feed_table

PULL_TIMEOUT = 60


class Feed(Workflow, ModelSQL, ModelView):
    __name__ = 'dropship.feed'
    __string__ = "Supplier Stock Feed"

    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    supplier = fields.Many2One('party.party', "Supplier", required=True,
        states={'readonly': Eval('state') == 'applied'},
        context={'company': Eval('company', -1)}, depends={'company'})
    source = fields.Selection([
            ('upload', "Upload"),
            ('url', "URL"),
            ('api', "API"),
            ], "Source", required=True, readonly=True)
    data = fields.Binary("File", filename='filename',
        states={'readonly': Eval('state') == 'applied'})
    filename = fields.Char("File Name",
        states={'readonly': Eval('state') == 'applied'})
    received_at = fields.DateTime("Received", required=True, readonly=True)
    applied_at = fields.DateTime("Applied", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('applied', "Applied"),
            ('error', "Error"),
            ], "State", required=True, readonly=True, sort=False)
    message = fields.Text("Error", readonly=True,
        states={'invisible': ~Eval('message')})
    lines = fields.One2Many('dropship.feed.line', 'feed', "Rows",
        readonly=True)
    row_count = fields.Function(fields.Integer("Rows"), 'get_counts')
    error_count = fields.Function(fields.Integer("Rows in Error"),
        'get_counts')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('received_at', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'applied'), ('error', 'applied'),
            ('draft', 'error'), ('error', 'error'),
            }
        cls._buttons.update({
                'apply': {
                    'invisible': Eval('state') == 'applied',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_source(cls):
        return 'upload'

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_received_at(cls):
        return datetime.datetime.now()

    def get_rec_name(self, name):
        return f"{self.supplier.rec_name} @ {self.received_at:%Y-%m-%d %H:%M}"

    @classmethod
    def get_counts(cls, feeds, names):
        result = {n: {} for n in names}
        for feed in feeds:
            if 'row_count' in names:
                result['row_count'][feed.id] = len(feed.lines)
            if 'error_count' in names:
                result['error_count'][feed.id] = sum(
                    1 for line in feed.lines if line.errors)
        return result

    @classmethod
    @ModelView.button
    def apply(cls, feeds):
        """Read each feed and apply it when every row is good; a feed with
        an error is kept in state error and changes nothing"""
        pool = Pool()
        Line = pool.get('dropship.feed.line')
        Line.delete([line for f in feeds for line in f.lines
                if f.source != 'api'])
        for feed in feeds:
            feed._apply()

    def _rows(self):
        if self.source == 'api':
            return None
        return feed_table.parse(feed_table.read_table(
                bytes(self.data or b''), self.filename or ''))

    def _apply(self):
        pool = Pool()
        Line = pool.get('dropship.feed.line')
        try:
            rows = self._rows()
        except feed_table.FeedFormatError as exception:
            self._fail(gettext('dropship_routing.msg_feed_unreadable',
                    error=str(exception)))
            return
        if rows is None:
            lines = list(self.lines)
        else:
            lines = [Line.from_row(self, r) for r in rows]
        offers = self._offers()
        for line in lines:
            errors = [e for e in (line.errors or '').splitlines()
                if e != gettext('dropship_routing.msg_feed_unknown_code')]
            line.product_supplier = offers.get(line.code)
            if line.code and not line.product_supplier:
                errors.append(
                    gettext('dropship_routing.msg_feed_unknown_code'))
            line.errors = '\n'.join(errors)
        Line.save(lines)
        if any(line.errors for line in lines):
            self._fail(gettext('dropship_routing.msg_feed_rows_in_error',
                    count=sum(1 for line in lines if line.errors)))
            return
        self._write_offers(lines)
        self.__class__.write([self], {
                'state': 'applied', 'message': None,
                'applied_at': datetime.datetime.now()})

    def _fail(self, message):
        self.__class__.write([self], {'state': 'error', 'message': message})

    def _offers(self):
        "{code: product supplier} of the supplier's drop-ship offers"
        pool = Pool()
        ProductSupplier = pool.get('purchase.product_supplier')
        offers = {}
        for ps in ProductSupplier.search([
                    ('party', '=', self.supplier.id),
                    ('company', 'in', [None, self.company.id]),
                    ]):
            product = ps.product or (ps.template.products[0]
                if len(ps.template.products) == 1 else None)
            if product and product.code:
                offers.setdefault(product.code, ps)
            if ps.code:
                offers[ps.code] = ps
        return offers

    def _write_offers(self, lines):
        pool = Pool()
        ProductSupplier = pool.get('purchase.product_supplier')
        Price = pool.get('purchase.product_supplier.price')
        Product = pool.get('product.product')
        to_save, prices = [], []
        for line in lines:
            ps = line.product_supplier
            ps.feed_stock = line.stock
            ps.feed_at = self.received_at
            if line.freight is not None:
                ps.dropship_freight = line.freight
            if line.handling_days is not None:
                ps.handling_days = line.handling_days
            if line.cost is not None:
                base = [p for p in ps.prices if not p.quantity]
                price = base[0] if base else Price(
                    product_supplier=ps, quantity=0)
                price.unit_price = line.cost
                prices.append(price)
            to_save.append(ps)
        ProductSupplier.save(to_save)
        Price.save(prices)
        products = set()
        for ps in to_save:
            products.update(ps.product and [ps.product]
                or ps.template.products)
        Product.dropship_update_listing(list(products))

    @classmethod
    def receive(cls, supplier, data=None, filename=None, source='upload',
            records=None):
        """Store a feed received from supplier and apply it

        records are the API's rows (dicts); a malformed feed is stored in
        error with its rows, nothing applied.
        """
        pool = Pool()
        Line = pool.get('dropship.feed.line')
        feed = cls(supplier=supplier, source=source, data=data,
            filename=filename)
        feed.save()
        if source == 'api':
            try:
                rows = feed_table.parse_records(records)
            except feed_table.FeedFormatError as exception:
                feed._fail(gettext('dropship_routing.msg_feed_unreadable',
                        error=str(exception)))
                return feed
            Line.save([Line.from_row(feed, r) for r in rows])
        cls.apply([feed])
        return cls(feed.id)

    @classmethod
    def pull_urls(cls):
        "Cron: pull the feeds of the suppliers with a feed URL"
        pool = Pool()
        Party = pool.get('party.party')
        Product = pool.get('product.product')
        JobRun = pool.get('ecom.job.run')
        with JobRun.track('dropship_routing.feed_pull') as run:
            for party in Party.search([('dropship_feed_url', '!=', None)]):
                try:
                    data = cls._fetch(party.dropship_feed_url)
                except OSError as exception:
                    run.error(gettext('dropship_routing.msg_feed_pull_failed',
                            supplier=party.rec_name, error=str(exception)),
                        record=party)
                    continue
                feed = cls.receive(party, data=data,
                    filename=party.dropship_feed_url.rsplit('/', 1)[-1],
                    source='url')
                run.add('processed')
                if feed.state == 'error':
                    run.error(feed.message, record=feed)
            # Feeds age: products whose last feed went stale are delisted.
            Product.dropship_update_listing()

    @classmethod
    def _fetch(cls, url):
        with urllib.request.urlopen(url, timeout=PULL_TIMEOUT) as response:
            return response.read()


class FeedLine(ModelSQL, ModelView):
    __name__ = 'dropship.feed.line'
    __string__ = "Supplier Stock Feed Row"

    feed = fields.Many2One('dropship.feed', "Feed", required=True,
        ondelete='CASCADE')
    number = fields.Integer("Row", readonly=True)
    code = fields.Char("Code", readonly=True)
    stock = fields.Float("Stock", readonly=True)
    cost = fields.Numeric("Cost", digits=price_digits, readonly=True)
    freight = fields.Numeric("Freight", digits=price_digits, readonly=True)
    handling_days = fields.Integer("Handling Days", readonly=True)
    product_supplier = fields.Many2One('purchase.product_supplier',
        "Supplier Offer", readonly=True)
    errors = fields.Text("Errors", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('feed', 'DESC'), ('number', 'ASC'), ('id', 'ASC')]

    @classmethod
    def from_row(cls, feed, row):
        errors = [gettext(f'dropship_routing.msg_feed_{code}', **params)
            for code, params in row.errors]
        return cls(feed=feed, number=row.number, code=row.code,
            stock=row.stock, cost=row.cost, freight=row.freight,
            handling_days=row.handling_days, errors='\n'.join(errors))
