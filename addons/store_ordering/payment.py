# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Store payments recorded by finance: bank transfers and payment
references, deposits on the store's prepaid balance, and orders paid from
that balance.

Posting a payment writes an account move in the payment journal:

- a payment: the bank account debited, the store's receivable credited
  (the statement lists it; when it pays an invoice it is added to the
  invoice's payments, and the invoice is paid once they cover it);
- a deposit (payment in advance): the bank account debited, the prepaid
  account (customer advances) credited for the store;
- paid from the prepaid balance: the prepaid account debited for the
  store, its receivable credited; refused when the balance would go below
  zero (the store's row is locked while the balance is read).

Neither account_statement nor account_payment is a dependency of the
project's modules: account_payment manages payment orders to process with
a bank, not receipts to record, so the move is written here.
"""
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import (
    ModelSingleton, ModelSQL, ModelView, Workflow, fields)
from trytond.modules.currency.fields import Monetary
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from .exceptions import StorePaymentError

ZERO = Decimal(0)


class Configuration(ModelSingleton, ModelSQL, ModelView):
    __name__ = 'store.configuration'
    __string__ = "Store Ordering Configuration"

    payment_journal = fields.Many2One('account.journal', "Payment Journal",
        help="The journal of the store payments' moves.")
    prepaid_account = fields.Many2One('account.account', "Prepaid Account",
        domain=[
            ('type', '!=', None),
            ('closed', '!=', True),
            ('party_required', '=', True),
            ],
        help="The account of the stores' prepaid balances (customer "
        "advances), with a party on each line.")


class Payment(Workflow, ModelSQL, ModelView):
    __name__ = 'store.payment'
    __string__ = "Store Payment"

    _states = {'readonly': Eval('state') != 'draft'}

    company = fields.Many2One('company.company', "Company", required=True,
        states=_states)
    store = fields.Many2One('party.party', "Store", required=True,
        domain=[('store_level', '!=', None)], states=_states,
        context={'company': Eval('company', -1)}, depends={'company'})
    date = fields.Date("Date", required=True, states=_states)
    method = fields.Selection([
            ('bank_transfer', "Bank Transfer"),
            ('reference', "Payment Reference"),
            ('prepaid', "Prepaid Balance"),
            ], "Method", required=True, states=_states)
    deposit = fields.Boolean("Deposit in Advance", states={
            'readonly': Eval('state') != 'draft',
            'invisible': Eval('method') == 'prepaid',
            },
        help="Credit the store's prepaid balance instead of its "
        "receivable.")
    reference = fields.Char("Reference", states={
            'readonly': Eval('state') != 'draft',
            'required': Eval('method') != 'prepaid',
            },
        help="The bank transfer number or the payment reference.")
    currency = fields.Function(fields.Many2One('currency.currency',
            "Currency"), 'on_change_with_currency')
    amount = Monetary("Amount", currency='currency', digits='currency',
        required=True, states=_states,
        domain=[('amount', '>', 0)])
    account = fields.Many2One('account.account', "Bank Account",
        domain=[
            ('company', '=', Eval('company', -1)),
            ('type', '!=', None),
            ('closed', '!=', True),
            ('party_required', '=', False),
            ],
        states={
            'readonly': Eval('state') != 'draft',
            'required': Eval('method') != 'prepaid',
            'invisible': Eval('method') == 'prepaid',
            },
        help="The bank or cash account that received the money.")
    sale = fields.Many2One('sale.sale', "Order",
        domain=[
            ('party', '=', Eval('store', -1)),
            ('company', '=', Eval('company', -1)),
            ],
        states=_states)
    invoice = fields.Many2One('account.invoice', "Invoice",
        domain=[
            ('party', '=', Eval('store', -1)),
            ('company', '=', Eval('company', -1)),
            ('type', '=', 'out'),
            If(Eval('state') == 'draft',
                ('state', '=', 'posted'), ()),
            ],
        states={
            'readonly': Eval('state') != 'draft',
            'invisible': Bool(Eval('deposit')),
            },
        help="The invoice this payment pays (in part or in full).")
    move = fields.Many2One('account.move', "Move", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('posted', "Posted"),
            ], "State", readonly=True, required=True, sort=False)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('draft', 'posted')}
        cls._buttons.update({
                'post': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                })

    @staticmethod
    def default_company():
        return Transaction().context.get('company')

    @staticmethod
    def default_state():
        return 'draft'

    @staticmethod
    def default_method():
        return 'bank_transfer'

    @staticmethod
    def default_deposit():
        return False

    @classmethod
    def default_date(cls):
        return Pool().get('ir.date').today()

    @fields.depends('company')
    def on_change_with_currency(self, name=None):
        return self.company.currency if self.company else None

    @fields.depends('method', 'deposit')
    def on_change_method(self):
        if self.method == 'prepaid':
            self.deposit = False
            self.account = None

    @fields.depends('sale', 'invoice', 'amount')
    def on_change_invoice(self):
        if self.invoice and not self.amount:
            self.amount = self.invoice.amount_to_pay

    def get_rec_name(self, name):
        return ' '.join(p for p in [self.method_label(), self.reference]
            if p)

    def method_label(self):
        selection = dict(self.__class__.fields_get(['method'])[
                'method']['selection'])
        return selection.get(self.method, self.method)

    @classmethod
    def check_modification(cls, mode, records, values=None, external=False):
        super().check_modification(
            mode, records, values=values, external=external)
        if mode == 'delete':
            for payment in records:
                if payment.state != 'draft':
                    raise StorePaymentError(gettext(
                            'store_ordering.msg_payment_delete_posted',
                            payment=payment.rec_name))

    @classmethod
    def copy(cls, payments, default=None):
        default = {} if default is None else default.copy()
        default.setdefault('move')
        default.setdefault('state')
        return super().copy(payments, default=default)

    @classmethod
    @ModelView.button
    @Workflow.transition('posted')
    def post(cls, payments):
        pool = Pool()
        Move = pool.get('account.move')
        Party = pool.get('party.party')
        Invoice = pool.get('account.invoice')
        prepaid = [p for p in payments if p.method == 'prepaid']
        if prepaid:
            # one store's payments from the balance wait for each other
            Party.lock(list({p.store for p in prepaid}))
        spent = {}
        for payment in prepaid:
            balance = payment.store.prepaid_balance(payment.company)
            spent[payment.store] = spent.get(payment.store, ZERO) + (
                payment.amount)
            if spent[payment.store] > balance:
                raise StorePaymentError(gettext(
                        'store_ordering.msg_prepaid_insufficient',
                        store=payment.store.rec_name,
                        balance=balance, amount=payment.amount))
        for payment in payments:
            if (payment.invoice and not payment.deposit
                    and payment.amount > payment.invoice.amount_to_pay):
                raise StorePaymentError(gettext(
                        'store_ordering.msg_payment_above_invoice',
                        payment=payment.rec_name,
                        invoice=payment.invoice.rec_name,
                        amount=payment.invoice.amount_to_pay))
        moves = [p.get_move() for p in payments]
        Move.save(moves)
        Move.post(moves)
        for payment, move in zip(payments, moves):
            payment.move = move
        cls.save(payments)
        for payment in payments:
            if payment.invoice and not payment.deposit:
                payment.pay_invoice()
        Invoice.process([p.invoice for p in payments if p.invoice])

    def _accounts(self):
        "(debited account, debit party, credited account, credit party)"
        Configuration = Pool().get('store.configuration')
        config = Configuration(1)
        receivable = self.store.account_receivable_used
        if self.method == 'prepaid' or self.deposit:
            if not config.prepaid_account:
                raise StorePaymentError(gettext(
                        'store_ordering.msg_prepaid_account_missing'))
        if self.method == 'prepaid':
            return (config.prepaid_account, self.store,
                receivable, self.store)
        if self.deposit:
            return self.account, None, config.prepaid_account, self.store
        return self.account, None, receivable, self.store

    def get_move(self):
        pool = Pool()
        Move = pool.get('account.move')
        Line = pool.get('account.move.line')
        Period = pool.get('account.period')
        Configuration = pool.get('store.configuration')
        journal = Configuration(1).payment_journal
        if not journal:
            raise StorePaymentError(gettext(
                    'store_ordering.msg_payment_journal_missing'))
        debit_account, debit_party, credit_account, credit_party = (
            self._accounts())
        description = self.rec_name
        return Move(
            company=self.company, journal=journal, date=self.date,
            period=Period.find(self.company, date=self.date),
            origin=self, description=description,
            lines=[
                Line(account=debit_account, party=debit_party,
                    debit=self.amount, credit=ZERO,
                    description=description),
                Line(account=credit_account, party=credit_party,
                    debit=ZERO, credit=self.amount,
                    description=description),
                ])

    def receivable_line(self):
        "The move line crediting the store's receivable"
        receivable = self.store.account_receivable_used
        for line in self.move.lines:
            if line.account == receivable and line.credit:
                return line

    def pay_invoice(self):
        "Add the payment to the invoice's, reconcile when they cover it"
        pool = Pool()
        Invoice = pool.get('account.invoice')
        Line = pool.get('account.move.line')
        line = self.receivable_line()
        if not line:
            return
        invoice = Invoice(self.invoice.id)
        Invoice.add_payment_lines({invoice: [line]})
        invoice = Invoice(invoice.id)
        lines, remainder = invoice.get_reconcile_lines_for_amount(
            ZERO, invoice.currency)
        if not remainder and lines:
            Line.reconcile(lines)


class Move(metaclass=PoolMeta):
    __name__ = 'account.move'

    @classmethod
    def _get_origin(cls):
        return super()._get_origin() + ['store.payment']


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    store_prepaid_balance = fields.Function(Monetary("Prepaid Balance",
            currency='store_currency', digits='store_currency',
            help="What the store paid in advance and has not used yet."),
        'get_store_prepaid_balance')
    store_currency = fields.Function(fields.Many2One('currency.currency',
            "Store Currency"), 'get_store_currency')

    def get_store_currency(self, name):
        Company = Pool().get('company.company')
        company = Transaction().context.get('company')
        return Company(company).currency.id if company else None

    @classmethod
    def get_store_prepaid_balance(cls, parties, name):
        Company = Pool().get('company.company')
        company = Transaction().context.get('company')
        result = {p.id: None for p in parties}
        if company is None:
            return result
        company = Company(company)
        for party in parties:
            if party.store_level:
                result[party.id] = party.prepaid_balance(company)
        return result

    def prepaid_balance(self, company, date=None):
        """The store's prepaid balance in the company: the credits less the
        debits of its posted lines on the prepaid account (up to date)"""
        pool = Pool()
        Configuration = pool.get('store.configuration')
        MoveLine = pool.get('account.move.line')
        account = Configuration(1).prepaid_account
        if not account:
            return ZERO
        domain = [
            ('account', '=', account.id),
            ('party', '=', self.id),
            ('move.state', '=', 'posted'),
            ('move.company', '=', company.id),
            ]
        if date:
            domain.append(('date', '<=', date))
        return sum((l.credit - l.debit for l in MoveLine.search(domain)),
            ZERO)


class Sale(metaclass=PoolMeta):
    __name__ = 'sale.sale'

    store_payments = fields.One2Many('store.payment', 'sale',
        "Store Payments", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'store_pay_prepaid': {
                    'invisible': (~Eval('state').in_(
                            ['confirmed', 'processing', 'done'])
                        | ~Eval('store_level')),
                    'depends': ['state', 'store_level'],
                    },
                })

    def store_amount_unpaid(self):
        "What is left to pay of the order after the store payments"
        paid = sum((p.amount for p in self.store_payments
                if p.state == 'posted' and not p.deposit), ZERO)
        return max(self.total_amount - paid, ZERO)

    @classmethod
    @ModelView.button
    def store_pay_prepaid(cls, sales):
        "Pay the orders from the stores' prepaid balances"
        Payment = Pool().get('store.payment')
        payments = []
        for sale in sales:
            amount = sale.store_amount_unpaid()
            if amount:
                payments.append(Payment(company=sale.company,
                        store=sale.party, sale=sale, method='prepaid',
                        reference=sale.number, amount=amount))
        Payment.save(payments)
        Payment.post(payments)
        return payments
