# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""A fake marketplace: an HTTP server on 127.0.0.1 in a thread

Each platform's fake (a subclass) checks requests the way the platform
does (signature, timestamp, token, limits) and answers with the platform's
documented payload shapes and error envelopes.  The test drives it:

    with TaobaoFake() as fake:             # started on a random port
        fake.add_order('1001', created=t0, modified=t1, lines=[...])
        fake.modify_order('1001', modified=t2, status='TRADE_CLOSED')
        fake.throttle(times=2, seconds=3)  # the next 2 calls are refused
        fake.fail(times=1)                 # the next call gets a 5xx
        fake.slow(times=1, seconds=2)      # the next call answers late
        fake.expire_token()                # calls now fail on the token
        ... adapter calls fake.url ...
        fake.stock, fake.tracking          # what was pushed, in order
        fake.send_webhook(url, '1001')     # a signed push (where any)

Orders are kept as platform payloads with their created and modified
times (aware datetimes), which the list calls filter on.
"""
import datetime
import json
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UTC = datetime.timezone.utc
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@dataclass
class Entry:
    order_id: str
    payload: dict
    created: datetime.datetime
    modified: datetime.datetime

    def stamp(self, by):
        """The time as a number, kept: comparing aware datetimes is slow
        when a list call filters thousands of orders"""
        moment = getattr(self, by)
        cached = self.__dict__.get('_stamps', {}).get(by)
        if cached is None or cached[0] is not moment:
            cached = (moment, moment.timestamp())
            self.__dict__.setdefault('_stamps', {})[by] = cached
        return cached[1]


class Request:
    def __init__(self, method, path, headers, body):
        self.method = method
        url = urllib.parse.urlsplit(path)
        self.path = url.path
        self.query = dict(urllib.parse.parse_qsl(url.query,
                keep_blank_values=True))
        self.headers = headers
        self.body = body
        self.form = {}
        content_type = headers.get('Content-Type', '')
        if content_type.startswith('application/x-www-form-urlencoded'):
            self.form = dict(urllib.parse.parse_qsl(body.decode('utf-8'),
                    keep_blank_values=True))

    @property
    def params(self):
        "Query and form parameters together (TOP, PDD, JD sign both)"
        return {**self.query, **self.form}

    def json(self):
        return json.loads(self.body.decode('utf-8')) if self.body else None


class Response:
    def __init__(self, body=b'', status=200, headers=None):
        if not isinstance(body, bytes):
            body = json.dumps(body, ensure_ascii=False).encode('utf-8')
            headers = {'Content-Type': 'application/json', **(headers or {})}
        self.body = body
        self.status = status
        self.headers = headers or {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def setup(self):
        super().setup()
        # headers and body leave in separate writes: without this, Nagle
        # and delayed ACKs add ~40 ms to every call
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        request = Request(self.command, self.path, self.headers, body)
        try:
            response = self.server.platform.dispatch(request)
        except Exception as exception:  # a bug of the fake: say it loudly
            response = Response(repr(exception).encode(), status=599)
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header('Content-Length', str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            # the client gave up waiting (slow mode): nobody to answer
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format, *args):
        pass


class FakePlatform:
    platform = None
    default_credentials = {}
    max_skew = datetime.timedelta(minutes=10)
    # the credential that expires and its life (refresh_access below)
    token_key = 'access_token'
    token_life = 7 * 24 * 3600

    def __init__(self, credentials=None, now=None):
        self.credentials = {**self.default_credentials, **(credentials or {})}
        self.now = now or (lambda: datetime.datetime.now(UTC))
        self.entries = {}
        self.stock = []          # every stock write, in order
        self.tracking = []       # every tracking write, in order
        self.listing = []        # every delist / relist, in order
        self.calls = []          # (api, params) of every accepted call
        self.token_valid = True
        self._throttles = []
        self._failures = 0
        self._delays = []
        self.lock = threading.RLock()
        self.server = None
        self._selected = {}      # select() answers while nothing changes
        self.first_token = (self.credentials.get(self.token_key)
            if self.token_key else None)
        self.refresh_token = f'{self.platform}-refresh-1'
        self.refreshes = []      # the refresh tokens used, in order

    # -- life ---------------------------------------------------------------
    def start(self, port=0):
        self.server = ThreadingHTTPServer(('127.0.0.1', port), _Handler)
        self.server.daemon_threads = True
        self.server.platform = self
        threading.Thread(target=self.server.serve_forever, args=(0.05,),
            daemon=True,
            name=f'fake-{self.platform}').start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def root(self):
        return f'http://127.0.0.1:{self.server.server_address[1]}'

    @property
    def url(self):
        "The base URL to give the adapter"
        return self.root

    def adapter_credentials(self):
        "The credentials an adapter needs to talk to this fake"
        return dict(self.credentials)

    # -- what the test controls ---------------------------------------------
    def reset(self):
        "Forget every order, write, call and failure mode"
        with self.lock:
            for records in (self.entries, self.stock, self.tracking,
                    self.listing, self.calls, self._throttles, self._delays,
                    self._selected):
                records.clear()
            self._failures = 0
            self.token_valid = True
            if self.token_key:
                self.credentials[self.token_key] = self.first_token
            self.refresh_token = f'{self.platform}-refresh-1'
            self.refreshes.clear()

    def throttle(self, times=1, seconds=1):
        "Refuse the next `times` calls with the platform's throttle error"
        with self.lock:
            self._throttles.extend([seconds] * times)

    def fail(self, times=1):
        "Answer the next `times` calls with a server error"
        with self.lock:
            self._failures += times

    def slow(self, times=1, seconds=1):
        "Answer the next `times` calls only after `seconds`"
        with self.lock:
            self._delays.extend([seconds] * times)

    def expire_token(self):
        self.token_valid = False

    def refresh_access(self, refresh_token):
        """A new access token (and refresh token: the old one is spent)
        for a valid refresh token; None otherwise"""
        with self.lock:
            if not refresh_token or refresh_token != self.refresh_token:
                return None
            self.refreshes.append(refresh_token)
            number = len(self.refreshes)
            token = f'{self.platform}-token-{number + 1}'
            self.credentials[self.token_key] = token
            self.refresh_token = f'{self.platform}-refresh-{number + 1}'
            self.token_valid = True
            return {'access_token': token, 'expires_in': self.token_life,
                'refresh_token': self.refresh_token}

    def add_order(self, order_id, created, modified=None, status=None,
            lines=None, **fields):
        """Add an order made from simple values (see make_order)

        lines: [{'sku_id', 'product_id', 'sku_code', 'title', 'quantity',
        'price'}]; fields: platform fields set on the payload as given.
        """
        modified = modified or created
        payload = self.make_order(str(order_id), created, modified, status,
            lines or [dict(sku_id='S1', product_id='P1', sku_code='SKU-1',
                    title='Item', quantity=1, price='10.00')])
        payload.update(fields)
        return self.add_raw(order_id, payload, created, modified)

    def add_raw(self, order_id, payload, created, modified=None):
        "Add an order payload as it is (malformed ones too)"
        with self.lock:
            self.entries[str(order_id)] = Entry(str(order_id), payload,
                created, modified or created)
            self._selected.clear()
        return payload

    def modify_order(self, order_id, modified, **fields):
        "Change platform fields of an order and its modified time"
        with self.lock:
            entry = self.entries[str(order_id)]
            entry.payload.update(fields)
            entry.modified = modified
            self.set_modified(entry.payload, modified)
            self._selected.clear()
        return entry.payload

    def select(self, start, end, by='modified', include_start=True,
            include_end=True):
        "The entries whose time is in the bounds, newest first"
        low, high = start.timestamp(), end.timestamp()
        key = (by, low, high, include_start, include_end)
        with self.lock:
            if key in self._selected:     # the next page of the same list
                return list(self._selected[key])
            stamped = [(e.stamp(by), e) for e in self.entries.values()]
        found = [(stamp, e) for stamp, e in stamped
            if (low < stamp or (include_start and low == stamp))
            and (stamp < high or (include_end and stamp == high))]
        found.sort(key=lambda pair: (pair[0], pair[1].order_id), reverse=True)
        found = [e for stamp, e in found]
        with self.lock:
            self._selected[key] = found
        return list(found)

    # -- HTTP ---------------------------------------------------------------
    def dispatch(self, request):
        with self.lock:
            delay = self._delays.pop(0) if self._delays else 0
        if delay:
            time.sleep(delay)
        with self.lock:
            if self._failures:
                self._failures -= 1
                return self.transient_response()
            if self._throttles:
                return self.throttle_response(self._throttles.pop(0))
        return self.handle(request)

    def transient_response(self):
        return Response(b'<html>502 Bad Gateway</html>', status=502,
            headers={'Content-Type': 'text/html'})

    def check_skew(self, moment):
        return abs(self.now() - moment) <= self.max_skew

    # -- webhooks -----------------------------------------------------------
    def send_webhook(self, url, order_id, topic=None, bad_signature=False):
        "POST a signed push about the order to url; (status, body)"
        import httpx
        headers, body = self.webhook_request(order_id, topic=topic,
            bad_signature=bad_signature)
        response = httpx.post(url, content=body, headers=headers, timeout=30)
        return response.status_code, response.content

    # -- to write per platform ----------------------------------------------
    def make_order(self, order_id, created, modified, status, lines):
        raise NotImplementedError

    def set_modified(self, payload, modified):
        raise NotImplementedError

    def throttle_response(self, seconds):
        raise NotImplementedError

    def handle(self, request):
        raise NotImplementedError

    def webhook_request(self, order_id, topic=None, bad_signature=False):
        raise NotImplementedError(f"{self.platform} has no webhooks")


def shanghai(moment):
    return moment.astimezone(SHANGHAI).strftime('%Y-%m-%d %H:%M:%S')


def parse_shanghai(value):
    return datetime.datetime.strptime(value[:19], '%Y-%m-%d %H:%M:%S'
        ).replace(tzinfo=SHANGHAI)


def page_of(items, page_no, page_size, first=1):
    start = (page_no - first) * page_size
    return items[start:start + page_size]
