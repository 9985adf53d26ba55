#!/usr/bin/env python3
# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Run the project's whole test suite (what `bin/test` calls).

    bin/test                        # SQLite, in memory
    TRYTOND_DATABASE__URI=postgresql://postgres@127.0.0.1:5432/ bin/test
    bin/test -k scenario_demo       # only the tests whose name matches
    bin/test --module ecom_base     # only one module's tests (and tests/)
    bin/test -j 1                   # in one process

The database is PostgreSQL when TRYTOND_DATABASE__URI (or
TRYTOND_DATABASE_URI) is a postgresql:// URI and SQLite otherwise.  Tryton's
DB_CACHE keeps the activated module set between test classes and runs: in
template databases on PostgreSQL, in var/cache/test-db on SQLite.  The tests
are the modules' tests (trytond.modules.<name>.tests.test_*: module checks,
unit tests and the scenario_*.rst doctests) and the cross-module tests in
tests/ (deployment files, browser).

With several jobs (default: one per CPU) the module set is activated once
here, then the test classes and scenarios are shared among worker
processes, each on its own database, balanced by the durations of the
previous run (var/cache/test-durations.json).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DURATIONS = ROOT / 'var' / 'cache' / 'test-durations.json'
# Estimates for groups never timed: a scenario, a test class.
DEFAULT_DURATION = {'scenario': 60.0, 'class': 30.0}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('-k', dest='patterns', action='append',
        help="run only the tests matching this pattern (unittest -k)")
    parser.add_argument('--module', action='append',
        help="run only this module's tests, plus tests/ (repeatable)")
    parser.add_argument('--no-cross', action='store_true',
        help="skip the cross-module tests in tests/")
    parser.add_argument('-j', '--jobs', type=int,
        default=min(os.cpu_count() or 1, 2),
        help="worker processes (default: %(default)s)")
    parser.add_argument('-v', '--verbose', action='count', default=1)
    parser.add_argument('-f', '--failfast', action='store_true')
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def configure_environment(worker=None):
    "Choose the backend and the cache before trytond is imported"
    uri = (os.environ.get('TRYTOND_DATABASE__URI')
        or os.environ.get('TRYTOND_DATABASE_URI') or '')
    # A configuration file would take precedence over the environment.
    os.environ.pop('TRYTOND_CONFIG', None)
    if uri.startswith('postgresql'):
        os.environ['TRYTOND_DATABASE__URI'] = uri
        os.environ.setdefault('DB_CACHE', 'postgresql://')
        if worker is not None or 'DB_NAME' not in os.environ:
            os.environ['DB_NAME'] = (
                f'test_{os.getpid()}_{int(time.time())}')
        backend = 'postgresql'
    else:
        os.environ['TRYTOND_DATABASE__URI'] = 'sqlite://'
        os.environ.setdefault('DB_CACHE', str(ROOT / 'var' / 'cache'
                / 'test-db'))
        backend = 'sqlite'
    # Deprecation warnings of the Tryton modules themselves are noise here.
    os.environ.setdefault('TEST_PYTHONWARNINGS',
        'ignore::DeprecationWarning')
    return backend


def test_names(modules=None, cross=True):
    from trytond.modules.ecom_base.demo.cli import our_modules
    from trytond.tools import find_dir
    names = []
    for module in our_modules():
        if modules and module not in modules:
            continue
        directory = Path(find_dir(module, subdir='modules')) / 'tests'
        for path in sorted(directory.glob('test_*.py')):
            names.append(f'trytond.modules.{module}.tests.{path.stem}')
    if cross:
        sys.path.insert(0, str(ROOT))
        for path in sorted((ROOT / 'tests').glob('test_*.py')):
            names.append(f'tests.{path.stem}')
    return names


def load_suite(args):
    names = test_names(args.module, cross=not args.no_cross)
    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = [
            p if '*' in p else f'*{p}*' for p in args.patterns]
    return names, loader.loadTestsFromNames(names)


