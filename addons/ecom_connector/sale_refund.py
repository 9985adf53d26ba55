# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Line-level refunds of imported orders

A refund of some lines or units reduces those sale lines while they have
not shipped (their pending moves shrink, or are cancelled and ignored as
Tryton's shipment exception handling does), and returns them once shipped:
a return sale of exactly those quantities, made as Tryton's Return Sale
wizard makes one, processed into a customer return shipment.  What was
handled is kept per platform line on the raw order, so a refund delivered
again creates nothing twice.
"""
import json
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta

from . import refunds
from .adapters.base import OrderStatus
from .raw_order import Problem

PENDING_SHIPMENT = {'draft', 'waiting', 'assigned'}


class RawOrder(metaclass=PoolMeta):
    __name__ = 'ecom.raw_order'
    refunded_lines = fields.Text("Refunded Lines", readonly=True,
        help="Per platform line, the refunded units already taken off "
        "the sale (reduced) or returned, as JSON.")

    def _whole_refund(self, order):
        """The order is cancelled or refunded as a whole, with nothing
        refunded line by line before"""
        if order.status == OrderStatus.CANCELLED:
            return True
        if order.status != OrderStatus.REFUNDED or self.refunded_lines:
            return False
        refunded = refunds.refunded_quantities(order)
        return all(refunded.get(l.platform_line_id) == l.quantity
            for l in order.lines)

    def _refund_lines(self, order):
        """Reduce or return what the platform refunded since the last
        delivery; return (products touched, changes to record)"""
        refunded = refunds.refunded_quantities(order)
        if not refunded:
            return set(), []
        sale = self.sale
        handled = json.loads(self.refunded_lines or '{}')
        ordered = {l.platform_line_id: l.quantity for l in order.lines}
        by_line = defaultdict(list)
        for line in sale.lines:
            if line.ecom_line_id in ordered:
                by_line[line.ecom_line_id].append(line)
        shipped = {}
        for line_id, lines in by_line.items():
            left = refunds.remaining(handled, ordered, line_id)
            units = Decimal(0)
            for line in lines:
                if line.product and line.quantity and left:
                    done = sum(Decimal(str(m.quantity)) for m in line.moves
                        if m.state == 'done')
                    per_unit = Decimal(str(line.quantity)) / left
                    units = max(units, done / per_unit)
            shipped[line_id] = units
        steps = refunds.plan(refunded, handled, ordered, shipped)
        if not steps:
            return set(), []
        touched = {l.product.id for s in steps for l in by_line[s.line_id]
            if l.product}
        changes = []
        reductions = [s for s in steps if s.reduce]
        if reductions:
            self._reduce_lines(sale, by_line, reductions, handled, ordered)
            changes.append(gettext('ecom_connector.msg_refund_reduced',
                    lines=refunds_text(reductions, 'reduce')))
        returns = [s for s in steps if s.ret]
        if returns:
            after = refunds.record(handled, reductions)
            self.return_sale = self._return_lines(
                sale, returns, after, ordered)
            changes.append(gettext('ecom_connector.msg_refund_returned',
                    lines=refunds_text(returns, 'ret'),
                    sale=self.return_sale.rec_name))
        self.refunded_lines = json.dumps(refunds.record(handled, steps),
            sort_keys=True)
        return touched, changes

    @classmethod
    def _reduce_lines(cls, sale, by_line, steps, handled, ordered):
        "Take refunded, unshipped units off the sale lines and their moves"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        Move = pool.get('stock.move')
        Shipment = pool.get('stock.shipment.out')
        lines = [l for s in steps for l in by_line[s.line_id]]
        moves = [m for l in lines for m in l.moves
            if m.state not in {'done', 'cancelled'}]
        shipments = sorted({m.shipment for m in moves if m.shipment},
            key=lambda s: s.id)
        if any(s.state not in PENDING_SHIPMENT for s in shipments):
            # picked or packed: the warehouse must unpack first
            raise refunds_problem(sale)
        # back to draft: the inventory moves are made again from the
        # outgoing moves by wait() below
        Shipment.draft(shipments)
        to_cancel, ignored = [], defaultdict(list)
        for step in steps:
            left = refunds.remaining(handled, ordered, step.line_id)
            factor = (left - step.reduce) / left
            # read again: the moves changed state with their shipments
            for line in Line.browse([l.id for l in by_line[step.line_id]]):
                if not line.product:
                    # the line's discount or rounding, pro rata
                    Line.write([line], {'unit_price': (line.unit_price
                                * factor).quantize(Decimal('0.0001'))})
                    continue
                old = Decimal(str(line.quantity))
                new = line.unit.round(float(old * factor))
                less = line.quantity - new
                for move in line.moves:
                    if move.state in {'done', 'cancelled'} or less <= 0:
                        continue
                    if move.quantity <= less:
                        less -= move.quantity
                        to_cancel.append(move)
                        ignored[line].append(move.id)
                    else:
                        Move.write([move], {
                                'quantity': move.unit.round(
                                    move.quantity - less)})
                        less = 0
                Line.write([line], {'quantity': new})
        if to_cancel:
            Move.cancel(to_cancel)
        for line, move_ids in ignored.items():
            Line.write([line], {'moves_ignored': [('add', move_ids)]})
        live = [s for s in Shipment.browse([s.id for s in shipments])
            if any(m.state != 'cancelled' for m in s.outgoing_moves)]
        dead = [s for s in shipments if s not in live]
        if live:
            Shipment.wait(live)
        if dead:
            Shipment.cancel(dead)
        sale = Sale(sale.id)
        # the amounts of a confirmed sale are stored: computed again
        Sale.store_cache([sale])
        if all(not l.quantity for l in sale.lines
                if l.type == 'line' and l.product
                and l.product.type != 'service'):
            cls._cancel(sale)
        else:
            # as after Tryton's shipment exception handling: the sale's
            # states follow, no move is made for what was taken off
            Sale.process([sale])

    @staticmethod
    def _return_lines(sale, steps, handled, ordered):
        "A return sale of the refunded, shipped units (Return Sale wizard)"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Line = pool.get('sale.line')
        return_sale, = Sale.copy([sale], default={
                'origin': str(sale),
                'lines': None,
                })
        sale = Sale(sale.id)
        for step in steps:
            left = refunds.remaining(handled, ordered, step.line_id)
            factor = step.ret / left
            for line in sale.lines:
                if line.ecom_line_id != step.line_id:
                    continue
                if line.product:
                    quantity = -line.unit.round(
                        float(Decimal(str(line.quantity)) * factor))
                    unit_price = line.unit_price
                else:
                    quantity = -line.quantity
                    unit_price = (line.unit_price * factor).quantize(
                        Decimal('0.0001'))
                Line.copy([line], default={
                        'sale': return_sale.id,
                        'quantity': quantity,
                        'unit_price': unit_price,
                        })
        Sale.quote([return_sale])
        Sale.confirm([return_sale])
        Sale.process([return_sale])
        return return_sale


def refunds_text(steps, attribute):
    "line × units, ... of the steps"
    return ', '.join(
        f"{s.line_id} × {format(getattr(s, attribute).normalize(), 'f')}"
        for s in steps)


def refunds_problem(sale):
    return Problem('error', gettext('ecom_connector.msg_refund_picked',
            sale=sale.rec_name))
