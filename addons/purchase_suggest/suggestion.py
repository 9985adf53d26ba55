# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Purchase suggestions (建议采购单): documents whose lines show every term
of the suggested quantity, generated on demand or by cron, accepted into
purchase orders through Tryton's purchase requests.
"""
import datetime
import os
from collections import defaultdict
from decimal import Decimal

import numpy as np
from sql import Literal, Null, NullsFirst
from sql.aggregate import Min, Sum
from sql.conditionals import Coalesce
from sql.operators import Concat

from trytond import backend
from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard

from .bulk import (
    DAY, copy_text_rows, history_matrix, history_record, unblob,
    year_window)
from .safety import lead_time_statistics
from .sales_history import warehouse_of_locations
from .suggest import compute_lines_by_block

POLICIES = [
    ('grade', "Grade, then Price"),
    ('price', "Price"),
    ('lead_time', "Lead Time"),
    ('reliability', "Reliability"),
    ]
STATES = [
    ('draft', "Draft"),
    ('accepted', "Accepted"),
    ('cancelled', "Cancelled"),
    ]
METHOD_NAMES = [
    (None, ''),
    ('moving_average', "Moving Average (56 days)"),
    ('weekday_average', "Weekday Average"),
    ('holt_weekday', "Level + Trend × Weekday"),
    ('croston', "Croston"),
    ('sba', "Syntetos-Boylan (SBA)"),
    ('tsb', "Teunter-Syntetos-Babai (TSB)"),
    ('combination', "Combination (Average, TSB, Holt)"),
    ]
_readonly = Eval('state') != 'draft'
# from this many series the forecast is shared with a forked process
FORECAST_FORK_SERIES = 20000

def _grading():
    "The supplier_grading contract when that module is activated, else None"
    pool = Pool()
    Party = pool.get('party.party')
    if 'supplier_grade' not in Party._fields:
        return None
    from trytond.modules.supplier_grading import scoring
    return scoring


class Suggestion(Workflow, ModelSQL, ModelView):
    __name__ = 'purchase.suggestion'
    __string__ = "Purchase Suggestion"
    _rec_name = 'number'

    company = fields.Many2One('company.company', "Company", required=True,
        states={'readonly': _readonly})
    number = fields.Char("Number", readonly=True)
    date = fields.Date("Date", required=True, states={'readonly': _readonly},
        help="The planning date: history ends the day before.")
    warehouses = fields.Many2Many('purchase.suggestion-stock.location',
        'suggestion', 'warehouse', "Warehouses",
        domain=[('type', '=', 'warehouse')],
        states={'readonly': _readonly},
        help="Leave empty for every warehouse.")
    service_level = fields.Float("Cycle Service Level", required=True,
        digits=(1, 4), domain=[('service_level', '>', 0.5),
            ('service_level', '<', 1)],
        states={'readonly': _readonly},
        help="The probability of no stockout during a replenishment cycle "
        "(0.95 = 95%), which sets the safety stock.")
    review_period = fields.Integer("Review Period", required=True,
        domain=[('review_period', '>=', 0)], states={'readonly': _readonly},
        help="Days until the next suggestion: the order covers the lead "
        "time plus this period.")
    history_days = fields.Integer("History Days", required=True,
        domain=[('history_days', '>=', 28)], states={'readonly': _readonly})
    default_lead_time = fields.Integer("Default Lead Time", required=True,
        domain=[('default_lead_time', '>=', 0)],
        states={'readonly': _readonly},
        help="Days, for suppliers with neither a measured nor a configured "
        "lead time.")
    supplier_policy = fields.Selection(POLICIES, "Supplier Policy",
        required=True, states={'readonly': _readonly},
        help="How the supplier of each line is chosen. Eliminated "
        "suppliers are never suggested.")
    lines = fields.One2Many('purchase.suggestion.line', 'suggestion',
        "Lines", states={'readonly': _readonly})
    state = fields.Selection(STATES, "State", readonly=True, required=True)
    purchases = fields.Function(fields.Many2Many('purchase.purchase', None,
            None, "Purchases"), 'get_purchases', searcher='search_purchases')
    wape = fields.Function(fields.Float("WAPE", digits=(16, 4),
            help="Weighted absolute percentage error of the backtest, "
            "over all lines."), 'get_wape')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {
            ('draft', 'accepted'),
            ('draft', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'generate': {'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'accept': {'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'cancel': {'invisible': Eval('state') != 'draft',
                    'depends': ['state']},
                'draft': {'invisible': Eval('state') != 'cancelled',
                    'depends': ['state']},
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_date():
        return Pool().get('ir.date').today()

    @staticmethod
    def default_state():
        return 'draft'

    @staticmethod
    def default_service_level():
        return 0.95

    @staticmethod
    def default_review_period():
        return 7

    @staticmethod
    def default_history_days():
        return 365

    @staticmethod
    def default_default_lead_time():
        return 7

    @staticmethod
    def default_supplier_policy():
        return 'grade'

    def get_purchases(self, name):
        return sorted({l.purchase_request.purchase.id for l in self.lines
                if l.purchase_request and l.purchase_request.purchase})

    @classmethod
    def search_purchases(cls, name, clause):
        return [('lines.purchase_request.purchase_line.purchase',)
            + tuple(clause[1:])]

    def get_wape(self, name):
        error = actual = 0
        for line in self.lines:
            if line.wape is not None and line.backtest_actual:
                error += line.wape * line.backtest_actual
                actual += line.backtest_actual
        return error / actual if actual else None

    @classmethod
    def create(cls, vlist):
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            if not values.get('number'):
                values['number'] = None
        suggestions = super().create(vlist)
        for suggestion in suggestions:
            if not suggestion.number:
                suggestion.number = f'PS{suggestion.id:06d}'
        cls.save(suggestions)
        return suggestions

    @classmethod
    def copy(cls, suggestions, default=None):
        default = default.copy() if default else {}
        default.setdefault('number')
        default.setdefault('lines')
        default.setdefault('date', cls.default_date())
        return super().copy(suggestions, default=default)

    @classmethod
    def check_modification(cls, mode, suggestions, values=None,
            external=False):
        super().check_modification(
            mode, suggestions, values=values, external=external)
        if mode == 'delete':
            for suggestion in suggestions:
                if suggestion.state == 'accepted':
                    raise AccessError(gettext(
                            'purchase_suggest.msg_delete_accepted',
                            suggestion=suggestion.rec_name))

    @classmethod
    @ModelView.button
    def generate(cls, suggestions):
        pool = Pool()
        JobRun = pool.get('ecom.job.run')
        Line = pool.get('purchase.suggestion.line')
        for suggestion in suggestions:
            with JobRun.track('purchase_suggest.generate',
                    origin=suggestion) as run:
                Line.delete(list(suggestion.lines))
                values = suggestion.compute_line_values(run)
                Line.insert_bulk(values)
                run.add('created', len(values))

    @classmethod
    @ModelView.button
    @Workflow.transition('accepted')
    def accept(cls, suggestions):
        pool = Pool()
        Request = pool.get('purchase.request')
        CreatePurchase = pool.get('purchase.request.create_purchase',
            type='wizard')
        Line = pool.get('purchase.suggestion.line')
        Purchase = pool.get('purchase.purchase')
        requests, lines = [], []
        for suggestion in suggestions:
            for line in suggestion.lines:
                if line.quantity and line.quantity > 0 and line.supplier:
                    request = line.get_purchase_request()
                    requests.append(request)
                    lines.append(line)
        Request.save(requests)
        for line, request in zip(lines, requests):
            line.purchase_request = request
        Line.save(lines)
        if requests:
            # Tryton's own grouping: one purchase per company, supplier,
            # warehouse and currency
            session_id, _, _ = CreatePurchase.create()
            with Transaction().set_context(active_model='purchase.request',
                    active_ids=[r.id for r in requests],
                    active_id=requests[0].id):
                wizard = CreatePurchase(session_id)
                wizard.transition_start()
            CreatePurchase.delete(session_id)
            # suggested purchases are invoiced from the received quantities
            purchases = {r.purchase for r in Request.browse(requests)
                if r.purchase}
            Purchase.write(list(purchases), {'invoice_method': 'fulfillment'})

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, suggestions):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, suggestions):
        pass

    @classmethod
    def generate_cron(cls):
        "Create and generate a suggestion for every warehouse (cron)"
        suggestion = cls()
        suggestion.save()
        cls.generate([suggestion])
        return suggestion

    def get_warehouses(self):
        Location = Pool().get('stock.location')
        if self.warehouses:
            return list(self.warehouses)
        return Location.search([('type', '=', 'warehouse')])

    # --- reading the data in bulk --------------------------------------

    def read_sales(self, warehouses):
        """Daily sales per (product, warehouse) over the history, from the
        sales history table (the done moves to customers, kept per year;
        the returns from customers are kept apart there and are not
        demand): per year, the window's days of every series, packed by
        PostgreSQL into fixed-size records read by NumPy.

        Returns the first day, and the arrays product and warehouse of the
        series (sorted, those with a sale in the window) and their (n,
        days) sales.
        """
        History = Pool().get('purchase.suggestion.history')
        history = History.__table__()
        start = self.date - datetime.timedelta(days=self.history_days)
        end = self.date - datetime.timedelta(days=1)
        days = self.history_days
        cursor = Transaction().connection.cursor()
        warehouse_ids = [w.id for w in warehouses]
        parts = []
        for year in range(start.year, end.year + 1):
            first, last, column = year_window(year, start, days)
            if first >= last or not warehouse_ids:
                continue
            where = ((history.company == self.company.id)
                & (history.year == year)
                & history.warehouse.in_(warehouse_ids)
                & (history.sold != Null))
            if backend.name == 'postgresql':
                sql, params = tuple(history.select(
                        history.product, history.warehouse, history.sold,
                        where=where))
                cursor.execute('SELECT string_agg(int4send(s.product) '
                    '|| int4send(s.warehouse) '
                    '|| substring(s.sold from %s::integer for %s::integer), '
                    '\'\'::bytea) '
                    f'FROM ({sql}) AS s GROUP BY s.product / 1000',
                    (first * DAY.itemsize + 1,
                        (last - first) * DAY.itemsize) + params)
                data = b''.join(bytes(c) for c, in cursor)
                records = np.frombuffer(data, history_record(last - first))
                parts.append((column, records['product'],
                        records['warehouse'], records['sold']))
                del data
            else:
                cursor.execute(*history.select(
                        history.product, history.warehouse, history.sold,
                        where=where))
                rows = cursor.fetchall()
                parts.append((column,
                        np.array([r[0] for r in rows], dtype=np.int64),
                        np.array([r[1] for r in rows], dtype=np.int64),
                        np.array([unblob(r[2])[first:last] for r in rows]
                            ).reshape(len(rows), last - first)))
        return start, *history_matrix(parts, days)

    def read_stock(self, warehouse_of):
        """On hand (done), incoming (open moves in) and reserved (open moves
        out to customers) per (product, warehouse), summed by SQL.

        On hand starts from the caches of the company's last closed stock
        period (Tryton's stock.period) before the date, so that only the
        done moves after it are summed (through stock's index on the
        moves' company, location and date); without a closed period every
        done move is.
        """
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        Period = pool.get('stock.period')
        PeriodCache = pool.get('stock.period.cache')
        move = Move.__table__()
        destination = Location.__table__()
        cache = PeriodCache.__table__()
        locations = list(warehouse_of)
        cursor = Transaction().connection.cursor()
        periods = Period.search([
                ('company', '=', self.company.id),
                ('state', '=', 'closed'),
                ('date', '<', self.date),
                ], order=[('date', 'DESC')], limit=1)
        rows = []
        if periods:
            period, = periods
            cursor.execute(*cache.select(
                    # as a done move into the cached location
                    cache.product, Literal(None), cache.location,
                    Literal('done'), Literal(None),
                    Sum(cache.internal_quantity),
                    where=(cache.period == period.id)
                    & cache.location.in_(locations),
                    group_by=[cache.product, cache.location]))
            rows.extend(cursor)
        # stock's indexes are on this expression
        date = Coalesce(move.effective_date, move.planned_date,
            datetime.date.max)
        done = (move.state == 'done') & (date <= self.date)
        if periods:
            done &= date > period.date
        for where in [done,
                move.state.in_(['draft', 'assigned', 'staging'])]:
            cursor.execute(*move
                .join(destination,
                    condition=move.to_location == destination.id)
                .select(move.product, move.from_location, move.to_location,
                    move.state, destination.type,
                    Sum(move.internal_quantity),
                    where=where & (move.company == self.company.id)
                    & (move.from_location.in_(locations)
                        | move.to_location.in_(locations)),
                    group_by=[move.product, move.from_location,
                        move.to_location, move.state, destination.type]))
            rows.extend(cursor)
        on_hand = defaultdict(float)
        incoming = defaultdict(float)
        reserved = defaultdict(float)
        for product, from_, to, state, to_type, quantity in rows:
            inside_from = warehouse_of.get(from_)
            inside_to = warehouse_of.get(to)
            if inside_from == inside_to:
                continue
            if state == 'done':
                if inside_to:
                    on_hand[product, inside_to] += quantity
                if inside_from:
                    on_hand[product, inside_from] -= quantity
            elif inside_to:
                incoming[product, inside_to] += quantity
            elif inside_from and to_type == 'customer':
                reserved[product, inside_from] += quantity
        return on_hand, incoming, reserved

    def read_lead_times(self):
        """Days from purchase date to receipt per supplier, over the history
        or the last year, whichever is longer
        """
        pool = Pool()
        Move = pool.get('stock.move')
        Line = pool.get('purchase.line')
        Purchase = pool.get('purchase.purchase')
        Location = pool.get('stock.location')
        move = Move.__table__()
        line = Line.__table__()
        purchase = Purchase.__table__()
        source = Location.__table__()
        start = self.date - datetime.timedelta(
            days=max(self.history_days, 365))
        cursor = Transaction().connection.cursor()
        cursor.execute(*move
            .join(source, condition=move.from_location == source.id)
            .join(line, condition=move.origin == Concat(
                    'purchase.line,', line.id))
            .join(purchase, condition=line.purchase == purchase.id)
            .select(purchase.party, purchase.purchase_date,
                move.effective_date,
                where=(move.state == 'done') & (source.type == 'supplier')
                & (move.effective_date >= start)
                & (purchase.company == self.company.id)
                & (purchase.purchase_date != Null)))
        result = defaultdict(list)
        for party, ordered, received in cursor:
            result[party].append((received - ordered).days)
        return result

    def read_promotions(self, products, warehouses, start, horizon_end):
        Promotion = Pool().get('purchase.suggestion.promotion')
        return Promotion.search([
                ('company', '=', self.company.id),
                ('product', 'in', list(products)),
                ('start_date', '<=', horizon_end),
                ('end_date', '>=', start),
                ])

    # --- supplier choice -----------------------------------------------

    def read_supplier_terms(self):
        """The product suppliers of the company by one query: per product,
        (party, lead time days or None, minimal quantity, rounding, the
        factor of the purchase unit to the default unit, lowest price)
        """
        pool = Pool()
        ProductSupplier = pool.get('purchase.product_supplier')
        Price = pool.get('purchase.product_supplier.price')
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        product_supplier = ProductSupplier.__table__()
        price = Price.__table__()
        product = Product.__table__()
        template = Template.__table__()
        prices = price.select(price.product_supplier,
            Min(price.unit_price).as_('unit_price'),
            group_by=[price.product_supplier])
        cursor = Transaction().connection.cursor()
        cursor.execute(*product_supplier
            .join(product, condition=(
                    product.template == product_supplier.template)
                & ((product_supplier.product == Null)
                    | (product_supplier.product == product.id)))
            .join(template, condition=template.id == product.template)
            .join(prices, 'LEFT',
                condition=prices.product_supplier == product_supplier.id)
            .select(product.id, product_supplier.party,
                product_supplier.lead_time,
                product_supplier.quantity_minimal,
                product_supplier.quantity_rounding,
                template.purchase_uom, template.default_uom,
                prices.unit_price,
                where=((product_supplier.company == Null)
                    | (product_supplier.company == self.company.id))
                & (template.active == Literal(True))
                & (product.active == Literal(True)),
                order_by=[product.id, NullsFirst(product_supplier.sequence),
                    product_supplier.id]))
        factors = {}
        terms = defaultdict(list)
        for (product_id, party, lead_time, minimal, rounding, purchase_uom,
                default_uom, unit_price) in cursor:
            # SQLite gives the aggregate of a NUMERIC column untyped
            if isinstance(unit_price, bytes):
                unit_price = unit_price.decode()
            if unit_price is not None and not isinstance(unit_price,
                    Decimal):
                unit_price = Decimal(str(unit_price))
            if (purchase_uom, default_uom) not in factors:
                factors[purchase_uom, default_uom] = Uom.compute_qty(
                    Uom(purchase_uom), 1, Uom(default_uom), round=False)
            terms[product_id].append((party,
                    lead_time.days if lead_time is not None else None,
                    minimal, rounding, factors[purchase_uom, default_uom],
                    unit_price))
        return terms

    def choose_suppliers(self, product_ids, lead_times):
        """The supplier of each product by the policy, with its terms and
        the reason; eliminated suppliers are left out
        """
        Party = Pool().get('party.party')
        scoring = _grading()
        terms = self.read_supplier_terms()
        parties = {p.id: p for p in Party.browse(sorted(
                    {t[0] for p in product_ids for t in terms.get(p, [])}))}
        grades, scores = {}, {}
        for party in parties.values():
            grades[party.id] = party.supplier_grade if scoring else None
            scores[party.id] = (float(party.supplier_score)
                if scoring and party.supplier_score is not None else 0)
        statistics = {}
        policy = self._policy_name()
        chosen = {}
        # the same terms give the same reason: translated once
        reasons = {}
        for product_id in product_ids:
            candidates = []
            for (party, lead_days, minimal, rounding, factor,
                    unit_price) in terms.get(product_id, []):
                grade = grades[party]
                if scoring and not scoring.grade_allowed(grade):
                    continue
                configured = (lead_days if lead_days is not None
                    else self.default_lead_time)
                if (party, configured) not in statistics:
                    statistics[party, configured] = lead_time_statistics(
                        lead_times.get(party, []), configured)
                lead, sigma, measured = statistics[party, configured]
                candidates.append({
                        'party': party,
                        'grade': grade,
                        'rank': scoring.grade_rank(grade) if scoring else 0,
                        'score': scores[party],
                        'price': unit_price,
                        'lead_time': lead,
                        'lead_time_sigma': sigma,
                        'measured': measured,
                        'receipts': len(lead_times.get(party, [])),
                        'minimum': minimal * factor if minimal else 0,
                        'multiple': rounding * factor if rounding else 0,
                        })
            if candidates:
                best = min(candidates, key=self._policy_key)
                terms_key = (best['grade'], best['price'], best['lead_time'],
                    best['lead_time_sigma'], best['measured'],
                    best['receipts'])
                if terms_key not in reasons:
                    reasons[terms_key] = self._reason(best, policy)
                best['reason'] = reasons[terms_key]
                chosen[product_id] = best
        return chosen

    def _policy_name(self):
        return dict(self.fields_get(['supplier_policy'])[
                'supplier_policy']['selection'])[self.supplier_policy]

    def _policy_key(self, candidate):
        price = (candidate['price'] if candidate['price'] is not None
            else Decimal('Infinity'))
        if self.supplier_policy == 'price':
            return (price, candidate['rank'], candidate['lead_time'])
        if self.supplier_policy == 'lead_time':
            return (candidate['lead_time'], price)
        if self.supplier_policy == 'reliability':
            return (candidate['lead_time_sigma'], -candidate['score'], price)
        return (candidate['rank'], price, candidate['lead_time'])

    def _reason(self, candidate, policy):
        return gettext('purchase_suggest.msg_supplier_reason',
            policy=policy,
            grade=candidate['grade'] or '-',
            price=(f"{candidate['price']:.4f}"
                if candidate['price'] is not None else '-'),
            lead_time=f"{candidate['lead_time']:.1f}",
            sigma=f"{candidate['lead_time_sigma']:.1f}",
            source=gettext('purchase_suggest.msg_lead_time_measured',
                receipts=candidate['receipts'])
            if candidate['measured'] else
            gettext('purchase_suggest.msg_lead_time_configured'))

    # --- the computation -----------------------------------------------

    def compute_line_values(self, run=None):
        "The values of the lines: read in bulk, compute vectorised"
        pool = Pool()
        Product = pool.get('product.product')
        warehouses = self.get_warehouses()
        warehouse_of = warehouse_of_locations(warehouses)
        start, pair_product, pair_warehouse, sales = self.read_sales(
            warehouses)
        days = self.history_days
        if not len(pair_product):
            return []
        # one series per (product, warehouse), ordered
        keys = list(zip(pair_product.tolist(), pair_warehouse.tolist()))

        product_ids = sorted({p for p, _ in keys})
        units = self.read_default_units(product_ids)
        chosen = self.choose_suppliers(product_ids, self.read_lead_times())
        lead = np.array([chosen[p]['lead_time'] if p in chosen
                else self.default_lead_time for p, _ in keys], dtype=float)
        lead_sigma = np.array([chosen[p]['lead_time_sigma'] if p in chosen
                else 0. for p, _ in keys], dtype=float)
        horizon = int(np.ceil(lead.max() + self.review_period))

        promotion = np.zeros((len(keys), days), dtype=bool)
        planned = np.zeros((len(keys), horizon))
        rows_of_product = defaultdict(list)
        for i, (product_id, _) in enumerate(keys):
            rows_of_product[product_id].append(i)
        for promo in self.read_promotions(product_ids, warehouses, start,
                self.date + datetime.timedelta(days=horizon)):
            rows_of = [i for i in rows_of_product[promo.product.id]
                if not promo.warehouse or promo.warehouse.id == keys[i][1]]
            first = max((promo.start_date - start).days, 0)
            last = min((promo.end_date - start).days + 1, days)
            if first < last:
                promotion[rows_of, first:last] = True
            first = max((promo.start_date - self.date).days, 0)
            last = min((promo.end_date - self.date).days + 1, horizon)
            if first < last:
                planned[rows_of, first:last] = promo.uplift

        backtest_actual = sales[:, -28:].clip(min=0).sum(axis=1)
        on_hand, incoming, reserved = self.read_stock(warehouse_of)
        on_hand = [on_hand.get(k, 0) for k in keys]
        incoming = [incoming.get(k, 0) for k in keys]
        reserved = [reserved.get(k, 0) for k in keys]
        minimum = [chosen[p]['minimum'] if p in chosen else 0
            for p, _ in keys]
        multiple = [chosen[p]['multiple'] if p in chosen else 0
            for p, _ in keys]
        result = compute_lines_by_block(sales, start.weekday(),
            lead_time=lead, lead_time_sigma=lead_sigma,
            review_period=self.review_period,
            service_level=self.service_level,
            on_hand=on_hand, incoming=incoming, reserved=reserved,
            minimum=minimum, multiple=multiple,
            promotion=promotion, planned_uplift=planned,
            processes=self._forecast_processes(len(keys)))
        del promotion

        def column(name, digits=2):
            values = np.round(np.asarray(result[name], dtype=float), digits)
            return [None if v != v else v for v in values.tolist()]
        columns = {
            'wape': column('wape', 4),
            'baseline': column('baseline'),
            'season_factor': column('season_factor', 3),
            'learned_uplift': column('learned_uplift', 3),
            'uplift': column('uplift', 3),
            'promotion_units': column('promotion_units'),
            'demand': column('demand'),
            'safety_stock': column('safety_stock'),
            'need': column('need'),
            'rounding': column('rounding'),
            'quantity': column('quantity'),
            }
        methods = [str(m) for m in result['method']]
        stockout_days = np.asarray(result['stockout_days']).tolist()
        lead = np.round(lead, 1).tolist()
        lead_sigma = np.round(lead_sigma, 1).tolist()
        backtest_actual = np.asarray(backtest_actual, dtype=float).tolist()
        if run is not None:
            for product in Product.browse(
                    [p for p in product_ids if p not in chosen]):
                run.warning(gettext('purchase_suggest.msg_no_supplier',
                        product=product.rec_name), record=product)
        values = []
        for i, (product_id, warehouse_id) in enumerate(keys):
            supplier = chosen.get(product_id)
            values.append({
                    'suggestion': self.id,
                    'product': product_id,
                    'warehouse': warehouse_id,
                    'unit': units[product_id],
                    'supplier': supplier['party'] if supplier else None,
                    'supplier_reason': (supplier['reason']
                        if supplier else None),
                    'method': methods[i],
                    'wape': columns['wape'][i],
                    'backtest_actual': backtest_actual[i],
                    'baseline': columns['baseline'][i],
                    'season_factor': columns['season_factor'][i],
                    'learned_uplift': columns['learned_uplift'][i],
                    'uplift': columns['uplift'][i],
                    'promotion_units': columns['promotion_units'][i],
                    'demand': columns['demand'][i],
                    'safety_stock': columns['safety_stock'][i],
                    'lead_time': lead[i],
                    'lead_time_sigma': lead_sigma[i],
                    'review_period': self.review_period,
                    'stockout_days': stockout_days[i],
                    'on_hand': on_hand[i],
                    'incoming': incoming[i],
                    'reserved': reserved[i],
                    'need': columns['need'][i],
                    'minimum': minimum[i],
                    'multiple': multiple[i],
                    'rounding': columns['rounding'][i],
                    'suggested_quantity': columns['quantity'][i],
                    'quantity': columns['quantity'][i],
                    })
        if run is not None:
            run.add('processed', len(values))
        return values

    @classmethod
    def _forecast_processes(cls, series):
        """How many processes share the forecast of the series: two (one
        forked) from FORECAST_FORK_SERIES series on a machine of two or
        more processors, else this one alone
        """
        if series >= FORECAST_FORK_SERIES and (os.cpu_count() or 1) > 1:
            return 2
        return 1

    def read_default_units(self, product_ids):
        "The default unit of each product, by one query"
        pool = Pool()
        Product = pool.get('product.product')
        Template = pool.get('product.template')
        product = Product.__table__()
        template = Template.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*product
            .join(template, condition=product.template == template.id)
            .select(product.id, template.default_uom))
        return dict(cursor)


class SuggestionWarehouse(ModelSQL):
    __name__ = 'purchase.suggestion-stock.location'
    __string__ = "Purchase Suggestion - Warehouse"
    suggestion = fields.Many2One('purchase.suggestion', "Suggestion",
        required=True, ondelete='CASCADE')
    warehouse = fields.Many2One('stock.location', "Warehouse",
        required=True, ondelete='CASCADE',
        domain=[('type', '=', 'warehouse')])


class SuggestionLine(ModelSQL, ModelView):
    __name__ = 'purchase.suggestion.line'
    __string__ = "Purchase Suggestion Line"

    suggestion = fields.Many2One('purchase.suggestion', "Suggestion",
        required=True, ondelete='CASCADE')
    state = fields.Function(fields.Selection(STATES, "State"),
        'on_change_with_state')
    product = fields.Many2One('product.product', "Product", required=True,
        readonly=True)
    warehouse = fields.Many2One('stock.location', "Warehouse",
        required=True, readonly=True, domain=[('type', '=', 'warehouse')])
    unit = fields.Many2One('product.uom', "Unit", readonly=True)
    supplier = fields.Many2One('party.party', "Supplier",
        states={'readonly': Eval('state') != 'draft'},
        help="Chosen by the policy of the suggestion; can be changed.")
    supplier_reason = fields.Char("Supplier Reason", readonly=True)
    method = fields.Selection(METHOD_NAMES, "Method", readonly=True,
        help="The forecast method with the lowest backtest error on the "
        "last 28 days of the series.")
    wape = fields.Float("WAPE", digits=(16, 4), readonly=True,
        help="Backtest weighted absolute percentage error of the method.")
    backtest_actual = fields.Float("Backtest Demand", readonly=True)
    baseline = fields.Float("Baseline", digits=(16, 2), readonly=True,
        help="Forecast demand over lead time + review period, before "
        "season and promotions.")
    season_factor = fields.Float("Season Factor", digits=(16, 3),
        readonly=True,
        help="Yearly seasonality from last year's demand (1 without a "
        "year of history).")
    learned_uplift = fields.Float("Learned Uplift", digits=(16, 3),
        readonly=True, help="Uplift measured on past promotions.")
    uplift = fields.Float("Promotion Uplift", digits=(16, 3), readonly=True,
        help="Uplift applied on the planned promotion days: the planned "
        "one weighted with the learned one.")
    promotion_units = fields.Float("Promotion Units", digits=(16, 2),
        readonly=True)
    demand = fields.Float("Demand", digits=(16, 2), readonly=True)
    safety_stock = fields.Float("Safety Stock", digits=(16, 2),
        readonly=True)
    lead_time = fields.Float("Lead Time", digits=(16, 1), readonly=True,
        help="Days, measured from the supplier's receipts when there are "
        "3 or more.")
    lead_time_sigma = fields.Float("Lead Time Deviation", digits=(16, 1),
        readonly=True)
    review_period = fields.Integer("Review Period", readonly=True)
    stockout_days = fields.Integer("Stockout Days", readonly=True)
    on_hand = fields.Float("On Hand", readonly=True)
    incoming = fields.Float("Incoming", readonly=True)
    reserved = fields.Float("Reserved", readonly=True)
    need = fields.Float("Need", digits=(16, 2), readonly=True,
        help="Demand + safety stock - (on hand + incoming - reserved).")
    minimum = fields.Float("Minimum Quantity", readonly=True)
    multiple = fields.Float("Pack Multiple", readonly=True)
    rounding = fields.Float("Rounding", digits=(16, 2), readonly=True)
    suggested_quantity = fields.Float("Suggested Quantity", readonly=True)
    quantity = fields.Float("Quantity",
        states={'readonly': Eval('state') != 'draft'})
    purchase_request = fields.Many2One('purchase.request',
        "Purchase Request", readonly=True)
    purchase = fields.Function(fields.Many2One('purchase.purchase',
            "Purchase"), 'get_purchase', searcher='search_purchase')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('product', 'ASC'), ('warehouse', 'ASC'), ('id', 'ASC')]

    @fields.depends('suggestion', '_parent_suggestion.state')
    def on_change_with_state(self, name=None):
        return self.suggestion.state if self.suggestion else None

    def get_purchase(self, name):
        if self.purchase_request and self.purchase_request.purchase:
            return self.purchase_request.purchase.id

    @classmethod
    def search_purchase(cls, name, clause):
        return [('purchase_request.purchase_line.purchase',)
            + tuple(clause[1:])]

    def get_purchase_request(self):
        pool = Pool()
        Request = pool.get('purchase.request')
        Date = pool.get('ir.date')
        today = Date.today()
        return Request(
            product=self.product,
            party=self.supplier,
            quantity=self.quantity,
            unit=self.unit,
            computed_quantity=self.quantity,
            computed_unit=self.unit,
            warehouse=self.warehouse,
            company=self.suggestion.company,
            purchase_date=today,
            supply_date=today + datetime.timedelta(
                days=round(self.lead_time or 0)),
            origin=self,
            )

    @classmethod
    def insert_bulk(cls, vlist):
        """Create the lines of vlist by COPY on the transaction's cursor:
        no validation per record, for generated lines whose values are
        right by construction (the ORM create is hundreds of times slower
        for 100,000 lines)
        """
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        transaction = Transaction()
        if not vlist:
            return
        if backend.name != 'postgresql':
            cls.create(vlist)
            return
        ModelAccess.check(cls.__name__, 'create')
        transaction.counter += 1
        names = list(vlist[0])
        columns = ', '.join(f'"{n}"' for n in names)
        table = cls._table
        user = transaction.user
        now = datetime.datetime.now()
        cursor = transaction.connection.cursor()
        with cursor.copy(f'COPY "{table}" ({columns}, create_uid, '
                'create_date) FROM STDIN') as copy:
            tail = f'\t{user}\t{now.isoformat()}'
            for start in range(0, len(vlist), 10000):
                copy.write(copy_text_rows(
                        vlist[start:start + 10000], names, tail))

    @classmethod
    def xlsx_columns(cls):
        return ['product', 'warehouse', 'supplier', 'method', 'wape',
            'baseline', 'season_factor', 'uplift', 'promotion_units',
            'demand', 'safety_stock', 'lead_time', 'lead_time_sigma',
            'review_period', 'on_hand', 'incoming', 'reserved', 'need',
            'minimum', 'multiple', 'rounding', 'suggested_quantity',
            'quantity', 'supplier_reason']


class Promotion(ModelSQL, ModelView):
    __name__ = 'purchase.suggestion.promotion'
    __string__ = "Planned Promotion"

    company = fields.Many2One('company.company', "Company", required=True)
    name = fields.Char("Name", required=True)
    product = fields.Many2One('product.product', "Product", required=True)
    warehouse = fields.Many2One('stock.location', "Warehouse",
        domain=[('type', '=', 'warehouse')],
        help="Leave empty for every warehouse.")
    start_date = fields.Date("Start Date", required=True)
    end_date = fields.Date("End Date", required=True,
        domain=[('end_date', '>=', Eval('start_date'))])
    uplift = fields.Float("Expected Uplift", required=True, digits=(1, 2),
        domain=[('uplift', '>', -1)],
        help="0.30 = +30% over the baseline. Past promotions flag the "
        "history and teach the uplift actually reached.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]

    @staticmethod
    def default_company():
        return Transaction().context.get('company')


class GenerateStart(ModelView):
    __name__ = 'purchase.suggestion.generate.start'
    __string__ = "Generate Purchase Suggestion"
    warehouses = fields.Many2Many('stock.location', None, None,
        "Warehouses", domain=[('type', '=', 'warehouse')],
        help="Leave empty for every warehouse.")
    service_level = fields.Float("Cycle Service Level", required=True,
        digits=(1, 4), domain=[('service_level', '>', 0.5),
            ('service_level', '<', 1)])
    review_period = fields.Integer("Review Period", required=True)
    history_days = fields.Integer("History Days", required=True,
        domain=[('history_days', '>=', 28)])
    supplier_policy = fields.Selection(POLICIES, "Supplier Policy",
        required=True)


class Generate(Wizard):
    __name__ = 'purchase.suggestion.generate'
    start = StateView('purchase.suggestion.generate.start',
        'purchase_suggest.generate_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Generate", 'generate_', 'tryton-ok', default=True),
            ])
    generate_ = StateAction('purchase_suggest.act_suggestion')

    def default_start(self, fields):
        "The defaults of a suggestion"
        Suggestion = Pool().get('purchase.suggestion')
        return {name: getattr(Suggestion, f'default_{name}')()
            for name in ['service_level', 'review_period', 'history_days',
                'supplier_policy'] if name in fields}

    def do_generate_(self, action):
        Suggestion = Pool().get('purchase.suggestion')
        suggestion = Suggestion(
            warehouses=list(self.start.warehouses),
            service_level=self.start.service_level,
            review_period=self.start.review_period,
            history_days=self.start.history_days,
            supplier_policy=self.start.supplier_policy)
        suggestion.save()
        Suggestion.generate([suggestion])
        action['pyson_domain'] = PYSONEncoder().encode(
            [('id', '=', suggestion.id)])
        return action, {}
