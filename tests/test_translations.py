# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Everything a user sees exists in Simplified Chinese.

The project's modules translate all their strings (locale/zh_CN.po), and
complete Tryton's own modules with override entries
(addons/*/locale/override/zh_CN.po); these load in a database and show.
"""
import importlib.util
import unittest
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def load_checker():
    spec = importlib.util.spec_from_file_location(
        'i18n_check', ROOT / 'i18n' / 'check.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TranslationFilesTestCase(unittest.TestCase):
    "The translation files, without a database"

    def test_project_modules_translated(self):
        "Every string of every project module has its zh_CN text"
        for po_path in sorted(ROOT.glob('addons/*/locale/zh_CN.po')):
            for entry in polib.pofile(str(po_path)):
                if entry.obsolete:
                    continue
                with self.subTest(file=po_path.parent.parent.name,
                        msgctxt=entry.msgctxt, msgid=entry.msgid):
                    self.assertNotIn('fuzzy', entry.flags)
                    self.assertTrue(entry.msgstr or all(
                            entry.msgstr_plural.values()))

    def test_every_project_module_has_zh_CN(self):
        for cfg in sorted(ROOT.glob('addons/*/tryton.cfg')):
            with self.subTest(module=cfg.parent.name):
                self.assertTrue(
                    (cfg.parent / 'locale' / 'zh_CN.po').exists())

    def test_overrides_static(self):
        "The override entries complete Tryton's modules, placeholders kept"
        errors, report = load_checker().static_check(verbose=False)
        self.assertEqual(errors, [])
        self.assertTrue(report['sale']['covered'])


class LoadedTranslationsTestCase(unittest.TestCase):
    "zh_CN loaded in a database of the project's modules"

    @classmethod
    def setUpClass(cls):
        from trytond.modules.ecom_base.tests import project_modules
        from trytond.pool import Pool
        from trytond.tests.test_tryton import (
            DB_NAME, activate_module, drop_db)
        from trytond.transaction import Transaction
        drop_db()
        activate_module(project_modules())
        cls.addClassCleanup(drop_db)
        with Transaction().start(DB_NAME, 0) as transaction:
            Lang = Pool().get('ir.lang')
            zh, = Lang.search([('code', '=', 'zh_CN')])
            Lang.write([zh], {'active': True})
            # what "Load translations" does in the client, and
            # trytond-admin -l zh_CN: every module's po and overrides
            Lang.load_translations([zh])
            transaction.commit()

    def test_override_entries_active(self):
        "Each override entry is the stored, non-fuzzy translation"
        from trytond.pool import Pool
        from trytond.tests.test_tryton import with_transaction

        @with_transaction()
        def check():
            pool = Pool()
            Translation = pool.get('ir.translation')
            ModelData = pool.get('ir.model.data')
            loaded = 0
            for path in sorted(ROOT.glob(
                        'addons/*/locale/override/zh_CN.po')):
                for entry in polib.pofile(str(path)):
                    if entry.obsolete:
                        continue
                    kind, name, res = entry.msgctxt.rsplit(':', 2)
                    module, fs_id = res.split('.', 1)
                    domain = [
                        ('lang', '=', 'zh_CN'), ('type', '=', kind),
                        ('name', '=', name), ('module', '=', module),
                        ('res_id', '=', ModelData.get_id(module, fs_id)
                            if fs_id else -1),
                        ]
                    if kind in {'report', 'view', 'wizard_button',
                            'selection'}:
                        domain.append(('src', '=', entry.msgid))
                    with self.subTest(msgctxt=entry.msgctxt,
                            msgid=entry.msgid):
                        record, = Translation.search(domain)
                        self.assertEqual(record.value, entry.msgstr)
                        self.assertFalse(record.fuzzy)
                        loaded += 1
            self.assertGreater(loaded, 1000)
        check()

    def test_labels_in_chinese(self):
        "Menus, fields, states and messages read in Chinese"
        from trytond.i18n import gettext
        from trytond.pool import Pool
        from trytond.tests.test_tryton import with_transaction

        @with_transaction(context={'language': 'zh_CN'})
        def check():
            pool = Pool()
            ModelData = pool.get('ir.model.data')
            Menu = pool.get('ir.ui.menu')
            Sale = pool.get('sale.sale')

            def menu(xml_id):
                return Menu(ModelData.get_id(*xml_id.split('.'))).name
            self.assertEqual(menu('ecom_base.menu_ecommerce'), "电商运营")
            self.assertEqual(menu('sale.menu_sale'), "销售")
            self.assertEqual(menu('party.menu_party_form'), "往来单位")
            fields = Sale.fields_get(['party', 'state'])
            self.assertEqual(fields['party']['string'], "客户")
            self.assertEqual(
                dict(fields['state']['selection'])['quotation'], "报价")
            self.assertRegex(gettext(
                    'sale.msg_sale_delete_cancel', sale='SO-1'),
                r'[\u4e00-\u9fff]')
        check()
