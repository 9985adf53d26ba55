#!/usr/bin/env python3
# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Check the Simplified Chinese override translations of Tryton's modules.

The project completes (and corrects) the zh_CN.po shipped by Tryton's
modules with override entries, in Tryton's override format: the resource id
of every msgctxt (after the last ':') is prefixed with '<module>.'.  They
live in the override file of the project module that depends on the Tryton
module, addons/<project module>/locale/override/zh_CN.po (i18n/assemble.py
moves them there from i18n/zh_CN/<tryton module>.po, where new ones are
written).

    .venv/bin/python i18n/check.py

Per Tryton module: every entry is in override format, matches an entry
(msgctxt and msgid) of the module's own locale/zh_CN.po, keeps its
placeholders, is neither empty nor fuzzy; and every entry of the module's
zh_CN.po that is empty or fuzzy is covered.  A module without zh_CN.po is
checked against another language's file (its msgid are the English sources).

Entries Tryton cannot override are kept as obsolete (#~) entries, which
Tryton skips: override_translation() looks a translation up by type, name
and resource only (the source text is used just for report, view,
wizard_button and selection), so an override of a msgctxt that the module
shares between several msgid (the help of each selection value, e.g.
"help:stock.location,type:") matches several rows and the module update
fails with "ValueError: too many values to unpack".  Likewise for a record
that only exists when a module outside the activated set is activated
(<data depends="production">).  They are counted as "parked", must be
exactly those entries, and are translated all the same.

That the entries load and show is tested by tests/test_translations.py.
"""
import argparse
import collections
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

import polib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LANG = 'zh_CN'
OVERRIDES = os.path.join(HERE, LANG)
MODULES = [
    'sale', 'party', 'product', 'company', 'account_invoice', 'stock',
    'purchase', 'purchase_request', 'purchase_product_quantity',
    'notification_email', 'sale_price_list', 'product_price_list',
    'sale_promotion', 'sale_promotion_coupon', 'sale_credit_limit',
    'account_credit_limit', 'sale_supply', 'sale_supply_drop_shipment',
    'stock_supply', 'web_shop', 'web_user', 'quality', 'sale_amendment',
    'sale_payment', 'account_payment', 'currency', 'country',
    ]
# Types whose override lookup includes the source text
# (ir.translation.translation_import, override_translation)
BY_SOURCE = {'report', 'view', 'wizard_button', 'selection'}
# python-format (%(name)s, %s), ${name}, {name} / {} and Genshi report
# markers [1:...]
PLACEHOLDER = re.compile(
    r'%\([^)]+\)[a-z]|%[sdif]|\$\{[^}]*\}|\{[^}]*\}|\[\d+:')


def tryton_modules_dir():
    import trytond.modules
    return os.path.dirname(trytond.modules.__file__)


def placeholders(text):
    return collections.Counter(PLACEHOLDER.findall(text or ''))


def source_file(module):
    "The module's zh_CN.po, else another language's file, else None"
    locale = os.path.join(tryton_modules_dir(), module, 'locale')
    path = os.path.join(locale, LANG + '.po')
    if os.path.exists(path):
        return path, False
    for other in ['fr.po', 'de.po'] + sorted(
            glob.glob(os.path.join(locale, '*.po'))):
        other = os.path.join(locale, other)
        if os.path.exists(other):
            return other, True
    return None, False


def activated_modules(modules=MODULES):
    "The modules and their dependencies (tryton.cfg depends)"
    from trytond.modules import get_module_info
    result, todo = set(), list(modules)
    while todo:
        module = todo.pop()
        if module in result:
            continue
        result.add(module)
        if module in {'ir', 'res'}:
            continue
        todo.extend(get_module_info(module).get('depends', []))
    return result


def conditional_records(module, activated):
    "XML ids of the records loaded only with a module not activated"
    from trytond.modules import get_module_info
    info = get_module_info(module)
    records = {}
    for filename in info.get('xml', []):
        root = ET.parse(os.path.join(info['directory'], filename)).getroot()
        for data in root.iter('data'):
            depends = [d.strip() for d in data.get('depends', '').split(',')
                if d.strip()]
            missing = [d for d in depends if d not in activated]
            if missing:
                for record in data:
                    if record.get('id'):
                        records[record.get('id')] = missing
    return records


def park_reason(module, source_entries, activated=None):
    """Return a function giving, for a msgctxt of the module's zh_CN.po, why
    Tryton cannot override it (None if it can)"""
    if activated is None:
        activated = activated_modules()
    contexts = collections.Counter(e.msgctxt for e in source_entries)
    conditional = conditional_records(module, activated)

    def reason(msgctxt):
        kind, name, res = msgctxt.rsplit(':', 2)
        if kind not in BY_SOURCE and contexts[msgctxt] > 1:
            return 'msgctxt shared by several msgid'
        if res in conditional:
            return ('record loaded only with ' + ', '.join(conditional[res])
                + ' (not activated)')
        return None
    return reason


def translated(entry):
    if entry.msgid_plural:
        return all(entry.msgstr_plural.values()) and bool(entry.msgstr_plural)
    return bool(entry.msgstr)


def split_context(msgctxt):
    kind, name, res = msgctxt.rsplit(':', 2)
    return kind, name, res


def override_files():
    "The files holding override entries: the project modules' and new ones"
    return sorted(glob.glob(os.path.join(OVERRIDES, '*.po'))) + sorted(
        glob.glob(os.path.join(ROOT, 'addons', '*', 'locale', 'override',
                LANG + '.po')))


def gather():
    "The override entries of each Tryton module, wherever they are"
    entries = collections.defaultdict(list)
    for path in override_files():
        stem = os.path.splitext(os.path.basename(path))[0]
        for entry in polib.pofile(path):
            if os.path.dirname(path) == OVERRIDES:
                module = stem
            else:
                res = split_context(entry.msgctxt or '::')[2]
                module = res.split('.', 1)[0]
            entries[module].append(entry)
    return entries


def static_check(verbose=True):
    errors = []
    report = {}
    known = set(MODULES)
    activated = activated_modules()
    entries = gather()
    for module in entries:
        if module not in known:
            errors.append(f'overrides of {module!r}: not a listed module')
    for module in MODULES:
        src_path, foreign = source_file(module)
        source = {}
        if src_path:
            for entry in polib.pofile(src_path):
                if entry.obsolete:
                    continue
                source[(entry.msgctxt, entry.msgid)] = entry
        reason = park_reason(module, source.values(), activated)
        if foreign:
            needed = set(source)
        else:
            needed = {k for k, e in source.items()
                if not translated(e) or 'fuzzy' in e.flags}
        covered, fixes, seen = set(), 0, set()
        n_entries = parked = same_fuzzy = 0
        for entry in entries.get(module, []):
            n_entries += not entry.obsolete
            where = f'{module}.po: {entry.msgctxt!r} {entry.msgid!r}'
            try:
                kind, name, res = split_context(entry.msgctxt or '')
            except ValueError:
                errors.append(f'{where}: bad msgctxt')
                continue
            if not res.startswith(module + '.'):
                errors.append(
                    f'{where}: resource id not prefixed by "{module}."')
                continue
            key = (f'{kind}:{name}:{res[len(module) + 1:]}', entry.msgid)
            if key in seen:
                errors.append(f'{where}: duplicate entry')
            seen.add(key)
            src = source.get(key)
            if src is None:
                errors.append(f'{where}: no such entry in {module} '
                    f'({os.path.basename(src_path or "-")})')
                continue
            why = reason(src.msgctxt)
            if entry.obsolete and not why:
                errors.append(f'{where}: obsolete but could be an '
                    'override')
            elif not entry.obsolete and why:
                errors.append(f'{where}: Tryton cannot override it ({why})'
                    ': make it obsolete (#~)')
            parked += entry.obsolete
            if (entry.msgid_plural or None) != (src.msgid_plural or None):
                errors.append(f'{where}: msgid_plural differs')
            if 'fuzzy' in entry.flags:
                errors.append(f'{where}: fuzzy')
            if not translated(entry) or not ''.join(
                    [entry.msgstr] + list(
                        entry.msgstr_plural.values())).strip():
                errors.append(f'{where}: empty msgstr')
                continue
            values = ([entry.msgstr] if not entry.msgid_plural
                else list(entry.msgstr_plural.values()))
            for value in values:
                if placeholders(value) != placeholders(entry.msgid):
                    errors.append(f'{where}: placeholders differ in '
                        f'{value!r}')
            if (not entry.obsolete and 'fuzzy' in src.flags
                    and src.msgstr == entry.msgstr):
                same_fuzzy += 1
            if key in needed:
                covered.add(key)
            else:
                fixes += 1
        missing = needed - covered
        for msgctxt, msgid in sorted(missing):
            errors.append(f'{module}: not translated {msgctxt!r} {msgid!r}')
        report[module] = {
            'source': os.path.relpath(src_path, tryton_modules_dir())
            if src_path else None,
            'strings': len(source),
            'empty_or_fuzzy': len(needed),
            'covered': len(covered),
            'fixes': fixes,
            'entries': n_entries,
            'parked': parked,
            'same_fuzzy': same_fuzzy,
            }
    if verbose:
        columns = [('strings', 'strings'), ('empty_or_fuzzy', 'to do'),
            ('covered', 'covered'), ('fixes', 'fixes'),
            ('entries', 'entries'), ('parked', 'parked'),
            ('same_fuzzy', 'same*')]
        print(f'{"module":26}' + ''.join(f' {t:>7}' for _, t in columns))
        for module, r in report.items():
            print(f'{module:26}' + ''.join(f' {r[k]:7}' for k, _ in columns)
                + ('' if r['source'] else '  (no translatable strings)'))
        print(f'{"total":26}' + ''.join(
                f' {sum(r[k] for r in report.values()):7}'
                for k, _ in columns))
        print('to do: empty or fuzzy in the module\'s zh_CN.po; covered: of '
            'those, translated here; fixes: corrections of existing '
            'translations; entries: active override entries; parked: '
            'obsolete entries Tryton cannot override; same*: entries whose '
            'text equals the fuzzy text of the module\'s zh_CN.po, which '
            'Tryton 8.0 would leave fuzzy: ecom_base clears the flag')
    return errors, report


def main():
    argparse.ArgumentParser(description=__doc__.split('\n')[0]).parse_args()
    errors, _ = static_check()
    for error in errors:
        print('ERROR', error)
    print('static check:', 'FAILED' if errors else 'OK')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
