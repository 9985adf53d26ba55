# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""What the benchmarks share: a PostgreSQL database of the project's modules
and a uniform report of our figure beside the anchor's.

    from bench.common import bench_database, report
    with bench_database() as database:
        ...  # Pool(database), Transaction().start(database, 0, ...)
    report("Import throughput", [
        ("whole path", ours, stock, "orders/s", ">= 50 and >= 10x stock")])

The first call builds a template database (the modules activated, the demo
company set up); it is kept, keyed by the modules' fingerprint, so later
runs copy it in seconds.  The server is TRYTOND_DATABASE__URI, by default
the local PostgreSQL (postgresql://postgres@127.0.0.1:5432/).
"""
import contextlib
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URI = 'postgresql://postgres@127.0.0.1:5432/'



# Benchmarks run on PostgreSQL unless they say otherwise (set before
# trytond is imported; a configuration file would take precedence).
os.environ.pop('TRYTOND_CONFIG', None)
os.environ.setdefault('TRYTOND_DATABASE__URI', DEFAULT_URI)


def _require_postgresql():
    if not os.environ['TRYTOND_DATABASE__URI'].startswith('postgresql'):
        sys.exit("this benchmark runs on PostgreSQL: set "
            "TRYTOND_DATABASE__URI=postgresql://...")

def _admin(database, *options):
    with tempfile.NamedTemporaryFile('w', suffix='.pass') as passfile:
        passfile.write('admin\n')
        passfile.flush()
        subprocess.run([str(Path(sys.executable).with_name('trytond-admin')),
                '-d', database, *options],
            env=dict(os.environ, TRYTONPASSFILE=passfile.name),
            check=True, stdout=subprocess.DEVNULL)


def _databases():
    from trytond.transaction import Transaction
    with Transaction().start(None, 0, close=True, autocommit=True) as t:
        return set(t.database.list(hostname=None))


def databases():
    "The names of the server's databases"
    return _databases()


def rename_database(name, new_name):
    """Rename a database (e.g. one built with bench_database(keep=True), to
    keep it as the template of later runs)"""
    from trytond import backend
    from trytond.transaction import Transaction
    backend.Database(name).close()
    with Transaction().start(None, 0, close=True, autocommit=True) as t:
        cursor = t.connection.cursor()
        cursor.execute(f'ALTER DATABASE "{name}" RENAME TO "{new_name}"')


def _create(name, template=None):
    from trytond.transaction import Transaction
    with Transaction().start(None, 0, close=True, autocommit=True) as t:
        if template:
            t.database.create(t.connection, name, template)
        else:
            # Tryton's own default (template0): None is no identifier
            t.database.create(t.connection, name)


def _drop(name):
    from trytond import backend
    from trytond.transaction import Transaction
    backend.Database(name).close()
    with Transaction().start(None, 0, close=True, autocommit=True) as t:
        t.database.drop(t.connection, name)


def template(modules=None):
    """The template database: the modules activated and the company set up

    Built once per fingerprint of the modules (about 3 minutes).
    """
    _require_postgresql()
    from trytond.modules.ecom_base.demo.cli import (
        modules_fingerprint, our_modules)
    modules = sorted(modules or our_modules())
    name = f'benchtpl_{modules_fingerprint()}'
    if modules != our_modules():
        # a smaller set (a bench about one module): its own template
        import hashlib
        name += '_' + hashlib.sha1(
            ' '.join(modules).encode()).hexdigest()[:6]
    if name in _databases():
        return name
    building = f'{name}_building_{os.getpid()}'
    print(f"building the benchmark template {name} "
        f"(modules: {', '.join(modules)})", file=sys.stderr, flush=True)
    _create(building)
    _admin(building, '--all', '--email', 'admin@example.com')
    _admin(building, '-u', *modules, '--activate-dependencies')
    subprocess.run([sys.executable, '-c', _SETUP_COMPANY, building],
        check=True, cwd=ROOT)
    from trytond.transaction import Transaction
    with Transaction().start(None, 0, close=True, autocommit=True) as t:
        cursor = t.connection.cursor()
        cursor.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    return name


_SETUP_COMPANY = """
import sys, datetime
from proteus import config
from trytond.modules.ecom_base.demo.company import setup_company
config.set_trytond(sys.argv[1])
setup_company(first_year=datetime.date.today().year - 2)
"""


@contextlib.contextmanager
def bench_database(keep=False, template_name=None, modules=None):
    """A fresh database copied from the template of modules (all of ours
    by default, with their dependencies), or from template_name, a database
    a benchmark kept (see rename_database); dropped after use"""
    _require_postgresql()
    from trytond.pool import Pool
    name = f'bench_{uuid.uuid4().hex[:8]}'
    _create(name, template_name or template(modules))
    try:
        Pool(name).init()
        yield name
    except BaseException:
        _drop(name)
        raise
    if not keep:
        _drop(name)


class Timer:
    "Wall and CPU time of a block: `with Timer() as t: ...; t.wall`"

    def __enter__(self):
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def report(title, rows, notes=()):
    """Print a benchmark's figures: ours beside the anchor's, same run

    rows: (metric, ours, anchor, unit, target); anchor may be None when the
    anchor has no such figure.
    """
    print()
    print(f"== {title} ==")
    print(f"   {datetime.datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    width = max(len(r[0]) for r in rows)
    print(f"   {'metric':<{width}}  {'ours':>12}  {'anchor':>12}  "
        f"{'ratio':>7}  unit / target")
    for metric, ours, anchor, unit, target in rows:
        ratio = (f"{ours / anchor:6.1f}x" if anchor and ours is not None
            else '')
        print(f"   {metric:<{width}}  {_fmt(ours):>12}  {_fmt(anchor):>12}  "
            f"{ratio:>7}  {unit} / {target}")
    for note in notes:
        print(f"   - {note}")
    sys.stdout.flush()


def _fmt(value):
    if value is None:
        return '-'
    if isinstance(value, float):
        return f'{value:,.3f}' if abs(value) < 100 else f'{value:,.1f}'
    return f'{value:,}'
