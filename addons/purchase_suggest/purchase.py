# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Execution of the purchases: sending them to the supplier by email with
the order document attached, reminders before the promised date, overdue
alerts, the "purchases to chase" list and the links back to the
suggestions.
"""
import datetime
import json
import mimetypes
from email.message import EmailMessage

from trytond.config import config
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.sendmail import send_message_transactional
from trytond.transaction import Transaction, without_check_access


REMINDER_DAYS = 2
ALERT_KINDS = [
    ('reminder', "Reminder"),
    ('overdue', "Overdue"),
    ]


class Purchase(metaclass=PoolMeta):
    __name__ = 'purchase.purchase'

    sent_to_supplier = fields.DateTime("Sent to Supplier", readonly=True)
    suggestions = fields.Function(fields.Many2Many('purchase.suggestion',
            None, None, "Suggestions"), 'get_suggestions',
        searcher='search_suggestions')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'send_to_supplier': {
                    'invisible': ~Eval('state').in_(
                        ['confirmed', 'processing']),
                    'depends': ['state'],
                    },
                })

    def get_suggestions(self, name):
        return sorted({r.origin.suggestion.id for l in self.lines
                for r in getattr(l, 'requests', [])
                if r.origin and r.origin.__name__ == 'purchase.suggestion.line'
                })

    @classmethod
    def search_suggestions(cls, name, clause):
        pool = Pool()
        Line = pool.get('purchase.suggestion.line')
        _, operator, value = clause[:3]
        lines = Line.search([('suggestion', operator, value)])
        ids = {l.purchase.id for l in lines if l.purchase}
        return [('id', 'in', list(ids))]

    @classmethod
    @ModelView.button
    def send_to_supplier(cls, purchases):
        "Email each purchase to its supplier, the order document attached"
        pool = Pool()
        PurchaseReport = pool.get('purchase.purchase', type='report')
        now = datetime.datetime.now()
        for purchase in purchases:
            to = purchase.supplier_email()
            if not to:
                raise ValidationError(gettext(
                        'purchase_suggest.msg_supplier_no_email',
                        party=purchase.party.rec_name,
                        purchase=purchase.rec_name))
            ext, content, _, title = PurchaseReport.execute(
                [purchase.id], {})
            msg = EmailMessage()
            msg['From'] = config.get('email', 'from')
            msg['To'] = to
            msg['Subject'] = gettext('purchase_suggest.msg_email_subject',
                purchase=purchase.number or purchase.rec_name,
                company=purchase.company.rec_name)
            msg.set_content(gettext('purchase_suggest.msg_email_body',
                    purchase=purchase.number or purchase.rec_name,
                    company=purchase.company.rec_name))
            filename = f'{title}.{ext}'
            maintype, subtype = (mimetypes.guess_type(filename)[0]
                or 'application/octet-stream').split('/', 1)
            if isinstance(content, str):
                content = content.encode('utf-8')
            msg.add_attachment(bytes(content), maintype=maintype,
                subtype=subtype, filename=filename)
            send_message_transactional(msg, strict=True)
            purchase.sent_to_supplier = now
        cls.save(purchases)

    def supplier_email(self):
        if self.contact and self.contact.email:
            return self.contact.email
        return self.party.email

    @classmethod
    def follow_up_cron(cls, date=None):
        "Remind the suppliers before the promised date, alert when overdue"
        pool = Pool()
        Alert = pool.get('purchase.suggest.alert')
        Date = pool.get('ir.date')
        if date is None:
            date = Date.today()
        Alert.check(date)


class PurchaseLine(metaclass=PoolMeta):
    __name__ = 'purchase.line'

    @classmethod
    def open_lines(cls, promised_before):
        """{line: (promised date, quantity to receive)} of the purchase lines
        with open incoming moves planned by a date
        """
        Move = Pool().get('stock.move')
        moves = Move.search([
                ('state', 'in', ['draft', 'assigned', 'staging']),
                ('origin', 'like', 'purchase.line,%'),
                ('from_location.type', '=', 'supplier'),
                ['OR',
                    ('planned_date', '<=', promised_before),
                    ('planned_date', '=', None),
                    ],
                ])
        result = {}
        for move in moves:
            line = move.origin
            # the move's planned date, else the date edited on the line
            promised = (move.planned_date or line.delivery_date_store
                or line.delivery_date)
            if (line.purchase.state != 'processing' or not promised
                    or promised > promised_before):
                continue
            first, quantity = result.get(line, (promised, 0))
            result[line] = (min(first, promised), quantity + move.quantity)
        return result


class Alert(ModelSQL, ModelView):
    __name__ = 'purchase.suggest.alert'
    __string__ = "Purchase to Chase"

    company = fields.Many2One('company.company', "Company", required=True,
        readonly=True)
    kind = fields.Selection(ALERT_KINDS, "Kind", required=True,
        readonly=True)
    date = fields.Date("Date", required=True, readonly=True)
    purchase = fields.Many2One('purchase.purchase', "Purchase",
        required=True, readonly=True, ondelete='CASCADE')
    line = fields.Many2One('purchase.line', "Line", required=True,
        readonly=True, ondelete='CASCADE')
    supplier = fields.Function(fields.Many2One('party.party', "Supplier"),
        'on_change_with_supplier')
    product = fields.Function(fields.Many2One('product.product',
            "Product"), 'on_change_with_product')
    promised_date = fields.Date("Promised Date", readonly=True)
    quantity = fields.Float("Quantity to Receive", readonly=True)
    days_late = fields.Integer("Days Late", readonly=True)
    emailed = fields.Boolean("Emailed", readonly=True)
    chased = fields.Boolean("Chased",
        help="Tick when the supplier has been contacted.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('line_kind_unique', Unique(t, t.line, t.kind),
                'purchase_suggest.msg_alert_unique'),
            ]
        cls._order = [('chased', 'ASC'), ('promised_date', 'ASC'),
            ('id', 'ASC')]

    @fields.depends('purchase')
    def on_change_with_supplier(self, name=None):
        return self.purchase.party if self.purchase else None

    @fields.depends('line')
    def on_change_with_product(self, name=None):
        return self.line.product if self.line else None

    @classmethod
    def check(cls, date):
        """Create the reminders of lines promised within REMINDER_DAYS and
        the overdue alerts of lines promised before date, once per line;
        email the reminders and notify purchasing of the overdue lines
        """
        pool = Pool()
        Line = pool.get('purchase.line')
        existing = {(a.line.id, a.kind) for a in cls.search([])}
        vlist = []
        with without_check_access():
            lines = Line.open_lines(
                date + datetime.timedelta(days=REMINDER_DAYS))
        for line, (promised, quantity) in lines.items():
            kind = 'overdue' if promised < date else 'reminder'
            if (line.id, kind) in existing:
                continue
            vlist.append({
                    'company': line.purchase.company.id,
                    'kind': kind,
                    'date': date,
                    'purchase': line.purchase.id,
                    'line': line.id,
                    'promised_date': promised,
                    'quantity': quantity,
                    'days_late': max((date - promised).days, 0),
                    'emailed': False,
                    'chased': False,
                    })
        with without_check_access():
            alerts = cls.create(vlist)
        cls.send_reminders([a for a in alerts if a.kind == 'reminder'])
        cls.notify([a for a in alerts if a.kind == 'overdue'])
        return alerts

    @classmethod
    def send_reminders(cls, alerts):
        "Email each supplier the lines promised soon (one email a purchase)"
        by_purchase = {}
        for alert in alerts:
            by_purchase.setdefault(alert.purchase, []).append(alert)
        emailed = []
        for purchase, purchase_alerts in by_purchase.items():
            to = purchase.supplier_email()
            if not to:
                continue
            msg = EmailMessage()
            msg['From'] = config.get('email', 'from')
            msg['To'] = to
            msg['Subject'] = gettext('purchase_suggest.msg_reminder_subject',
                purchase=purchase.number or purchase.rec_name)
            msg.set_content('\n'.join(gettext(
                        'purchase_suggest.msg_reminder_line',
                        product=a.line.product.rec_name,
                        quantity=a.quantity, date=a.promised_date)
                    for a in purchase_alerts))
            send_message_transactional(msg, strict=True)
            emailed.extend(purchase_alerts)
        if emailed:
            with without_check_access():
                cls.write(emailed, {'emailed': True})

    @classmethod
    def notify(cls, alerts):
        "Notify the purchasing users of the company of overdue lines"
        pool = Pool()
        Notification = pool.get('res.notification')
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        if not alerts:
            return
        group = ModelData.get_id('ecom_base', 'group_purchasing')
        vlist = []
        with without_check_access():
            for alert in alerts:
                users = User.search([
                        ('groups', '=', group),
                        ('companies', '=', alert.company.id),
                        ])
                for user in users:
                    with Transaction().set_context(language=user.language
                            and user.language.code):
                        label = gettext('purchase_suggest.msg_overdue_label',
                            purchase=alert.purchase.rec_name)
                        description = gettext(
                            'purchase_suggest.msg_overdue_description',
                            product=alert.line.product.rec_name,
                            days=alert.days_late)
                    vlist.append({
                            'user': user.id,
                            'label': label,
                            'description': description,
                            'model': cls.__name__,
                            'records': json.dumps([alert.id]),
                            })
            Notification.create(vlist)


class PurchaseRequest(metaclass=PoolMeta):
    __name__ = 'purchase.request'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() | {'purchase.suggestion.line'}
