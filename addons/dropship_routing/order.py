# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Drop-ship orders: what a supplier is asked to ship, and its answers.

A drop-shipped sale line gets a purchase request to the routed supplier;
the request becomes a draft purchase (with the customer's address) and a
drop-ship order in state *Pending* with an acceptance deadline.  The
supplier answers through the portal, a file or the API (or a user on its
behalf):

- accept: the purchase is confirmed, Tryton creates the drop shipment;
- ship with a tracking number: the drop shipment is shipped and done with
  the number as its reference, and the tracking goes to the marketplace;
- reject, or no answer by the deadline (cron): the purchase is cancelled
  and the line goes to the next supplier by the routing policy, up to the
  configured number of suppliers, then becomes an exception.

A supplier whose dispatch method is email also gets each order by email
with the purchase order document attached (Tryton's purchase report), sent
after the commit through trytond.sendmail; a failed sending stays on the
order in state *Failed* with its error and is retried by a cron until it
goes.
"""
import datetime
import logging
import mimetypes
from email.message import EmailMessage

import trytond.config as config
from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.sendmail import send_message
from trytond.transaction import Transaction

logger = logging.getLogger(__name__)


class Order(Workflow, ModelSQL, ModelView):
    __name__ = 'dropship.order'
    __string__ = "Drop-Ship Order"
    _rec_name = 'number'

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    sale_line = fields.Many2One('sale.line', "Sale Line", required=True,
        readonly=True, ondelete='CASCADE')
    sale = fields.Many2One('sale.sale', "Sale", required=True,
        readonly=True, ondelete='CASCADE')
    supplier = fields.Many2One('party.party', "Supplier", required=True,
        readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    offer = fields.Many2One('purchase.product_supplier', "Supplier Offer",
        readonly=True)
    product = fields.Many2One('product.product', "Product", required=True,
        readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    quantity = fields.Float("Quantity", required=True, readonly=True)
    unit = fields.Many2One('product.uom', "Unit", required=True,
        readonly=True)
    currency = fields.Many2One('currency.currency', "Currency",
        required=True, readonly=True)
    cost = Monetary("Cost", currency='currency', digits='currency',
        readonly=True)
    freight = Monetary("Freight", currency='currency', digits='currency',
        readonly=True)
    customer = fields.Many2One('party.party', "Customer", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    delivery_address = fields.Many2One('party.address', "Delivery Address",
        readonly=True)
    ship_to = fields.Text("Ship To", readonly=True)
    request = fields.Many2One('purchase.request', "Purchase Request",
        readonly=True)
    purchase = fields.Many2One('purchase.purchase', "Purchase",
        readonly=True, ondelete='SET NULL')
    sent_at = fields.DateTime("Sent", readonly=True)
    deadline = fields.DateTime("Acceptance Deadline", readonly=True)
    answered_at = fields.DateTime("Answered", readonly=True)
    reject_reason = fields.Char("Rejection Reason",
        states={'readonly': Eval('state') != 'pending'})
    tracking_number = fields.Char("Tracking Number",
        states={'readonly': ~Eval('state').in_(['pending', 'accepted'])})
    carrier = fields.Char("Carrier",
        states={'readonly': ~Eval('state').in_(['pending', 'accepted'])})
    state = fields.Selection([
            ('pending', "Pending"),
            ('accepted', "Accepted"),
            ('shipped', "Shipped"),
            ('rejected', "Rejected"),
            ('expired', "Expired"),
            ], "State", required=True, readonly=True, sort=False)
    state_string = state.translated('state')
    email_state = fields.Selection([
            (None, ""),
            ('to_send', "To Send"),
            ('sent', "Sent"),
            ('failed', "Failed"),
            ], "Email", readonly=True, sort=False,
        help="The order sent by email to a supplier whose dispatch method "
        "is email; a failed sending is retried until it goes.")
    email_to = fields.Char("Email To", readonly=True)
    email_attempts = fields.Integer("Email Attempts", readonly=True)
    emailed_at = fields.DateTime("Emailed", readonly=True)
    email_error = fields.Text("Email Error", readonly=True,
        states={'invisible': ~Eval('email_error')})

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('sent_at', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('pending', 'accepted'), ('pending', 'rejected'),
            ('pending', 'expired'), ('accepted', 'shipped'),
            }
        cls._buttons.update({
                'accept': {
                    'invisible': Eval('state') != 'pending',
                    'depends': ['state'],
                    },
                'reject': {
                    'invisible': Eval('state') != 'pending',
                    'depends': ['state'],
                    },
                'ship': {
                    'invisible': ~Eval('state').in_(['pending', 'accepted']),
                    'depends': ['state'],
                    },
                'send_email': {
                    'invisible': ~Eval('email_state').in_(
                        ['to_send', 'failed']),
                    'depends': ['email_state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def dispatch(cls, lines):
        """Send each drop-shipped line to its supplier: a draft purchase
        from the line's request and a pending order"""
        pool = Pool()
        Configuration = pool.get('dropship.configuration')
        acceptance = Configuration(1).acceptance_time
        now = datetime.datetime.now()
        orders = []
        for line in lines:
            request = line.purchase_request
            purchase = cls._purchase(request)
            address = request.delivery_address
            orders.append(cls(
                    company=line.sale.company, sale_line=line,
                    sale=line.sale, supplier=request.party,
                    offer=line.dropship_offer, product=line.product,
                    quantity=request.quantity, unit=request.unit,
                    currency=line.sale.currency,
                    cost=line.dropship_cost, freight=line.dropship_freight,
                    customer=request.customer, delivery_address=address,
                    ship_to=address.full_address if address else None,
                    request=request, purchase=purchase, sent_at=now,
                    deadline=now + acceptance, state='pending'))
        cls.save(orders)
        for order in orders:
            order.number = f"DS{order.id:06d}"
        cls.save(orders)
        cls.send(orders)
        return orders

    @classmethod
    def _purchase(cls, request):
        "A draft purchase of request, to its supplier and customer"
        pool = Pool()
        Purchase = pool.get('purchase.purchase')
        Request = pool.get('purchase.request')
        CreatePurchase = pool.get('purchase.request.create_purchase',
            type='wizard')
        Date = pool.get('ir.date')
        with Transaction().set_context(company=request.company.id):
            today = Date.today()
        purchase = Purchase(company=request.company, party=request.party,
            warehouse=request.warehouse, currency=request.currency,
            purchase_date=today)
        purchase.on_change_party()
        purchase.customer = request.customer
        purchase.delivery_address = request.delivery_address
        # the wizard's own line key (an instance method there)
        key = (('product', request.product),
            ('description', request.description or ''),
            ('unit', request.unit))
        line = CreatePurchase.compute_purchase_line(key, [request], purchase)
        line.requests = [request]
        purchase.save()
        line.purchase = purchase
        line.save()
        Request.update_state([request])
        return purchase

    @classmethod
    def send(cls, orders):
        """The orders reach their suppliers: on the portal (and its file)
        at once; by email for the suppliers whose dispatch method is email,
        sent after the commit (a supplier's API can be plugged here)"""
        emailed = [o for o in orders
            if o.supplier.dropship_dispatch == 'email']
        if emailed:
            cls.write(emailed, {'email_state': 'to_send',
                    'email_attempts': 0})
            cls.__queue__.send_email(emailed)

    @classmethod
    def send_emails(cls):
        "Cron: send the orders still to email, retrying the failed ones"
        orders = cls.search([
                ('email_state', 'in', ['to_send', 'failed']),
                ('state', 'in', ['pending', 'accepted']),
                ], order=[('id', 'ASC')])
        cls.send_email(orders)
        return orders

    @classmethod
    @ModelView.button
    def send_email(cls, orders):
        """Email each order to its supplier with the purchase order
        attached; an order that cannot be sent is kept as failed with the
        error, to be sent again (an order rejected or expired meanwhile
        went to another supplier: it is not sent)"""
        pool = Pool()
        JobRun = pool.get('ecom.job.run')
        orders = [o for o in cls.browse(orders)
            if o.email_state in {'to_send', 'failed'}
            and o.state in {'pending', 'accepted'}]
        if not orders:
            return
        now = datetime.datetime.now()
        with JobRun.track('dropship_routing.email') as run:
            for order in orders:
                values = {'email_attempts': (order.email_attempts or 0) + 1}
                try:
                    message, attachment = order._email_message()
                    send_message(message, strict=True)
                except Exception as exception:
                    logger.warning("drop-ship order %s not emailed",
                        order.number, exc_info=True)
                    error = str(exception) or exception.__class__.__name__
                    values.update(email_state='failed', email_error=error)
                    run.error(gettext('dropship_routing.msg_email_failed',
                            order=order.rec_name, error=error),
                        record=order)
                else:
                    values.update(email_state='sent', emailed_at=now,
                        email_to=message['To'], email_error=None)
                    order._email_log(*attachment)
                    run.add('processed')
                    run.info(f"emailed to {message['To']}", record=order)
                cls.write([order], values)

    def _email_address(self):
        "The address the supplier receives its orders at"
        return self.supplier.dropship_email or self.supplier.email

    def _email_message(self):
        """The email of the order to its supplier and its attachment
        (file name, data): the purchase order document"""
        pool = Pool()
        PurchaseReport = pool.get('purchase.purchase', type='report')
        to = self._email_address()
        if not to:
            raise UserError(gettext('dropship_routing.msg_email_no_address',
                    supplier=self.supplier.rec_name))
        if not self.purchase:
            raise UserError(gettext(
                    'dropship_routing.msg_email_no_purchase',
                    order=self.rec_name))
        language = self.supplier.lang.code if self.supplier.lang else None
        with Transaction().set_context(language=language,
                company=self.company.id):
            ext, content, _, _ = PurchaseReport.execute(
                [self.purchase.id], {})
            subject = gettext('dropship_routing.msg_email_subject',
                order=self.number, product=self.product.rec_name)
            deadline = (self.deadline.strftime('%Y-%m-%d %H:%M UTC')
                if self.deadline else '')
            body = gettext('dropship_routing.msg_email_body',
                order=self.number, product=self.product.rec_name,
                quantity=f"{self.quantity:g}", unit=self.unit.rec_name,
                ship_to=self.ship_to or '', deadline=deadline)
        filename = f'{self.number}.{ext}'
        content = bytes(content)
        message = EmailMessage()
        message['From'] = config.get('email', 'from')
        message['To'] = to
        message['Subject'] = subject
        message.set_content(body)
        maintype, subtype = _mimetype(ext).split('/')
        message.add_attachment(content, maintype=maintype, subtype=subtype,
            filename=filename)
        return message, (filename, content)

    def _email_log(self, filename, content):
        "Keep the document sent as an attachment of the order"
        pool = Pool()
        Attachment = pool.get('ir.attachment')
        Attachment.create([{
                    'resource': str(self),
                    'name': filename,
                    'type': 'data',
                    'data': content,
                    'description': self._email_address(),
                    }])

    @classmethod
    def resupply(cls, lines):
        """Send again the drop-shipped lines whose request waits without
        purchase (after a re-route or a forced supplier)"""
        pool = Pool()
        Request = pool.get('purchase.request')
        to_dispatch, requests = [], []
        for line in lines:
            request = line.purchase_request
            if (line.dropship_route != 'dropship' or not request
                    or request.purchase_line):
                continue
            request.party = line.dropship_offer.party
            request.customer = line.sale.shipment_party or line.sale.party
            request.delivery_address = line.sale.shipment_address
            requests.append(request)
            to_dispatch.append(line)
        Request.save(requests)
        return cls.dispatch(to_dispatch)

    @classmethod
    @ModelView.button
    @Workflow.transition('accepted')
    def accept(cls, orders):
        pool = Pool()
        Purchase = pool.get('purchase.purchase')
        now = datetime.datetime.now()
        cls.write(orders, {'answered_at': now})
        purchases = [o.purchase for o in orders
            if o.purchase and o.purchase.state == 'draft']
        if purchases:
            # The routing chose the supplier knowing its grade: a backup
            # supplier's warning is no question to the supplier accepting.
            with Transaction().set_context(_skip_warnings=True):
                Purchase.quote(purchases)
                Purchase.confirm(purchases)
                Purchase.process(purchases)

    @classmethod
    @ModelView.button
    def reject(cls, orders, reason=None):
        "Reject orders: their lines go to the next supplier"
        cls._check_state(orders, {'pending'})
        values = {'answered_at': datetime.datetime.now()}
        if reason:
            values['reject_reason'] = reason
        cls.write(orders, values)
        cls._end(orders, 'rejected')

    @classmethod
    def expire(cls):
        "Cron: orders not accepted by their deadline go to the next supplier"
        orders = cls.search([
                ('state', '=', 'pending'),
                ('deadline', '<', datetime.datetime.now()),
                ])
        if orders:
            cls._end(orders, 'expired')
        return orders

    @classmethod
    def _end(cls, orders, state):
        if not orders:
            return []
        pool = Pool()
        Purchase = pool.get('purchase.purchase')
        Request = pool.get('purchase.request')
        Line = pool.get('sale.line')
        JobRun = pool.get('ecom.job.run')
        purchases = [o.purchase for o in orders if o.purchase]
        requests = [o.request for o in orders if o.request]
        cls.write(orders, {'state': state, 'purchase': None})
        # The purchase was never confirmed: remove it so that the request
        # is free for the next supplier (Tryton refuses to delete a
        # purchase whose lines still hold requests).
        Request.write(requests, {'purchase_line': None})
        Purchase.cancel(purchases)
        Purchase.delete(purchases)
        Request.update_state(requests)
        lines = Line.browse([o.sale_line.id for o in orders])
        decisions = Line.dropship_route_lines(lines, reroute=True)
        resent = cls.resupply(lines)
        with JobRun.track('dropship_routing.reroute') as run:
            for line, decision in decisions.items():
                run.add('processed')
                if decision.route == 'exception':
                    run.error(gettext('dropship_routing.msg_line_exception',
                            line=line.rec_name), record=line)
            run.add('created', len(resent))
        return resent

    @classmethod
    @ModelView.button
    def ship(cls, orders, tracking_number=None, carrier=None):
        """Ship orders with their tracking number: the drop shipment is done
        and the tracking pushed to the marketplace"""
        pool = Pool()
        Shipment = pool.get('stock.shipment.drop')
        cls._check_state(orders, {'pending', 'accepted'})
        values = {}
        if tracking_number:
            values['tracking_number'] = tracking_number
        if carrier:
            values['carrier'] = carrier
        if values:
            cls.write(orders, values)
        for order in orders:
            if not order.tracking_number:
                raise AccessError(gettext(
                        'dropship_routing.msg_tracking_required',
                        order=order.rec_name))
        pending = [o for o in orders if o.state == 'pending']
        if pending:
            cls.accept(pending)
        orders = cls.browse(orders)
        shipments = []
        for order in orders:
            for shipment in order.drop_shipments():
                if shipment.state in {'draft', 'waiting'}:
                    shipment.reference = order.tracking_number
                    shipments.append(shipment)
        Shipment.save(shipments)
        Shipment.ship(shipments)
        Shipment.do(shipments)
        cls._ship(orders)
        cls.push_tracking(orders)

    @classmethod
    @Workflow.transition('shipped')
    def _ship(cls, orders):
        pass

    def drop_shipments(self):
        if not self.purchase:
            return []
        return list(self.purchase.drop_shipments)

    @classmethod
    def push_tracking(cls, orders):
        """Hook: push the tracking numbers of shipped orders to the
        marketplace the sale came from (ecom_connector)"""
        pass

    @classmethod
    def _check_state(cls, orders, states):
        for order in orders:
            if order.state not in states:
                raise AccessError(gettext(
                        'dropship_routing.msg_order_state',
                        order=order.rec_name,
                        state=order.state_string))


def _mimetype(extension):
    return (mimetypes.guess_type(f'x.{extension}')[0]
        or 'application/octet-stream')
