# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Export to XLSX of any list, as a Tryton report action.

Bind an `ir.action.report` with report_name `ecom.xlsx` to a model (keyword
form_print) and the Print menu of its list offers the export.  The columns
are those of the model's list view, or those its `xlsx_columns()` returns,
in the user's language; Many2One show their name and selections their label.
"""
import datetime
from decimal import Decimal

from lxml import etree
from sql import Literal

from trytond.pool import Pool
from trytond.report import Report
from trytond.transaction import Transaction

from . import xlsx

TYPES = {
    'char': 'char', 'text': 'text', 'selection': 'char',
    'multiselection': 'char', 'many2one': 'char', 'reference': 'char',
    'one2many': 'char', 'many2many': 'char', 'integer': 'integer',
    'biginteger': 'integer', 'float': 'float', 'numeric': 'numeric',
    'date': 'date', 'datetime': 'datetime', 'timestamp': 'datetime',
    'boolean': 'boolean', 'timedelta': 'char', 'time': 'char',
    }


def context_period(date, company=None):
    """The reporting context's filters as an SQL condition: from_date and
    to_date on the date column, and the context's company on the company
    column when one is given (every row when the context has none)"""
    context = Transaction().context
    where = Literal(True)
    if company is not None and context.get('company'):
        where &= company == context['company']
    if context.get('from_date'):
        where &= date >= context['from_date']
    if context.get('to_date'):
        where &= date <= context['to_date']
    return where


class XlsxReport(Report):
    __name__ = 'ecom.xlsx'

    @classmethod
    def _execute(cls, records, header, data, action):
        pool = Pool()
        model = action.model or data.get('model')
        Model = pool.get(model)
        names = cls.field_names(Model)
        definitions = Model.fields_get(names)
        names = [n for n in names if n in definitions]
        records = Model.browse([r.id for r in records])
        for name in names:
            selection = definitions[name].get('selection')
            if isinstance(selection, str):
                # a method name: the labels depend on the installed modules
                definitions[name]['selection'] = getattr(Model, selection)()
        rows = [[cls.cell(r, n, definitions[n]) for n in names]
            for r in records]
        columns = [xlsx.Column(
                header=definitions[n]['string'],
                kind=TYPES.get(definitions[n]['type'], 'char'),
                digits=_digits([row[i] for row in rows]))
            for i, n in enumerate(names)]
        sheet = xlsx.Sheet(title=action.name, columns=columns, rows=rows)
        return 'xlsx', xlsx.workbook([sheet])

    @classmethod
    def field_names(cls, Model):
        "The fields to export: xlsx_columns() or the list view's"
        if hasattr(Model, 'xlsx_columns'):
            return list(Model.xlsx_columns())
        view = Model.fields_view_get(view_type='tree')
        arch = etree.fromstring(view['arch'])
        names = []
        for node in arch.iter('field'):
            name = node.get('name')
            if (name and name not in names
                    and node.get('tree_invisible') not in {'1', 'True'}):
                names.append(name)
        return names

    @classmethod
    def cell(cls, record, name, definition):
        value = getattr(record, name, None)
        type_ = definition['type']
        if value is None:
            return None
        if type_ in {'many2one', 'reference'}:
            return value.rec_name if hasattr(value, 'rec_name') else value
        if type_ in {'one2many', 'many2many'}:
            return ', '.join(v.rec_name for v in value)
        if type_ == 'selection':
            labels = definition.get('selection')
            if isinstance(labels, list):
                return dict(labels).get(value, value)
            return value
        if type_ == 'multiselection':
            labels = dict(definition.get('selection') or [])
            return ', '.join(labels.get(v, v) for v in value)
        if type_ in {'datetime', 'timestamp'}:
            return _local(value)
        if type_ in {'timedelta', 'time'}:
            return str(value)
        return value


def _local(value):
    "DateTime values are stored in UTC; show them in the user's zone"
    from zoneinfo import ZoneInfo
    zone = Transaction().context.get('timezone')
    if not zone or not isinstance(value, datetime.datetime):
        return value
    return (value.replace(tzinfo=datetime.timezone.utc)
        .astimezone(ZoneInfo(zone)).replace(tzinfo=None))


def _digits(values):
    decimals = [-v.as_tuple().exponent for v in values
        if isinstance(v, Decimal) and v.is_finite()]
    return max(decimals) if decimals else None
