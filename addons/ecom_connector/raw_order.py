# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Raw orders: every payload received, kept as received, then imported

An order is stored first, whatever its shape, and imported after: the
import of each order runs under its own savepoint, so an order that cannot
be imported leaves nothing half-written and becomes an exception that says
why, to fix and retry, or to ignore.
"""
import datetime
import hashlib
import json
import logging
from collections import defaultdict
from decimal import Decimal

from sql import For

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, TransactionError

from . import checks
from .adapters.base import UTC, OrderStatus, PayloadError
from .adapters.file import FileAdapter

logger = logging.getLogger(__name__)

SOURCES = [
    ('pull', "Pull"),
    ('webhook', "Webhook"),
    ('file', "File"),
    ('reconcile', "Reconciliation"),
    ]
REASONS = [
    (None, ""),
    ('malformed', "Malformed Payload"),
    ('address', "Incomplete Address"),
    ('unmapped', "Unmapped SKU"),
    ('price_floor', "Price under Floor"),
    ('oversold', "Oversold"),
    ('unpaid', "Unpaid"),
    ('duplicate', "Suspected Duplicate"),
    ('error', "Other Error"),
    ]
# What "Force" lets through: the checks that a person may overrule.
FORCEABLE = {'price_floor', 'oversold', 'duplicate'}
DUPLICATE_SPAN = datetime.timedelta(minutes=10)


class Problem(Exception):
    "An order that cannot be imported as it is"

    def __init__(self, reason, message, demand=None, unmatched=None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.demand = demand
        # order lines whose listing must outlive the rolled-back import,
        # so that the user finds them to map
        self.unmatched = unmatched or []


def lock_rows(Model, ids):
    "Lock the rows until the transaction ends (waiting for other holders)"
    transaction = Transaction()
    if not ids or not transaction.database.has_select_for():
        # SQLite has a single writer: nothing to lock
        return
    table = Model.__table__()
    cursor = transaction.connection.cursor()
    query = table.select(table.id, where=table.id.in_(sorted(ids)),
        order_by=[table.id])
    query.for_ = For('UPDATE')
    cursor.execute(*query)


def price(amount):
    "A unit price at the 4 decimals of sale lines"
    return Decimal(amount).quantize(Decimal('0.0001'))


def naive_utc(moment):
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None)


def decode(payload):
    """(text as stored, parsed payload or None, problem or None)

    Payloads come parsed (dicts from the adapters) or as bytes and text
    (webhook bodies, replays); what cannot be decoded is kept readable.
    """
    if isinstance(payload, (bytes, bytearray)):
        try:
            payload = bytes(payload).decode('utf-8')
        except UnicodeDecodeError as error:
            text = bytes(payload).decode('utf-8', 'backslashreplace')
            return text, None, f"The payload is not UTF-8 text ({error})."
    if isinstance(payload, str):
        text = payload.replace('\x00', '\\x00')
        try:
            return text, json.loads(payload), None
        except ValueError as error:
            return text, None, f"The payload is not JSON ({error})."
    try:
        text = json.dumps(payload, ensure_ascii=False, default=str)
    except (TypeError, ValueError) as error:
        return repr(payload), None, f"The payload cannot be stored ({error})."
    return text, payload, None


def adapter_for(channel, source):
    "The adapter that reads the payloads of a source"
    if source == 'file':
        # back-office exports have the file's shape whatever the platform
        return FileAdapter({})
    return channel.get_adapter()


class RawOrder(Workflow, ModelSQL, ModelView):
    __name__ = 'ecom.raw_order'
    __string__ = "Raw Order"
    _rec_name = 'platform_order_id'

    channel = fields.Many2One('ecom.channel', "Channel", required=True,
        ondelete='RESTRICT', readonly=True)
    company = fields.Function(fields.Many2One('company.company', "Company"),
        'get_company', searcher='search_company')
    platform_order_id = fields.Char("Platform Order ID", required=True,
        readonly=True)
    platform_status = fields.Char("Platform Status", readonly=True)
    platform_created = fields.DateTime("Created on Platform", readonly=True)
    modified_at = fields.DateTime("Modified on Platform", readonly=True,
        help="The version of the order: older deliveries are ignored.")
    buyer = fields.Char("Buyer", readonly=True)
    total = fields.Numeric("Total", digits=(16, 2), readonly=True)
    payload = fields.Text("Payload", readonly=True)
    source = fields.Selection(SOURCES, "Source", readonly=True)
    deliveries = fields.Integer("Deliveries", readonly=True,
        help="How many times the platform sent this order.")
    state = fields.Selection([
            ('received', "Received"),
            ('imported', "Imported"),
            ('exception', "Exception"),
            ('ignored', "Ignored"),
            ], "State", required=True, readonly=True, sort=False)
    exception_reason = fields.Selection(REASONS, "Exception Reason",
        readonly=True)
    exception_message = fields.Text("Exception Message", readonly=True)
    forced = fields.Boolean("Forced", readonly=True,
        help="Imported although a price floor, stock or duplicate check "
        "failed.")
    sale = fields.Many2One('sale.sale', "Sale", readonly=True,
        ondelete='RESTRICT')
    return_sale = fields.Many2One('sale.sale', "Return Sale", readonly=True)
    address = fields.Text("Address", readonly=True,
        help="The address of the sale, as the platform gave it.")
    fingerprint = fields.Char("Fingerprint", readonly=True)
    demand = fields.Text("Demand", readonly=True,
        help="The units of each product the order takes, as JSON.")
    versions = fields.One2Many('ecom.raw_order.version', 'raw_order',
        "History", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('platform_order_unique', Unique(t, t.channel,
                    t.platform_order_id),
                'ecom_connector.msg_raw_order_unique'),
            ]
        cls._sql_indexes.update({
                Index(t, (t.state, Index.Equality()),
                    where=t.state.in_(['received', 'exception'])),
                Index(t, (t.channel, Index.Equality()),
                    (t.fingerprint, Index.Equality())),
                Index(t, (t.platform_created, Index.Range())),
                })
        cls._order = [('platform_created', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('received', 'imported'), ('received', 'exception'),
            ('received', 'ignored'), ('exception', 'received'),
            ('exception', 'ignored'), ('ignored', 'received'),
            ('exception', 'imported'), ('imported', 'received'),
            }
        cls._buttons.update({
                'retry': {
                    'invisible': ~Eval('state').in_(['exception', 'ignored']),
                    'depends': ['state'],
                    },
                'force': {
                    'invisible': ((Eval('state') != 'exception')
                        | ~Eval('exception_reason').in_(list(FORCEABLE))),
                    'depends': ['state', 'exception_reason'],
                    },
                'ignore': {
                    'invisible': Eval('state') != 'exception',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_state():
        return 'received'

    @staticmethod
    def default_deliveries():
        return 1

    @staticmethod
    def default_forced():
        return False

    def get_company(self, name):
        return self.channel.company.id

    @classmethod
    def search_company(cls, name, clause):
        return [('channel.company',) + tuple(clause[1:])]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual', If(Eval('state') == 'exception', 'danger',
                    If(Eval('state') == 'ignored', 'muted', ''))),
            ]

    # -- receiving ------------------------------------------------------------
    @classmethod
    def receive(cls, channel, payloads, source):
        """Store the payloads of a channel as received; return the raw
        orders to import (new, or changed since last delivery)

        Never raises on a payload: one that cannot be read is stored as a
        'malformed' exception.
        """
        pool = Pool()
        Version = pool.get('ecom.raw_order.version')
        adapter = adapter_for(channel, source)
        now = datetime.datetime.now(UTC).replace(tzinfo=None)
        entries = []
        for payload in payloads:
            text, data, problem = decode(payload)
            order_id, modified = None, None
            if data is not None:
                try:
                    order_id, modified = adapter.order_reference(data)
                except Exception as error:
                    logger.debug("no reference in payload: %s", error)
            if not order_id or not isinstance(order_id, str):
                problem = problem or gettext(
                    'ecom_connector.msg_payload_without_id')
                order_id = 'unknown-' + hashlib.sha1(
                    text.encode('utf-8', 'backslashreplace')).hexdigest()[:20]
            entries.append((order_id, naive_utc(modified), text, problem))
        known = {}
        ids = sorted({e[0] for e in entries})
        for start in range(0, len(ids), 1000):
            for raw in cls.search([('channel', '=', channel.id),
                        ('platform_order_id', 'in', ids[start:start + 1000])]):
                known[raw.platform_order_id] = raw
        to_create, to_save, versions, result = {}, {}, [], []
        for order_id, modified, text, problem in entries:
            raw = known.get(order_id)
            if raw is None:
                raw = to_create.get(order_id)
                if raw is None:
                    raw = cls(channel=channel, platform_order_id=order_id,
                        modified_at=modified, payload=text, source=source,
                        deliveries=1, state='received', versions=[],
                        forced=False)
                    if problem:
                        raw.state = 'exception'
                        raw.exception_reason = 'malformed'
                        raw.exception_message = problem
                    raw.versions = [Version(received=now, modified_at=modified,
                            source=source, payload=text, outcome='applied')]
                    to_create[order_id] = raw
                    continue
            raw.deliveries = (raw.deliveries or 0) + 1
            if (modified is not None and raw.modified_at is not None
                    and modified < raw.modified_at):
                outcome = 'older'
            elif raw.payload == text:
                outcome = None          # the same delivery again
            else:
                outcome = 'applied'
            if outcome:
                version = Version(received=now, modified_at=modified,
                    source=source, payload=text, outcome=outcome)
                if raw.id is None:
                    raw.versions = list(raw.versions) + [version]
                else:
                    version.raw_order = raw
                    versions.append(version)
            if outcome == 'applied':
                raw.source = source
                raw.payload = text
                raw.modified_at = modified or raw.modified_at
                if problem:
                    raw.state = 'exception'
                    raw.exception_reason = 'malformed'
                    raw.exception_message = problem
                elif raw.state != 'ignored' or raw.sale:
                    raw.state = 'received'
                    raw.exception_reason = None
                    raw.exception_message = None
            if raw.id is not None:
                to_save[raw.id] = raw
        cls.save(list(to_create.values()) + list(to_save.values()))
        Version.save(versions)
        for raw in list(to_create.values()) + list(to_save.values()):
            if raw.state == 'received':
                result.append(raw)
        return result

    # -- importing --------------------------------------------------------
    @classmethod
    def import_orders(cls, raws, run=None, push=True):
        """Turn the received raw orders into sales, each under a savepoint:
        an order that fails leaves nothing and becomes an exception"""
        pool = Pool()
        Listing = pool.get('ecom.listing')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        now = datetime.datetime.now(UTC)
        touched = set()
        channels = {}
        ids = sorted({r.id for r in raws})
        # two workers given the same order (a task queued again after its
        # worker was lost) import it once: the second waits, then skips it
        lock_rows(cls, ids)
        for raw in cls.browse(ids):
            if raw.state != 'received':
                continue
            tasks = len(transaction.tasks)
            cursor.execute('SAVEPOINT ecom_raw_order')
            try:
                products = raw._import(now)
            except (TransactionError, backend.DatabaseOperationalError):
                # the framework retries the whole transaction
                raise
            except Exception as error:
                cursor.execute('ROLLBACK TO SAVEPOINT ecom_raw_order')
                del transaction.tasks[tasks:]
                for cache in transaction.cache.values():
                    cache.clear()
                if isinstance(error, Problem):
                    reason, message = error.reason, error.message
                    demand = error.demand
                    if error.unmatched:
                        Listing.find(cls(raw.id).channel, error.unmatched)
                elif isinstance(error, PayloadError):
                    reason, message, demand = 'malformed', str(error), None
                else:
                    if not getattr(error, 'message', None):
                        logger.exception("raw order %s", raw.id)
                    reason = 'error'
                    message = getattr(error, 'message', None) or str(error)
                    demand = None
                raw = cls(raw.id)
                cls.write([raw], {
                        'state': 'exception',
                        'exception_reason': reason,
                        'exception_message': message,
                        'demand': json.dumps(demand) if demand else None,
                        })
                if run:
                    run.error(f'{raw.platform_order_id}: {message}',
                        record=raw)
            else:
                cursor.execute('RELEASE SAVEPOINT ecom_raw_order')
                touched.update(products)
                channels[raw.channel.id] = raw.channel
                if run:
                    run.add('created' if raw.sale else 'skipped')
        if push and touched:
            Listing.push(products=touched)

    @classmethod
    def import_received_cron(cls):
        cls.import_received()

    @classmethod
    def import_received(cls, older_than=datetime.timedelta(minutes=10),
            batch=50):
        """Queue the import of the raw orders still waiting: a task can be
        lost with its worker (killed, restarted), the stored order is not"""
        limit = datetime.datetime.now() - older_than
        raws = cls.search([('state', '=', 'received'), ['OR',
                    ('write_date', '<=', limit),
                    [('write_date', '=', None),
                        ('create_date', '<=', limit)]]],
            order=[('id', 'ASC')])
        for start in range(0, len(raws), batch):
            cls.__queue__.import_orders(raws[start:start + batch])
        return len(raws)

    def _import(self, now):
        "Import or update the sale; return the products whose stock changed"
        pool = Pool()
        Listing = pool.get('ecom.listing')
        adapter = adapter_for(self.channel, self.source)
        order = adapter.parse_order(json.loads(self.payload))
        problem = checks.malformed(order, now)
        if problem:
            raise Problem('malformed', problem)
        self.platform_status = order.platform_status
        self.platform_created = naive_utc(order.created_at)
        self.buyer = order.buyer
        self.total = order.total
        self.fingerprint = checks.fingerprint(order)
        if self.sale:
            return self._update(order)
        if order.status in {OrderStatus.CANCELLED, OrderStatus.REFUNDED}:
            self._set(state='ignored',
                exception_message=gettext(
                    'ecom_connector.msg_cancelled_before_import'))
            return set()
        listings = Listing.find(self.channel, order.lines)
        demand = defaultdict(float)
        unmapped = []
        for line, listing in zip(order.lines, listings):
            if listing is None:
                unmapped.append(line)
                continue
            for product, quantity in listing.contents:
                demand[product.id] += float(line.quantity) * quantity
        demand = {str(k): v for k, v in demand.items()}
        if unmapped:
            raise Problem('unmapped', gettext(
                    'ecom_connector.msg_unmapped_sku',
                    skus=', '.join(str(l.sku_code or l.sku_id or l.product_id)
                        for l in unmapped)), unmatched=unmapped)
        for reason, text in checks.blocking(order):
            raise Problem(reason, text, demand)
        if not self.forced:
            self._check_floor(order, listings, demand)
            self._check_duplicate(order, demand)
            self._check_stock(demand)
        sale = self._create_sale(order, listings)
        self._set(state='imported', sale=sale,
            address=checks.address_text(order.address), demand=None,
            exception_reason=None, exception_message=None)
        return {int(p) for p in demand}

    def _set(self, **values):
        for name, value in values.items():
            setattr(self, name, value)
        self.save()

    def _check_floor(self, order, listings, demand):
        price_list = self.channel.price_list
        for line, listing in zip(order.lines, listings):
            floor = listing.floor_price
            if floor is None and price_list and listing.product:
                product = listing.product
                floor = price_list.compute(product, line.quantity,
                    product.sale_uom)
            if floor is None:
                continue
            paid = checks.line_amounts(line) / line.quantity
            if paid < floor:
                raise Problem('price_floor', gettext(
                        'ecom_connector.msg_price_floor',
                        sku=line.sku_code or line.sku_id or line.product_id,
                        price=paid.quantize(Decimal('0.01')),
                        floor=Decimal(floor).quantize(Decimal('0.01'))),
                    demand)

    def _check_duplicate(self, order, demand):
        low = self.platform_created - DUPLICATE_SPAN
        high = self.platform_created + DUPLICATE_SPAN
        others = self.search([
                ('channel', '=', self.channel.id),
                ('fingerprint', '=', self.fingerprint),
                ('id', '!=', self.id),
                ('state', '=', 'imported'),
                ('platform_created', '>=', low),
                ('platform_created', '<=', high),
                ], limit=1)
        if others:
            raise Problem('duplicate', gettext(
                    'ecom_connector.msg_suspected_duplicate',
                    other=others[0].platform_order_id), demand)

    def _check_stock(self, demand):
        pool = Pool()
        Product = pool.get('product.product')
        from .listing import stock_levels
        warehouses = [w.id for w in self.channel.stock_warehouses]
        product_ids = sorted(int(p) for p in demand)
        # the stock rows of these products are taken in turn by concurrent
        # imports: two orders for the last unit cannot both see it free
        lock_rows(Product, product_ids)
        levels = stock_levels(warehouses, product_ids)
        short = []
        for product in Product.browse(product_ids):
            on_hand, reserved = levels.get(product.id, (0, 0))
            if demand[str(product.id)] > on_hand - reserved:
                short.append(product.rec_name)
        if short:
            raise Problem('oversold', gettext(
                    'ecom_connector.msg_oversold',
                    products=', '.join(short)), demand)

    def _party(self, order):
        pool = Pool()
        Party = pool.get('party.party')
        channel = self.channel
        if not order.buyer and channel.customer:
            return channel.customer
        name = order.buyer or order.address.name
        key = f'{channel.id}:{name}'
        parties = Party.search([('ecom_buyer', '=', key)], limit=1)
        if parties:
            return parties[0]
        party = Party(name=name, ecom_buyer=key)
        party.save()
        return party

    def _address(self, party, address):
        pool = Pool()
        Address = pool.get('party.address')
        Country = pool.get('country.country')
        Contact = pool.get('party.contact_mechanism')
        country = None
        if address.country:
            countries = Country.search([('code', '=', address.country)],
                limit=1)
            country = countries[0] if countries else None
        street = ' '.join(p for p in (
                address.province if not country else None,
                address.district, address.street) if p)
        record = Address(party=party, party_name=address.name,
            street_unstructured=street, city=address.city,
            postal_code=address.postal_code, country=country)
        if country and address.province:
            subdivisions = [s for s in country.subdivisions
                if s.name == address.province] if hasattr(
                    country, 'subdivisions') else []
            if subdivisions:
                record.subdivision = subdivisions[0]
            else:
                record.street_unstructured = ' '.join(
                    p for p in (address.province, street) if p)
        record.save()
        if address.phone:
            Contact(party=party, type='mobile', value=address.phone,
                address=record).save()
        return record

    def _create_sale(self, order, listings):
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        Currency = pool.get('currency.currency')
        channel = self.channel
        if order.currency:
            currencies = Currency.search([('code', '=', order.currency)],
                limit=1)
        else:
            currencies = [channel.company.currency]
        if not currencies:
            raise Problem('malformed', gettext(
                    'ecom_connector.msg_unknown_currency',
                    currency=order.currency))
        party = self._party(order)
        address = self._address(party, order.address)
        sale = Sale(company=channel.company, party=party,
            invoice_address=address, shipment_address=address,
            warehouse=channel.warehouse, currency=currencies[0],
            sale_date=order.created_at.date(),
            reference=order.platform_order_id,
            description=f'{channel.name} {order.platform_order_id}',
            origin=self, price_list=channel.price_list,
            invoice_method=channel.invoice_method, shipment_method='order',
            comment=order.note, ecom_channel=channel,
            ecom_commission=order.commission,
            ecom_payment=('paid' if order.status != OrderStatus
                .AWAITING_PAYMENT else 'unpaid'))
        lines = []
        for line, listing in zip(order.lines, listings):
            lines.extend(self._sale_lines(line, listing))
        if order.shipping_fee:
            lines.append(Line(type='line', quantity=1,
                    product=channel.shipping_product,
                    unit=(channel.shipping_product.sale_uom
                        if channel.shipping_product else None),
                    unit_price=price(order.shipping_fee),
                    description=gettext('ecom_connector.msg_shipping_fee')))
        if order.discount:
            lines.append(Line(type='line', quantity=1,
                    unit_price=price(-order.discount),
                    description=gettext('ecom_connector.msg_order_discount')))
        sale.lines = self._apply_tax(sale, lines)
        sale.save()
        Sale.quote([sale])
        Sale.confirm([sale])
        # processed now, not from the queue: its moves are the reservation
        # that the next order and the stock push count
        Sale.process([sale])
        return sale

    def _sale_lines(self, line, listing):
        "Sale lines of one platform line: its products at platform prices"
        Line = Pool().get('sale.line')
        contents = listing.contents
        total = line.unit_price
        weights = [Decimal(str(p.list_price or 0)) * Decimal(str(q))
            for p, q in contents]
        if not sum(weights):
            weights = [Decimal(str(q)) for _, q in contents]
        lines, allotted = [], Decimal(0)
        for (product, quantity), weight in zip(contents, weights):
            share = (total * weight / sum(weights))
            unit_price = price(share / Decimal(str(quantity)))
            allotted += unit_price * Decimal(str(quantity))
            lines.append(Line(type='line', product=product,
                    ecom_line_id=line.platform_line_id,
                    quantity=float(line.quantity) * quantity,
                    unit=product.sale_uom, unit_price=unit_price,
                    description=line.title or product.rec_name))
        rest = (total - allotted) * line.quantity
        if rest:
            # the combo's price does not split exactly: the cents left go
            # on a line of their own, so that the sale totals the platform's
            lines.append(Line(type='line', quantity=1,
                    unit_price=price(rest), ecom_line_id=line.platform_line_id,
                    description=gettext('ecom_connector.msg_combo_rounding',
                        title=line.title)))
        if line.discount:
            lines.append(Line(type='line', quantity=1,
                    unit_price=price(-line.discount),
                    ecom_line_id=line.platform_line_id,
                    description=gettext('ecom_connector.msg_line_discount',
                        title=line.title)))
        return lines

    def _update(self, order):
        "Apply a later version of an imported order to its sale"
        pool = Pool()
        Sale = pool.get('sale.sale')
        sale = self.sale
        changes = []
        new_address = checks.address_text(order.address)
        shipped = any(m.state == 'done' for m in sale.moves
            if m.quantity > 0)
        touched = set()
        if new_address != (self.address or '') and sale.state != 'cancelled':
            if shipped:
                changes.append(gettext(
                        'ecom_connector.msg_address_after_shipment',
                        address=new_address))
            else:
                address = self._address(sale.party, order.address)
                Sale.write([sale], {'shipment_address': address.id})
                for shipment in sale.shipments:
                    if shipment.state not in {'done', 'cancelled',
                            'shipped'}:
                        shipment.delivery_address = address
                        shipment.save()
                changes.append(gettext('ecom_connector.msg_address_changed',
                        old=self.address or '', new=new_address))
                self.address = new_address
        if self._whole_refund(order):
            if sale.state != 'cancelled' and not self.return_sale:
                touched = {m.product.id for m in sale.moves if m.product}
                if shipped:
                    self.return_sale = self._return(sale)
                    changes.append(gettext(
                            'ecom_connector.msg_returned',
                            sale=self.return_sale.rec_name))
                else:
                    self._cancel(sale)
                    changes.append(gettext('ecom_connector.msg_cancelled'))
            Sale.write([sale], {'ecom_payment': 'refunded'
                    if order.status == OrderStatus.REFUNDED
                    else sale.ecom_payment})
        elif order.status == OrderStatus.REFUNDED or order.refunds:
            # some lines or units refunded (sale_refund.py)
            touched, refunded = self._refund_lines(order)
            changes.extend(refunded)
            if order.status == OrderStatus.REFUNDED:
                Sale.write([sale], {'ecom_payment': 'refunded'})
        elif sale.ecom_payment == 'unpaid' and (
                order.status != OrderStatus.AWAITING_PAYMENT):
            Sale.write([sale], {'ecom_payment': 'paid'})
            changes.append(gettext('ecom_connector.msg_paid'))
        versions = [v for v in self.versions if v.outcome == 'applied']
        if versions and changes:
            version = versions[-1]
            version.changes = '\n'.join(changes)
            version.save()
        self._set(state='imported', exception_reason=None,
            exception_message=None)
        return touched

    @staticmethod
    def _cancel(sale):
        "Cancel a sale that nothing has left the warehouse for"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Shipment = pool.get('stock.shipment.out')
        Move = pool.get('stock.move')
        Invoice = pool.get('account.invoice')
        shipments = [s for s in sale.shipments if s.state != 'cancelled']
        if shipments:
            Shipment.cancel(shipments)
        moves = [m for m in sale.moves if m.state != 'cancelled']
        if moves:
            Move.cancel(moves)
        invoices = [i for i in sale.invoices if i.state == 'draft']
        if invoices:
            Invoice.cancel(invoices)
        # Tryton's cancel button is for quotations; once processed, a sale
        # whose moves and shipments are all cancelled is cancelled
        Sale.write([sale], {'state': 'cancelled'})

    @staticmethod
    def _return(sale):
        "A return sale for everything, as Tryton's Return Sale wizard makes"
        Sale = Pool().get('sale.sale')
        return_sale, = Sale.copy([sale], default={
                'origin': str(sale),
                'lines.quantity': lambda data: (
                    data['quantity'] * -1 if data['type'] == 'line'
                    else data['quantity']),
                })
        Sale.quote([return_sale])
        Sale.confirm([return_sale])
        Sale.process([return_sale])
        return return_sale

    @classmethod
    def pending_demand(cls, product_ids):
        """{product id: units} of the orders the platforms accepted that
        are not sales yet (received, or exceptions still to handle)"""
        result = defaultdict(float)
        if not product_ids:
            return result
        wanted = {str(p) for p in product_ids}
        for raw in cls.search([
                    ('state', 'in', ['received', 'exception']),
                    ('sale', '=', None),
                    ]):
            demand = raw.demand and json.loads(raw.demand)
            if demand is None and raw.state == 'received':
                demand = raw._demand()
            for product, quantity in (demand or {}).items():
                if product in wanted:
                    result[int(product)] += quantity
        return result

    def _demand(self):
        "The demand of a raw order not imported yet, read from its payload"
        Listing = Pool().get('ecom.listing')
        try:
            order = adapter_for(self.channel, self.source).parse_order(
                json.loads(self.payload))
        except Exception:
            return None
        demand = defaultdict(float)
        for line in order.lines:
            domain = [('channel', '=', self.channel.id)]
            if line.sku_id:
                domain.append(('platform_sku_id', '=', line.sku_id))
            elif line.product_id:
                domain.append(('platform_product_id', '=', line.product_id))
            else:
                domain.append(('sku_code', '=', line.sku_code))
            for listing in Listing.search(domain, limit=1):
                for product, quantity in listing.contents:
                    demand[str(product.id)] += float(line.quantity) * quantity
        return demand

    # -- actions ----------------------------------------------------------
    @classmethod
    @ModelView.button
    def retry(cls, raws):
        "Import again (after the product, listing or stock was fixed)"
        # not a Workflow.transition: it writes the state after the body,
        # and the import needs the orders received first
        cls.write([r for r in raws if r.state in {'exception', 'ignored'}], {
                'state': 'received', 'exception_reason': None,
                'exception_message': None})
        # at once: the user sees the outcome (or the new reason) now
        cls.import_orders(raws)

    @classmethod
    @ModelView.button
    def force(cls, raws):
        "Import despite the price floor, stock or duplicate check"
        cls.write(raws, {'forced': True})
        cls.retry(raws)

    @classmethod
    @ModelView.button
    @Workflow.transition('ignored')
    def ignore(cls, raws):
        cls.write(raws, {'demand': None})


class RawOrderVersion(ModelSQL, ModelView):
    __name__ = 'ecom.raw_order.version'
    __string__ = "Raw Order Version"
    raw_order = fields.Many2One('ecom.raw_order', "Raw Order", required=True,
        ondelete='CASCADE', readonly=True)
    received = fields.DateTime("Received", required=True, readonly=True)
    modified_at = fields.DateTime("Modified on Platform", readonly=True)
    source = fields.Selection(SOURCES, "Source", readonly=True)
    outcome = fields.Selection([
            ('applied', "Applied"),
            ('older', "Older: Ignored"),
            ], "Outcome", readonly=True)
    changes = fields.Text("Changes", readonly=True)
    payload = fields.Text("Payload", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('raw_order')
        cls._order = [('received', 'ASC'), ('id', 'ASC')]
