# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The company defaults of the demo: a Chinese online merchant.

Currency CNY, timezone Asia/Shanghai, English and Simplified Chinese active,
a chart of accounts, fiscal years and a payment term.  `setup_company` is a
proteus setup function: scenarios pass it to activate_modules so that it is
kept in the test database cache, and the demo builder runs it first.
"""
import datetime
from decimal import Decimal

COMPANY_NAME = "上海优选电子商务有限公司"
COMPANY_NAME_EN = "Shanghai Youxuan E-commerce Co., Ltd."
TIMEZONE = 'Asia/Shanghai'


def get_cny(config=None):
    from proteus import Model
    Currency = Model.get('currency.currency', config=config)
    CurrencyRate = Model.get('currency.currency.rate', config=config)
    currencies = Currency.find([('code', '=', 'CNY')])
    if currencies:
        return currencies[0]
    currency = Currency(name="Chinese Yuan Renminbi", code='CNY',
        numeric_code='156', symbol='¥', rounding=Decimal('0.01'), digits=2)
    currency.save()
    CurrencyRate(date=datetime.date.min, rate=Decimal(1),
        currency=currency).save()
    return currency


def get_china(config=None):
    from proteus import Model
    Country = Model.get('country.country', config=config)
    countries = Country.find([('code', '=', 'CN')])
    if countries:
        return countries[0]
    country = Country(name="China", code='CN', code3='CHN',
        code_numeric='156')
    country.save()
    return country


def setup_company(config=None, today=None, first_year=None):
    """Create the demo company with its accounting, through proteus

    Fiscal years run from `first_year` (default: last year) to next year so
    that a year of history and the year to come can be invoiced.  (The
    helpers of Tryton's own tests are not used: importing them starts the
    test pool.)
    """
    from proteus import Model, Wizard
    from proteus.config import get_config

    config = config or get_config()
    today = today or datetime.date.today()
    first_year = first_year or today.year - 1
    Party = Model.get('party.party', config=config)
    Lang = Model.get('ir.lang', config=config)
    User = Model.get('res.user', config=config)

    with config.set_context(active_test=False):
        langs = Lang.find([('code', 'in', ['en', 'zh_CN'])])
    for lang in langs:
        if not lang.active:
            lang.active = True
            lang.save()
        if not lang.translatable:
            # sets the flag and loads the modules' translations
            lang.click('load_translations')
    china = get_china(config)
    party = Party(name=COMPANY_NAME)
    address, = party.addresses
    address.street = "浦东新区张江路 88 号"
    address.city = "Shanghai"
    address.postal_code = "201203"
    address.country = china
    party.save()

    company_config = Wizard('company.company.config', config=config)
    company_config.execute('company')
    company = company_config.form
    company.party = party
    company.currency = get_cny(config)
    company.timezone = TIMEZONE
    company_config.execute('add')
    config._context = User.get_preferences(True, {})
    Company = Model.get('company.company', config=config)
    company, = Company.find()

    create_chart(company, config=config)
    for year in range(first_year, today.year + 2):
        create_year(company, year, config=config)
    PaymentTerm = Model.get('account.invoice.payment_term', config=config)
    for name, days in [("Cash on delivery", 0), ("Net 30 days", 30)]:
        term = PaymentTerm(name=name)
        line = term.lines.new(type='remainder')
        if days:
            line.relativedeltas.new(days=days)
        term.save()
    return company


def create_chart(company, config=None,
        template='account.account_template_root_en'):
    "Create the chart of accounts and its default accounts"
    from proteus import Model, Wizard
    AccountTemplate = Model.get('account.account.template', config=config)
    Account = Model.get('account.account', config=config)
    ModelData = Model.get('ir.model.data', config=config)

    wizard = Wizard('account.create_chart', config=config)
    wizard.execute('account')
    wizard.form.account_template = AccountTemplate(
        ModelData.get_id(template, {}))
    wizard.form.company = company
    wizard.execute('create_account')

    def account(kind):
        accounts = Account.find([
                (f'type.{kind}', '=', True),
                ('company', '=', company.id),
                ('closed', '!=', True),
                ], limit=1)
        return accounts[0] if accounts else None
    wizard.form.account_receivable = account('receivable')
    wizard.form.account_payable = account('payable')
    if hasattr(wizard.form, 'category_account_expense'):
        wizard.form.category_account_expense = account('expense')
    if hasattr(wizard.form, 'category_account_revenue'):
        wizard.form.category_account_revenue = account('revenue')
    wizard.execute('create_properties')


def create_year(company, year, config=None):
    "Create the calendar fiscal year `year` with its sequences and periods"
    from proteus import Model
    FiscalYear = Model.get('account.fiscalyear', config=config)
    Sequence = Model.get('ir.sequence.strict', config=config)
    SequenceType = Model.get('ir.sequence.type', config=config)

    def sequence(type_name, name):
        sequence_type, = SequenceType.find(
            [('name', '=', type_name)], limit=1)
        sequence = Sequence(name=name, sequence_type=sequence_type,
            company=company)
        sequence.save()
        return sequence

    fiscalyear = FiscalYear(name=str(year),
        start_date=datetime.date(year, 1, 1),
        end_date=datetime.date(year, 12, 31), company=company)
    fiscalyear.move_sequence = sequence("Account Move", str(year))
    invoices = sequence("Invoice", f"{year} invoices")
    line, = fiscalyear.invoice_sequences
    line.out_invoice_sequence = invoices
    line.in_invoice_sequence = invoices
    line.out_credit_note_sequence = invoices
    line.in_credit_note_sequence = invoices
    fiscalyear.save()
    fiscalyear.click('create_period')
    return fiscalyear
