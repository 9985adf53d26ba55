# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Notifications to the stores when their orders change state: approved
(confirmed by head office or automatically), shipped and invoiced.

Each is stored (the portal lists them under the store portal's record
rule: a store reads only its own) and, when the store party has an email,
mailed to it after the transaction commits.
"""
import datetime
from email.message import EmailMessage
from email.utils import formataddr

from trytond.config import config
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.sendmail import send_message_transactional
from trytond.transaction import Transaction


class Notification(ModelSQL, ModelView):
    __name__ = 'store.notification'
    __string__ = "Store Notification"

    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    store = fields.Many2One('party.party', "Store", required=True,
        readonly=True, ondelete='CASCADE')
    date = fields.DateTime("Date", required=True, readonly=True)
    kind = fields.Selection([
            ('approved', "Order Approved"),
            ('shipped', "Order Shipped"),
            ('invoiced', "Order Invoiced"),
            ], "Kind", required=True, readonly=True)
    sale = fields.Many2One('sale.sale', "Order", readonly=True,
        ondelete='CASCADE')
    document = fields.Char("Document", readonly=True,
        help="The shipment or invoice number.")
    message = fields.Char("Message", required=True, readonly=True)
    emailed = fields.Boolean("Emailed", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def notify(cls, kind, items):
        """Store and mail the notifications of kind for the items:
        (company, store, sale, document) tuples"""
        notifications = []
        for company, store, sale, document in items:
            if not store or not store.store_level:
                continue
            language = store.lang.code if store.lang else None
            with Transaction().set_context(language=language):
                message = gettext(f'store_ordering.msg_notification_{kind}',
                    sale=sale.rec_name if sale else '',
                    reference=(sale.reference or '') if sale else '',
                    document=document or '')
            notifications.append(cls(company=company, store=store,
                    date=datetime.datetime.now(), kind=kind, sale=sale,
                    document=document, message=message,
                    emailed=bool(store.email)))
        cls.save(notifications)
        for notification in notifications:
            if notification.emailed:
                notification.send_email()
        return notifications

    def send_email(self):
        "Mail the notification to the store after the commit"
        msg = EmailMessage()
        msg['Subject'] = self.message
        msg['From'] = config.get('email', 'from')
        msg['To'] = formataddr((self.store.rec_name, self.store.email))
        msg.set_content(self.message)
        send_message_transactional(msg)


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, sales):
        super().confirm(sales)
        Notification = Pool().get('store.notification')
        Notification.notify('approved', [
                (s.company, s.party, s, None) for s in sales
                if s.is_store_order])


class ShipmentOut(metaclass=PoolMeta):
    __name__ = 'stock.shipment.out'

    @classmethod
    @ModelView.button
    @Workflow.transition('shipped')
    def ship(cls, shipments):
        super().ship(shipments)
        Notification = Pool().get('store.notification')
        items = []
        for shipment in shipments:
            sales = {m.sale for m in shipment.outgoing_moves if m.sale}
            document = ' '.join(p for p in [
                    shipment.number, shipment.reference] if p)
            for sale in sorted(sales, key=lambda s: s.id) or [None]:
                items.append(
                    (shipment.company, shipment.customer, sale, document))
        Notification.notify('shipped', items)


class Invoice(metaclass=PoolMeta):
    __name__ = 'account.invoice'

    @classmethod
    def _post(cls, invoices):
        super()._post(invoices)
        Notification = Pool().get('store.notification')
        items = []
        for invoice in invoices:
            if invoice.type != 'out':
                continue
            sales = {l.origin.sale for l in invoice.lines
                if l.origin and l.origin.__name__ == 'sale.line'}
            for sale in sorted(sales, key=lambda s: s.id) or [None]:
                items.append(
                    (invoice.company, invoice.party, sale, invoice.number))
        Notification.notify('invoiced', items)
