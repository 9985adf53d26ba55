# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""A channel: one shop on one platform, and its synchronisation"""
import datetime
import json
import logging
import pkgutil
import time
from importlib import import_module

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Workflow, fields)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from . import adapters, allocation, pulling
from .allocation import batches
from .adapters.base import (
    UTC, AdapterError, AuthError, ThrottleError, TransientError)

logger = logging.getLogger(__name__)
# the pause between attempts (tests replace it)
sleep = time.sleep


def platforms():
    "The (key, title) of every adapter in the adapters package"
    for info in pkgutil.iter_modules(adapters.__path__):
        if info.name not in {'base'}:
            try:
                import_module(f'{adapters.__name__}.{info.name}')
            except Exception:
                logger.exception("adapter %s cannot be loaded", info.name)
    return sorted(
        (key, getattr(cls, 'title', None) or key.title())
        for key, cls in adapters.ADAPTERS.items())


class Channel(DeactivableMixin, Workflow, ModelSQL, ModelView):
    __name__ = 'ecom.channel'
    __string__ = "Sales Channel"

    name = fields.Char("Name", required=True)
    platform = fields.Selection('get_platforms', "Platform", required=True,
        states={'readonly': Eval('state') != 'draft'})
    company = fields.Many2One('company.company', "Company", required=True,
        states={'readonly': Eval('state') != 'draft'})
    state = fields.Selection([
            ('draft', "Draft"),
            ('running', "Running"),
            ('paused', "Paused"),
            ], "State", required=True, readonly=True, sort=False)
    credentials = fields.Text("Credentials",
        help="The platform's keys as a JSON object "
        "(e.g. app key, secret, access token); "
        "only administrators can read them.")
    base_url = fields.Char("Base URL",
        help="The platform's gateway; leave empty for the default.")
    warehouse = fields.Many2One('stock.location', "Warehouse",
        required=True, domain=[('type', '=', 'warehouse')],
        help="The warehouse that ships the channel's orders.")
    warehouses = fields.Many2Many('ecom.channel-stock.location',
        'channel', 'location', "Stock Warehouses",
        domain=[('type', '=', 'warehouse')],
        help="The warehouses whose stock the channel sells "
        "(the shipping warehouse when empty).")
    price_list = fields.Many2One('product.price_list', "Price List",
        ondelete='RESTRICT',
        help="Set on the channel's sales; "
        "its price is the floor of listings without one.")
    customer = fields.Many2One('party.party', "Default Customer",
        help="The customer of orders whose buyer the platform hides.")
    shipping_product = fields.Many2One('product.product', "Shipping Product",
        domain=[('type', '=', 'service')])
    invoice_method = fields.Selection([
            ('manual', "Manual"),
            ('order', "On Order Processed"),
            ('shipment', "On Shipment Sent"),
            ], "Invoice Method", required=True)
    listings = fields.One2Many('ecom.listing', 'channel', "Listings")
    # Sync settings
    auto_pull = fields.Boolean("Pull Orders",
        help="Read new and modified orders from the platform periodically.")
    checkpoint = fields.DateTime("Checkpoint", readonly=True,
        help="Orders modified before this time have all been read.")
    first_pull_days = fields.Integer("First Pull (days)", required=True)
    max_attempts = fields.Integer("Attempts", required=True,
        help="How many times a throttled or failed call is tried.")
    push_stock = fields.Boolean("Push Stock")
    auto_delist = fields.Boolean("Delist at Zero",
        help="Take listings off sale at zero stock, put them back above.")
    safety_buffer = fields.Integer("Safety Buffer", required=True,
        help="Units of each product never offered on the channel.")
    allocation = fields.Selection([
            ('percentage', "Percentage of Available"),
            ('fixed', "Fixed Quantity"),
            ('exclusive', "Exclusive Quantity"),
            ], "Allocation", required=True)
    allocation_percentage = fields.Numeric("Percentage", digits=(5, 2),
        states={'invisible': Eval('allocation') != 'percentage'})
    allocation_quantity = fields.Integer("Quantity",
        states={'invisible': Eval('allocation') == 'percentage'})
    allocation_maximum = fields.Integer("Maximum")
    zero_threshold = fields.Integer("Zero-out Threshold", required=True,
        help="Show 0 when no more than this quantity is left.")
    last_pull = fields.DateTime("Last Pull", readonly=True)
    last_error = fields.Text("Last Error", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._transitions |= {
            ('draft', 'running'), ('running', 'paused'),
            ('paused', 'running'), ('paused', 'draft'),
            }
        cls._buttons.update({
                'run': {'invisible': Eval('state') == 'running',
                    'depends': ['state']},
                'pause': {'invisible': Eval('state') != 'running',
                    'depends': ['state']},
                'draft': {'invisible': Eval('state') != 'paused',
                    'depends': ['state']},
                'pull_orders': {'invisible': Eval('state') != 'running',
                    'depends': ['state']},
                'push_inventory': {'invisible': Eval('state') != 'running',
                    'depends': ['state']},
                })

    @classmethod
    def get_platforms(cls):
        return platforms()

    @staticmethod
    def default_state():
        return 'draft'

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_invoice_method():
        # Marketplaces collect the payment; invoices (fapiao) on request.
        return 'manual'

    @staticmethod
    def default_first_pull_days():
        return 1

    @staticmethod
    def default_max_attempts():
        return 5

    @staticmethod
    def default_safety_buffer():
        return 0

    @staticmethod
    def default_allocation():
        return 'percentage'

    @staticmethod
    def default_allocation_percentage():
        from decimal import Decimal
        return Decimal(100)

    @staticmethod
    def default_zero_threshold():
        return 0

    @staticmethod
    def default_auto_pull():
        return True

    @staticmethod
    def default_push_stock():
        return True

    @classmethod
    def validate_fields(cls, channels, field_names):
        super().validate_fields(channels, field_names)
        if field_names & {'credentials'}:
            for channel in channels:
                channel.check_credentials()

    def check_credentials(self):
        if not self.credentials:
            return
        try:
            value = json.loads(self.credentials)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise ValidationError(gettext(
                    'ecom_connector.msg_channel_credentials_json',
                    channel=self.rec_name))

    @classmethod
    @ModelView.button
    @Workflow.transition('running')
    def run(cls, channels):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('paused')
    def pause(cls, channels):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, channels):
        pass

    @property
    def allocation_rule(self):
        return allocation.Rule(
            mode=self.allocation,
            percentage=self.allocation_percentage
            if self.allocation_percentage is not None else 100,
            quantity=self.allocation_quantity or 0,
            maximum=self.allocation_maximum,
            zero_threshold=self.zero_threshold or 0)

    @property
    def can_push_stock(self):
        "The platform has an API to set stock (not a file channel)"
        Adapter = adapters.get_adapter(self.platform)
        return Adapter.update_inventory is not adapters.Adapter.update_inventory

    @property
    def stock_warehouses(self):
        return list(self.warehouses) or [self.warehouse]

    def get_adapter(self, now=None):
        "The platform adapter, with the channel's credentials"
        Adapter = adapters.get_adapter(self.platform)
        credentials = json.loads(self.credentials or '{}')
        return Adapter(credentials, base_url=self.base_url or None, now=now)

    # -- pull ---------------------------------------------------------------
    def call(self, function, *args):
        """Call the adapter, retrying throttled and transient failures
        with exponential backoff, at most max_attempts times"""
        attempt = 0
        while True:
            attempt += 1
            try:
                return function(*args)
            except (ThrottleError, TransientError) as error:
                if attempt >= (self.max_attempts or 1):
                    raise
                delay = pulling.backoff(attempt, retry_after=error.retry_after)
                logger.info("channel %s: %s, retry in %.1fs",
                    self.id, error, delay)
                sleep(delay)

    @classmethod
    @ModelView.button
    def pull_orders(cls, channels):
        for channel in channels:
            cls.__queue__.pull(channel)

    @classmethod
    def pull_cron(cls):
        "Queue one pull per running channel"
        for channel in cls.search([
                    ('state', '=', 'running'), ('auto_pull', '=', True)]):
            with Transaction().set_context(
                    queue_name=f'ecom_channel_{channel.id}'):
                cls.__queue__.pull(channel)

    def pull(self, now=None):
        """Read the orders modified since the checkpoint, window by window,
        store them and import them; the checkpoint moves after each window
        read completely"""
        pool = Pool()
        JobRun = pool.get('ecom.job.run')
        RawOrder = pool.get('ecom.raw_order')
        adapter = self.get_adapter()
        now = now or adapter.now()
        checkpoint = self.checkpoint.replace(tzinfo=UTC) if (
            self.checkpoint) else None
        plan = pulling.windows(checkpoint, now, adapter.max_window,
            adapter.overlap, adapter.lag,
            first_pull=datetime.timedelta(days=self.first_pull_days or 1))
        with JobRun.track('ecom_connector.pull', origin=self) as run:
            try:
                for start, end in plan:
                    payloads, token = [], None
                    while True:
                        page = self.call(
                            adapter.list_orders, start, end, token)
                        payloads.extend(page.payloads)
                        token = page.next_token
                        if token is None:
                            break
                    raws = RawOrder.receive(self, payloads, 'pull')
                    run.add('processed', len(payloads))
                    RawOrder.import_orders(raws, run=run)
                    self.checkpoint = end.astimezone(UTC).replace(tzinfo=None)
                    self.last_pull = now.astimezone(UTC).replace(tzinfo=None)
                    self.last_error = None
                    self.save()
            except AdapterError as error:
                # the checkpoint stays at the last complete window
                message = gettext('ecom_connector.msg_pull_failed',
                    channel=self.rec_name, error=str(error))
                run.error(message, record=self)
                self.last_error = message
                if isinstance(error, AuthError):
                    self.state = 'paused'
                self.save()

    def fetch_orders(self, platform_order_ids, source='webhook'):
        "Fetch some orders by id (webhooks without payload, reconciliation)"
        RawOrder = Pool().get('ecom.raw_order')
        adapter = self.get_adapter()
        payloads = [self.call(adapter.get_order, i)
            for i in platform_order_ids]
        raws = RawOrder.receive(self, payloads, source)
        RawOrder.import_orders(raws)
        return raws

    @classmethod
    def reconcile_cron(cls):
        "Compare yesterday's orders on each platform with ours"
        for channel in cls.search([('state', '=', 'running')]):
            cls.__queue__.reconcile(channel)

    def reconcile(self, date=None):
        """Re-import the orders of `date` (platform day, default yesterday)
        that the platform has and we have not"""
        pool = Pool()
        JobRun = pool.get('ecom.job.run')
        RawOrder = pool.get('ecom.raw_order')
        adapter = self.get_adapter()
        zone = getattr(adapter, 'timezone', UTC)
        if date is None:
            date = adapter.now().astimezone(zone).date() - datetime.timedelta(1)
        start, end = pulling.day_bounds(date, zone)
        with JobRun.track('ecom_connector.reconcile', origin=self) as run:
            theirs = set(self.call(adapter.list_order_ids, start, end))
            ours = set()
            for sub in batches(sorted(theirs), 1000):
                ours.update(r.platform_order_id for r in RawOrder.search([
                            ('channel', '=', self.id),
                            ('platform_order_id', 'in', sub)]))
            missing = sorted(theirs - ours)
            run.add('processed', len(theirs))
            run.add('skipped', len(ours))
            for platform_order_id in missing:
                run.warning(gettext('ecom_connector.msg_reconcile_missing',
                        order=platform_order_id), record=self)
            if missing:
                raws = self.fetch_orders(missing, source='reconcile')
                run.add('created', len(raws))
            return missing

    # -- stock --------------------------------------------------------------
    @classmethod
    @ModelView.button
    def push_inventory(cls, channels):
        Listing = Pool().get('ecom.listing')
        Listing.push(channels=channels)


class ChannelWarehouse(ModelSQL):
    __name__ = 'ecom.channel-stock.location'
    __string__ = "Channel Warehouse"
    channel = fields.Many2One('ecom.channel', "Channel", required=True,
        ondelete='CASCADE')
    location = fields.Many2One('stock.location', "Warehouse", required=True,
        ondelete='CASCADE', domain=[('type', '=', 'warehouse')])
