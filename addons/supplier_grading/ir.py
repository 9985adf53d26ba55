# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('supplier.scorecard|compute_cron',
                    "Compute Supplier Scorecards"),
                ('supplier.risk.alert|check_documents_cron',
                    "Check Supplier Qualification Documents"),
                ])


class JobRun(metaclass=PoolMeta):
    __name__ = 'ecom.job.run'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.job.selection.extend([
                ('supplier_grading.compute', "Supplier scorecards"),
                ('supplier_grading.scms_import', "SCMS delivery history import"),
                ])

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['party.party']

