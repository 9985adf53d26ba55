# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Test support shared by all the project's modules.

Every test class and scenario of the project activates the same module set,
all of the project's modules, so Tryton's DB_CACHE builds it once per run and
restores it everywhere else.  The cache entries are keyed by a fingerprint of
the modules' files and of the installed Tryton packages, so a changed field
or view never runs against a database cached before the change.
"""
import logging
import os

from trytond.tests import test_tryton

from ..demo.cli import modules_fingerprint as fingerprint
from ..demo.cli import our_modules

__all__ = ['ModuleTestCase', 'RouteTestCase', 'project_modules',
    'fingerprint']


logger = logging.getLogger(__name__)


def project_modules():
    "All the project's modules, in the order the cache key uses"
    return our_modules()


_FINGERPRINT = os.environ.get('ECOM_TEST_FINGERPRINT') or fingerprint()
os.environ['ECOM_TEST_FINGERPRINT'] = _FINGERPRINT
_db_cache_file = test_tryton._db_cache_file


def _fingerprinted_db_cache_file(path, name):
    return _db_cache_file(path, f'{_FINGERPRINT}:{name}')


_backup_db_cache = test_tryton.backup_db_cache


def _safe_backup_db_cache(name):
    # Parallel test processes may cache the same entry at once; losing
    # that race is no failure: the other process's copy serves.
    try:
        return _backup_db_cache(name)
    except Exception as exception:
        logger.warning("cache entry %s not written: %s", name, exception)


if test_tryton._db_cache_file is not _fingerprinted_db_cache_file:
    test_tryton._db_cache_file = _fingerprinted_db_cache_file
    test_tryton.backup_db_cache = _safe_backup_db_cache


class _ProjectDatabase:
    @classmethod
    def setUpClass(cls):
        # Tryton activates [module] + extras: make that the project's
        # module set, the one cached database every class shares.
        module, extras = cls.module, cls.extras
        modules = project_modules()
        cls.module, cls.extras = modules[0], modules[1:]
        try:
            super().setUpClass()
        finally:
            cls.module, cls.extras = module, extras


class ModuleTestCase(_ProjectDatabase, test_tryton.ModuleTestCase):
    "Tryton's module checks, on the project's module set"

    @test_tryton.with_transaction()
    def test_list_view_widgets(self):
        "Every field of the module's list views has a widget sao can draw"
        from lxml import etree

        from trytond.pool import Pool
        pool = Pool()
        View = pool.get('ir.ui.view')
        for view in View.search([
                    ('module', '=', self.module), ('type', '=', 'tree')]):
            Model = pool.get(view.model)
            arch = Model.fields_view_get(view.id, view_type='tree')
            for node in etree.fromstring(arch['arch']).iter('field'):
                name = node.get('name')
                type_ = arch['fields'].get(name, {}).get('type')
                widget = node.get('widget', type_)
                with self.subTest(view=view.rec_name, field=name):
                    # sao has no list column for these types: Tryton's own
                    # lists show a date and a time column instead.
                    self.assertNotIn(widget, {'datetime', 'timestamp'},
                        msg=f"{view.model} list: give {name} "
                        'widget="date" and widget="time" columns')


class RouteTestCase(_ProjectDatabase, test_tryton.RouteTestCase):
    "Tests of HTTP routes, on the project's module set"
