# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The supplier record: grade and score per company, categories supplied,
qualification documents and incentives.

Contract with the other modules: `party.party.supplier_grade` (None, 'new',
'core', 'backup', 'eliminated') and `party.party.supplier_score` (0-100, the
latest decayed score) for the company of the context, both searchable.
"""
import datetime

from sql import Null

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.model.exceptions import ValidationError
from trytond.modules.company.model import CompanyValueMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from . import scoring

GRADES = [
    (None, ""),
    ('new', "New"),
    ('core', "Core"),
    ('backup', "Backup"),
    ('eliminated', "Eliminated"),
    ]


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    supplier_grade = fields.Function(fields.Selection(
            GRADES, "Supplier Grade",
            help="The grade of the supplier for the company: core suppliers "
            "are preferred, backup ones warn and eliminated ones cannot be "
            "bought from."),
        'get_supplier_grading', searcher='search_supplier_grading')
    supplier_score = fields.Function(fields.Numeric(
            "Supplier Score", digits=(5, 2),
            help="The latest decayed score of the supplier (0-100)."),
        'get_supplier_grading', searcher='search_supplier_grading')
    supplier_gradings = fields.One2Many(
        'party.party.supplier_grading', 'party', "Supplier Grades")
    supplier_categories = fields.Many2Many(
        'party.party-product.category', 'party', 'category',
        "Categories Supplied")
    supplier_documents = fields.One2Many(
        'supplier.document', 'party', "Qualification Documents")
    supplier_incentives = fields.One2Many(
        'supplier.incentive', 'party', "Incentives")

    @classmethod
    def get_supplier_grading(cls, parties, names):
        pool = Pool()
        Grading = pool.get('party.party.supplier_grading')
        company = Transaction().context.get('company')
        result = {n: dict.fromkeys((p.id for p in parties)) for n in names}
        for grading in Grading.search([
                    ('party', 'in', [p.id for p in parties]),
                    ('company', '=', company),
                    ]):
            for name in names:
                result[name][grading.party.id] = getattr(grading, name)
        return result

    @classmethod
    def search_supplier_grading(cls, name, clause):
        pool = Pool()
        Grading = pool.get('party.party.supplier_grading')
        company = Transaction().context.get('company')
        grading = Grading.__table__()
        _, operator, value = clause[:3]
        Operator = fields.SQL_OPERATORS[operator]
        graded = grading.select(grading.party,
            where=Operator(getattr(grading, name), value)
            & (grading.company == company))
        if value is None and operator in {'=', 'in'} or (
                operator in {'!=', 'not in'} and value is not None):
            # an ungraded party has no row
            others = grading.select(grading.party,
                where=(grading.company == company)
                & (getattr(grading, name) != Null))
            if operator in {'=', 'in'}:
                return [('id', 'not in', others)]
            return ['OR', ('id', 'in', graded), ('id', 'not in', others)]
        return [('id', 'in', graded)]

    def supplier_documents_expired(self, date=None):
        "The mandatory documents expired at date (default today)"
        Date = Pool().get('ir.date')
        date = date or Date.today()
        return [d for d in self.supplier_documents
            if d.mandatory and d.expiry_date and d.expiry_date < date]


class PartySupplierGrading(ModelSQL, ModelView, CompanyValueMixin):
    __name__ = 'party.party.supplier_grading'
    __string__ = "Supplier Grade"

    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='CASCADE',
        context={'company': Eval('company', -1)}, depends={'company'})
    supplier_grade = fields.Selection(GRADES, "Grade")
    supplier_score = fields.Numeric("Score", digits=(5, 2), readonly=True)
    manual = fields.Boolean(
        "Manual",
        help="Keep the grade set by hand: the scorecards do not change it.")
    graded_at = fields.Date("Graded at", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.company.required = True
        t = cls.__table__()
        cls._sql_constraints += [
            ('party_company_unique', Unique(t, t.party, t.company),
                'supplier_grading.msg_grading_unique'),
            ]

    @classmethod
    def default_manual(cls):
        return False

    @classmethod
    def create(cls, vlist):
        pool = Pool()
        Change = pool.get('supplier.grade.change')
        gradings = super().create(vlist)
        if not Transaction().context.get('_supplier_grading_auto'):
            Change.record([Change.values_for(g, None, reason='manual')
                    for g in gradings if g.supplier_grade])
        return gradings

    @classmethod
    def write(cls, *args):
        pool = Pool()
        Change = pool.get('supplier.grade.change')
        actions = iter(args)
        before = {}
        for records, values in zip(actions, actions):
            if 'supplier_grade' in values:
                for record in records:
                    before[record.id] = record.supplier_grade
        super().write(*args)
        if before and not Transaction().context.get('_supplier_grading_auto'):
            changes = []
            for record in cls.browse(list(before)):
                if record.supplier_grade != before[record.id]:
                    changes.append(Change.values_for(record,
                            before[record.id], reason='manual'))
            Change.record(changes)

    def grade_values(self, grade, score, date):
        "The values that apply a computed grade, unless it is manual"
        values = {'supplier_score': score, 'graded_at': date}
        if not self.manual:
            values['supplier_grade'] = grade
        return values


class PartyCategory(ModelSQL):
    __name__ = 'party.party-product.category'
    __string__ = "Party - Category Supplied"
    party = fields.Many2One(
        'party.party', "Party", required=True, ondelete='CASCADE')
    category = fields.Many2One(
        'product.category', "Category", required=True, ondelete='CASCADE')


class Document(ModelSQL, ModelView):
    __name__ = 'supplier.document'
    __string__ = "Supplier Qualification Document"
    _rec_name = 'number'

    party = fields.Many2One(
        'party.party', "Supplier", required=True, ondelete='CASCADE')
    type = fields.Selection([
            ('business_licence', "Business Licence"),
            ('quality_report', "Quality Inspection Report"),
            ('certificate', "Certificate"),
            ('other', "Other"),
            ], "Type", required=True)
    number = fields.Char("Number", required=True)
    issuer = fields.Char("Issuer")
    issue_date = fields.Date("Issue Date")
    expiry_date = fields.Date(
        "Expiry Date",
        domain=[If(Eval('issue_date') & Eval('expiry_date'),
                ('expiry_date', '>=', Eval('issue_date')), ())])
    mandatory = fields.Boolean(
        "Mandatory",
        help="An expired mandatory document blocks new purchases "
        "(when configured).")
    attachment = fields.Binary(
        "Attachment", filename='attachment_name', file_id='attachment_id')
    attachment_name = fields.Char("Attachment Name")
    attachment_id = fields.Char("Attachment ID", readonly=True)
    status = fields.Function(fields.Selection([
                ('valid', "Valid"),
                ('expiring', "Expiring"),
                ('expired', "Expired"),
                ], "Status"), 'get_status', searcher='search_status')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('expiry_date', 'ASC NULLS LAST'), ('id', 'ASC')]

    @classmethod
    def default_type(cls):
        return 'business_licence'

    @classmethod
    def default_mandatory(cls):
        return True

    @classmethod
    def _alert_days(cls):
        Configuration = Pool().get('supplier.grading.configuration')
        return Configuration(1).document_alert_days

    def get_status(self, name):
        Date = Pool().get('ir.date')
        return scoring.document_status(
            self.expiry_date, Date.today(), self._alert_days())

    @classmethod
    def search_status(cls, name, clause):
        Date = Pool().get('ir.date')
        today = Date.today()
        limit = today + datetime.timedelta(days=cls._alert_days())
        _, operator, value = clause[:3]
        domains = {
            'expired': [('expiry_date', '<', today)],
            'expiring': [('expiry_date', '>=', today),
                ('expiry_date', '<=', limit)],
            'valid': ['OR', ('expiry_date', '=', None),
                ('expiry_date', '>', limit)],
            }
        values = value if operator in {'in', 'not in'} else [value]
        domain = ['OR'] + [domains[v] for v in values if v in domains]
        if operator in {'!=', 'not in'}:
            return ['NOT', domain] if len(domain) > 1 else []
        return domain if len(domain) > 1 else [('id', '=', -1)]

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('status') == 'expired', 'danger',
                    If(Eval('status') == 'expiring', 'warning', ''))),
            ]


class Incentive(ModelSQL, ModelView):
    __name__ = 'supplier.incentive'
    __string__ = "Supplier Incentive"

    party = fields.Many2One(
        'party.party', "Supplier", required=True, ondelete='CASCADE',
        context={'company': Eval('company', -1)}, depends={'company'})
    company = fields.Many2One('company.company', "Company", required=True)
    kind = fields.Selection([
            ('priority', "Order Priority"),
            ('payment_term', "Better Payment Term"),
            ('volume', "Volume Commitment"),
            ('other', "Other"),
            ], "Kind", required=True)
    payment_term = fields.Many2One(
        'account.invoice.payment_term', "Payment Term",
        states={
            'required': Eval('kind') == 'payment_term',
            'invisible': Eval('kind') != 'payment_term',
            })
    start_date = fields.Date("Start Date", required=True)
    end_date = fields.Date(
        "End Date",
        domain=[If(Eval('end_date'),
                ('end_date', '>=', Eval('start_date')), ())])
    description = fields.Text("Description")
    grade = fields.Selection(GRADES, "Grade at Grant", readonly=True)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_start_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_kind(cls):
        return 'priority'

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Party = pool.get('party.party')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('party'):
            with Transaction().set_context(company=values.get('company')):
                party = Party(values['party'])
                values['grade'] = party.supplier_grade
        return values

    @classmethod
    def validate_fields(cls, incentives, field_names):
        super().validate_fields(incentives, field_names)
        for incentive in incentives:
            if incentive.grade and incentive.grade != 'core':
                raise ValidationError(gettext(
                        'supplier_grading.msg_incentive_core',
                        party=incentive.party.rec_name))

    @classmethod
    def copy(cls, incentives, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('grade')
        return super().copy(incentives, default=default)


def sort_product_suppliers(product_suppliers):
    "Best grade first, eliminated suppliers left out (see scoring)"
    return scoring.sort_by_grade(
        product_suppliers, lambda ps: ps.party.supplier_grade)
