# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""ecom-demo: create a database, activate the modules and load demo data.

    ecom-demo -c config/trytond.conf -d demo --scale 1 --seed 42

Each phase is skipped when it is already done, so running it again on a
built database only prints the login.  --force drops the database first.
"""
import argparse
import datetime
import os
import subprocess
import sys
import tempfile
import time
from importlib import metadata

DISTRIBUTION = 'ecom-erp'


def our_modules():
    "The Tryton modules this project installs (the addons/ folders)"
    names = []
    for entry in metadata.entry_points(group='trytond.modules'):
        if entry.dist and entry.dist.name == DISTRIBUTION:
            names.append(entry.name)
    return sorted(names)


def modules_fingerprint():
    """Hash of the project's module files and the installed Tryton versions

    Databases cached for tests and benchmarks are keyed by it, so that a
    changed field or view never runs on a database built before the change.
    tests/ and demo/ are left out: they define no model.
    """
    import hashlib
    from pathlib import Path

    from trytond.tools import find_dir
    digest = hashlib.sha1()
    for dist in sorted(metadata.distributions(),
            key=lambda d: d.metadata['Name'] or ''):
        name = (dist.metadata['Name'] or '').lower()
        if name.startswith(('trytond', 'proteus')):
            digest.update(f'{name}={dist.version};'.encode())
    for module in our_modules():
        root = Path(find_dir(module, subdir='modules'))
        for path in sorted(root.rglob('*')):
            parts = path.relative_to(root).parts
            if (path.is_file() and '__pycache__' not in parts
                    and parts[0] not in {'tests', 'demo'}
                    and path.suffix in {'.py', '.xml', '.cfg', '.po',
                        '.svg', '.fodt', '.fods', '.html', '.js', '.css'}):
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog='ecom-demo', description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('-c', '--config', default=os.environ.get(
            'TRYTOND_CONFIG', 'config/trytond.conf'))
    parser.add_argument('-d', '--database', default='demo')
    parser.add_argument('--scale', type=int, default=1,
        help="1 is the smallest (40 products); n gives 40×n products")
    parser.add_argument('--seed', type=int, default=42)
    parser.add_argument('--end-date', type=datetime.date.fromisoformat,
        help="last day of the history (default: yesterday)")
    parser.add_argument('--password', default='admin',
        help="password of the admin user")
    parser.add_argument('--modules', nargs='*',
        help="modules to activate (default: all of this project's)")
    parser.add_argument('--force', action='store_true',
        help="drop the database and build it again")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault('TRYTOND_CONFIG', args.config)
    from trytond import config as tconfig
    tconfig.update_etc(args.config)
    started = time.monotonic()

    def step(message):
        print(f"[{time.monotonic() - started:6.1f}s] {message}", flush=True)

    from trytond import backend
    modules = args.modules or our_modules()
    if args.force:
        drop_database(args.database)
    created = create_database(args.database)
    if created or not initialised(args.database):
        step(f"initialising database {args.database!r}")
        admin(args, ['--all', '-l', 'zh_CN', '--email', 'admin@example.com'])
    missing = inactive_modules(args.database, modules)
    if missing:
        step(f"activating {', '.join(missing)} and their dependencies")
        admin(args, ['-u', *missing, '--activate-dependencies'])

    from trytond.pool import Pool
    pool = Pool(args.database)
    pool.init()
    if has_company(args.database):
        step("demo data already built (use --force to rebuild)")
    else:
        from .company import setup_company
        from .model import build
        from .plan import make_plan
        step("setting up the company, chart of accounts and fiscal years")
        from proteus import config as pconfig
        end_date = args.end_date or (
            datetime.date.today() - datetime.timedelta(days=1))
        pconfig.set_trytond(args.database, config_file=args.config)
        setup_company(today=datetime.date.today(),
            first_year=(end_date - datetime.timedelta(days=370)).year)
        step(f"planning the data (seed {args.seed}, scale {args.scale})")
        plan = make_plan(seed=args.seed, scale=args.scale,
            end_date=end_date)
        step(f"loading {len(plan.products)} products, "
            f"{len(plan.suppliers)} suppliers, {len(plan.customers)} "
            f"customers and {len(plan.moves)} moves of history")
        build(args.database, plan)
        step("demo data built")
    set_admin_password(args.database, args.password)
    print(f"database {args.database!r} on {backend.name}: "
        f"log in as admin / {args.password}")
    return 0


def admin(args, options):
    "Run trytond-admin with the admin password from a temporary file"
    with tempfile.NamedTemporaryFile('w', suffix='.pass') as passfile:
        passfile.write(args.password + '\n')
        passfile.flush()
        env = dict(os.environ, TRYTONPASSFILE=passfile.name)
        command = [os.path.join(os.path.dirname(sys.executable),
                'trytond-admin'), '-c', args.config, '-d', args.database,
            *options]
        subprocess.run(command, env=env, check=True)


def create_database(name):
    "Create the database when it does not exist; True when created"
    from trytond import backend
    from trytond.transaction import Transaction
    if backend.name == 'sqlite':
        from trytond.config import config
        path = os.path.join(config.get('database', 'path'), name + '.sqlite')
        if os.path.exists(path):
            return False
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, 'a').close()
        return True
    with Transaction().start(None, 0, close=True, autocommit=True) as t:
        if name in t.database.list():
            return False
        t.database.create(t.connection, name)
    return True


def drop_database(name):
    from trytond import backend
    from trytond.transaction import Transaction
    if backend.name == 'sqlite':
        from trytond.config import config
        path = os.path.join(config.get('database', 'path'), name + '.sqlite')
        if os.path.exists(path):
            os.remove(path)
        return
    with Transaction().start(None, 0, close=True, autocommit=True) as t:
        if name in t.database.list():
            t.database.drop(t.connection, name)


def initialised(name):
    from trytond import backend
    database = backend.Database(name).connect()
    try:
        connection = database.get_connection()
        try:
            return database.test(connection, name)
        finally:
            database.put_connection(connection)
    finally:
        database.close()


def inactive_modules(database, modules):
    from sql import Table

    from trytond.transaction import Transaction
    ir_module = Table('ir_module')
    with Transaction().start(database, 0, readonly=True) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute(*ir_module.select(ir_module.name,
                where=ir_module.state == 'activated'))
        active = {name for name, in cursor}
    return [m for m in modules if m not in active]


def has_company(database):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database, 0, readonly=True):
        return bool(Pool().get('company.company').search([], limit=1))


def set_admin_password(database, password):
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    with Transaction().start(database, 0) as transaction:
        User = Pool().get('res.user')
        admin, = User.search([('login', '=', 'admin')])
        User.write([admin], {'password': password})
        transaction.commit()


if __name__ == '__main__':
    sys.exit(main())
