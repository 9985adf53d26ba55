# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The one interface every marketplace adapter implements (no ORM here).

An adapter speaks one platform's protocol: it signs and sends requests,
pages through orders, turns a platform payload into a normalised `Order`,
pushes stock and tracking, and checks webhook signatures.  It knows nothing
of Tryton: the ecom_connector models store what it returns and give it what
it needs (credentials, base URL, the checkpoint to pull from).

Errors are classified so that the sync can decide what to do:
`ThrottleError` and `TransientError` are retried with backoff, `AuthError`
asks for new credentials, `PermanentError` and `PayloadError` become
exceptions to handle by hand.
"""
import datetime
import enum
from dataclasses import dataclass, field
from decimal import Decimal

UTC = datetime.timezone.utc
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8), 'Asia/Shanghai')


class AdapterError(Exception):
    "An error of the platform or of its payload; str() says what to do"

    def __init__(self, message, code=None, retry_after=None):
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after


class ThrottleError(AdapterError):
    "Rate limited: retry after `retry_after` seconds (or with backoff)"


class TransientError(AdapterError):
    "Timeout, 5xx, network: retry with backoff"


class AuthError(AdapterError):
    "Credentials missing, expired or refused: renew them, then retry"


class TokenExpired(AuthError):
    "The access token expired: renew it where the platform can, retry"


class PermanentError(AdapterError):
    "The request itself is wrong (signature, parameters, window): no retry"


class PayloadError(AdapterError):
    "A payload that cannot be turned into an order: keep it, show why"


class Unsupported(AdapterError):
    "The platform (or this adapter) has no such operation"


class OrderStatus(enum.Enum):
    "Normalised order states (marketplace-apis.md §11.2)"
    AWAITING_PAYMENT = 'awaiting_payment'
    PAID = 'paid'                      # paid, to ship
    HOLD = 'hold'                      # paid, do not ship (risk, locked)
    PARTIALLY_SHIPPED = 'partially_shipped'
    SHIPPED = 'shipped'
    COMPLETED = 'completed'
    CANCELLED = 'cancelled'            # closed before payment
    REFUNDED = 'refunded'              # closed after payment, refunded


@dataclass
class Address:
    "The buyer's address as the platform gives it; masked parts stay masked"
    name: str | None = None
    phone: str | None = None
    country: str | None = None         # ISO 3166-1 alpha-2 when known
    province: str | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None
    postal_code: str | None = None
    masked: bool = False               # the platform masked PII

    @property
    def complete(self):
        "Enough to ship: a name, a city and a street"
        return bool(self.name and self.city and self.street)


@dataclass
class OrderLine:
    platform_line_id: str
    sku_id: str | None                 # platform SKU id
    product_id: str | None             # platform product / item id
    sku_code: str | None               # merchant's code on the platform
    barcode: str | None
    title: str
    quantity: Decimal
    unit_price: Decimal                # before the line's discount
    discount: Decimal = Decimal(0)     # amount off the line total
    refund_status: str | None = None   # platform's line refund state, if any


@dataclass
class Refund:
    platform_refund_id: str
    amount: Decimal
    line_ids: list = field(default_factory=list)  # platform_line_id refunded
    status: str | None = None
    created_at: datetime.datetime | None = None
    # units refunded per platform_line_id; a line listed in line_ids
    # without a quantity here is refunded whole
    quantities: dict = field(default_factory=dict)
    completed: bool = True             # False: requested, not yet refunded
    # money given back with no goods returned (WooCommerce's amount-only
    # refunds, 仅退款): credited on the invoice, never a return shipment
    money_only: bool = False
    reason: str | None = None


@dataclass
class Order:
    platform_order_id: str
    status: OrderStatus
    platform_status: str
    created_at: datetime.datetime      # aware
    modified_at: datetime.datetime     # aware; the version to compare
    currency: str
    lines: list
    address: Address
    buyer: str | None = None           # nick or masked name
    total: Decimal = Decimal(0)        # what the buyer pays
    shipping_fee: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)     # order-level discount
    commission: Decimal | None = None  # platform fee when the payload has it
    paid_at: datetime.datetime | None = None
    refunds: list = field(default_factory=list)
    note: str | None = None


@dataclass
class Page:
    "One page of raw order payloads, as received"
    payloads: list
    next_token: object = None          # None: last page
    total: int | None = None


@dataclass
class InventoryUpdate:
    sku_id: str | None
    product_id: str | None
    quantity: int
    # Sent where the platform de-duplicates writes (Douyin idempotent_id):
    # give the same key when retrying the same push; None: a fresh one.
    idempotency_key: str | None = None


@dataclass
class InventoryResult:
    sku_id: str | None
    product_id: str | None
    ok: bool
    message: str | None = None


@dataclass
class Parcel:
    "One parcel of a shipment: carrier code of the platform, tracking number"
    carrier_code: str
    tracking_number: str
    line_ids: list = field(default_factory=list)  # platform_line_id; all if []
    quantities: dict = field(default_factory=dict)  # line id -> quantity


@dataclass
class WebhookEvent:
    "What a verified webhook says: an order changed (payload when given)"
    platform_order_id: str
    delivery_id: str | None = None     # for de-duplication
    topic: str | None = None
    payload: dict | None = None


def split_windows(start, end, max_window):
    "Consecutive [start, end) windows no longer than max_window"
    while start < end:
        stop = min(start + max_window, end)
        yield start, stop
        start = stop


class Adapter:
    """Base class of the platform adapters

    `credentials` holds the platform's keys (app key, secret, token...),
    `base_url` the gateway (a local fake in tests), `session` a
    requests.Session (or compatible) to reuse connections, `now` a clock
    returning an aware datetime (tests pin it).
    """
    platform = None
    # Pull: the longest window one list call may cover, the overlap to
    # re-read at each window start, the lag behind now, the page size.
    max_window = datetime.timedelta(minutes=30)
    overlap = datetime.timedelta(minutes=3)
    lag = datetime.timedelta(minutes=3)
    page_size = 100
    # Capabilities
    can_delist = False
    can_push_tracking = True
    has_webhooks = False

    def __init__(self, credentials, base_url=None, session=None, now=None):
        self.credentials = dict(credentials or {})
        self.base_url = base_url
        self.session = session
        self._now = now

    def now(self):
        return self._now() if self._now else datetime.datetime.now(UTC)

    # Called with the whole credentials after the adapter renewed a token,
    # for the channel to store them (a new refresh token replaces the old)
    on_credentials = None

    def store_credentials(self, **values):
        self.credentials.update(values)
        if self.on_credentials:
            self.on_credentials(dict(self.credentials))

    def _unsupported(self, operation):
        return Unsupported(f"{self.platform} does not support {operation}")

    # -- orders ------------------------------------------------------------
    def list_orders(self, start, end, page_token=None):
        """One page of the orders modified in [start, end) (aware datetimes)

        Returns a Page of raw payloads, in the order that pages must be
        read for nothing to shift between calls (backwards where the
        platform sorts newest first).
        """
        raise self._unsupported('list_orders')

    def iter_order_payloads(self, start, end):
        """All the raw payloads of the orders modified in [start, end)

        Splits the span into windows of at most max_window and reads every
        page of each, in the platform's safe page order.  The same order can
        come twice (modified while paging): the import de-duplicates.
        """
        for window_start, window_end in split_windows(
                start, end, self.max_window):
            token = None
            while True:
                page = self.list_orders(window_start, window_end, token)
                yield from page.payloads
                token = page.next_token
                if token is None:
                    break

    def get_order(self, platform_order_id):
        "The raw payload of one order"
        raise self._unsupported('get_order')

    def parse_order(self, payload):
        "Turn a raw payload into an Order; raise PayloadError saying why not"
        raise self._unsupported('parse_order')

    def order_reference(self, payload):
        """(platform order id, modified time) of a raw payload, as far as
        they can be read, even when the payload is otherwise malformed:
        a malformed delivery is then kept under its order"""
        try:
            order = self.parse_order(payload)
        except Exception:
            return None, None
        return order.platform_order_id, order.modified_at

    def list_order_ids(self, start, end):
        "The ids of all orders created in [start, end), for reconciliation"
        raise self._unsupported('list_order_ids')

    # -- inventory ---------------------------------------------------------
    def update_inventory(self, updates):
        "Set the stock of listings; returns one InventoryResult per update"
        raise self._unsupported('update_inventory')

    def delist(self, product_ids):
        raise self._unsupported('delist')

    def relist(self, product_ids):
        raise self._unsupported('relist')

    # -- fulfilment --------------------------------------------------------
    def carrier_code(self, carrier):
        "The platform's code for our carrier code (e.g. 'SF' -> 'shunfeng')"
        raise self._unsupported('carrier_code')

    def push_tracking(self, platform_order_id, parcels):
        """Tell the platform the order shipped in these parcels

        Idempotent: a parcel already recorded by the platform is success.
        """
        raise self._unsupported('push_tracking')

    # -- push --------------------------------------------------------------
    def verify_webhook(self, headers, body):
        "True when the raw body is signed by the platform (check bytes)"
        raise self._unsupported('verify_webhook')

    def parse_webhook(self, headers, body):
        "The WebhookEvents of a verified delivery"
        raise self._unsupported('parse_webhook')
