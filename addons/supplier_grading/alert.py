# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Supplier risk alerts: a score drop, a streak of late deliveries,
products bought from a single supplier, qualification documents expiring or
expired.  An alert stays open until a user closes it; the same risk is not
raised twice while its alert is open."""
import datetime

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access

from . import scoring

KINDS = [
    ('score_drop', "Score Drop"),
    ('late_streak', "Late Deliveries"),
    ('single_supplier', "Single Supplier"),
    ('document_expiring', "Document Expiring"),
    ('document_expired', "Document Expired"),
    ]


class RiskAlert(Workflow, ModelSQL, ModelView):
    __name__ = 'supplier.risk.alert'
    __string__ = "Supplier Risk Alert"

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    party = fields.Many2One(
        'party.party', "Supplier", readonly=True, ondelete='CASCADE',
        context={'company': Eval('company', -1)}, depends={'company'})
    kind = fields.Selection(KINDS, "Kind", required=True, readonly=True)
    date = fields.Date("Date", required=True, readonly=True)
    product = fields.Many2One(
        'product.product', "Product", readonly=True, ondelete='CASCADE',
        context={'company': Eval('company', -1)}, depends={'company'})
    document = fields.Many2One(
        'supplier.document', "Document", readonly=True, ondelete='CASCADE')
    scorecard = fields.Many2One(
        'supplier.scorecard', "Scorecard", readonly=True,
        ondelete='SET NULL')
    message = fields.Text("Message", readonly=True)
    state = fields.Selection([
            ('open', "Open"),
            ('closed', "Closed"),
            ], "State", required=True, readonly=True, sort=False)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        t = cls.__table__()
        cls._sql_indexes.add(
            Index(t, (t.state, Index.Equality()), where=t.state == 'open'))
        cls._transitions |= {('open', 'closed'), ('closed', 'open')}
        cls._buttons.update({
                'close': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') != 'closed',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('state') == 'open', 'warning', '')),
            ]

    @classmethod
    @ModelView.button
    @Workflow.transition('closed')
    def close(cls, alerts):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def reopen(cls, alerts):
        pass

    @staticmethod
    def _key(values):
        def id_(value):
            return getattr(value, 'id', value)
        return (id_(values['company']), values['kind'],
            id_(values.get('party')), id_(values.get('product')),
            id_(values.get('document')))

    @classmethod
    def raise_(cls, vlist):
        "Create the alerts whose risk has no open alert yet"
        if not vlist:
            return []
        with without_check_access():
            opened = {cls._key({
                        'company': a.company, 'kind': a.kind,
                        'party': a.party, 'product': a.product,
                        'document': a.document})
                for a in cls.search([('state', '=', 'open')])}
            new, seen = [], set()
            for values in vlist:
                key = cls._key(values)
                if key in opened or key in seen:
                    continue
                seen.add(key)
                new.append(values)
            return cls.create(new)

    @classmethod
    def raise_for_scorecards(cls, company, results, late, config,
            cards, today):
        """Score drops and late streaks of the last computed period
        (cards: {(party id, period start): scorecard id})"""
        pool = Pool()
        Party = pool.get('party.party')
        vlist = []
        for supplier, periods in results.items():
            scored = [r for r in periods if r.score is not None]
            party = Party(supplier)
            if len(scored) >= 2 and scoring.score_dropped(
                    scored[-2].score, scored[-1].score,
                    config.score_drop_alert):
                last = scored[-1]
                vlist.append({
                        'company': company.id, 'party': supplier,
                        'kind': 'score_drop', 'date': today,
                        'scorecard': cards[(supplier, last.period[0])],
                        'message': gettext(
                            'supplier_grading.msg_alert_score_drop',
                            party=party.rec_name,
                            previous=scored[-2].score, score=last.score),
                        })
            streak = scoring.late_streak(late.get(supplier, []))
            if streak >= config.late_streak_alert:
                vlist.append({
                        'company': company.id, 'party': supplier,
                        'kind': 'late_streak', 'date': today,
                        'message': gettext(
                            'supplier_grading.msg_alert_late_streak',
                            party=party.rec_name, count=streak),
                        })
        alerts = cls.raise_(vlist)
        alerts += cls.check_single_suppliers(company, today)
        return alerts

    @classmethod
    def check_single_suppliers(cls, company, today):
        """Purchasable products that only one allowed supplier can
        deliver (an eliminated supplier does not count)"""
        pool = Pool()
        ProductSupplier = pool.get('purchase.product_supplier')
        Product = pool.get('product.product')
        suppliers = {}
        with Transaction().set_context(company=company.id):
            for product_supplier in ProductSupplier.search([
                        ('company', 'in', [company.id, None]),
                        ]):
                if not scoring.grade_allowed(
                        product_supplier.party.supplier_grade):
                    continue
                products = ([product_supplier.product]
                    if product_supplier.product
                    else product_supplier.template.products)
                for product in products:
                    suppliers.setdefault(product.id, set()).add(
                        product_supplier.party.id)
        vlist = []
        for product in Product.browse([p for p, s in suppliers.items()
                    if len(s) == 1]):
            if not product.purchasable or not product.active:
                continue
            supplier, = suppliers[product.id]
            vlist.append({
                    'company': company.id, 'party': supplier,
                    'product': product.id,
                    'kind': 'single_supplier', 'date': today,
                    'message': gettext(
                        'supplier_grading.msg_alert_single_supplier',
                        product=product.rec_name),
                    })
        return cls.raise_(vlist)

    @classmethod
    def check_documents_cron(cls):
        cls.check_documents()

    @classmethod
    def check_documents(cls, company=None, today=None):
        """Alert on qualification documents expiring within the alert days
        or expired; the cron runs it daily"""
        pool = Pool()
        Document = pool.get('supplier.document')
        Configuration = pool.get('supplier.grading.configuration')
        Date = pool.get('ir.date')
        Company = pool.get('company.company')
        if company is None:
            company = Company(Transaction().context['company'])
        today = today or Date.today()
        days = Configuration(1).document_alert_days
        limit = today + datetime.timedelta(days=days)
        vlist = []
        with without_check_access():
            documents = Document.search([
                    ('expiry_date', '!=', None),
                    ('expiry_date', '<=', limit),
                    ])
        for document in documents:
            status = scoring.document_status(
                document.expiry_date, today, days)
            kind = ('document_expired' if status == 'expired'
                else 'document_expiring')
            vlist.append({
                    'company': company.id, 'party': document.party.id,
                    'document': document.id, 'kind': kind, 'date': today,
                    'message': gettext(
                        f'supplier_grading.msg_alert_{kind}',
                        party=document.party.rec_name,
                        document=document.rec_name,
                        date=document.expiry_date),
                    })
        return cls.raise_(vlist)
