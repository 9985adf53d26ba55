# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Line-level refunds of imported orders

A refund of some lines or units reduces those sale lines while they have
not shipped (their pending moves shrink, or are cancelled and ignored as
Tryton's shipment exception handling does), and returns them once shipped:
a return sale of exactly those quantities, made as Tryton's Return Sale
wizard makes one, processed into a customer return shipment.  What was
handled is kept per platform line on the raw order, so a refund delivered
again creates nothing twice.  A line reduced before shipment also shrinks
its line on the sale's draft invoice (invoice method On Order Processed),
so that Tryton does not make a credit note for an invoice never posted.

A refund of money without goods returned (WooCommerce's amount-only
refunds) is credited, once per refund id: on the sale's draft invoice as a
negative line while there is one, else as a customer credit note (a new
`out` invoice of negative lines, as Tryton's credit makes, in draft for
finance to post).  The credit lines carry the channel's tax included in
the amount.  A sale not invoiced at all cannot be credited: the order
becomes an exception for finance (invoice the sale, then Retry).
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
    refunded_money = fields.Text("Refunded Amounts", readonly=True,
        help="Per platform refund of money without goods returned, the "
        "amount and the invoice that credits it, as JSON.")
    credit_invoices = fields.Function(fields.Many2Many('account.invoice',
            None, None, "Refund Invoices",
            help="The invoices crediting the money refunded without goods "
            "returned."),
        'get_credit_invoices')

    def get_credit_invoices(self, name):
        done = json.loads(self.refunded_money or '{}')
        return sorted({v['invoice'] for v in done.values()
                if v.get('invoice')})

    def _refund_money(self, order):
        """Credit the money-only refunds not credited yet; return the
        changes to record"""
        pool = Pool()
        Invoice = pool.get('account.invoice')
        done = json.loads(self.refunded_money or '{}')
        new = refunds.money_refunds(order, done)
        if not new:
            return []
        sale = self.sale
        invoices = [i for i in sale.invoices if i.state != 'cancelled']
        if not invoices:
            raise Problem('error', gettext(
                    'ecom_connector.msg_money_refund_not_invoiced',
                    sale=sale.rec_name, refunds=', '.join(
                        f'{r.platform_refund_id} ({r.amount})'
                        for r in new)))
        drafts = [i for i in invoices if i.state == 'draft']
        changes = []
        for refund in new:
            if drafts:
                invoice = drafts[0]
                message = 'ecom_connector.msg_money_refund_invoice_reduced'
            else:
                invoice = sale._get_invoice()
                invoice.reference = sale.reference
                invoice.description = gettext(
                    'ecom_connector.msg_money_refund_description',
                    refund=refund.platform_refund_id, sale=sale.rec_name)
                invoice.lines = []
                invoice.save()
                message = 'ecom_connector.msg_money_refund_credited'
            self._credit_lines(invoice, invoices, refund)
            Invoice.update_taxes([invoice])
            done[refund.platform_refund_id] = {
                'amount': str(refund.amount), 'invoice': invoice.id}
            changes.append(gettext(message, refund=refund.platform_refund_id,
                    amount=refund.amount, invoice=invoice.rec_name))
        self.refunded_money = json.dumps(done, sort_keys=True)
        return changes

    def _credit_lines(self, invoice, invoices, refund):
        "Negative lines of the refunded amount on the invoice"
        pool = Pool()
        Line = pool.get('account.invoice.line')
        Configuration = pool.get('account.configuration')
        tax = self.channel.tax
        config = Configuration(1)
        rounding = config.get_multivalue('tax_rounding',
            company=invoice.company.id)
        # the revenue account of the goods invoiced, as Tryton credits them
        accounts = [l.account for i in invoices for l in i.lines
            if l.type == 'line' and l.product and l.account]
        account = accounts[0] if accounts else config.get_multivalue(
            'default_category_account_revenue', company=invoice.company.id)
        description = gettext('ecom_connector.msg_platform_refund',
            refund=refund.platform_refund_id,
            reason=refund.reason or '').strip()
        lines = []
        # the invoice's negative lines of the same tax: Tryton rounds
        # their tax together, apart from the positive lines'
        base = [(l.quantity, l.unit_price) for l in invoice.lines or []
            if tax and l.type == 'line' and tuple(l.taxes) == (tax,)
            and Decimal(str(l.quantity)) * l.unit_price < 0]
        for quantity, unit_price, taxed in refunds.credit_lines(
                refund.amount, tax.rate if tax else None, rounding, base):
            lines.append(Line(invoice=invoice, type='line',
                    invoice_type='out', company=invoice.company,
                    currency=invoice.currency, account=account,
                    quantity=float(quantity), unit_price=unit_price,
                    taxes=[tax] if taxed else [], origin=self,
                    description=description if taxed or not tax
                    else gettext('ecom_connector.msg_tax_rounding')))
        Line.save(lines)
        return lines

    def _whole_refund(self, order):
        """The order is cancelled or refunded as a whole, with nothing
        refunded line by line before"""
        if order.status == OrderStatus.CANCELLED:
            return True
        if order.status != OrderStatus.REFUNDED or self.refunded_lines:
            return False
        if any(r.money_only for r in order.refunds) and (
                self.refunded_money or any(m.state == 'done'
                    for m in self.sale.moves if m.quantity > 0)):
            # refunded in money only (WooCommerce) once shipped or partly
            # credited: the rest is credited, no return is awaited
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
        Invoice = pool.get('account.invoice')
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
        drafts = []
        for step in steps:
            left = refunds.remaining(handled, ordered, step.line_id)
            factor = (left - step.reduce) / left
            # read again: the moves changed state with their shipments
            for line in Line.browse([l.id for l in by_line[step.line_id]]):
                if not line.product:
                    # the line's discount or rounding, pro rata
                    unit_price = (line.unit_price * factor).quantize(
                        Decimal('0.0001'))
                    drafts.extend(cls._reduce_draft_invoice(line, 0,
                            unit_price))
                    Line.write([line], {'unit_price': unit_price})
                    continue
                old = Decimal(str(line.quantity))
                new = line.unit.round(float(old * factor))
                less = line.quantity - new
                drafts.extend(cls._reduce_draft_invoice(line, less))
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
        if drafts:
            Invoice.update_taxes(list({i.id: i for i in drafts}.values()))
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
    def _reduce_draft_invoice(line, less, unit_price=None):
        """Take `less` units (or set the unit price) off the sale line's
        lines on draft invoices; the invoices changed

        Without this Tryton's processing would invoice the difference as a
        credit note of an invoice never posted."""
        InvoiceLine = Pool().get('account.invoice.line')
        changed = []
        for invoice_line in line.invoice_lines:
            invoice = invoice_line.invoice
            if (not invoice or invoice.state != 'draft'
                    or invoice_line.type != 'line'):
                continue
            if unit_price is not None:
                InvoiceLine.write([invoice_line], {'unit_price': unit_price})
                changed.append(invoice)
                continue
            if less <= 0:
                break
            take = min(invoice_line.quantity, less)
            less -= take
            if take == invoice_line.quantity:
                InvoiceLine.delete([invoice_line])
            else:
                InvoiceLine.write([invoice_line], {
                        'quantity': line.unit.round(
                            invoice_line.quantity - take)})
            changed.append(invoice)
        return changed

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


class InvoiceLine(metaclass=PoolMeta):
    __name__ = 'account.invoice.line'

    @classmethod
    def _get_origin(cls):
        "The credit of a platform refund comes from its raw order"
        return super()._get_origin() + ['ecom.raw_order']
