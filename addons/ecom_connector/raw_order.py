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

from sql import Flavor, For, Null

from trytond import backend
from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, TransactionError

from . import checks
from .adapters.base import UTC, OrderStatus, PayloadError
from .adapters.file import FileAdapter
from .allocation import batches

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
        # the orders never seen are written in bulk (most of a peak); the
        # later deliveries of an order go through the records
        new, later = {}, []
        for entry in entries:
            order_id = entry[0]
            if order_id in known or order_id in new:
                later.append(entry)
            else:
                new[order_id] = entry
        created = cls._insert_new(channel, list(new.values()), source, now)
        # a concurrent delivery stored it first: it is a later delivery
        lost = [e for e in new.values() if e[0] not in created]
        if lost:
            for raw in cls.search([('channel', '=', channel.id),
                        ('platform_order_id', 'in', [e[0] for e in lost])]):
                known[raw.platform_order_id] = raw
            later = lost + later
        for entry in later:
            if entry[0] not in known:
                # delivered again within the same batch
                known[entry[0]] = cls(created[entry[0]])
        to_save, versions = {}, []
        for order_id, modified, text, problem in later:
            raw = known[order_id]
            raw.deliveries = (raw.deliveries or 0) + 1
            if (modified is not None and raw.modified_at is not None
                    and modified < raw.modified_at):
                outcome = 'older'
            elif raw.payload == text:
                outcome = None          # the same delivery again
            else:
                outcome = 'applied'
            if outcome:
                versions.append(Version(raw_order=raw, received=now,
                        modified_at=modified, source=source, payload=text,
                        outcome=outcome))
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
            to_save[raw.id] = raw
        cls.save(list(to_save.values()))
        Version.save(versions)
        received = [created[e[0]] for e in new.values()
            if e[0] in created and not e[3] and created[e[0]] not in to_save]
        # (browse by slices: one list of thousands of ids costs its square)
        result = [r for sub in batches(received, 200) for r in cls.browse(sub)]
        result.extend(r for r in to_save.values() if r.state == 'received')
        return result

    @classmethod
    def _insert_new(cls, channel, entries, source, now):
        """Store the first delivery of orders never seen, with its version,
        in bulk; return {platform order id: raw order id} of those stored
        (on PostgreSQL, an order stored meanwhile by a concurrent delivery
        is left out)"""
        pool = Pool()
        Version = pool.get('ecom.raw_order.version')
        ModelAccess = pool.get('ir.model.access')
        transaction = Transaction()
        if not entries:
            return {}
        ModelAccess.check(cls.__name__, 'create')
        ModelAccess.check(Version.__name__, 'create')
        cursor = transaction.connection.cursor()
        user = transaction.user
        created = {}
        for batch in batches(entries, 1000):
            if backend.name == 'postgresql':
                stored = cls._insert_unnest(cursor, channel, batch, source,
                    now, user)
            else:
                stored = cls._insert_rows(cursor, channel, batch, source,
                    now, user)
            created.update(stored)
        return created

    @classmethod
    def _insert_unnest(cls, cursor, channel, batch, source, now, user):
        """INSERT the rows as arrays (a handful of parameters whatever the
        batch size); {order id: id} of those stored"""
        Version = Pool().get('ecom.raw_order.version')
        # an order inserted and committed meanwhile by another transaction
        # is a serialization failure under this one's snapshot: the
        # framework retries, and the order is then a later delivery
        cursor.execute(
            f'INSERT INTO "{cls._table}" (channel, platform_order_id, '
            'modified_at, payload, source, deliveries, state, '
            'exception_reason, exception_message, forced, create_uid, '
            'create_date) '
            'SELECT %s, o, m, p, %s, 1, '
            "CASE WHEN e IS NULL THEN 'received' ELSE 'exception' END, "
            "CASE WHEN e IS NULL THEN NULL ELSE 'malformed' END, "
            'e, false, %s, %s '
            # (%b: arrays sent in binary, no quoting of each payload)
            'FROM unnest(%b::varchar[], %b::timestamp[], %b::text[], '
            '%b::text[]) AS u(o, m, p, e) '
            'ON CONFLICT DO NOTHING RETURNING id, platform_order_id',
            (channel.id, source, user, now,
                [e[0] for e in batch], [e[1] for e in batch],
                [e[2] for e in batch], [e[3] for e in batch]))
        stored = {o: i for i, o in cursor}
        rows = [(stored[o], m, t) for o, m, t, _ in batch if o in stored]
        if rows:
            cursor.execute(
                f'INSERT INTO "{Version._table}" (raw_order, received, '
                'modified_at, source, payload, outcome, create_uid, '
                'create_date) '
                "SELECT r, %s, m, %s, p, 'applied', %s, %s "
                'FROM unnest(%s::int[], %s::timestamp[], %b::text[]) '
                'AS u(r, m, p)',
                (now, source, user, now, [r[0] for r in rows],
                    [r[1] for r in rows], [r[2] for r in rows]))
        return stored

    @classmethod
    def _insert_rows(cls, cursor, channel, batch, source, now, user):
        "INSERT the rows (other databases); {order id: id} of those stored"
        Version = Pool().get('ecom.raw_order.version')
        table = cls.__table__()
        version = Version.__table__()
        stored = {}
        for sub in batches(batch, 50):
            cursor.execute(*table.insert([table.channel,
                        table.platform_order_id, table.modified_at,
                        table.payload, table.source, table.deliveries,
                        table.state, table.exception_reason,
                        table.exception_message, table.forced,
                        table.create_uid, table.create_date],
                    [[channel.id, o, m, t, source, 1,
                            'exception' if e else 'received',
                            'malformed' if e else None, e, False, user, now]
                        for o, m, t, e in sub]))
            cursor.execute(*table.select(table.id, table.platform_order_id,
                    where=(table.channel == channel.id)
                    & table.platform_order_id.in_([e[0] for e in sub])))
            ids = {o: i for i, o in cursor}
            stored.update(ids)
            cursor.execute(*version.insert([version.raw_order,
                        version.received, version.modified_at,
                        version.source, version.payload, version.outcome,
                        version.create_uid, version.create_date],
                    [[ids[o], now, m, source, t, 'applied', user, now]
                        for o, m, t, _ in sub]))
        return stored

    # -- importing --------------------------------------------------------
    @classmethod
    def import_orders(cls, raws, run=None, push=True):
        """Turn the received raw orders into sales

        The new orders are checked one after the other (stock with one read
        for the batch and a running count of what the batch takes), then
        their sales are created, quoted, confirmed and processed together.
        An order that fails a check becomes an exception; if the batch's
        sales cannot be made together, each order is imported again on its
        own, under a savepoint: an order that fails leaves nothing and
        becomes an exception, and the others go on."""
        pool = Pool()
        Listing = pool.get('ecom.listing')
        now = datetime.datetime.now(UTC)
        touched = set()
        ids = sorted({r.id for r in raws})
        # two workers given the same order (a task queued again after its
        # worker was lost) import it once: the second waits, then skips it
        lock_rows(cls, ids)
        records = [r for r in cls.browse(ids) if r.state == 'received']
        # later versions of imported orders: one by one
        for raw in records:
            if raw.sale:
                touched.update(cls._import_one(raw, now, run))
        plans = []
        # the listings found for the orders before, kept for the next ones
        known = {}
        for raw in records:
            if raw.sale:
                continue
            plan = cls._attempt(raw, run, raw._prepare, now, plans, known)
            if plan:
                plans.append(plan)
            elif plan is not None and run:
                run.add('skipped')
        plans = cls._check_batch_stock(plans, run)
        if plans:
            done = cls._attempt(None, None, cls._create_sales, plans)
            if done:
                for raw, _, _, demand in plans:
                    touched.update(int(p) for p in demand)
                    if run:
                        run.add('created')
            else:
                # not together: each on its own, the failing ones kept as
                # exceptions
                for raw, _, _, _ in plans:
                    touched.update(cls._import_one(cls(raw.id), now, run))
        if push and touched:
            Listing.push(products=touched)

    @classmethod
    def _import_one(cls, raw, now, run):
        "Import one order under a savepoint; the products whose stock moved"
        products = cls._attempt(raw, run, raw._import, now)
        if products is None:
            return set()
        if run:
            run.add('created' if raw.sale else 'skipped')
        return products

    @classmethod
    def _attempt(cls, raw, run, function, *args):
        """The result of function(*args) under a savepoint, or None when it
        fails: its work is rolled back and the raw order (if any) becomes
        an exception that says why"""
        pool = Pool()
        Listing = pool.get('ecom.listing')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        tasks = len(transaction.tasks)
        cursor.execute('SAVEPOINT ecom_raw_order')
        try:
            result = function(*args)
        except (TransactionError, backend.DatabaseOperationalError):
            # the framework retries the whole transaction
            raise
        except Exception as error:
            cursor.execute('ROLLBACK TO SAVEPOINT ecom_raw_order')
            del transaction.tasks[tasks:]
            for cache in transaction.cache.values():
                cache.clear()
            if raw is None:
                logger.info("batch import failed, one by one: %s", error)
                return None
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
            cls._fail(cls(raw.id), reason, message, demand, run)
            return None
        else:
            cursor.execute('RELEASE SAVEPOINT ecom_raw_order')
            return result

    @classmethod
    def _fail(cls, raw, reason, message, demand, run):
        cls.write([raw], {
                'state': 'exception',
                'exception_reason': reason,
                'exception_message': message,
                'demand': json.dumps(demand) if demand else None,
                })
        if run:
            run.error(f'{raw.platform_order_id}: {message}', record=raw)

    @classmethod
    def import_waiting(cls, raws, batch=50, most=100):
        """Import these raw orders and, in the same task, the others of
        their channels still waiting, oldest first, by batches of `batch`

        A burst of webhooks stores one order each and queues one task each:
        the first task to run imports what the burst stored so far, in
        batches (a sale costs several times less so), and the tasks after
        it find their orders imported and skip them.  At most `most` orders
        per task, the rest queued again for their channels: the task holds
        the stock rows of its products until it commits, and a long one
        would keep the other channels' imports waiting and be retried
        whole on a conflict."""
        ids = {r.id for r in raws}
        channels = sorted({r.channel.id for r in raws})
        more = []
        if channels:
            waiting = cls.search([
                    ('channel', 'in', channels),
                    ('state', '=', 'received'),
                    ('id', 'not in', sorted(ids)),
                    ], order=[('id', 'ASC')], limit=most + 1)
            room = max(most - len(ids), 0)
            more = waiting[room:]
            raws = cls.browse(sorted(ids)) + waiting[:room]
        for start in range(0, len(raws), batch):
            cls.import_orders(raws[start:start + batch])
        # the next task of each channel left over picks up from its oldest
        firsts = {}
        for raw in more:
            firsts.setdefault(raw.channel.id, raw)
        for channel_id, raw in sorted(firsts.items()):
            with Transaction().set_context(
                    queue_name=f'ecom_channel_{channel_id}'):
                cls.__queue__.import_waiting([raw], batch=batch, most=most)

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
        if self.sale:
            return self._update(self._read(now))
        plan = self._prepare(now)
        if not plan:
            return set()
        _, order, listings, demand = plan
        if not self.forced:
            self._check_stock(demand)
        sale = self._create_sale(order, listings)
        self._set(state='imported', sale=sale,
            address=checks.address_text(order.address), demand=None,
            exception_reason=None, exception_message=None)
        return {int(p) for p in demand}

    def _read(self, now):
        "Parse the payload and keep what the raw order shows of it"
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
        return order

    def _prepare(self, now, batch=(), known=None):
        """(raw, order, listings, demand) of a new order that passes the
        checks made before stock (raises Problem otherwise); False for an
        order cancelled before its import (ignored)

        `batch` holds the plans accepted before it in the same batch, not
        written yet (for the duplicate check); `known`, the listings found
        by the orders before it (Listing.find).
        """
        pool = Pool()
        Listing = pool.get('ecom.listing')
        order = self._read(now)
        if order.status in {OrderStatus.CANCELLED, OrderStatus.REFUNDED}:
            self._set(state='ignored',
                exception_message=gettext(
                    'ecom_connector.msg_cancelled_before_import'))
            return False
        listings = Listing.find(self.channel, order.lines, known)
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
            self._check_duplicate(order, demand, batch)
        return (self, order, listings, demand)

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

    def _check_duplicate(self, order, demand, batch=()):
        low = self.platform_created - DUPLICATE_SPAN
        high = self.platform_created + DUPLICATE_SPAN
        for other, _, _, _ in batch:
            if (other.channel == self.channel
                    and other.fingerprint == self.fingerprint
                    and low <= other.platform_created <= high):
                raise Problem('duplicate', gettext(
                        'ecom_connector.msg_suspected_duplicate',
                        other=other.platform_order_id), demand)
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

    @classmethod
    def _check_batch_stock(cls, plans, run):
        """The plans whose stock is there, checked in turn against one read
        of the stock and what the orders before them in the batch take;
        the others become 'oversold' exceptions (nothing written yet)"""
        pool = Pool()
        Product = pool.get('product.product')
        from .listing import stock_levels
        product_ids = sorted({int(p) for _, _, _, d in plans for p in d})
        # the stock rows of these products are taken in turn by concurrent
        # imports: two orders for the last unit cannot both see it free
        lock_rows(Product, product_ids)
        levels, inside = {}, {}
        for raw, _, _, _ in plans:
            warehouses = tuple(sorted(w.id
                    for w in raw.channel.stock_warehouses))
            if warehouses not in levels:
                levels[warehouses] = stock_levels(warehouses, product_ids)
            inside[raw.id] = warehouses
        # units taken by the accepted orders, by warehouse shipping them
        taken = defaultdict(float)
        accepted = []
        for plan in plans:
            raw, _, _, demand = plan
            warehouses = inside[raw.id]
            stock = levels[warehouses]
            short = []
            for product_id, quantity in demand.items():
                on_hand, reserved = stock.get(int(product_id), (0, 0))
                reserved += sum(taken[w, product_id] for w in warehouses)
                if quantity > on_hand - reserved:
                    short.append(int(product_id))
            if short and not raw.forced:
                names = ', '.join(p.rec_name
                    for p in Product.browse(sorted(short)))
                cls._fail(raw, 'oversold', gettext(
                        'ecom_connector.msg_oversold', products=names),
                    demand, run)
                continue
            for product_id, quantity in demand.items():
                taken[raw.channel.warehouse.id, product_id] += quantity
            accepted.append(plan)
        return accepted

    def _party_key(self, order):
        "(party, None) or (None, (name, buyer key)) of the party to make"
        channel = self.channel
        if not order.buyer and channel.customer:
            return channel.customer, None
        name = order.buyer or order.address.name
        return None, (name, f'{channel.id}:{name}')

    def _party(self, order):
        return self._parties([(self, order)])[0]

    @staticmethod
    def _parties(orders):
        """The party of each (raw order, order): one per channel and buyer,
        found or made at once for the batch"""
        pool = Pool()
        Party = pool.get('party.party')
        keys = [raw._party_key(order) for raw, order in orders]
        wanted = sorted({k for _, k in keys if k})
        found = {}
        for sub in batches(wanted, 1000):
            for party in Party.search([
                        ('ecom_buyer', 'in', [k for _, k in sub])]):
                found[party.ecom_buyer] = party
        missing = [(n, k) for n, k in wanted if k not in found]
        if missing:
            for party in Party.create([{'name': n, 'ecom_buyer': k}
                        for n, k in missing]):
                found[party.ecom_buyer] = party
        return [party or found[key[1]] for party, key in keys]

    def _address(self, party, address):
        return self._addresses([(party, address)])[0]

    @staticmethod
    def _addresses(items):
        "The address of each (party, platform address), saved together"
        pool = Pool()
        Address = pool.get('party.address')
        Country = pool.get('country.country')
        Contact = pool.get('party.contact_mechanism')
        records, contacts, countries = [], [], {}
        for party, address in items:
            country = None
            if address.country:
                if address.country not in countries:
                    found = Country.search([('code', '=', address.country)],
                        limit=1)
                    countries[address.country] = found[0] if found else None
                country = countries[address.country]
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
            records.append(record)
            if address.phone:
                contacts.append(Contact(party=party, type='mobile',
                        value=address.phone, address=record))
        Address.save(records)
        Contact.save(contacts)
        return records

    def _create_sale(self, order, listings):
        sale = self._new_sale(order, listings, self._party(order))
        sale.save()
        self._process_sales([sale])
        return sale

    @staticmethod
    def _process_sales(sales):
        """Quote, confirm and process the sales now: their moves are the
        reservation that the next order and the stock push count"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Queue = pool.get('ir.queue')
        transaction = Transaction()
        Sale.quote(sales)
        tasks = len(transaction.tasks)
        Sale.confirm(sales)
        # confirm queues their processing: done here instead, not twice
        queued = Queue.browse(transaction.tasks[tasks:])
        process = {q.id for q in queued
            if q.data.get('model') == 'sale.sale'
            and q.data.get('method') == 'process'}
        if process:
            Queue.delete([q for q in queued if q.id in process])
            transaction.tasks[tasks:] = [t for t in transaction.tasks[tasks:]
                if t not in process]
        Sale.process(sales)

    @classmethod
    def _create_sales(cls, plans):
        "Make, quote, confirm and process the sales of checked orders"
        Sale = Pool().get('sale.sale')
        parties = cls._parties([(raw, order) for raw, order, _, _ in plans])
        sales = [raw._new_sale(order, listings, party, address=False)
            for (raw, order, listings, _), party in zip(plans, parties)]
        addresses = cls._addresses([(party, order.address)
                for (_, order, _, _), party in zip(plans, parties)])
        for sale, address in zip(sales, addresses):
            sale.invoice_address = sale.shipment_address = address
        Sale.save(sales)
        cls._process_sales(sales)
        raws = []
        for (raw, order, _, _), sale in zip(plans, sales):
            raw.state = 'imported'
            raw.sale = sale
            raw.address = checks.address_text(order.address)
            raw.demand = None
            raw.exception_reason = raw.exception_message = None
            raws.append(raw)
        cls.save(raws)
        return True

    def _new_sale(self, order, listings, party, address=True):
        "The sale of an order, not saved (its address made unless False)"
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
        if address:
            address = self._address(party, order.address)
        else:
            address = None
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
            # money given back without goods (sale_refund.py)
            changes.extend(self._refund_money(order))
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
        are not sales yet (received, or exceptions still to handle)

        The demand the raw orders keep (exceptions, orders sent back to
        received) is summed by the database in one aggregate; only the
        orders received and never tried, which keep none yet, are read
        from their payloads (their listings found once for all)."""
        result = defaultdict(float)
        if not product_ids:
            return result
        wanted = sorted({str(p) for p in product_ids})
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        pending = (table.state.in_(['received', 'exception'])
            & (table.sale == Null))
        for sub in batches(wanted, 1000):
            for product, quantity in cls._sum_demand(
                    cursor, table, pending, sub):
                result[int(product)] += quantity
        cursor.execute(*table.select(table.id,
                where=pending & (table.state == 'received')
                & (table.demand == Null)))
        ids = [i for i, in cursor]
        known, wanted = {}, set(wanted)
        for sub in batches(ids, 200):
            for raw in cls.browse(sub):
                for product, quantity in (raw._demand(known) or {}).items():
                    if product in wanted:
                        result[int(product)] += quantity
        return result

    @classmethod
    def _sum_demand(cls, cursor, table, where, product_ids):
        """[(product id as text, units)] of the demands stored in the rows
        of table where `where`"""
        query, params = tuple(table.select(table.id, table.demand,
                where=where & (table.demand != Null)))
        param = Flavor.get().param
        if backend.name == 'postgresql':
            each = 'jsonb_each_text(r.demand::jsonb)'
            value = 'd.value::float'
        else:
            # SQLite's JSON1 (built in since 3.38)
            each = 'json_each(r.demand)'
            value = 'CAST(d.value AS REAL)'
        cursor.execute(
            f'SELECT d.key, SUM({value}) FROM ({query}) AS r, {each} AS d '
            f'WHERE d.key IN ({", ".join([param] * len(product_ids))}) '
            'GROUP BY d.key',
            params + tuple(product_ids))
        return list(cursor)

    def _demand(self, known=None):
        "The demand of a raw order not imported yet, read from its payload"
        Listing = Pool().get('ecom.listing')
        try:
            order = adapter_for(self.channel, self.source).parse_order(
                json.loads(self.payload))
        except Exception:
            return None
        demand = defaultdict(float)
        lines = [l for l in order.lines
            if l.sku_id or l.product_id or l.sku_code]
        for line, listing in zip(lines,
                Listing.find_mapped(self.channel, lines, known)):
            for product, quantity in (listing.contents if listing else []):
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
