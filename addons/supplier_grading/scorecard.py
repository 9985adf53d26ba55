# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Scorecards per supplier and period, measured from the documents.

`Scorecard.compute(company, start, end)` reads the incoming moves of
purchase lines, the returns to suppliers and the complaints with a few SQL
queries, hands the rows to the pure functions of `scoring`, stores one
scorecard (and a line per criterion) per supplier and period, moves the
grades, logs and notifies their changes and raises the risk alerts.
"""
import datetime
import json
from collections import defaultdict
from decimal import Decimal

from sql import Column
from sql.conditionals import Coalesce
from sql.operators import Like

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction, without_check_access
from trytond.wizard import Button, StateAction, StateView, Wizard

from . import scoring
from .party import GRADES

RATE_DIGITS = (5, 2)
BANDS = [
    (None, ""),
    ('core', "Core"),
    ('backup', "Backup"),
    ('eliminated', "Eliminated"),
    ]
FIGURES = [f for f in scoring.Figures.__dataclass_fields__]


def _date(value):
    "SQLite gives computed dates as text"
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


def _insert(cursor, table, names, rows):
    "INSERT rows (lists of values for the column names) in one batch"
    if not rows:
        return
    query, _ = tuple(table.insert(
            [Column(table, n) for n in names], [[0] * len(names)]))
    cursor.executemany(query, rows)


def _percent(value):
    if value is None:
        return None
    return (Decimal(str(value)) * 100).quantize(scoring.CENT)


class Scorecard(ModelSQL, ModelView):
    __name__ = 'supplier.scorecard'
    __string__ = "Supplier Scorecard"

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    party = fields.Many2One(
        'party.party', "Supplier", required=True, readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    period_kind = fields.Selection([
            ('week', "Week"),
            ('month', "Month"),
            ('quarter', "Quarter"),
            ], "Period Kind", required=True, readonly=True)
    period_start = fields.Date("Period Start", required=True, readonly=True)
    period_end = fields.Date("Period End", required=True, readonly=True)
    period = fields.Function(fields.Char("Period"), 'get_period')
    score = fields.Numeric(
        "Score", digits=RATE_DIGITS, readonly=True,
        help="The weighted score of the period.")
    decayed_score = fields.Numeric(
        "Decayed Score", digits=RATE_DIGITS, readonly=True,
        help="The score over the last periods, recent ones weighing more.")
    band = fields.Selection(BANDS, "Band", readonly=True,
        help="The grade the decayed score alone points to.")
    grade = fields.Selection(GRADES, "Grade", readonly=True)
    previous_grade = fields.Selection(GRADES, "Previous Grade", readonly=True)
    rank = fields.Integer("Rank", readonly=True,
        help="The rank of the supplier among those scored in the period.")
    on_time_rate = fields.Numeric("On-Time %", digits=RATE_DIGITS,
        readonly=True)
    fill_rate = fields.Numeric("Fill %", digits=RATE_DIGITS, readonly=True)
    quality_rate = fields.Numeric("Quality Pass %", digits=RATE_DIGITS,
        readonly=True)
    return_rate = fields.Numeric("Return %", digits=RATE_DIGITS,
        readonly=True)
    price_index = fields.Numeric("Price Index %", digits=RATE_DIGITS,
        readonly=True,
        help="The lowest competing price over the supplier's price.")
    lines = fields.Integer("Receipt Lines", readonly=True)
    on_time_lines = fields.Integer("On-Time Lines", readonly=True)
    delay_days = fields.Integer("Days Late", readonly=True)
    ordered_quantity = fields.Float("Ordered", readonly=True)
    received_quantity = fields.Float("Received on Order", readonly=True)
    receipt_quantity = fields.Float("Received", readonly=True)
    inspected_quantity = fields.Float("Inspected", readonly=True)
    rejected_quantity = fields.Float("Rejected", readonly=True)
    returned_quantity = fields.Float("Returned", readonly=True)
    complaints = fields.Integer("Complaints", readonly=True)
    settle_days = fields.Float("Days to Settle", readonly=True)
    price_quantity = fields.Float("Compared Quantity", readonly=True)
    price_weighted = fields.Float("Compared Weighted", readonly=True)
    criteria = fields.One2Many(
        'supplier.scorecard.line', 'scorecard', "Criteria", readonly=True)
    receipts = fields.Function(fields.Many2Many(
            'stock.move', None, None, "Receipts"), 'get_documents')
    purchase_lines = fields.Function(fields.Many2Many(
            'purchase.line', None, None, "Purchase Lines"), 'get_documents')
    returns = fields.Function(fields.Many2Many(
            'stock.move', None, None, "Returns"), 'get_documents')
    complaint_records = fields.Function(fields.Many2Many(
            'supplier.complaint', None, None, "Complaint Records"),
        'get_documents')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('period_start', 'DESC'), ('rank', 'ASC'),
            ('id', 'ASC')]
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.party, Index.Equality()),
                    (t.period_start, Index.Range())),
                Index(t, (t.company, Index.Equality()),
                    (t.period_start, Index.Range())),
                })

    def get_rec_name(self, name):
        return f'{self.party.rec_name} {self.period}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return [('party.rec_name',) + tuple(clause[1:])]

    def get_period(self, name):
        if self.period_kind == 'month':
            return self.period_start.strftime('%Y-%m')
        if self.period_kind == 'quarter':
            return (f'{self.period_start.year}-'
                f'Q{(self.period_start.month - 1) // 3 + 1}')
        year, week, _ = self.period_start.isocalendar()
        return f'{year}-W{week:02d}'

    @classmethod
    def view_attributes(cls):
        return super().view_attributes() + [
            ('/tree', 'visual',
                If(Eval('grade') == 'eliminated', 'danger',
                    If(Eval('grade') == 'backup', 'warning',
                        If(Eval('grade') == 'core', 'success', '')))),
            ]

    @classmethod
    def get_documents(cls, scorecards, names):
        pool = Pool()
        Move = pool.get('stock.move')
        Line = pool.get('purchase.line')
        Complaint = pool.get('supplier.complaint')
        result = {n: {} for n in names}
        for card in scorecards:
            period = [card.period_start, card.period_end]
            if 'receipts' in names:
                result['receipts'][card.id] = [m.id for m in Move.search([
                            ('from_location.type', '=', 'supplier'),
                            ('state', '=', 'done'),
                            ('origin', 'like', 'purchase.line,%'),
                            ('origin.purchase.party', '=', card.party.id,
                                'purchase.line'),
                            ('company', '=', card.company.id),
                            ('effective_date', '>=', period[0]),
                            ('effective_date', '<=', period[1]),
                            ], order=[('effective_date', 'ASC')])]
            if 'purchase_lines' in names:
                lines = Line.search([
                        ('purchase.party', '=', card.party.id),
                        ('purchase.company', '=', card.company.id),
                        ('purchase.state', 'in', ['processing', 'done']),
                        ('moves.from_location.type', '=', 'supplier'),
                        ])
                result['purchase_lines'][card.id] = [l.id for l in lines
                    if period[0] <= (cls._promised_date(l)
                        or datetime.date.min) <= period[1]]
            if 'returns' in names:
                result['returns'][card.id] = [m.id for m in Move.search([
                            ('to_location.type', '=', 'supplier'),
                            ('state', '=', 'done'),
                            ('shipment.supplier', '=', card.party.id,
                                'stock.shipment.in.return'),
                            ('company', '=', card.company.id),
                            ('effective_date', '>=', period[0]),
                            ('effective_date', '<=', period[1]),
                            ])]
            if 'complaint_records' in names:
                result['complaint_records'][card.id] = [
                    c.id for c in Complaint.search([
                            ('party', '=', card.party.id),
                            ('company', '=', card.company.id),
                            ('date', '>=', period[0]),
                            ('date', '<=', period[1]),
                            ])]
        return result

    @staticmethod
    def _promised_date(line):
        if line.delivery_date_store:
            return line.delivery_date_store
        dates = [m.origin_planned_date or line.purchase.delivery_date
            or m.planned_date for m in line.moves
            if m.from_location.type == 'supplier'
            and (m.origin_planned_date or m.planned_date)]
        return min(dates) if dates else None

    @classmethod
    def xlsx_columns(cls):
        return ['party', 'period', 'rank', 'score', 'decayed_score', 'grade',
            'on_time_rate', 'fill_rate', 'quality_rate', 'return_rate',
            'price_index', 'lines', 'on_time_lines', 'ordered_quantity',
            'received_quantity', 'inspected_quantity', 'rejected_quantity',
            'returned_quantity', 'complaints']

    # Computation

    @classmethod
    def compute_cron(cls):
        "Compute the last periods of the company of the context"
        pool = Pool()
        Company = pool.get('company.company')
        Date = pool.get('ir.date')
        JobRun = pool.get('ecom.job.run')
        company = Company(Transaction().context['company'])
        with JobRun.track('supplier_grading.compute', company=company.id) \
                as run:
            cards = compute_last_periods(company, Date.today())
            run.add('processed', len({p for p, _ in cards}))
            run.add('created', len(cards))

    @classmethod
    def compute(cls, company, start, end, as_of=None, kind=None):
        """Compute the scorecards of `company` for the periods (of the
        configured kind, or `kind`) that cover start..end

        Returns {(party id, period start): scorecard id}: browsing thousands
        of records at once costs more than computing them."""
        pool = Pool()
        Configuration = pool.get('supplier.grading.configuration')
        Date = pool.get('ir.date')
        config = Configuration(1)
        settings = config.settings()
        kind = kind or config.period
        if as_of is None:
            with Transaction().set_context(company=company.id):
                as_of = Date.today()
        periods = scoring.periods_between(start, end, kind)
        if not periods:
            return {}
        with without_check_access():
            rows = cls._measure_rows(company, periods, as_of)
            figures, late = scoring.collect_figures(
                periods, config.on_time_tolerance, as_of, **rows)
            history = cls._history(company, periods[0][0], kind,
                config.decay_periods)
            suppliers = ({s for s, _ in figures}
                | {s for s in history if history[s][0]})
            results = {}
            for supplier in suppliers:
                scores, grade = history.get(supplier, ([], None))
                results[supplier] = scoring.grade_supplier(
                    [(p, figures.get((supplier, i), scoring.Figures()))
                        for i, p in enumerate(periods)],
                    settings, history=scores, grade=grade)
            cls._delete_periods(company, periods, kind)
            cards = cls._store(company, kind, settings, results)
            cls._apply_grades(company, results, cards, as_of)
            Alert = pool.get('supplier.risk.alert')
            Alert.raise_for_scorecards(company, results, late, config,
                cards, as_of)
        return cards

    @classmethod
    def _measure_rows(cls, company, periods, as_of):
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        Line = pool.get('purchase.line')
        Purchase = pool.get('purchase.purchase')
        ShipmentReturn = pool.get('stock.shipment.in.return')
        Complaint = pool.get('supplier.complaint')
        cursor = Transaction().connection.cursor()
        low, high = periods[0][0], periods[-1][1]

        move = Move.__table__()
        location = Location.__table__()
        line = Line.__table__()
        purchase = Purchase.__table__()
        # The promise of the line when it has one: Tryton drops a planned
        # date already past from the moves it creates.
        promised = Coalesce(line.delivery_date_store,
            move.origin_planned_date, purchase.delivery_date,
            move.planned_date)
        query = (move
            .join(location, condition=move.from_location == location.id)
            .join(line, condition=(
                    Like(move.origin, 'purchase.line,%')
                    & (line.id == Move.origin.sql_id(move.origin, Line))))
            .join(purchase, condition=line.purchase == purchase.id)
            .select(
                purchase.party, line.id, line.quantity, move.state,
                move.effective_date, promised, move.quantity, move.product,
                purchase.currency, move.unit_price, move.inspected,
                move.rejected_quantity,
                where=(location.type == 'supplier')
                & (move.company == company.id)
                & (move.state != 'staging')
                & purchase.state.in_(['processing', 'done'])
                & (((move.effective_date >= low)
                        & (move.effective_date <= high))
                    | ((promised >= low) & (promised <= high)))))
        cursor.execute(*query)
        moves = [(party, line_id, ordered, state, _date(effective),
                _date(planned), quantity, product, currency,
                price if isinstance(price, Decimal) or price is None
                else Decimal(str(price)), bool(inspected), rejected)
            for (party, line_id, ordered, state, effective, planned,
                quantity, product, currency, price, inspected, rejected)
            in cursor]

        move = Move.__table__()
        location = Location.__table__()
        shipment = ShipmentReturn.__table__()
        cursor.execute(*move
            .join(location, condition=move.to_location == location.id)
            .join(shipment, condition=(
                    Like(move.shipment, 'stock.shipment.in.return,%')
                    & (shipment.id == Move.shipment.sql_id(
                            move.shipment, ShipmentReturn))))
            .select(shipment.supplier, move.effective_date, move.quantity,
                where=(location.type == 'supplier')
                & (move.state == 'done')
                & (move.company == company.id)
                & (move.effective_date >= low)
                & (move.effective_date <= high)))
        returns = [(s, _date(e), q) for s, e, q in cursor]

        complaint = Complaint.__table__()
        cursor.execute(*complaint.select(
                complaint.party, complaint.date, complaint.settled_date,
                where=(complaint.company == company.id)
                & (complaint.date >= low) & (complaint.date <= high)))
        complaints = [(p, _date(o), _date(c)) for p, o, c in cursor]
        return {'moves': moves, 'returns': returns, 'complaints': complaints}

    @classmethod
    def _history(cls, company, before, kind, periods):
        "{party: ([scores oldest first], grade)} of the periods before"
        card = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*card.select(
                card.party, card.period_start, card.score, card.grade,
                where=(card.company == company.id)
                & (card.period_kind == kind)
                & (card.period_start < before)
                & (card.period_start >= before - datetime.timedelta(
                        days=93 * (periods + 1))),
                order_by=[card.party, card.period_start]))
        history = defaultdict(lambda: ([], None))
        for party, _, score, grade in cursor:
            scores, _ = history[party]
            scores.append(score)
            history[party] = (scores[-periods:], grade)
        return dict(history)

    @classmethod
    def _delete_periods(cls, company, periods, kind):
        "Delete the scorecards of the periods, in bulk like _store"
        pool = Pool()
        Line = pool.get('supplier.scorecard.line')
        Change = pool.get('supplier.grade.change')
        Alert = pool.get('supplier.risk.alert')
        cursor = Transaction().connection.cursor()
        table = cls.__table__()
        cards = table.select(table.id,
            where=(table.company == company.id)
            & (table.period_kind == kind)
            & (table.period_start >= periods[0][0])
            & (table.period_start <= periods[-1][0]))
        line = Line.__table__()
        cursor.execute(*line.delete(where=line.scorecard.in_(cards)))
        for Model in [Change, Alert]:
            other = Model.__table__()
            cursor.execute(*other.update([other.scorecard], [None],
                    where=other.scorecard.in_(cards)))
        cursor.execute(*table.delete(where=table.id.in_(cards)))

    @classmethod
    def _store(cls, company, kind, settings, results):
        """Insert the scorecards and their criteria in bulk; returns
        {(party id, period start): scorecard id}

        Thousands of computed rows: written with multi-row INSERTs the way
        Tryton stores them (the ORM's per-record validation would cost more
        than the whole computation), from values the computation built."""
        pool = Pool()
        Criterion = pool.get('supplier.grading.criterion')
        Line = pool.get('supplier.scorecard.line')
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        criteria = {c.code: c.id for c in Criterion.search([])}
        by_period = defaultdict(list)
        for supplier, periods in results.items():
            for result in periods:
                if result.score is None and result.decayed is None:
                    continue
                by_period[result.period].append((supplier, result))
        card_rows, line_rows = [], {}
        now = datetime.datetime.now()
        user = transaction.user
        for period, entries in by_period.items():
            entries.sort(key=lambda e: (-(e[1].decayed or -1), e[0]))
            for rank, (supplier, result) in enumerate(entries, 1):
                card, lines = cls._card_values(company, kind, supplier,
                    result, rank, settings, criteria)
                card_rows.append(card)
                line_rows[(supplier, result.period[0])] = lines
        if not card_rows:
            return {}
        table = cls.__table__()
        _insert(cursor, table, list(card_rows[0]) + ['create_uid',
                'create_date'],
            [list(r.values()) + [user, now] for r in card_rows])
        cursor.execute(*table.select(
                table.id, table.party, table.period_start,
                where=(table.company == company.id)
                & (table.period_kind == kind)
                & (table.period_start >= min(p[0] for p in by_period))
                & (table.period_start <= max(p[0] for p in by_period))))
        ids = {(party, _date(start)): id_ for id_, party, start in cursor}
        line = Line.__table__()
        rows = []
        for key, lines in line_rows.items():
            for values in lines:
                rows.append([ids[key]] + list(values.values()) + [user, now])
        _insert(cursor, line, ['scorecard']
            + list(next(iter(line_rows.values()))[0])
            + ['create_uid', 'create_date'], rows)
        return ids

    @classmethod
    def _card_values(cls, company, kind, supplier, result, rank, settings,
            criteria):
        "The column values of a scorecard and of its criterion lines"
        figures = result.figures
        variables = figures.variables()
        values = {
            'company': company.id,
            'party': supplier,
            'period_kind': kind,
            'period_start': result.period[0],
            'period_end': result.period[1],
            'score': result.score,
            'decayed_score': result.decayed,
            'band': result.band,
            'grade': result.grade,
            'previous_grade': result.previous_grade,
            'rank': rank,
            'on_time_rate': _percent(variables['on_time_rate']),
            'fill_rate': _percent(variables['fill_rate']),
            'quality_rate': _percent(variables['quality_rate']),
            'return_rate': _percent(variables['return_rate']),
            'price_index': _percent(variables['price_index']),
            }
        for name in FIGURES:
            values[name] = getattr(figures, name)
        measured = sum((Decimal(c.weight) for c in settings.criteria
                if result.scores.get(c.code) is not None), Decimal(0))
        lines = []
        for criterion in settings.criteria:
            score = result.scores.get(criterion.code)
            lines.append({
                    'criterion': criteria[criterion.code],
                    'weight': Decimal(criterion.weight),
                    'score': score,
                    'contribution': (
                        (Decimal(criterion.weight) * score / measured)
                        .quantize(scoring.CENT)
                        if score is not None and measured else None),
                    'party': supplier,
                    'period_start': result.period[0],
                    'company': company.id,
                    })
        return values, lines

    @classmethod
    def _apply_grades(cls, company, results, cards, as_of):
        "cards: {(party id, period start): scorecard id}"
        pool = Pool()
        Grading = pool.get('party.party.supplier_grading')
        Change = pool.get('supplier.grade.change')
        gradings = {g.party.id: g for g in Grading.search([
                    ('company', '=', company.id),
                    ('party', 'in', list(results)),
                    ])}
        changes, notify = [], []
        to_create, to_write = [], []
        for supplier, periods in results.items():
            scored = [r for r in periods if r.decayed is not None]
            if not scored:
                continue
            for result in scored:
                if result.changed:
                    changes.append({
                            'company': company.id,
                            'party': supplier,
                            'date': result.period[1],
                            'old_grade': result.previous_grade,
                            'new_grade': result.grade,
                            'score': result.decayed,
                            'reason': 'computed',
                            'scorecard': cards[
                                (supplier, result.period[0])],
                            })
            last = scored[-1]
            grading = gradings.get(supplier)
            if grading is None:
                to_create.append({
                        'company': company.id, 'party': supplier,
                        'supplier_grade': last.grade,
                        'supplier_score': last.decayed,
                        'graded_at': last.period[1],
                        })
                notify.append((supplier, None, last.grade))
            else:
                old = grading.supplier_grade
                to_write.extend(([grading],
                        grading.grade_values(last.grade, last.decayed,
                            last.period[1])))
                if not grading.manual and old != last.grade:
                    notify.append((supplier, old, last.grade))
        with Transaction().set_context(_supplier_grading_auto=True):
            if to_create:
                Grading.create(to_create)
            if to_write:
                Grading.write(*to_write)
        Change.record(changes, notify=False)
        Change.notify(company, [n for n in notify if n[2] != 'new'])


class ScorecardLine(ModelSQL, ModelView):
    __name__ = 'supplier.scorecard.line'
    __string__ = "Supplier Scorecard Criterion"

    scorecard = fields.Many2One(
        'supplier.scorecard', "Scorecard", required=True,
        ondelete='CASCADE', readonly=True)
    criterion = fields.Many2One(
        'supplier.grading.criterion', "Criterion", required=True,
        readonly=True, ondelete='RESTRICT',
        context={'active_test': False})
    weight = fields.Numeric("Weight", digits=RATE_DIGITS, readonly=True)
    score = fields.Numeric("Score", digits=RATE_DIGITS, readonly=True)
    contribution = fields.Numeric(
        "Contribution", digits=RATE_DIGITS, readonly=True,
        help="The points the criterion adds to the period score.")
    # copies of the scorecard's keys for reports and graphs
    party = fields.Many2One('party.party', "Supplier", readonly=True,
        context={'company': Eval('company', -1)}, depends={'company'})
    period_start = fields.Date("Period Start", readonly=True)
    company = fields.Many2One('company.company', "Company", readonly=True)
    period = fields.Function(fields.Char("Period"), 'get_period')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('scorecard')
        cls._order = [('period_start', 'ASC'), ('criterion', 'ASC'),
            ('id', 'ASC')]

    def get_period(self, name):
        return self.scorecard.period

    @classmethod
    def xlsx_columns(cls):
        return ['party', 'period', 'criterion', 'weight', 'score',
            'contribution']


class GradeChange(ModelSQL, ModelView):
    __name__ = 'supplier.grade.change'
    __string__ = "Supplier Grade Change"

    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    party = fields.Many2One(
        'party.party', "Supplier", required=True, readonly=True,
        ondelete='CASCADE',
        context={'company': Eval('company', -1)}, depends={'company'})
    date = fields.Date("Date", required=True, readonly=True)
    old_grade = fields.Selection(GRADES, "Old Grade", readonly=True)
    new_grade = fields.Selection(GRADES, "New Grade", readonly=True)
    score = fields.Numeric("Score", digits=RATE_DIGITS, readonly=True)
    reason = fields.Selection([
            ('computed', "Scorecard"),
            ('manual', "Set by Hand"),
            ], "Reason", required=True, readonly=True)
    scorecard = fields.Many2One(
        'supplier.scorecard', "Scorecard", readonly=True,
        ondelete='SET NULL')
    user = fields.Many2One('res.user', "User", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def values_for(cls, grading, old, reason):
        Date = Pool().get('ir.date')
        return {
            'company': grading.company.id,
            'party': grading.party.id,
            'date': Date.today(),
            'old_grade': old,
            'new_grade': grading.supplier_grade,
            'score': grading.supplier_score,
            'reason': reason,
            }

    @classmethod
    def record(cls, vlist, notify=True):
        "Log grade changes and notify the purchasing users"
        if not vlist:
            return []
        user = Transaction().user
        for values in vlist:
            values.setdefault('user', user or None)
        with without_check_access():
            changes = cls.create(vlist)
        if notify:
            for company, sub in _group(changes, lambda c: c.company):
                cls.notify(company, [(c.party.id, c.old_grade, c.new_grade)
                        for c in sub])
        return changes

    @classmethod
    def notify(cls, company, changes):
        """Send a notification to the purchasing users of the company for
        each (party, old, new) grade change"""
        pool = Pool()
        Notification = pool.get('res.notification')
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        Party = pool.get('party.party')
        if not changes:
            return
        groups = [ModelData.get_id('ecom_base', 'group_purchasing')]
        with without_check_access():
            users = User.search([
                    ('groups', 'in', groups),
                    ('companies', '=', company.id),
                    ])
            labels = dict(GRADES)
            vlist = []
            for party_id, old, new in changes:
                party = Party(party_id)
                for user in users:
                    with Transaction().set_context(language=user.language
                            and user.language.code):
                        label = gettext(
                            'supplier_grading.msg_notify_grade_change',
                            party=party.rec_name)
                    vlist.append({
                            'user': user.id,
                            'label': label,
                            'description': (
                                f'{labels.get(old) or "-"} → '
                                f'{labels.get(new) or "-"}'),
                            'icon': 'tryton-party',
                            'model': 'party.party',
                            'records': json.dumps([party_id]),
                            })
            if vlist:
                Notification.create(vlist)


def _group(records, key):
    groups = defaultdict(list)
    for record in records:
        groups[key(record)].append(record)
    return groups.items()


class ComputeStart(ModelView):
    __name__ = 'supplier.scorecard.compute.start'
    __string__ = "Compute Supplier Scorecards"

    company = fields.Many2One('company.company', "Company", required=True)
    from_date = fields.Date("From Date", required=True,
        domain=[('from_date', '<=', Eval('to_date'))])
    to_date = fields.Date("To Date", required=True)

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_to_date(cls):
        return Pool().get('ir.date').today()

    @classmethod
    def default_from_date(cls):
        today = Pool().get('ir.date').today()
        return (today.replace(day=1) - datetime.timedelta(days=180)
            ).replace(day=1)


class Compute(Wizard):
    __name__ = 'supplier.scorecard.compute'
    start = StateView('supplier.scorecard.compute.start',
        'supplier_grading.scorecard_compute_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Compute", 'compute', 'tryton-ok', default=True),
            ])
    compute = StateAction('supplier_grading.act_scorecard')

    def do_compute(self, action):
        pool = Pool()
        Scorecard = pool.get('supplier.scorecard')
        JobRun = pool.get('ecom.job.run')
        with JobRun.track('supplier_grading.compute',
                company=self.start.company.id) as run:
            cards = Scorecard.compute(self.start.company,
                self.start.from_date, self.start.to_date)
            run.add('processed', len({p for p, _ in cards}))
            run.add('created', len(cards))
        return action, {}

    def transition_compute(self):
        return 'end'


def compute_last_periods(company, today):
    """Compute the scorecards of the last complete periods (the decay
    window) up to today; used by the cron"""
    pool = Pool()
    Configuration = pool.get('supplier.grading.configuration')
    Scorecard = pool.get('supplier.scorecard')
    config = Configuration(1)
    end = scoring.period_of(today, config.period)[0] - datetime.timedelta(
        days=1)
    start = end
    for _ in range(config.decay_periods):
        start = scoring.period_of(start, config.period)[0] \
            - datetime.timedelta(days=1)
    start = start + datetime.timedelta(days=1)
    return Scorecard.compute(company, start, end, as_of=today)

