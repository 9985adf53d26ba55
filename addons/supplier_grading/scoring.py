# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Supplier scoring: pure computation, no ORM.

The figures of one supplier in one period (`Figures`) give rates; each
criterion turns them into a 0-100 sub-score with its formula; the weighted
mean of the measured criteria is the period score; the decayed score is the
mean of the last N period scores weighted by decay**age; the decayed score
falls in a band (core / backup / eliminated) and the grade follows the band
only once the supplier stayed across a threshold for N periods (hysteresis).

Other modules rank suppliers with `grade_rank` / `sort_by_grade`::

    from trytond.modules.supplier_grading.scoring import (
        grade_allowed, sort_by_grade)
"""
import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from simpleeval import EvalWithCompoundTypes, NameNotDefined

CENT = Decimal('0.01')
HUNDRED = Decimal(100)

#: Grades, best first; None (never graded) ranks with 'new'
GRADES = ('core', 'new', 'backup', 'eliminated')
_RANK = {'core': 0, 'new': 1, None: 1, 'backup': 2, 'eliminated': 3}
#: Order of the score bands, worst first, for the hysteresis
_BAND_ORDER = {'eliminated': 0, 'backup': 1, 'core': 2}


def grade_rank(grade):
    """Sort key of a supplier grade: core first, then new (or ungraded),
    then backup; eliminated last (and not allowed, see grade_allowed)"""
    return _RANK[grade]


def grade_allowed(grade):
    "Whether a supplier of this grade may be bought from"
    return grade != 'eliminated'


def sort_by_grade(items, grade_of):
    """The items whose grade is allowed, best grade first, keeping the
    given order within a grade (the sort is stable)"""
    kept = [i for i in items if grade_allowed(grade_of(i))]
    return sorted(kept, key=lambda i: grade_rank(grade_of(i)))


# Periods

def period_of(date, kind):
    "The (start, end) dates of the week, month or quarter of date"
    if kind == 'week':
        start = date - datetime.timedelta(days=date.weekday())
        return start, start + datetime.timedelta(days=6)
    if kind == 'month':
        start = date.replace(day=1)
        months = 1
    elif kind == 'quarter':
        start = date.replace(month=(date.month - 1) // 3 * 3 + 1, day=1)
        months = 3
    else:
        raise ValueError(f"unknown period kind {kind!r}")
    year, month = divmod(start.month - 1 + months, 12)
    following = datetime.date(start.year + year, month + 1, 1)
    return start, following - datetime.timedelta(days=1)


def periods_between(start, end, kind):
    "The periods that cover start..end, in order"
    periods = []
    date = start
    while date <= end:
        period = period_of(date, kind)
        periods.append(period)
        date = period[1] + datetime.timedelta(days=1)
    return periods


# Figures and criteria

@dataclass
class Figures:
    "What was measured for one supplier in one period"
    lines: int = 0                  # receipt lines (done incoming moves)
    on_time_lines: int = 0          # received by promised date + tolerance
    delay_days: int = 0             # days late, summed over late lines
    ordered_quantity: float = 0     # on lines promised in the period
    received_quantity: float = 0    # received on those lines
    inspected_quantity: float = 0   # inspected at receipt
    rejected_quantity: float = 0    # rejected by the inspection
    receipt_quantity: float = 0     # received in the period (all lines)
    returned_quantity: float = 0    # sent back to the supplier
    complaints: int = 0             # complaints opened in the period
    settle_days: float = 0          # days to settle them, summed
    price_quantity: float = 0       # quantity with a competing price
    price_weighted: float = 0       # sum of quantity * best / own price

    def __add__(self, other):
        return Figures(**{
                f: getattr(self, f) + getattr(other, f)
                for f in self.__dataclass_fields__})

    @property
    def late_lines(self):
        return self.lines - self.on_time_lines

    def variables(self):
        """The names a criterion formula may use; a rate is None when
        nothing was measured (the criterion is then left out)"""
        def ratio(a, b):
            return a / b if b else None
        fill = ratio(self.received_quantity, self.ordered_quantity)
        return {
            'lines': self.lines,
            'late_lines': self.late_lines,
            'on_time_rate': ratio(self.on_time_lines, self.lines),
            'average_delay': ratio(self.delay_days, self.late_lines) or 0,
            'fill_rate': min(fill, 1) if fill is not None else None,
            'quality_rate': (1 - ratio(
                    self.rejected_quantity, self.inspected_quantity)
                if self.inspected_quantity else None),
            'return_rate': ratio(
                self.returned_quantity, self.receipt_quantity),
            'complaints': self.complaints,
            'settle_days': ratio(self.settle_days, self.complaints) or 0,
            'price_index': ratio(self.price_weighted, self.price_quantity),
            }


@dataclass(frozen=True)
class Criterion:
    code: str
    weight: Decimal
    formula: str


class FormulaError(ValueError):
    pass


_FUNCTIONS = {'min': min, 'max': max, 'abs': abs, 'round': round}


def evaluate(formula, variables):
    """The 0-100 sub-score of a formula, rounded to the cent, or None when
    a variable it uses was not measured"""
    names = {k: v for k, v in variables.items() if v is not None}
    evaluator = EvalWithCompoundTypes(names=names, functions=_FUNCTIONS)
    try:
        value = evaluator.eval(formula)
    except NameNotDefined as exception:
        if exception.name in variables:
            return None
        raise FormulaError(f"{formula}: unknown name {exception.name}")
    except ZeroDivisionError:
        return None
    except Exception as exception:
        raise FormulaError(f"{formula}: {exception}") from exception
    if not isinstance(value, (int, float, Decimal)) \
            or isinstance(value, bool):
        raise FormulaError(f"{formula}: the result is not a number")
    value = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    return min(max(value, Decimal(0)), HUNDRED)


def check_formula(formula):
    "Raise FormulaError if the formula cannot be evaluated on any figures"
    sample = Figures(lines=4, on_time_lines=3, delay_days=5,
        ordered_quantity=10, received_quantity=9, inspected_quantity=9,
        rejected_quantity=1, receipt_quantity=9, returned_quantity=1,
        complaints=1, settle_days=3, price_quantity=9, price_weighted=8)
    evaluate(formula, sample.variables())


def check_weights(criteria):
    "The weights must sum to 100"
    total = sum((Decimal(c.weight) for c in criteria), Decimal(0))
    if total != HUNDRED:
        raise ValueError(f"the weights sum to {total}, not 100")


def period_score(figures, criteria):
    """The sub-score of each criterion (None when not measured) and the
    weighted mean of the measured ones (None when none was)"""
    variables = figures.variables()
    scores = {c.code: evaluate(c.formula, variables) for c in criteria}
    measured = [c for c in criteria if scores[c.code] is not None]
    weight = sum((Decimal(c.weight) for c in measured), Decimal(0))
    if not weight:
        return None, scores
    total = sum(Decimal(c.weight) * scores[c.code] for c in measured)
    return (total / weight).quantize(CENT, rounding=ROUND_HALF_UP), scores


def decayed_score(scores, decay, periods):
    """Mean of the last `periods` scores (oldest first, None = no score
    that period) weighted by decay**age, age 0 being the last period"""
    decay = Decimal(str(decay))
    total = weight = Decimal(0)
    for age, score in enumerate(reversed(scores[-periods:])):
        if score is None:
            continue
        total += decay ** age * Decimal(score)
        weight += decay ** age
    if not weight:
        return None
    return (total / weight).quantize(CENT, rounding=ROUND_HALF_UP)


def band(score, core_threshold, backup_threshold):
    "The grade a score alone points to"
    if score >= core_threshold:
        return 'core'
    if score >= backup_threshold:
        return 'backup'
    return 'eliminated'


def next_grade(current, bands, periods):
    """The grade after the last period, given the bands of the scored
    periods so far (oldest first) and the hysteresis in periods

    A new (or ungraded) supplier stays new until it has `periods` scored
    periods, then takes the worst band of those.  A graded supplier
    changes only when its last `periods` bands are all on the same side of
    its grade; it then moves to the nearest of them.
    """
    last = bands[-periods:] if periods else bands[-1:]
    if len(last) < max(periods, 1):
        return current or 'new'
    order = _BAND_ORDER
    if current in (None, 'new'):
        return min(last, key=order.get)
    if all(order[b] < order[current] for b in last):
        return max(last, key=order.get)
    if all(order[b] > order[current] for b in last):
        return min(last, key=order.get)
    return current


@dataclass
class PeriodResult:
    period: tuple
    figures: Figures
    scores: dict
    score: Decimal = None
    decayed: Decimal = None
    band: str = None
    grade: str = None
    previous_grade: str = None

    @property
    def changed(self):
        return self.grade != self.previous_grade


@dataclass
class Settings:
    criteria: list
    decay: Decimal = Decimal('0.7')
    decay_periods: int = 6
    core_threshold: Decimal = Decimal(80)
    backup_threshold: Decimal = Decimal(60)
    hysteresis: int = 2


def grade_supplier(figures_by_period, settings, history=(), grade=None):
    """Score the periods of one supplier, oldest first

    history: the period scores before the first period (oldest first) and
    grade: the grade then, so that a recomputation continues the record.
    Periods without any figure get no score and leave the grade as it is.
    """
    scores = list(history)
    bands = []
    results = []
    for period, figures in figures_by_period:
        score, subscores = period_score(figures, settings.criteria)
        result = PeriodResult(period, figures, subscores, score=score,
            previous_grade=grade)
        scores.append(score)
        if score is not None:
            result.decayed = decayed_score(
                scores, settings.decay, settings.decay_periods)
            result.band = band(result.decayed, settings.core_threshold,
                settings.backup_threshold)
            bands.append(result.band)
            grade = next_grade(grade, bands, settings.hysteresis)
        result.grade = grade
        results.append(result)
    return results


# Risks

def late_streak(late_flags):
    "The number of consecutive late receipts at the end of the sequence"
    streak = 0
    for late in late_flags:
        streak = streak + 1 if late else 0
    return streak


def score_dropped(previous, current, threshold):
    "Whether the score fell by threshold points or more"
    return (previous is not None and current is not None
        and Decimal(previous) - Decimal(current) >= Decimal(threshold))


def price_figures(lines):
    """Price competitiveness of one period

    lines: (supplier, product, currency, quantity, unit_price).  Each
    supplier's average price of a product is compared with the lowest
    average of all suppliers of that product in the same currency; only
    products bought from two suppliers or more count.  Returns
    {supplier: (quantity, sum of quantity * lowest / own average)}.
    """
    amounts = defaultdict(lambda: [0.0, Decimal(0)])
    for supplier, product, currency, quantity, unit_price in lines:
        if not quantity or unit_price is None:
            continue
        entry = amounts[(product, currency, supplier)]
        entry[0] += float(quantity)
        entry[1] += Decimal(str(quantity)) * Decimal(unit_price)
    averages = defaultdict(dict)
    for (product, currency, supplier), (quantity, amount) in amounts.items():
        averages[(product, currency)][supplier] = (
            quantity, amount / Decimal(str(quantity)))
    result = defaultdict(lambda: [0.0, 0.0])
    for prices in averages.values():
        if len(prices) < 2:
            continue
        best = min(price for _, price in prices.values())
        for supplier, (quantity, price) in prices.items():
            ratio = float(best / price) if price else 1.0
            result[supplier][0] += quantity
            result[supplier][1] += quantity * ratio
    return {s: tuple(v) for s, v in result.items()}


def document_status(expiry, today, alert_days):
    "'expired', 'expiring' (within alert_days) or 'valid'"
    if expiry is None:
        return 'valid'
    if expiry < today:
        return 'expired'
    if expiry <= today + datetime.timedelta(days=alert_days):
        return 'expiring'
    return 'valid'


# Measurement: turn document rows into figures per supplier and period

class PeriodIndex:
    "Find the period of a date among sorted, contiguous periods"

    def __init__(self, periods):
        self.periods = list(periods)
        self._starts = [p[0] for p in self.periods]

    def find(self, date):
        import bisect
        if date is None or not self.periods:
            return None
        i = bisect.bisect_right(self._starts, date) - 1
        if i < 0 or date > self.periods[i][1]:
            return None
        return i


def collect_figures(periods, tolerance, as_of, moves=(), returns=(),
        complaints=()):
    """Figures per (supplier, period index) from document rows

    moves: (supplier, line, ordered, state, effective_date, promised_date,
        quantity, product, currency, unit_price, inspected, rejected) for
        the moves from supplier locations of purchase lines; a line counts
        for the fill rate in the period of its earliest promised date if
        that date is on or before as_of.
    returns: (supplier, effective_date, quantity)
    complaints: (supplier, date, settled_date)
    Returns (figures, late) where late maps a supplier to its late flags in
    receipt order.
    """
    index = PeriodIndex(periods)
    tolerance = datetime.timedelta(days=tolerance)
    figures = defaultdict(Figures)
    price_lines = defaultdict(list)
    lines = {}
    receipts = []
    for (supplier, line, ordered, state, effective, promised, quantity,
            product, currency, unit_price, inspected, rejected) in moves:
        entry = lines.setdefault(line, [supplier, ordered, promised, 0])
        if promised is not None and (
                entry[2] is None or promised < entry[2]):
            entry[2] = promised
        if state != 'done':
            continue
        entry[3] += quantity
        i = index.find(effective)
        if i is None:
            continue
        f = figures[(supplier, i)]
        f.lines += 1
        f.receipt_quantity += quantity
        late = promised is not None and effective > promised + tolerance
        if late:
            f.delay_days += (effective - promised).days
        else:
            f.on_time_lines += 1
        receipts.append((effective, supplier, late))
        if inspected:
            f.inspected_quantity += quantity
            f.rejected_quantity += rejected or 0
        price_lines[i].append(
            (supplier, product, currency, quantity, unit_price))
    for supplier, ordered, promised, received in lines.values():
        if promised is None or promised > as_of:
            continue
        i = index.find(promised)
        if i is None:
            continue
        f = figures[(supplier, i)]
        f.ordered_quantity += ordered
        f.received_quantity += min(received, ordered)
    for supplier, date, quantity in returns:
        i = index.find(date)
        if i is not None:
            figures[(supplier, i)].returned_quantity += quantity
    for supplier, date, settled in complaints:
        i = index.find(date)
        if i is None:
            continue
        f = figures[(supplier, i)]
        f.complaints += 1
        f.settle_days += ((settled or as_of) - date).days
    for i, rows in price_lines.items():
        for supplier, (quantity, weighted) in price_figures(rows).items():
            f = figures[(supplier, i)]
            f.price_quantity += quantity
            f.price_weighted += weighted
    late = defaultdict(list)
    for _, supplier, flag in sorted(receipts, key=lambda r: r[0]):
        late[supplier].append(flag)
    return dict(figures), dict(late)
