# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""What the platform adapters share: HTTP, paging, times, payload reading

Payload reading raises PayloadError with the order id and the path of the
field at fault, so that an exception order says what to fix.
"""
import datetime
import functools
import json
import math
import re
from decimal import Decimal, InvalidOperation

from .base import (
    SHANGHAI, UTC, AuthError, InventoryResult, Page, PayloadError,
    PermanentError, ThrottleError, TransientError)

# Amounts and quantities beyond these are not orders but corrupt payloads.
MAX_AMOUNT = Decimal('1e9')
MAX_QUANTITY = Decimal('1e6')


class HttpMixin:
    "Send requests with httpx; network and server failures are transient"
    timeout = 30

    def http(self):
        if self.session is None:
            import httpx
            self.session = httpx.Client(timeout=self.timeout)
            self._own_session = True
        return self.session

    def credential(self, name):
        "A credential of the channel; without it nothing can be signed"
        value = self.credentials.get(name)
        if value in (None, ''):
            raise AuthError(f"{self.platform}: the channel has no {name}")
        return value

    def check_window(self, start, end):
        "The caller splits spans: a longer window is a bug, not a call"
        if end - start > self.max_window:
            raise PermanentError(f"{self.platform}: window {start} - {end}"
                f" is longer than {self.max_window}")

    def close(self):
        "Close the HTTP client this adapter opened (not one it was given)"
        if self.session is not None and getattr(self, '_own_session', False):
            self.session.close()
            self.session = None

    def send(self, method, url, **kwargs):
        import httpx
        try:
            response = self.http().request(method, url, **kwargs)
        except httpx.TimeoutException as exception:
            raise TransientError(
                f"{self.platform}: no answer in time from {url}: "
                f"{exception}") from exception
        except httpx.TransportError as exception:
            raise TransientError(
                f"{self.platform}: cannot reach {url}: {exception}"
                ) from exception
        if response.status_code == 429:
            error = ThrottleError(
                f"{self.platform}: rate limited (HTTP 429)", code=429,
                retry_after=retry_after_header(response.headers))
            error.headers = response.headers    # the platform's hints
            raise error
        if response.status_code >= 500:
            raise TransientError(
                f"{self.platform}: server error HTTP {response.status_code}",
                code=response.status_code)
        return response

    def response_json(self, response, kind=dict):
        """The JSON body, of the kind expected; anything else is a gateway
        or proxy page: transient"""
        try:
            body = response.json()
        except ValueError:
            raise TransientError(
                f"{self.platform}: the answer (HTTP {response.status_code})"
                f" is not JSON: {response.text[:200]!r}")
        if not isinstance(body, kind):
            raise TransientError(f"{self.platform}: unexpected answer "
                f"{str(body)[:200]}")
        return body

    def total(self, value):
        "The count of a list answer (total_results, X-WP-Total...)"
        try:
            return int(value or 0)
        except (TypeError, ValueError):
            raise TransientError(f"{self.platform}: the list answer's total"
                f" is not a number: {value!r}")


def retry_after_header(headers):
    value = headers.get('Retry-After')
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


BAN_SECONDS = re.compile(r'(\d+(?:\.\d+)?)\s*more\s+seconds?', re.I)


def ban_seconds(message):
    "'This ban will last for N more seconds' -> N (TOP throttling)"
    match = BAN_SECONDS.search(message or '')
    return float(match.group(1)) if match else None


# -- time -------------------------------------------------------------------
def to_second(moment, up=False):
    "Truncate (or round up) an aware datetime to the second"
    truncated = moment.replace(microsecond=0)
    if up and truncated != moment:
        truncated += datetime.timedelta(seconds=1)
    return truncated


def inclusive_bounds(start, end):
    """[start, end) as inclusive whole seconds [first, last]

    For platforms that match both bounds inclusively at one-second
    resolution: an order modified on the boundary second `end` belongs to
    the next window only, and none is lost between windows.
    """
    return to_second(start), to_second(end, up=True) - datetime.timedelta(
        seconds=1)


def shanghai_text(moment):
    "yyyy-MM-dd HH:mm:ss in GMT+8, as TOP, JD and Douyin want"
    return moment.astimezone(SHANGHAI).strftime('%Y-%m-%d %H:%M:%S')


def epoch(moment):
    return int(moment.timestamp())


SHANGHAI_TEXT = re.compile(r'\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}')


def parse_shanghai(value, where):
    "A 'yyyy-MM-dd HH:mm:ss' GMT+8 string as an aware datetime"
    if not isinstance(value, str):
        raise PayloadError(f"{where}: expected a date-time text, got "
            f"{value!r}")
    text_ = value.strip()[:19]
    try:
        if not SHANGHAI_TEXT.fullmatch(text_):
            raise ValueError
        # fromisoformat: strptime is ten times slower
        moment = datetime.datetime.fromisoformat(text_)
    except ValueError:
        raise PayloadError(f"{where}: {value!r} is not a date-time "
            "'yyyy-MM-dd HH:mm:ss'")
    return moment.replace(tzinfo=SHANGHAI).astimezone(UTC)


def parse_epoch(value, where):
    "Unix seconds as an aware datetime"
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise PayloadError(f"{where}: expected unix seconds, got {value!r}")
    try:
        seconds = int(value)
        if not 0 < seconds < 32503680000:  # before year 3000
            raise ValueError
        return datetime.datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError):
        raise PayloadError(f"{where}: {value!r} is not a unix time")


def parse_iso(value, where, naive=UTC):
    "An ISO 8601 date-time; without offset it is in `naive` time"
    if not isinstance(value, str):
        raise PayloadError(f"{where}: expected an ISO 8601 date-time, got "
            f"{value!r}")
    try:
        moment = datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))
    except ValueError:
        raise PayloadError(f"{where}: {value!r} is not an ISO 8601 "
            "date-time")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive)
    return moment.astimezone(UTC)


def guard_payload(method):
    """Any failure of a payload parser is a PayloadError, never a crash

    The parsers check what they read field by field; this catches what a
    check missed (a list where an object was expected, deep down), keeping
    the payload for handling with the parser's own words.
    """
    @functools.wraps(method)
    def wrapper(self, payload, *args, **kwargs):
        if isinstance(payload, (dict, list)):
            check_encoding(payload, self.platform)
        try:
            return method(self, payload, *args, **kwargs)
        except PayloadError:
            raise
        except (AttributeError, TypeError, KeyError, IndexError, ValueError,
                ArithmeticError) as exception:
            raise PayloadError(f"{self.platform}: malformed payload "
                f"({type(exception).__name__}: {exception})") from exception
    return wrapper


def check_encoding(payload, where):
    """Every text of a payload can be stored: JSON may carry lone UTF-16
    surrogates (\\ud800) that no UTF-8 column takes"""
    try:
        json.dumps(payload, ensure_ascii=False).encode('utf-8')
    except UnicodeEncodeError:
        path, value = bad_text(payload, where)
        raise PayloadError(f"{path}: {value!r} is not valid text "
            "(bad encoding)")
    except (TypeError, ValueError):
        pass    # not JSON: the parser says what is wrong


def bad_text(value, path):
    "(path, text) of the first text that is not valid Unicode"
    if isinstance(value, str):
        try:
            value.encode('utf-8')
        except UnicodeEncodeError:
            return path, value
        return None
    items = (value.items() if isinstance(value, dict)
        else enumerate(value) if isinstance(value, list) else ())
    for key, item in items:
        found = (bad_text(key, f"{path} key") if isinstance(key, str)
            else None) or bad_text(item, f"{path}.{key}")
        if found:
            return found
    return None


def lenient_reference(payload, id_keys, modified_key, parse_time):
    """(order id, modified time) read from a payload that may be malformed
    elsewhere, each None when it cannot be read"""
    if not isinstance(payload, dict):
        return None, None
    order_id = None
    for key in id_keys:
        value = payload.get(key)
        if (isinstance(value, (str, int)) and not isinstance(value, bool)
                and value != ''):
            order_id = str(value)
            break
    try:
        modified = parse_time(payload.get(modified_key), modified_key)
    except PayloadError:
        modified = None
    return order_id, modified


# -- payload fields ---------------------------------------------------------
def require(mapping, key, where):
    "mapping[key], present and not null"
    if not isinstance(mapping, dict):
        raise PayloadError(f"{where}: expected an object, got "
            f"{type(mapping).__name__}")
    value = mapping.get(key)
    if value is None or value == '':
        raise PayloadError(f"{where}.{key}: missing")
    return value


def require_list(mapping, key, where, allow_empty=False):
    value = require(mapping, key, where) if not allow_empty else (
        mapping.get(key) or [])
    if not isinstance(value, list):
        raise PayloadError(f"{where}.{key}: expected a list, got "
            f"{type(value).__name__}")
    if not value and not allow_empty:
        raise PayloadError(f"{where}.{key}: empty")
    return value


def known(value, table, where):
    "A code the table knows (status...), else a PayloadError naming it"
    if (isinstance(value, bool) or not isinstance(value, (str, int))
            or value not in table):
        raise PayloadError(f"{where}: unknown value {value!r}")
    return value


def as_object(value, where):
    if not isinstance(value, dict):
        raise PayloadError(f"{where}: expected an object, got {value!r}")
    return value


def section(mapping, key, where):
    "An optional nested object: {} when absent"
    value = mapping.get(key)
    if value is None or value == '':
        return {}
    return as_object(value, f"{where}.{key}")


def texts(mapping, where, *keys):
    "The texts of these fields (None when absent), checked"
    return [text(mapping.get(key), f"{where}.{key}") for key in keys]


def text(value, where, optional=True):
    "A text field: strings and integer ids as str, nothing else"
    if value is None or value == '':
        if optional:
            return None
        raise PayloadError(f"{where}: missing")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PayloadError(f"{where}: expected a text, got {value!r}")
    return str(value)


def identifier(value, where):
    "A platform id: kept as text (TOP and Douyin ids exceed 2**53)"
    return text(value, where, optional=False)


def money(value, where, fen=False):
    """An exact amount: decimal text or number (yuan), or integer fen

    Floats (PDD sends yuan as JSON numbers) go through str() so that 49.9
    stays 49.9.
    """
    if value is None or value == '':
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise PayloadError(f"{where}: expected an amount, got {value!r}")
    if fen and not isinstance(value, int):
        raise PayloadError(f"{where}: expected integer fen, got {value!r}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise PayloadError(f"{where}: {value!r} is not an amount")
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT * (
            100 if fen else 1):
        raise PayloadError(f"{where}: absurd amount {value!r}")
    if fen:
        amount = amount / 100
    return amount


def quantity(value, where):
    "A positive whole quantity"
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise PayloadError(f"{where}: expected a quantity, got {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise PayloadError(f"{where}: {value!r} is not a quantity")
    if (not number.is_finite() or number != number.to_integral_value()
            or not 0 < number < MAX_QUANTITY):
        raise PayloadError(f"{where}: absurd quantity {value!r}")
    return number


def looks_masked(value):
    "Masked (张**) or encrypted (platform ciphertext) personal data"
    return bool(value) and ('*' in value or value[:1] in '~$#'
        or value.startswith('ENC:'))


def readable(value):
    "The value unless it is ciphertext: a masked value can still be shown"
    if not value:
        return None
    if value[:1] in '~$#' or value.startswith('ENC:'):
        return None
    return value


def load_json(body, where, kind):
    "A pushed body as JSON of the kind expected (dict or list)"
    try:
        data = json.loads(body.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as exception:
        raise PayloadError(f"{where}: not JSON: {exception}")
    if not isinstance(data, kind):
        raise PayloadError(f"{where}: expected a JSON {kind.__name__}")
    return data


# -- paging -----------------------------------------------------------------
def page_backwards(fetch, page_token, page_size, first=1):
    """One page of a list sorted newest first, read from the last page

    `fetch(page_no)` returns (payloads, total).  An order modified while
    the pages are read leaves the window (its new time is after the end)
    and the following ones shift one place towards the first page: reading
    from the last page back to the first, they shift into pages still to
    read, so none is skipped.  The first call reads the first page for the
    total, then the last page.
    """
    if page_token is None:
        payloads, total = fetch(first)
        last = first + max(math.ceil(total / page_size), 1) - 1
        if last == first:
            return Page(payloads, None, total)
        page_no = last
        payloads, total = fetch(page_no)
    else:
        page_no = page_token
        payloads, total = fetch(page_no)
    return Page(payloads, page_no - 1 if page_no > first else None, total)


def all_pages(fetch, page_size, first=1):
    "Every payload of a list read as page_backwards reads it"
    payloads, token = [], None
    while True:
        page = page_backwards(fetch, token, page_size, first)
        payloads.extend(page.payloads)
        token = page.next_token
        if token is None:
            return payloads


def chunks(items, size):
    for index in range(0, len(items), size):
        yield items[index:index + size]


def serialise(value):
    "The one text form of a parameter, signed and sent as such"
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, Decimal):
        return format(value, 'f')
    if isinstance(value, (list, dict)):
        from .signing import canonical_json
        return canonical_json(value)
    if value is None:
        return None
    return str(value)


def write_results(updates, write):
    """Run write() for these inventory updates: one result per update

    A refusal of the platform (PermanentError) fails them with its message;
    throttling, transient and credential errors go up for a retry.
    """
    try:
        write()
    except PermanentError as exception:
        return [InventoryResult(u.sku_id, u.product_id, False,
                str(exception)) for u in updates]
    return [InventoryResult(u.sku_id, u.product_id, True) for u in updates]


# Our carrier code -> the carrier's name as Shopify's tracking list and
# WooCommerce's tracking providers spell it (case-sensitive: a known name
# gives the tracking link) [VERIFY]
CARRIER_NAMES = {
    'SF': 'SF Express', 'ZTO': 'ZTO Express', 'YTO': 'YTO Express',
    'STO': 'STO Express', 'YUNDA': 'Yunda Express', 'EMS': 'China EMS',
    'POST': 'China Post', 'JD': 'JD Logistics', 'DHL': 'DHL Express',
    'UPS': 'UPS', 'FEDEX': 'FedEx', 'USPS': 'USPS', 'DPD': 'DPD',
    'GLS': 'GLS',
    }


def map_carrier(platform, carriers, overrides, carrier):
    "Our carrier code in the platform's terms, the channel's mapping first"
    mapping = {**carriers, **(overrides or {})}
    try:
        return mapping[carrier]
    except KeyError:
        raise PermanentError(f"{platform}: no code for carrier {carrier!r};"
            " add it to the channel's carrier mapping")
