# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""VAT included in the platforms' prices

A channel may name the tax its platform prices include (13 % VAT in
China): the imported sale lines then carry that tax and the untaxed unit
prices that `taxes.untaxed_prices` chooses, so that the sale's untaxed
amount plus tax is what the buyer paid, to the cent.
"""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from . import taxes


class Channel(metaclass=PoolMeta):
    __name__ = 'ecom.channel'
    tax = fields.Many2One('account.tax', "Tax Included in Prices",
        ondelete='RESTRICT',
        domain=[
            ('company', '=', Eval('company', -1)),
            ('type', '=', 'percentage'),
            ('parent', '=', None),
            ['OR',
                ('group', '=', None),
                ('group.kind', 'in', ['sale', 'both']),
                ],
            ],
        help="The platform's prices include this tax: imported lines get "
        "it, with untaxed prices whose total plus tax is the amount paid.")


class RawOrder(metaclass=PoolMeta):
    __name__ = 'ecom.raw_order'

    def _apply_tax(self, sale, lines):
        """Turn the tax-included prices of the sale's lines into untaxed
        prices with the channel's tax (a rounding line if one is needed)"""
        pool = Pool()
        Line = pool.get('sale.line')
        Configuration = pool.get('account.configuration')
        tax = self.channel.tax
        if not tax or not lines:
            return lines
        rounding = Configuration(1).get_multivalue('tax_rounding',
            company=sale.company.id)
        pairs = [(Decimal(str(l.quantity)), l.unit_price) for l in lines]
        units, rest = taxes.untaxed_prices(pairs, tax.rate, rounding)
        for line, unit_price in zip(lines, units):
            line.unit_price = unit_price
            line.taxes = [tax]
        if rest:
            lines.append(Line(type='line', quantity=1, unit_price=rest,
                    taxes=[], description=gettext(
                        'ecom_connector.msg_tax_rounding')))
        return lines
