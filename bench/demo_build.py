# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Demo build time on SQLite, smallest scale: target under 2 minutes.

    .venv/bin/python -m bench.demo_build [--scale 1]

Ours: `ecom-demo` from nothing (database created, every module activated,
the company, catalogue, suppliers, customers and a year of history loaded).
Anchor, in the same run: stock Tryton creating a database and activating
the Tryton modules our modules depend on, with no data: the floor any
Tryton-based demo pays before loading anything.
"""
import argparse
import configparser
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, report

BIN = Path(sys.executable).parent


def tryton_dependencies():
    "The Tryton modules our modules depend on, ours excluded"
    ours, depends = set(), set()
    for cfg in (ROOT / 'addons').glob('*/tryton.cfg'):
        parser = configparser.ConfigParser()
        parser.read(cfg)
        ours.add(cfg.parent.name)
        depends.update(parser.get('tryton', 'depends', fallback='').split())
    return sorted(depends - ours - {'ir', 'res'})


def run(command, env):
    started = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True,
        text=True)
    if result.returncode:
        sys.exit(f"{' '.join(map(str, command))} failed:\n"
            + result.stderr[-3000:])
    return time.perf_counter() - started, result.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--scale', type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='ecom-bench-') as folder:
        env = dict(os.environ, TRYTOND_DATABASE__PATH=folder,
            TRYTOND_DATABASE__URI='sqlite://')
        env.pop('TRYTOND_CONFIG', None)
        passfile = Path(folder) / 'pass'
        passfile.write_text('admin\n')
        env['TRYTONPASSFILE'] = str(passfile)
        config = Path(folder) / 'trytond.conf'
        config.write_text('[database]\nuri = sqlite://\n'
            f'path = {folder}\n')

        (Path(folder) / 'stock.sqlite').touch()
        admin = [str(BIN / 'trytond-admin'), '-c', str(config), '-d',
            'stock']
        init, _ = run(admin + ['--all', '-l', 'zh_CN', '--email',
                'admin@example.com'], env)
        activate, _ = run(admin + ['-u', *tryton_dependencies(),
                '--activate-dependencies'], env)
        anchor = init + activate

        ours, output = run([str(BIN / 'ecom-demo'), '-c', str(config),
                '-d', 'demo', '--scale', str(args.scale)], env)
        phases = [(float(t), text) for t, text in re.findall(
                r'^\[\s*([\d.]+)s\] (.*)$', output, re.M)]
        loading = next(t for t, text in phases
            if text.startswith('setting up the company'))
        data = next(t for t, text in phases
            if text == 'demo data built') - loading
        moves = re.search(r'and (\d+) moves of history', output).group(1)
    report(f"Demo build on SQLite, scale {args.scale}", [
            ("whole build (database, modules, data)", ours, anchor, "s",
                "< 120 s"),
            ("  of which loading the data", data, None, "s", "-"),
            ], notes=[
            "anchor: stock Tryton creating a database and activating the "
            f"{len(tryton_dependencies())} Tryton modules ours depend on, "
            "without data",
            f"{moves} stock moves of history (real Online Retail invoices)",
            ])


if __name__ == '__main__':
    main()
