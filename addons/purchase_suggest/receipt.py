# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Receipt by scan: each scanned barcode adds to the received quantity of
the supplier's open purchase moves; an unknown barcode is refused, an
over-receipt needs a reason and what is not received stays as a backorder.
"""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.wizard import Button, StateTransition, StateView, Wizard


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    over_receipt_reason = fields.Char("Over-receipt Reason", readonly=True,
        states={'invisible': ~Eval('over_receipt_reason')})


class ShipmentIn(metaclass=PoolMeta):
    __name__ = 'stock.shipment.in'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'scan_receipt': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                })

    @classmethod
    @ModelView.button_action('purchase_suggest.wizard_scan_receipt')
    def scan_receipt(cls, shipments):
        pass

    def open_purchase_moves(self):
        "The shipment's moves, else the supplier's open purchase moves"
        Move = Pool().get('stock.move')
        if self.incoming_moves:
            return [m for m in self.incoming_moves if m.state == 'draft']
        return Move.search([
                ('shipment', '=', None),
                ('state', '=', 'draft'),
                ('from_location.type', '=', 'supplier'),
                ('to_location', '=', self.warehouse_input.id),
                ('origin', 'like', 'purchase.line,%'),
                ('company', '=', self.company.id),
                ], order=[('planned_date', 'ASC NULLS LAST'), ('id', 'ASC')])

    def _supplier_moves(self, moves):
        return [m for m in moves if m.origin
            and m.origin.purchase.party == self.supplier]


class ScanStart(ModelView):
    __name__ = 'purchase.suggest.scan.start'
    __string__ = "Receipt by Scan"
    shipment = fields.Many2One('stock.shipment.in', "Shipment",
        readonly=True)
    barcode = fields.Char("Barcode",
        help="Scan a product barcode (or type its code) and press Add.")
    quantity = fields.Float("Quantity", required=True,
        help="Units added by each scan.")
    message = fields.Char("Message", readonly=True)
    lines = fields.One2Many('purchase.suggest.scan.line', None, "Lines")

    @staticmethod
    def default_quantity():
        return 1


class ScanLine(ModelView):
    __name__ = 'purchase.suggest.scan.line'
    __string__ = "Receipt by Scan Line"
    move = fields.Many2One('stock.move', "Move", readonly=True)
    product = fields.Many2One('product.product', "Product", readonly=True)
    expected = fields.Float("Expected", readonly=True)
    received = fields.Float("Received")
    reason = fields.Char("Over-receipt Reason",
        states={'required': Eval('received', 0) > Eval('expected', 0)})


class ScanReceipt(Wizard):
    __name__ = 'purchase.suggest.scan'
    start = StateView('purchase.suggest.scan.start',
        'purchase_suggest.scan_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Add", 'scan', 'tryton-add', default=True),
            Button("Receive", 'receive', 'tryton-ok'),
            ])
    scan = StateTransition()
    receive = StateTransition()

    def default_start(self, fields):
        shipment = self.record
        moves = shipment._supplier_moves(shipment.open_purchase_moves())
        return {
            'shipment': shipment.id,
            'quantity': 1,
            'lines': [{
                    'move': m.id,
                    'product': m.product.id,
                    'expected': m.quantity,
                    'received': 0.,
                    } for m in moves],
            }

    def value_start(self, fields):
        if not getattr(self.start, 'lines', None):
            return {}
        return {
            'barcode': None,
            'message': self.start.message,
            'quantity': self.start.quantity,
            'lines': [{
                    'move': l.move.id,
                    'product': l.product.id,
                    'expected': l.expected,
                    'received': l.received,
                    'reason': l.reason,
                    } for l in self.start.lines],
            }

    @classmethod
    def find_products(cls, barcode):
        "Products whose identifier or code is the barcode"
        Product = Pool().get('product.product')
        return Product.search(['OR',
                ('identifiers.code', '=', barcode),
                ('code', '=', barcode),
                ])

    def transition_scan(self):
        barcode = (self.start.barcode or '').strip()
        lines = list(self.start.lines)
        products = {p.id for p in self.find_products(barcode)} \
            if barcode else set()
        matching = [l for l in lines if l.product.id in products]
        if not matching:
            self.start.message = gettext(
                'purchase_suggest.msg_scan_unknown', barcode=barcode)
            return 'start'
        # fill the lines in order; the last one takes any excess
        for line in matching:
            if (line.received or 0) < line.expected:
                break
        line.received = (line.received or 0) + self.start.quantity
        self.start.message = gettext('purchase_suggest.msg_scan_added',
            product=line.product.rec_name, received=line.received,
            expected=line.expected)
        self.start.lines = lines
        return 'start'

    def transition_receive(self):
        pool = Pool()
        Move = pool.get('stock.move')
        Shipment = pool.get('stock.shipment.in')
        shipment = self.record
        to_write, backorders = [], []
        for line in self.start.lines:
            received = line.received or 0
            move = line.move
            if received > line.expected and not line.reason:
                raise ValidationError(gettext(
                        'purchase_suggest.msg_over_receipt_reason',
                        product=line.product.rec_name,
                        received=received, expected=line.expected))
            if received <= 0:
                if move.shipment:
                    to_write.extend(([move], {'shipment': None}))
                continue
            if received < line.expected:
                backorders.append((move, line.expected - received))
            values = {'quantity': received, 'shipment': str(shipment)}
            if received > line.expected:
                values['over_receipt_reason'] = line.reason
            to_write.extend(([move], values))
        if not any(l.received for l in self.start.lines):
            raise ValidationError(gettext(
                    'purchase_suggest.msg_scan_nothing'))
        for move, rest in backorders:
            # the rest stays an open purchase move: the backorder
            Move.copy([move], {'quantity': rest, 'shipment': None})
        if to_write:
            Move.write(*to_write)
        Shipment.receive([shipment])
        shipment = Shipment(shipment.id)
        if shipment.state == 'received':
            Shipment.do([shipment])
        return 'end'
