# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Configuration of supplier grading: periods, decay, thresholds, criteria."""
from decimal import Decimal

from sql.operators import Equal

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, Exclude, ModelSingleton, ModelSQL, ModelView, fields,
    sequence_ordered)
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool

from . import scoring


class Configuration(ModelSingleton, ModelSQL, ModelView):
    __name__ = 'supplier.grading.configuration'
    __string__ = "Supplier Grading Configuration"

    period = fields.Selection([
            ('week', "Week"),
            ('month', "Month"),
            ('quarter', "Quarter"),
            ], "Period", required=True,
        help="The period of a scorecard.")
    on_time_tolerance = fields.Integer(
        "On-Time Tolerance", required=True,
        domain=[('on_time_tolerance', '>=', 0)],
        help="Days a receipt may come after the promised date and still "
        "count as on time.")
    decay = fields.Numeric(
        "Decay", digits=(3, 2), required=True,
        domain=[('decay', '>', 0), ('decay', '<=', 1)],
        help="Weight of a period relative to the next one in the decayed "
        "score (1 gives a plain mean).")
    decay_periods = fields.Integer(
        "Decay Periods", required=True,
        domain=[('decay_periods', '>=', 1)],
        help="The number of last periods the decayed score covers.")
    core_threshold = fields.Numeric(
        "Core Threshold", digits=(5, 2), required=True,
        help="Decayed score from which a supplier is core.")
    backup_threshold = fields.Numeric(
        "Backup Threshold", digits=(5, 2), required=True,
        help="Decayed score from which a supplier is backup; "
        "below it the supplier is eliminated.")
    hysteresis_periods = fields.Integer(
        "Hysteresis Periods", required=True,
        domain=[('hysteresis_periods', '>=', 1)],
        help="The number of periods a supplier must stay across a threshold "
        "before its grade changes; a new supplier is graded after as many "
        "scored periods.")
    score_drop_alert = fields.Numeric(
        "Score Drop Alert", digits=(5, 2), required=True,
        help="Raise a risk alert when the period score falls by this many "
        "points from the previous period.")
    late_streak_alert = fields.Integer(
        "Late Streak Alert", required=True,
        domain=[('late_streak_alert', '>=', 1)],
        help="Raise a risk alert after this many late receipts in a row.")
    document_alert_days = fields.Integer(
        "Document Alert Days", required=True,
        domain=[('document_alert_days', '>=', 0)],
        help="Days before the expiry of a qualification document to alert.")
    block_expired_documents = fields.Boolean(
        "Block on Expired Documents",
        help="Refuse new purchases from a supplier whose mandatory "
        "qualification document has expired.")
    total_weight = fields.Function(
        fields.Numeric("Total Weight", digits=(5, 2)), 'get_total_weight')

    @classmethod
    def default_period(cls):
        return 'month'

    @classmethod
    def default_on_time_tolerance(cls):
        return 2

    @classmethod
    def default_decay(cls):
        return Decimal('0.7')

    @classmethod
    def default_decay_periods(cls):
        return 6

    @classmethod
    def default_core_threshold(cls):
        return Decimal(80)

    @classmethod
    def default_backup_threshold(cls):
        return Decimal(60)

    @classmethod
    def default_hysteresis_periods(cls):
        return 2

    @classmethod
    def default_score_drop_alert(cls):
        return Decimal(15)

    @classmethod
    def default_late_streak_alert(cls):
        return 3

    @classmethod
    def default_document_alert_days(cls):
        return 30

    @classmethod
    def default_block_expired_documents(cls):
        return True

    def get_total_weight(self, name):
        Criterion = Pool().get('supplier.grading.criterion')
        return sum((c.weight or 0 for c in Criterion.search([])), Decimal(0))

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        for record in records:
            if record.backup_threshold > record.core_threshold:
                raise ValidationError(gettext(
                        'supplier_grading.msg_threshold_order'))

    def settings(self):
        "The scoring settings, checked (weights summing to 100)"
        Criterion = Pool().get('supplier.grading.criterion')
        criteria = [scoring.Criterion(c.code, c.weight, c.formula)
            for c in Criterion.search([])]
        try:
            scoring.check_weights(criteria)
        except ValueError:
            raise ValidationError(gettext(
                    'supplier_grading.msg_weights_sum',
                    total=sum((c.weight for c in criteria), Decimal(0))))
        return scoring.Settings(
            criteria=criteria, decay=self.decay,
            decay_periods=self.decay_periods,
            core_threshold=self.core_threshold,
            backup_threshold=self.backup_threshold,
            hysteresis=self.hysteresis_periods)


class Criterion(sequence_ordered(), DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'supplier.grading.criterion'
    __string__ = "Supplier Grading Criterion"

    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    weight = fields.Numeric(
        "Weight", digits=(5, 2), required=True,
        domain=[('weight', '>=', 0), ('weight', '<=', 100)],
        help="The weights of the active criteria sum to 100.")
    formula = fields.Char(
        "Formula", required=True,
        help="A Python expression giving a 0-100 score from: "
        "on_time_rate, fill_rate, quality_rate, return_rate (0-1), "
        "price_index (lowest competing price / own price), lines, "
        "late_lines, average_delay (days), complaints, settle_days "
        "(mean days to settle a complaint); functions min, max, abs, round.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Exclude(t, (t.code, Equal)),
                'supplier_grading.msg_criterion_code_unique'),
            ]

    @classmethod
    def validate_fields(cls, criteria, field_names):
        super().validate_fields(criteria, field_names)
        if field_names and 'formula' not in field_names:
            return
        for criterion in criteria:
            try:
                scoring.check_formula(criterion.formula)
            except scoring.FormulaError as exception:
                raise ValidationError(gettext(
                        'supplier_grading.msg_criterion_formula',
                        criterion=criterion.rec_name,
                        error=str(exception))) from exception
