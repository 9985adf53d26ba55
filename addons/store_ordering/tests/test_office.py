# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Head office and money: reporting views, payments recorded by finance,
the prepaid balance, and the notifications to the stores.

The figures come from the fixtures (tests/fixtures.py) worked out by hand:
store A's order of 10 Tea and 5 Coffee is 80.00 + 90.00 - 10.00 (满100减10)
with a free Cup: 160.00; store B's 20 Coffee at its own 12.00 is 240.00 -
10.00 with a Cup: 230.00.
"""
import datetime
from decimal import Decimal
from unittest.mock import patch

from trytond.exceptions import UserError
from trytond.modules.account.tests import get_fiscalyear
from trytond.modules.account_invoice.tests import set_invoice_sequences
from trytond.modules.ecom_base.portal import portal_context, portal_user_id
from trytond.modules.ecom_base.tests import RouteTestCase
from trytond.modules.store_ordering.exceptions import StorePaymentError
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction
from trytond.transaction import Transaction, check_access

from .fixtures import build, store_sale

D = Decimal
DAY = datetime.timedelta(days=1)


def set_up_money(s):
    """Fiscal years with invoice sequences, the payment journal, a bank
    account and a prepaid account; returns the day the tests start from,
    121 days ago, so that 120 days after it is already past"""
    pool = Pool()
    Account = pool.get('account.account')
    AccountType = pool.get('account.account.type')
    FiscalYear = pool.get('account.fiscalyear')
    Journal = pool.get('account.journal')
    Configuration = pool.get('store.configuration')
    # this year and the last: the tests date their documents from 121 days
    # ago, whatever today is
    today = pool.get('ir.date').today()
    for day in [today.replace(year=today.year - 1, day=1), today]:
        fiscalyear = set_invoice_sequences(get_fiscalyear(s.company, day))
        fiscalyear.save()
        FiscalYear.create_period([fiscalyear])
    s.bank, = Account.search([
            ('name', 'ilike', '%cash%'), ('type', '!=', None),
            ('closed', '=', False)], limit=1)
    payable, = AccountType.search([
            ('payable', '=', True), ('statement', '=', 'balance')],
        limit=1)
    s.prepaid, = Account.create([{
                'name': "Customer Prepayments", 'code': '2203',
                'type': payable.id, 'party_required': True,
                'company': s.company.id}])
    journal, = Journal.search([('type', '=', 'cash')], limit=1)
    config = Configuration(1)
    config.payment_journal = journal
    config.prepaid_account = s.prepaid
    config.save()
    return today - 121 * DAY


def invoice(s, party, date, amount):
    "A posted customer invoice of amount, maturing on its date"
    pool = Pool()
    Invoice = pool.get('account.invoice')
    InvoiceLine = pool.get('account.invoice.line')
    record = Invoice(type='out', company=s.company, party=party,
        invoice_date=date)
    record.on_change_party()
    record.on_change_type()
    # no payment term: the invoice matures on its payment term date
    record.payment_term = None
    record.payment_term_date = date
    record.lines = [InvoiceLine(type='line', account=s.revenue,
            quantity=1, unit_price=amount, description="Goods",
            company=s.company, currency=s.company.currency)]
    record.save()
    # a maturity in the past is a warning for the user: it is wanted here
    with Transaction().set_context(_skip_warnings=True):
        Invoice.post([record])
    return record


def payment(s, party, date, amount, method='bank_transfer',
        reference=None, **values):
    "A posted store payment"
    Payment = Pool().get('store.payment')
    record = Payment(company=s.company, store=party, date=date,
        amount=amount, method=method, reference=reference,
        account=s.bank if method != 'prepaid' else None, **values)
    record.save()
    Payment.post([record])
    return record


def confirmed_sale(s, party, lines, date=None):
    Sale = Pool().get('sale.sale')
    sale = store_sale(s, party, lines)
    if date:
        sale.sale_date = date
        sale.save()
    Sale.quote([sale])
    Sale.confirm([sale])
    return Sale(sale.id)


class StoreOfficeTestCase(RouteTestCase):
    "Head office views, payments, prepaid balance, notifications"
    module = 'store_ordering'

    @with_transaction()
    def test_orders_and_sales_by_store(self):
        "Orders by store, month and state; sales by store and product"
        pool = Pool()
        Sale = pool.get('sale.sale')
        OrderReport = pool.get('store.report.order')
        SalesReport = pool.get('store.report.sales')
        s = build()
        with s.context():
            january, february = (
                datetime.date(2026, 1, 15), datetime.date(2026, 2, 3))
            confirmed_sale(s, s.store_a, [(s.tea, 10), (s.coffee, 5)],
                january)
            quoted = store_sale(s, s.store_b, [(s.coffee, 20)])
            quoted.sale_date = january
            quoted.save()
            Sale.quote([quoted])
            draft = store_sale(s, s.store_a, [(s.tea, 10)])  # 10 × 8.00
            draft.sale_date = february
            draft.save()

            with Transaction().set_context(company=s.company.id):
                rows = OrderReport.search([])
                self.assertEqual(sorted(
                        (r.store.name, r.month, r.state, r.orders, r.amount)
                        for r in rows), [
                        ("Store A", datetime.date(2026, 1, 1), 'confirmed',
                            1, D('160.00')),
                        ("Store A", datetime.date(2026, 2, 1), 'draft',
                            1, D('80.00')),
                        ("Store B", datetime.date(2026, 1, 1), 'quotation',
                            1, D('230.00')),
                        ])
                self.assertEqual(
                    [r.level for r in rows if r.store == s.store_b],
                    [s.level_b])

                # sales: the confirmed order's lines only, the discount
                # as a line without product
                rows = SalesReport.search([])
                self.assertEqual(sorted(
                        ((r.product.code if r.product else ''), r.quantity,
                            r.amount) for r in rows), [
                        ('', 0, D('-10.00')),
                        ('COF', 5, D('90.00')),
                        ('CUP', 1, D('0.00')),
                        ('TEA', 10, D('80.00')),
                        ])
                self.assertTrue(all(r.store == s.store_a
                        and r.level == s.level_a
                        and r.month == datetime.date(2026, 1, 1)
                        for r in rows))

            # the context filters: another month, another store
            with Transaction().set_context(company=s.company.id,
                    from_date=february):
                self.assertEqual([(r.store, r.state)
                        for r in OrderReport.search([])],
                    [(s.store_a, 'draft')])
                self.assertEqual(SalesReport.search([]), [])
            with Transaction().set_context(company=s.company.id,
                    level=s.level_b.id):
                self.assertEqual([r.amount for r in OrderReport.search([])],
                    [D('230.00')])

    @with_transaction()
    def test_xlsx_export(self):
        "The sales by store export to XLSX with the report's columns"
        pool = Pool()
        SalesReport = pool.get('store.report.sales')
        Report = pool.get('ecom.xlsx', type='report')
        ActionReport = pool.get('ir.action.report')
        s = build()
        with s.context():
            confirmed_sale(s, s.store_a, [(s.tea, 10), (s.coffee, 5)])
            with Transaction().set_context(company=s.company.id):
                rows = SalesReport.search([])
                action, = ActionReport.search([
                        ('model', '=', 'store.report.sales'),
                        ('report_name', '=', 'ecom.xlsx')])
                kind, content, _, _ = Report.execute(
                    [r.id for r in rows], {
                        'model': 'store.report.sales',
                        'action_id': action.id,
                        'id': rows[0].id, 'ids': [r.id for r in rows]})
        self.assertEqual(kind, 'xlsx')
        self.assertEqual(bytes(content[:2]), b'PK')  # a zip: the workbook

    @with_transaction()
    def test_payments_receivables_and_statement(self):
        """Payments recorded by finance age the receivables, pay an invoice
        and show on a statement that ties to the ledger"""
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        Receivable = pool.get('store.report.receivable')
        Payment = pool.get('store.payment')
        s = build()
        with s.context():
            start = set_up_money(s)
            old = invoice(s, s.store_a, start + 10 * DAY, D('50.00'))
            invoice(s, s.store_a, start + 70 * DAY, D('168.00'))
            invoice(s, s.store_a, start + 100 * DAY, D('30.00'))
            invoice(s, s.store_b, start + 119 * DAY, D('7.00'))
            invoice(s, s.store_a, start + 120 * DAY, D('20.00'))
            on = start + 120 * DAY

            with Transaction().set_context(company=s.company.id, date=on):
                row, = Receivable.search([('store', '=', s.store_a.id)])
                # 110, 50, 20 and 0 days past maturity
                self.assertEqual((row.days_over_90, row.days_61_90,
                        row.days_31_60, row.days_1_30, row.not_due,
                        row.unallocated, row.outstanding), (
                        D('50.00'), D(0), D('168.00'), D('30.00'),
                        D('20.00'), D(0), D('268.00')))
                self.assertEqual(row.oldest_maturity, start + 10 * DAY)

            transfer = payment(s, s.store_a, start + 115 * DAY, D('100.00'),
                reference="BT-1")
            paid = payment(s, s.store_a, start + 116 * DAY, D('50.00'),
                method='reference', reference="WX-9", invoice=old)
            self.assertEqual(transfer.state, 'posted')
            self.assertEqual(transfer.move.state, 'posted')
            self.assertEqual(old.__class__(old.id).state, 'paid')
            with self.assertRaises(UserError):
                Payment.delete([transfer])

            with Transaction().set_context(company=s.company.id, date=on):
                row, = Receivable.search([('store', '=', s.store_a.id)])
                # the paid invoice left; the transfer is not allocated
                self.assertEqual((row.days_over_90, row.days_31_60,
                        row.days_1_30, row.not_due, row.unallocated,
                        row.outstanding), (
                        D(0), D('168.00'), D('30.00'), D('20.00'),
                        D('100.00'), D('118.00')))
                other, = Receivable.search([('store', '=', s.store_b.id)])
                self.assertEqual(other.outstanding, D('7.00'))

            statement, _ = s.store_a.store_statement(start + 60 * DAY, on)
            self.assertEqual(statement.opening, D('50.00'))
            self.assertEqual([(e.kind, e.reference, e.debit, e.credit)
                    for e, _ in statement.rows if e.kind == 'payment'], [
                    ('payment', "Bank Transfer BT-1", D(0), D('100.00')),
                    ('payment', "Payment Reference WX-9", D(0), D('50.00')),
                    ])
            # 50 + 168 + 30 + 20 - 100 - 50
            self.assertEqual(statement.closing, D('118.00'))
            lines = MoveLine.search([
                    ('account', '=', s.store_a.account_receivable_used.id),
                    ('party', '=', s.store_a.id),
                    ('date', '<=', on)])
            self.assertEqual(sum(l.debit - l.credit for l in lines),
                statement.closing)
            self.assertEqual(paid.receivable_line().reconciliation is None,
                False)

    @with_transaction()
    def test_prepaid_balance(self):
        "A deposit is the balance, orders paid from it, never below zero"
        pool = Pool()
        Sale = pool.get('sale.sale')
        Party = pool.get('party.party')
        s = build()
        with s.context():
            start = set_up_money(s)
            today = pool.get('ir.date').today()
            payment(s, s.store_a, start, D('500.00'), reference="DEP-1",
                deposit=True)
            self.assertEqual(s.store_a.prepaid_balance(s.company),
                D('500.00'))
            sale = confirmed_sale(s, s.store_a, [(s.tea, 10), (s.coffee, 5)])
            self.assertEqual(sale.total_amount, D('160.00'))
            Sale.store_pay_prepaid([sale])
            sale = Sale(sale.id)
            self.assertEqual(sale.store_amount_unpaid(), D(0))
            self.assertEqual(s.store_a.prepaid_balance(s.company),
                D('340.00'))
            # paying again takes nothing more
            Sale.store_pay_prepaid([sale])
            self.assertEqual(s.store_a.prepaid_balance(s.company),
                D('340.00'))
            with Transaction().set_context(company=s.company.id):
                self.assertEqual(
                    Party(s.store_a.id).store_prepaid_balance, D('340.00'))

            with self.assertRaises(StorePaymentError):
                payment(s, s.store_a, today, D('340.01'), method='prepaid')
            payment(s, s.store_a, today, D('340.00'), method='prepaid')
            self.assertEqual(s.store_a.prepaid_balance(s.company), D(0))
            # store B has no deposit: nothing to pay from
            sale_b = confirmed_sale(s, s.store_b, [(s.coffee, 20)])
            with self.assertRaises(StorePaymentError):
                Sale.store_pay_prepaid([sale_b])

            # the statement: the order paid from the balance is a payment
            statement, _ = s.store_a.store_statement(start, today)
            self.assertEqual(
                sorted((e.kind, e.credit) for e, _ in statement.rows), [
                    ('payment', D('160.00')), ('payment', D('340.00'))])
            self.assertEqual(statement.closing, D('-500.00'))

    @with_transaction()
    def test_notifications(self):
        """Approved, shipped and invoiced orders notify their store, by
        email when it has one; a store reads only its own"""
        pool = Pool()
        Sale = pool.get('sale.sale')
        Shipment = pool.get('stock.shipment.out')
        Invoice = pool.get('account.invoice')
        Notification = pool.get('store.notification')
        WebUser = pool.get('web.user')
        ContactMechanism = pool.get('party.contact_mechanism')
        s = build()
        with s.context():
            set_up_money(s)
            ContactMechanism.create([{'party': s.store_a.id,
                        'type': 'email', 'value': 'a@stores.example.com'}])
            with patch('trytond.modules.store_ordering.notification.'
                    'send_message_transactional') as send:
                sale_a = confirmed_sale(s, s.store_a,
                    [(s.tea, 10), (s.coffee, 5)])
                sale_b = confirmed_sale(s, s.store_b, [(s.coffee, 20)])
                self.assertEqual(send.call_count, 1)  # B has no email
                message, = send.call_args[0]
                self.assertIn('a@stores.example.com', message['To'])
                self.assertIn(sale_a.number, message['Subject'])

                Sale.process([sale_a])
                sale_a = Sale(sale_a.id)
                shipment, = sale_a.shipments
                shipment.reference = 'SF1234'
                shipment.save()
                Shipment.assign_force([shipment])
                Shipment.pick([shipment])
                Shipment.pack([shipment])
                Shipment.ship([shipment])
                invoice_a, = sale_a.invoices
                invoice_a.invoice_date = pool.get('ir.date').today()
                invoice_a.save()
                Invoice.post([invoice_a])
                self.assertEqual(send.call_count, 3)

            mine = Notification.search([('store', '=', s.store_a.id)],
                order=[('id', 'ASC')])
            self.assertEqual([(n.kind, n.sale, n.emailed) for n in mine], [
                    ('approved', sale_a, True),
                    ('shipped', sale_a, True),
                    ('invoiced', sale_a, True),
                    ])
            self.assertIn('SF1234', mine[1].message)
            self.assertIn(Invoice(invoice_a.id).number, mine[2].message)
            theirs, = Notification.search([('store', '=', s.store_b.id)])
            self.assertEqual((theirs.kind, theirs.sale, theirs.emailed),
                ('approved', sale_b, False))

            # the store portal's rules: store A reads its 3, never B's
            web_a, = WebUser.create([{'email': 'a@stores.example.com',
                        'party': s.store_a.id, 'portal': 'store'}])
            transaction = Transaction()
            with transaction.set_context(portal_context(web_a)), \
                    transaction.set_user(portal_user_id('store')), \
                    check_access():
                self.assertEqual(
                    {n.id for n in Notification.search([])},
                    {n.id for n in mine})
                self.assertEqual(Notification.search(
                        [('id', '=', theirs.id)]), [])
                with self.assertRaises(UserError):
                    Notification.read([theirs.id], ['message'])


del RouteTestCase
