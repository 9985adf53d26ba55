# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
import datetime
from decimal import Decimal

from trytond.model import ModelSingleton, ModelSQL, ModelView, fields

from .routing import Policy


class Configuration(ModelSingleton, ModelSQL, ModelView):
    __name__ = 'dropship.configuration'
    __string__ = "Drop-Ship Configuration"

    margin_floor = fields.Numeric("Margin Floor", digits=(16, 2),
        required=True,
        help="The least margin (sale price − supplier cost − freight − "
        "commission) of a drop-shipped line; below it the line becomes an "
        "exception instead of a purchase.")
    margin_floor_rate = fields.Numeric("Margin Floor Rate", digits=(16, 4),
        required=True,
        help="The least margin as a fraction of the line's revenue "
        "(0.10 for 10%); the higher of the amount and the rate applies.")
    feed_max_age = fields.TimeDelta("Feed Freshness", required=True,
        help="A supplier feed older than this is not trusted: its stock "
        "does not count.")
    max_attempts = fields.Integer("Suppliers Tried", required=True,
        help="How many suppliers a line goes to, after rejections or "
        "timeouts, before it becomes an exception.")
    acceptance_time = fields.TimeDelta("Acceptance Deadline",
        required=True,
        help="The time a supplier has to accept an order before it goes "
        "to the next supplier.")

    @classmethod
    def default_margin_floor(cls):
        return Decimal(0)

    @classmethod
    def default_margin_floor_rate(cls):
        return Decimal(0)

    @classmethod
    def default_feed_max_age(cls):
        return datetime.timedelta(days=1)

    @classmethod
    def default_max_attempts(cls):
        return 3

    @classmethod
    def default_acceptance_time(cls):
        return datetime.timedelta(hours=24)

    def policy(self):
        "The routing policy this configuration declares"
        return Policy(margin_floor=self.margin_floor,
            margin_floor_rate=self.margin_floor_rate,
            feed_max_age=self.feed_max_age,
            max_attempts=self.max_attempts)