def flatten(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from flatten(test)
        else:
            yield test


def group_key(test):
    "Tests of a class share their database set-up: they run together"
    if isinstance(test, unittest.FunctionTestCase) or hasattr(
            test, '_dt_test'):
        return f'scenario:{test.id()}'
    cls = type(test)
    return f'class:{cls.__module__}.{cls.__qualname__}'


def groups(suite):
    result = {}
    for test in flatten(suite):
        result.setdefault(group_key(test), []).append(test)
    return result


def assign(keys, jobs):
    "Longest first onto the least loaded worker: key -> worker index"
    try:
        known = json.loads(DURATIONS.read_text())
    except (OSError, ValueError):
        known = {}

    def duration(key):
        return known.get(key, DEFAULT_DURATION[key.split(':', 1)[0]])
    loads = [0.0] * jobs
    result = {}
    for key in sorted(keys, key=lambda k: (-duration(k), k)):
        worker = loads.index(min(loads))
        result[key] = worker
        loads[worker] += duration(key)
    return result


class TimedResult(unittest.TextTestResult):
    "Keeps how long each group took, its class set-up included"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.durations = {}
        self._last = time.monotonic()

    def stopTest(self, test):
        super().stopTest(test)
        now = time.monotonic()
        key = group_key(test)
        self.durations[key] = self.durations.get(key, 0) + now - self._last
        self._last = now


def run_suite(suite, args):
    runner = unittest.TextTestRunner(verbosity=args.verbose,
        failfast=args.failfast, resultclass=TimedResult)
    return runner.run(suite)


def warm_cache():
    "Activate the module set (and the demo company setup) once, here"
    from trytond.modules.ecom_base.demo.company import setup_company
    from trytond.modules.ecom_base.tests.tools import activate_project
    from trytond.tests.test_tryton import drop_db
    activate_project(setup_company)
    drop_db()


def main(argv=None):
    args = parse_args(argv)
    backend = configure_environment(args.worker)
    started = time.monotonic()
    names, suite = load_suite(args)
    by_group = groups(suite)

    if args.worker:
        index, count = map(int, args.worker.split('/'))
        mine = assign(by_group, count)
        tests = [t for key, group in by_group.items()
            if mine[key] == index for t in group]
        result = run_suite(unittest.TestSuite(tests), args)
        with open(os.environ['ECOM_TEST_DURATIONS'], 'w') as file:
            json.dump(result.durations, file)
        return 0 if result.wasSuccessful() else 1

    jobs = max(1, min(args.jobs, len(by_group)))
    print(f"ecom-erp tests on {backend} (DB_CACHE={os.environ['DB_CACHE']})"
        f": {suite.countTestCases()} tests in {len(by_group)} groups from "
        f"{len(names)} modules, {jobs} job(s)", flush=True)
    if jobs == 1:
        result = run_suite(suite, args)
        save_durations([result.durations])
        ok = result.wasSuccessful()
    else:
        warm_cache()
        print(f"module set ready in {time.monotonic() - started:.0f}s",
            flush=True)
        ok = run_workers(argv or sys.argv[1:], jobs)
    print(f"ran in {time.monotonic() - started:.0f}s on {backend}",
        flush=True)
    return 0 if ok else 1


def run_workers(argv, jobs):
    "Run the groups in `jobs` processes; print each one's output in turn"
    workers = []
    with tempfile.TemporaryDirectory(prefix='ecom-tests-') as folder:
        for index in range(jobs):
            log = open(Path(folder) / f'worker-{index}.log', 'w+')
            durations = Path(folder) / f'durations-{index}.json'
            env = dict(os.environ, ECOM_TEST_DURATIONS=str(durations))
            env.pop('DB_NAME', None)
            process = subprocess.Popen([sys.executable, __file__, *argv,
                    '--worker', f'{index}/{jobs}'], env=env, stdout=log,
                stderr=subprocess.STDOUT, cwd=ROOT)
            workers.append((process, log, durations))
        ok = True
        collected = []
        for index, (process, log, durations) in enumerate(workers):
            code = process.wait()
            log.seek(0)
            print(f"\n---- worker {index + 1}/{jobs} "
                f"({'ok' if code == 0 else 'FAILED'}) ----", flush=True)
            sys.stdout.write(log.read())
            log.close()
            ok &= code == 0
            if durations.exists():
                collected.append(json.loads(durations.read_text()))
        save_durations(collected)
    return ok


def save_durations(collected):
    try:
        known = json.loads(DURATIONS.read_text())
    except (OSError, ValueError):
        known = {}
    for durations in collected:
        known.update(durations)
    DURATIONS.parent.mkdir(parents=True, exist_ok=True)
    DURATIONS.write_text(json.dumps(known, indent=1, sort_keys=True))


if __name__ == '__main__':
    sys.exit(main())
