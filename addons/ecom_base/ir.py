# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
import os

import polib

from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Rule(metaclass=PoolMeta):
    __name__ = 'ir.rule'

    @classmethod
    def _get_context(cls, model_name):
        # Portal requests carry the parties of the web user (see portal.py)
        # so that record rules of the portal groups can restrict to them.
        context = super()._get_context(model_name)
        context['portal_parties'] = list(
            Transaction().context.get('portal_parties') or [])
        return context

    @classmethod
    def _get_cache_key(cls, model_names):
        key = super()._get_cache_key(model_names)
        return (*key, tuple(
                Transaction().context.get('portal_parties') or []))


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('ecom.job.run|clean', "Clean Background Job Runs"))


class Translation(metaclass=PoolMeta):
    __name__ = 'ir.translation'

    @classmethod
    def translation_import(cls, lang, module, po_path):
        count = super().translation_import(lang, module, po_path)
        paths = [po_path] if isinstance(po_path, str) else po_path
        overrides = [p for p in paths
            if os.path.basename(os.path.dirname(p)) == 'override']
        if overrides:
            cls._confirm_overrides(lang, overrides)
        return count

    @classmethod
    def _confirm_overrides(cls, lang, paths):
        """Un-fuzzy the translations an override file confirms

        Tryton applies an override entry only when its text differs from
        the stored one, so an override that repeats a translation the
        module itself marked fuzzy leaves it fuzzy, and hidden.  The
        override vouches for the text: clear the flag.
        """
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        wanted = {}
        for path in paths:
            for entry in polib.pofile(path):
                if entry.obsolete or 'fuzzy' in entry.flags:
                    continue
                translation, res_id = cls.from_poentry(entry)
                if '.' not in res_id:
                    continue
                module, fs_id = res_id.split('.', 1)
                wanted[(module, fs_id, translation.type, translation.name,
                        translation.src)] = translation.value
        if not wanted:
            return
        modules = {k[0] for k in wanted}
        fs_ids = {(d.module, d.db_id): d.fs_id for d in ModelData.search([
                    ('module', 'in', list(modules)),
                    ('fs_id', 'in', list({k[1] for k in wanted if k[1]})),
                    ])}
        confirmed = []
        for record in cls.search([
                    ('lang', '=', lang),
                    ('module', 'in', list(modules)),
                    ('fuzzy', '=', True),
                    ]):
            fs_id = ('' if record.res_id == -1
                else fs_ids.get((record.module, record.res_id)))
            value = wanted.get((record.module, fs_id, record.type,
                    record.name, record.src))
            if value is not None and value == record.value:
                confirmed.append(record)
        if confirmed:
            cls.write(confirmed, {'fuzzy': False})
