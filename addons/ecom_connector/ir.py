# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('ecom.channel|pull_cron', "Pull Marketplace Orders"),
                ('ecom.channel|reconcile_cron',
                    "Reconcile Marketplace Orders"),
                ('ecom.listing|push_cron', "Push Marketplace Stock"),
                ('ecom.raw_order|import_received_cron',
                    "Import Waiting Marketplace Orders"),
                ('stock.shipment.out|ecom_push_tracking_cron',
                    "Push Tracking Numbers to Marketplaces"),
                ])


class JobRun(metaclass=PoolMeta):
    __name__ = 'ecom.job.run'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.job.selection.extend([
                ('ecom_connector.pull', "Marketplace order pull"),
                ('ecom_connector.reconcile', "Marketplace reconciliation"),
                ('ecom_connector.push', "Marketplace stock push"),
                ('ecom_connector.tracking', "Marketplace tracking push"),
                ('ecom_connector.file', "Marketplace order file import"),
                ])

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['ecom.channel']
