# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Tracking numbers pushed back to the platforms when a shipment is done

Each parcel (one tracking number of a customer shipment) is pushed once:
a row of `ecom.tracking.push` records it, and only rows not done yet are
tried again, so retries never push a parcel twice.
"""
import re

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool, PoolMeta

from .adapters.base import AdapterError, Parcel, Unsupported


def tracking_numbers(text):
    "The tracking numbers of a shipment: one per parcel"
    return [n for n in re.split(r'[\s,;，；]+', text or '') if n]


class ShipmentOut(metaclass=PoolMeta):
    __name__ = 'stock.shipment.out'
    ecom_carrier = fields.Char("Carrier Code",
        help="Our code of the carrier (e.g. SF, YTO), mapped to each "
        "platform's code.")
    ecom_tracking = fields.Char("Tracking Numbers",
        help="One per parcel, separated by spaces or commas.")
    ecom_pushes = fields.One2Many('ecom.tracking.push', 'shipment',
        "Tracking Pushes", readonly=True)

    @classmethod
    def do(cls, shipments):
        super().do(shipments)
        to_push = [s for s in shipments if s.ecom_tracking
            and any(getattr(s2, 'ecom_channel', None) for s2 in s.ecom_sales)]
        if to_push:
            cls.__queue__.ecom_push_tracking(to_push)

    @property
    def ecom_sales(self):
        sales = []
        for move in self.outgoing_moves:
            sale = getattr(move.origin, 'sale', None)
            if sale and sale not in sales:
                sales.append(sale)
        return sales

    @classmethod
    def ecom_push_tracking_cron(cls):
        "Retry the tracking pushes that failed"
        pool = Pool()
        Push = pool.get('ecom.tracking.push')
        pushes = Push.search([('state', '=', 'failed'),
                ('attempts', '<', Push.max_attempts)])
        cls.ecom_push_tracking(list({p.shipment for p in pushes}))

    @classmethod
    def ecom_push_tracking(cls, shipments):
        pool = Pool()
        Push = pool.get('ecom.tracking.push')
        Mapping = pool.get('ecom.carrier.mapping')
        JobRun = pool.get('ecom.job.run')
        for shipment in shipments:
            for sale in shipment.ecom_sales:
                channel = sale.ecom_channel
                if not channel:
                    continue
                adapter = channel.get_adapter()
                if not adapter.can_push_tracking:
                    continue
                done = {p.tracking_number for p in shipment.ecom_pushes
                    if p.state == 'done' and p.sale == sale}
                numbers = [n for n in tracking_numbers(shipment.ecom_tracking)
                    if n not in done]
                if not numbers:
                    continue
                with JobRun.track('ecom_connector.tracking',
                        origin=channel) as run:
                    code = Mapping.code_for(channel, adapter,
                        shipment.ecom_carrier)
                    line_ids = sorted({m.origin.ecom_line_id
                            for m in shipment.outgoing_moves
                            if getattr(m.origin, 'sale', None) == sale
                            and m.origin.ecom_line_id})
                    parcels = [Parcel(carrier_code=code, tracking_number=n,
                            line_ids=line_ids) for n in numbers]
                    try:
                        channel.call(adapter.push_tracking,
                            sale.reference, parcels)
                        state, message = 'done', None
                        run.add('updated', len(parcels))
                    except (AdapterError, Unsupported) as error:
                        state, message = 'failed', str(error)
                        run.error(gettext('ecom_connector.msg_tracking_failed',
                                shipment=shipment.rec_name, error=message),
                            record=shipment)
                    Push.record(shipment, sale, channel, numbers, code,
                        state, message)


class SaleLine(metaclass=PoolMeta):
    __name__ = 'sale.line'
    ecom_line_id = fields.Char("Platform Line ID", readonly=True)


class CarrierMapping(ModelSQL, ModelView):
    __name__ = 'ecom.carrier.mapping'
    __string__ = "Carrier Code Mapping"
    platform = fields.Selection('get_platforms', "Platform", required=True)
    carrier = fields.Char("Carrier Code", required=True,
        help="Our code, as entered on the shipments.")
    platform_code = fields.Char("Platform Code", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('carrier_unique', Unique(t, t.platform, t.carrier),
                'ecom_connector.msg_carrier_mapping_unique'),
            ]

    @classmethod
    def get_platforms(cls):
        return Pool().get('ecom.channel').get_platforms()

    @classmethod
    def code_for(cls, channel, adapter, carrier):
        "Our carrier code in the platform's words (mapping, else adapter)"
        mappings = cls.search([('platform', '=', channel.platform),
                ('carrier', '=', carrier)], limit=1)
        if mappings:
            return mappings[0].platform_code
        try:
            return adapter.carrier_code(carrier)
        except Unsupported:
            return carrier


class TrackingPush(ModelSQL, ModelView):
    __name__ = 'ecom.tracking.push'
    __string__ = "Tracking Push"
    max_attempts = 10
    shipment = fields.Many2One('stock.shipment.out', "Shipment",
        required=True, ondelete='CASCADE', readonly=True)
    sale = fields.Many2One('sale.sale', "Sale", required=True,
        ondelete='CASCADE', readonly=True)
    channel = fields.Many2One('ecom.channel', "Channel", required=True,
        ondelete='CASCADE', readonly=True)
    tracking_number = fields.Char("Tracking Number", required=True,
        readonly=True)
    carrier_code = fields.Char("Platform Carrier Code", readonly=True)
    state = fields.Selection([
            ('done', "Done"),
            ('failed', "Failed"),
            ], "State", required=True, readonly=True)
    attempts = fields.Integer("Attempts", readonly=True)
    message = fields.Text("Message", readonly=True)
    date = fields.DateTime("Date", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('parcel_unique', Unique(t, t.shipment, t.sale,
                    t.tracking_number),
                'ecom_connector.msg_tracking_push_unique'),
            ]
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def record(cls, shipment, sale, channel, numbers, code, state, message):
        import datetime
        now = datetime.datetime.now()
        existing = {p.tracking_number: p for p in cls.search([
                    ('shipment', '=', shipment.id), ('sale', '=', sale.id),
                    ('tracking_number', 'in', numbers)])}
        to_save = []
        for number in numbers:
            push = existing.get(number) or cls(shipment=shipment, sale=sale,
                channel=channel, tracking_number=number, attempts=0)
            push.carrier_code = code
            push.state = state
            push.message = message
            push.attempts = (push.attempts or 0) + 1
            push.date = now
            to_save.append(push)
        cls.save(to_save)
