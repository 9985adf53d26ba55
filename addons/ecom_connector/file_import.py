# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Import the orders of a file exported from a platform's back office"""
from trytond.i18n import gettext
from trytond.model import ModelView, fields
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool
from trytond.wizard import Button, StateAction, StateView, Wizard

from .adapters.base import PayloadError
from .adapters.file import PRESETS, FileAdapter


class ImportStart(ModelView):
    __name__ = 'ecom.raw_order.import.start'
    __string__ = "Import Order File"
    channel = fields.Many2One('ecom.channel', "Channel", required=True)
    file_ = fields.Binary("File", required=True, filename='filename')
    filename = fields.Char("File Name")
    preset = fields.Selection([(k, p.title) for k, p in PRESETS.items()],
        "Column Preset", required=True)

    @staticmethod
    def default_preset():
        return 'generic'


class Import(Wizard):
    __name__ = 'ecom.raw_order.import'
    start = StateView('ecom.raw_order.import.start',
        'ecom_connector.raw_order_import_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Import", 'import_', 'tryton-ok', default=True),
            ])
    import_ = StateAction('ecom_connector.act_raw_order')

    def do_import_(self, action):
        ids = import_file(self.start.channel, bytes(self.start.file_),
            self.start.filename or 'orders.csv', self.start.preset)
        action['pyson_domain'] = '[["id", "in", %s]]' % sorted(ids)
        return action, {}


def import_file(channel, data, filename, preset):
    "Store and import the orders of a file; return the raw order ids"
    pool = Pool()
    RawOrder = pool.get('ecom.raw_order')
    JobRun = pool.get('ecom.job.run')
    try:
        payloads = FileAdapter({}).payloads(data, filename, preset)
    except PayloadError as error:
        raise ValidationError(gettext('ecom_connector.msg_file_unreadable',
                file=filename, error=str(error))) from error
    with JobRun.track('ecom_connector.file', origin=channel) as run:
        raws = RawOrder.receive(channel, payloads, 'file')
        run.add('processed', len(payloads))
        RawOrder.import_orders(raws, run=run)
    ids = [r.id for r in RawOrder.search([
                ('channel', '=', channel.id),
                ('platform_order_id', 'in', [
                        FileAdapter({}).order_reference(p)[0] or ''
                        for p in payloads])])]
    return ids
