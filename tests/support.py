# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Support for tests that need a real server: a database of the project's
modules that another process can open, and a trytond server serving sao.

The database comes from the test cache (the module set is activated once
per run): on PostgreSQL a new database from the cached template, on SQLite
a copy of the cached file in a temporary folder.
"""
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAO = ROOT / 'var' / 'sao' / 'package'
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
ADMIN_PASSWORD = 'admin-test'
# Without the background-networking flags Chromium keeps trying to reach
# Google's hosts, which this closed network refuses.
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu',
    '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync']


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def browser_available():
    return os.path.exists(CHROMIUM)


def require_browser(test_case):
    "Skip when Chromium is absent, unless ECOM_REQUIRE_BROWSER says fail"
    if browser_available():
        return
    message = (f"Chromium not found at {CHROMIUM}: install Debian's "
        "chromium package (.ci/run does)")
    if os.environ.get('ECOM_REQUIRE_BROWSER'):
        test_case.fail(message)
    test_case.skipTest(message)


class ServerDatabase:
    """A named database of the project's modules, outside the test process

    Use as a context manager; `env` is the environment a server process
    needs to open it.
    """

    def __init__(self, setup=None):
        self.setup = setup
        self.name = None
        self.env = None
        self._tmp = None

    def __enter__(self):
        from trytond import backend
        from trytond.modules.ecom_base.tests import project_modules
        from trytond.tests import test_tryton

        # Make sure the cache entry exists, then copy it under a new name.
        test_tryton.drop_db()
        test_tryton.activate_module(project_modules())
        test_tryton.drop_db()
        cache = test_tryton._db_cache_file(
            test_tryton.DB_CACHE, '-'.join(project_modules()))
        self.name = f'web_{uuid.uuid4().hex[:10]}'
        env = dict(os.environ)
        env.pop('TRYTOND_CONFIG', None)
        env.pop('DB_NAME', None)
        if backend.name == 'sqlite':
            self._tmp = tempfile.mkdtemp(prefix='ecom-web-')
            shutil.copy(cache, os.path.join(self._tmp, self.name + '.sqlite'))
            env['TRYTOND_DATABASE__PATH'] = self._tmp
        else:
            template = cache[len(test_tryton.DB_CACHE) + 1:]
            from trytond.transaction import Transaction
            with Transaction().start(
                    None, 0, close=True, autocommit=True) as transaction:
                transaction.database.create(
                    transaction.connection, self.name, template)
        self.env = env
        self.run_python(_PREPARE, ADMIN_PASSWORD, self.setup or '')
        return self

    def run_python(self, code, *args):
        "Run code in a fresh process on this database (argv[1] is the name)"
        subprocess.run([sys.executable, '-c', code, self.name, *args],
            env=self.env, check=True, cwd=ROOT)

    def __exit__(self, *exc):
        from trytond import backend
        if backend.name == 'sqlite':
            shutil.rmtree(self._tmp, ignore_errors=True)
        else:
            from trytond.transaction import Transaction
            with Transaction().start(
                    None, 0, close=True, autocommit=True) as transaction:
                if self.name in transaction.database.list(hostname=None):
                    transaction.database.drop(
                        transaction.connection, self.name)


# Set the admin password and close the module configuration wizard, which
# would otherwise open at the first login.  argv[3]: an optional dotted
# function called with the database name.
_PREPARE = """
import importlib, sys
from trytond.pool import Pool
from trytond.transaction import Transaction
name, password, setup = sys.argv[1:4]
Pool(name).init()
with Transaction().start(name, 0) as transaction:
    pool = Pool()
    User = pool.get('res.user')
    admin, = User.search([('login', '=', 'admin')])
    User.write([admin], {'password': password})
    Item = pool.get('ir.module.config_wizard.item')
    Item.write(Item.search([]), {'state': 'done'})
    transaction.commit()
if setup:
    module, _, function = setup.rpartition('.')
    getattr(importlib.import_module(module), function)(name)
"""


@contextlib.contextmanager
def trytond_server(database, web_root=SAO, timeout=60):
    """Serve `database` with trytond and the web client at `web_root`

    Yields the base URL.  The server is the one bin/demo starts, with the
    database loaded at start (-d), on a free port.
    """
    port = free_port()
    env = dict(database.env,
        TRYTOND_WEB__LISTEN=f'127.0.0.1:{port}',
        # Listing the databases opens every database of the server, which
        # fails while other test runs create and drop theirs; sao then
        # cannot fill its login form.  The address names the database.
        TRYTOND_DATABASE__LIST='False',
        TRYTOND_WEB__ROOT=str(web_root))
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), 'trytond'),
            '-d', database.name],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f'http://127.0.0.1:{port}'
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + '/', timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("trytond did not start:\n"
                        + log.read().decode(errors='replace')[-3000:])
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
