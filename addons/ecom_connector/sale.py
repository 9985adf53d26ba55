# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
from trytond.model import fields
from trytond.pool import PoolMeta


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'
    ecom_channel = fields.Many2One('ecom.channel', "Channel", readonly=True,
        ondelete='RESTRICT')
    ecom_commission = fields.Numeric("Platform Commission", digits=(16, 2),
        readonly=True)
    ecom_payment = fields.Selection([
            (None, ""),
            ('unpaid', "Unpaid"),
            ('paid', "Paid"),
            ('refunded', "Refunded"),
            ], "Platform Payment", readonly=True)

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['ecom.raw_order']

    def must_check_credit_limit(self):
        # (sale_credit_limit) paid on the platform: the marketplace holds
        # the buyer's money, the sale is no credit given to the buyer
        if self.ecom_channel and self.ecom_payment == 'paid':
            return False
        return super().must_check_credit_limit()


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    ecom_buyer = fields.Char("Marketplace Buyer", readonly=True,
        help="The channel and the buyer's nick the party was created for.")

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default else {}
        default.setdefault('ecom_buyer')
        return super().copy(parties, default=default)
