# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('purchase.suggestion|generate_cron',
                    "Generate Purchase Suggestions"),
                ('purchase.purchase|follow_up_cron',
                    "Purchase Reminders and Overdue Alerts"),
                ('purchase.suggestion.history|rebuild_cron',
                    "Rebuild the Sales History"),
                ])


class JobRun(metaclass=PoolMeta):
    __name__ = 'ecom.job.run'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.job.selection.append(
            ('purchase_suggest.generate', "Purchase suggestions"))

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['purchase.suggestion']
