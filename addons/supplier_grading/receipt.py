# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""What happens at and after receipt: the inspection of incoming moves
(accepted and rejected quantities with a reason) and complaints to
suppliers (the time they take to settle)."""
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction


class Move(metaclass=PoolMeta):
    __name__ = 'stock.move'

    inspected = fields.Boolean(
        "Inspected",
        states={
            'invisible': ~Eval('from_location_type').in_(['supplier']),
            },
        help="The receipt was inspected; the accepted and rejected "
        "quantities count in the supplier's quality pass rate.")
    rejected_quantity = fields.Float(
        "Rejected Quantity", digits='unit',
        domain=[If(Bool(Eval('inspected')),
                [('rejected_quantity', '>=', 0),
                    ('rejected_quantity', '<=', Eval('quantity', 0))],
                [])],
        states={
            'invisible': ~Eval('inspected'),
            'required': Bool(Eval('inspected')),
            })
    accepted_quantity = fields.Function(fields.Float(
            "Accepted Quantity", digits='unit',
            states={'invisible': ~Eval('inspected')}),
        'on_change_with_accepted_quantity')
    rejection_reason = fields.Selection([
            (None, ""),
            ('damaged', "Damaged"),
            ('defective', "Defective"),
            ('wrong_item', "Wrong Item"),
            ('specification', "Out of Specification"),
            ('expired', "Expired or Short-Dated"),
            ('documents', "Missing Documents"),
            ('other', "Other"),
            ], "Rejection Reason",
        states={
            'invisible': ~Eval('inspected'),
            'required': Eval('rejected_quantity', 0) > 0,
            })
    from_location_type = fields.Function(fields.Selection(
            'get_location_types', "From Location Type"),
        'on_change_with_from_location_type')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._allow_modify_closed_period |= {
            'inspected', 'rejected_quantity', 'rejection_reason'}

    @classmethod
    def default_inspected(cls):
        return False

    @classmethod
    def get_location_types(cls):
        Location = Pool().get('stock.location')
        return Location.fields_get(['type'])['type']['selection']

    @fields.depends('from_location')
    def on_change_with_from_location_type(self, name=None):
        return self.from_location.type if self.from_location else None

    @fields.depends('inspected', 'quantity', 'rejected_quantity')
    def on_change_with_accepted_quantity(self, name=None):
        if self.inspected and self.quantity is not None:
            return self.quantity - (self.rejected_quantity or 0)

    @classmethod
    def validate_fields(cls, moves, field_names):
        super().validate_fields(moves, field_names)
        for move in moves:
            if move.inspected and move.from_location.type != 'supplier':
                raise ValidationError(gettext(
                        'supplier_grading.msg_inspection_supplier_only',
                        move=move.rec_name))


class Complaint(Workflow, ModelSQL, ModelView):
    __name__ = 'supplier.complaint'
    __string__ = "Supplier Complaint"
    _rec_name = 'subject'

    company = fields.Many2One(
        'company.company', "Company", required=True,
        states={'readonly': Eval('state') != 'open'})
    party = fields.Many2One(
        'party.party', "Supplier", required=True,
        context={'company': Eval('company', -1)}, depends={'company'},
        states={'readonly': Eval('state') != 'open'})
    subject = fields.Char("Subject", required=True)
    date = fields.Date(
        "Opened", required=True,
        states={'readonly': Eval('state') != 'open'})
    settled_date = fields.Date(
        "Settled", readonly=True,
        domain=[If(Eval('settled_date'),
                ('settled_date', '>=', Eval('date')), ())])
    origin = fields.Reference(
        "Origin", selection='get_origins',
        states={'readonly': Eval('state') != 'open'})
    description = fields.Text("Description")
    resolution = fields.Text(
        "Resolution", states={'required': Eval('state') == 'settled'})
    state = fields.Selection([
            ('open', "Open"),
            ('settled', "Settled"),
            ], "State", required=True, readonly=True, sort=False)
    settle_days = fields.Function(
        fields.Integer("Days to Settle"), 'get_settle_days')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('open', 'settled'), ('settled', 'open')}
        cls._buttons.update({
                'settle': {
                    'invisible': Eval('state') != 'open',
                    'depends': ['state'],
                    },
                'reopen': {
                    'invisible': Eval('state') != 'settled',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'open'

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def _get_origins(cls):
        return ['purchase.purchase', 'purchase.line', 'stock.move',
            'stock.shipment.in', 'stock.shipment.in.return']

    @classmethod
    def get_origins(cls):
        IrModel = Pool().get('ir.model')
        get_name = IrModel.get_name
        return [(None, '')] + [(m, get_name(m)) for m in cls._get_origins()]

    def get_settle_days(self, name):
        Date = Pool().get('ir.date')
        end = self.settled_date or Date.today()
        return (end - self.date).days

    @classmethod
    @ModelView.button
    @Workflow.transition('settled')
    def settle(cls, complaints):
        Date = Pool().get('ir.date')
        for complaint in complaints:
            if not complaint.settled_date:
                complaint.settled_date = Date.today()
        cls.save(complaints)

    @classmethod
    @ModelView.button
    @Workflow.transition('open')
    def reopen(cls, complaints):
        cls.write(complaints, {'settled_date': None})
