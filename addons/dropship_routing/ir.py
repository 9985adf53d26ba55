# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('dropship.feed|pull_urls', "Pull Supplier Stock Feeds"),
                ('dropship.order|expire',
                    "Re-route Unanswered Drop-Ship Orders"),
                ('dropship.order|send_emails',
                    "Email Drop-Ship Orders to Suppliers"),
                ])


class JobRun(metaclass=PoolMeta):
    __name__ = 'ecom.job.run'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.job.selection.extend([
                ('dropship_routing.feed_pull', "Supplier stock feed pull"),
                ('dropship_routing.listing', "Drop-ship listing update"),
                ('dropship_routing.reroute', "Drop-ship re-routing"),
                ('dropship_routing.email', "Drop-ship order email"),
                ])
