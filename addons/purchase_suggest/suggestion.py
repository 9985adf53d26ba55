# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Purchase suggestions (建议采购单): documents whose lines show every term
of the suggested quantity, generated on demand or by cron, accepted into
purchase orders through Tryton's purchase requests.
"""
import datetime
from collections import defaultdict
from decimal import Decimal

import numpy as np
from sql import Null
from sql.aggregate import Sum
from sql.operators import Concat

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.pool import Pool
from trytond.pyson import Eval, PYSONEncoder
from trytond.transaction import Transaction
from trytond.wizard import Button, StateAction, StateView, Wizard

from .safety import lead_time_statistics
from .suggest import compute_lines

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
                Line.create(values)
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

    def _warehouse_of_locations(self, warehouses):
        Location = Pool().get('stock.location')
        result = {}
        for warehouse in warehouses:
            for location in Location.search(
                    [('parent', 'child_of', [warehouse.id])]):
                result[location.id] = warehouse.id
        return result

    def read_sales(self, warehouse_of):
        """Daily sales per (product, warehouse) over the history: done moves
        to customers (positive) and from customers (returns, negative),
        summed by SQL
        """
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        move = Move.__table__()
        source = Location.__table__()
        destination = Location.__table__()
        start = self.date - datetime.timedelta(days=self.history_days)
        end = self.date - datetime.timedelta(days=1)
        locations = list(warehouse_of)
        cursor = Transaction().connection.cursor()
        cursor.execute(*move
            .join(source, condition=move.from_location == source.id)
            .join(destination,
                condition=move.to_location == destination.id)
            .select(move.product, move.from_location, move.to_location,
                move.effective_date, Sum(move.internal_quantity),
                where=(move.state == 'done')
                & (move.effective_date >= start)
                & (move.effective_date <= end)
                & (move.company == self.company.id)
                & (((destination.type == 'customer')
                        & move.from_location.in_(locations))
                    | ((source.type == 'customer')
                        & move.to_location.in_(locations))),
                group_by=[move.product, move.from_location,
                    move.to_location, move.effective_date]))
        rows = []
        for product, from_, to, date, quantity in cursor:
            if from_ in warehouse_of:
                rows.append((product, warehouse_of[from_], date, quantity))
            else:
                rows.append((product, warehouse_of[to], date, -quantity))
        return start, rows

    def read_stock(self, warehouse_of):
        """On hand (done), incoming (open moves in) and reserved (open moves
        out to customers) per (product, warehouse), summed by SQL
        """
        pool = Pool()
        Move = pool.get('stock.move')
        Location = pool.get('stock.location')
        move = Move.__table__()
        destination = Location.__table__()
        locations = list(warehouse_of)
        cursor = Transaction().connection.cursor()
        cursor.execute(*move
            .join(destination,
                condition=move.to_location == destination.id)
            .select(move.product, move.from_location, move.to_location,
                move.state, destination.type, Sum(move.internal_quantity),
                where=move.state.in_(['done', 'draft', 'assigned', 'staging'])
                & (move.company == self.company.id)
                & (move.from_location.in_(locations)
                    | move.to_location.in_(locations))
                & ((move.state != 'done')
                    | (move.effective_date <= self.date)),
                group_by=[move.product, move.from_location,
                    move.to_location, move.state, destination.type]))
        on_hand = defaultdict(float)
        incoming = defaultdict(float)
        reserved = defaultdict(float)
        for product, from_, to, state, to_type, quantity in cursor:
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

    def choose_suppliers(self, products, lead_times):
        """The supplier of each product by the policy, with its terms and
        the reason; eliminated suppliers are left out
        """
        pool = Pool()
        ProductSupplier = pool.get('purchase.product_supplier')
        Uom = pool.get('product.uom')
        scoring = _grading()
        by_template = defaultdict(list)
        templates = {p.template.id for p in products}
        for product_supplier in ProductSupplier.search([
                    ('template', 'in', list(templates)),
                    ['OR', ('company', '=', None),
                        ('company', '=', self.company.id)],
                    ]):
            by_template[product_supplier.template.id].append(
                product_supplier)
        chosen = {}
        for product in products:
            candidates = []
            for product_supplier in by_template[product.template.id]:
                if (product_supplier.product
                        and product_supplier.product != product):
                    continue
                party = product_supplier.party
                grade = party.supplier_grade if scoring else None
                if scoring and not scoring.grade_allowed(grade):
                    continue
                configured = (product_supplier.lead_time.days
                    if product_supplier.lead_time is not None
                    else self.default_lead_time)
                lead, sigma, measured = lead_time_statistics(
                    lead_times.get(party.id, []), configured)
                prices = [p.unit_price for p in product_supplier.prices]
                price = min(prices) if prices else None
                unit = product_supplier.unit or product.purchase_uom
                to_default = (lambda q: Uom.compute_qty(unit, q,
                        product.default_uom, round=False) if q else 0)
                candidates.append({
                        'product_supplier': product_supplier,
                        'party': party,
                        'grade': grade,
                        'rank': scoring.grade_rank(grade) if scoring else 0,
                        'score': (float(party.supplier_score)
                            if scoring and party.supplier_score is not None
                            else 0),
                        'price': price,
                        'lead_time': lead,
                        'lead_time_sigma': sigma,
                        'measured': measured,
                        'receipts': len(lead_times.get(party.id, [])),
                        'minimum': to_default(
                            product_supplier.quantity_minimal),
                        'multiple': to_default(
                            product_supplier.quantity_rounding),
                        })
            if candidates:
                candidates.sort(key=self._policy_key)
                best = candidates[0]
                best['reason'] = self._reason(best)
                chosen[product.id] = best
        return chosen

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

    def _reason(self, candidate):
        policy = dict(self.fields_get(['supplier_policy'])[
                'supplier_policy']['selection'])[self.supplier_policy]
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
        warehouse_of = self._warehouse_of_locations(warehouses)
        start, rows = self.read_sales(warehouse_of)
        days = self.history_days
        keys = sorted({(p, w) for p, w, _, _ in rows})
        if not keys:
            return []
        index = {k: i for i, k in enumerate(keys)}
        sales = np.zeros((len(keys), days))
        series = np.fromiter((index[p, w] for p, w, _, _ in rows), int,
            len(rows))
        day = np.fromiter(((d - start).days for _, _, d, _ in rows), int,
            len(rows))
        quantity = np.fromiter((q for *_, q in rows), float, len(rows))
        # returns are not demand: they are left out here, not netted
        np.add.at(sales, (series, day), np.maximum(quantity, 0))

        products = Product.browse(sorted({p for p, _ in keys}))
        products = {p.id: p for p in products}
        chosen = self.choose_suppliers(products.values(),
            self.read_lead_times())
        lead = np.array([chosen[p]['lead_time'] if p in chosen
                else self.default_lead_time for p, _ in keys])
        lead_sigma = np.array([chosen[p]['lead_time_sigma'] if p in chosen
                else 0. for p, _ in keys])
        horizon = int(np.ceil(lead.max() + self.review_period))

        promotion = np.zeros((len(keys), days), dtype=bool)
        planned = np.zeros((len(keys), horizon))
        for promo in self.read_promotions(products, warehouses, start,
                self.date + datetime.timedelta(days=horizon)):
            rows_of = [index[k] for k in keys if k[0] == promo.product.id
                and (not promo.warehouse or promo.warehouse.id == k[1])]
            first = max((promo.start_date - start).days, 0)
            last = min((promo.end_date - start).days + 1, days)
            if first < last:
                promotion[rows_of, first:last] = True
            first = max((promo.start_date - self.date).days, 0)
            last = min((promo.end_date - self.date).days + 1, horizon)
            if first < last:
                planned[rows_of, first:last] = promo.uplift

        on_hand, incoming, reserved = self.read_stock(warehouse_of)
        result = compute_lines(sales, start.weekday(),
            lead_time=lead, lead_time_sigma=lead_sigma,
            review_period=self.review_period,
            service_level=self.service_level,
            on_hand=[on_hand.get(k, 0) for k in keys],
            incoming=[incoming.get(k, 0) for k in keys],
            reserved=[reserved.get(k, 0) for k in keys],
            minimum=[chosen[p]['minimum'] if p in chosen else 0
                for p, _ in keys],
            multiple=[chosen[p]['multiple'] if p in chosen else 0
                for p, _ in keys],
            promotion=promotion, planned_uplift=planned)
        backtest_actual = sales[:, -28:].clip(min=0).sum(axis=1)
        values = []
        for i, (product_id, warehouse_id) in enumerate(keys):
            product = products[product_id]
            supplier = chosen.get(product_id)
            if supplier is None and run is not None:
                run.warning(gettext('purchase_suggest.msg_no_supplier',
                        product=product.rec_name), record=product)

            def number(name, digits=2):
                value = float(result[name][i])
                return None if np.isnan(value) else round(value, digits)
            values.append({
                    'suggestion': self.id,
                    'product': product_id,
                    'warehouse': warehouse_id,
                    'unit': product.default_uom.id,
                    'supplier': supplier['party'].id if supplier else None,
                    'supplier_reason': (supplier['reason']
                        if supplier else None),
                    'method': str(result['method'][i]),
                    'wape': number('wape', 4),
                    'backtest_actual': float(backtest_actual[i]),
                    'baseline': number('baseline'),
                    'season_factor': number('season_factor', 3),
                    'learned_uplift': number('learned_uplift', 3),
                    'uplift': number('uplift', 3),
                    'promotion_units': number('promotion_units'),
                    'demand': number('demand'),
                    'safety_stock': number('safety_stock'),
                    'lead_time': round(float(lead[i]), 1),
                    'lead_time_sigma': round(float(lead_sigma[i]), 1),
                    'review_period': self.review_period,
                    'stockout_days': int(result['stockout_days'][i]),
                    'on_hand': on_hand.get((product_id, warehouse_id), 0),
                    'incoming': incoming.get((product_id, warehouse_id), 0),
                    'reserved': reserved.get((product_id, warehouse_id), 0),
                    'need': number('need'),
                    'minimum': supplier['minimum'] if supplier else 0,
                    'multiple': supplier['multiple'] if supplier else 0,
                    'rounding': number('rounding'),
                    'suggested_quantity': number('quantity'),
                    'quantity': number('quantity'),
                    })
            if run is not None:
                run.add('processed')
        return values


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
