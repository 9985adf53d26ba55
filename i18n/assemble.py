#!/usr/bin/env python3
# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Move the zh_CN overrides of Tryton's modules into the project's modules.

Tryton loads `locale/override/zh_CN.po` of an activated module, and an
override entry of a Tryton module can only be loaded by a module that
depends on it.  Each i18n/zh_CN/<tryton module>.po is therefore merged into
the override file of the first project module (in dependency order) whose
dependencies include that Tryton module, and removed from i18n/zh_CN.
Files no project module depends on stay where they are.

    .venv/bin/python i18n/assemble.py      # then: i18n/check.py
"""
import configparser
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / 'i18n' / 'zh_CN'
# The project's modules, each before those that depend on it.
ORDER = ['ecom_base', 'supplier_grading', 'purchase_suggest',
    'store_ordering', 'ecom_connector', 'dropship_routing']


def tryton_cfg(module):
    for base in (ROOT / 'addons', tryton_modules_dir()):
        path = base / module / 'tryton.cfg'
        if path.exists():
            parser = configparser.ConfigParser()
            parser.read(path)
            return parser
    return None


def tryton_modules_dir():
    import trytond.modules
    return Path(trytond.modules.__file__).parent


def closure(module, seen=None):
    "The module and all it depends on"
    seen = set() if seen is None else seen
    if module in seen:
        return seen
    seen.add(module)
    parser = tryton_cfg(module)
    if parser is not None:
        for depend in parser.get('tryton', 'depends', fallback='').split():
            closure(depend, seen)
    return seen


def owner(tryton_module, projects):
    for project in projects:
        if tryton_module in closure(project):
            return project


def main():
    projects = [m for m in ORDER if (ROOT / 'addons' / m).is_dir()]
    moved = {}
    for source in sorted(SOURCES.glob('*.po')):
        module = source.stem
        project = owner(module, projects)
        if not project:
            print(f"{source.name}: no project module depends on {module}; "
                "kept")
            continue
        target = ROOT / 'addons' / project / 'locale' / 'override' / (
            'zh_CN.po')
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            po = polib.pofile(str(target))
        else:
            po = polib.POFile(wrapwidth=78)
            po.metadata = {'Content-Type': 'text/plain; charset=utf-8'}
        known = {(e.msgctxt, e.msgid) for e in po}
        for entry in polib.pofile(str(source)):
            if (entry.msgctxt, entry.msgid) not in known:
                po.append(entry)
        po.save(str(target))
        source.unlink()
        moved.setdefault(project, []).append(module)
    for project, modules in moved.items():
        print(f"addons/{project}/locale/override/zh_CN.po: "
            f"{', '.join(modules)}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
