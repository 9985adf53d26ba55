# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Webhook endpoint: platforms push order changes here

    POST /<database>/ecom_connector/webhook/<channel id>

The signature is checked by the channel's adapter over the raw bytes before
anything is read; a bad signature gets 401 and nothing is stored.  A
verified delivery is stored as raw orders (or, without payload, the orders
are fetched) and their import is queued, so that the platform gets its
answer within its timeout.
"""
import logging
from http import HTTPStatus

from werkzeug.exceptions import abort

from trytond.protocols.wrappers import with_pool, with_transaction
from trytond.transaction import Transaction
from trytond.wsgi import app

logger = logging.getLogger(__name__)


@app.route('/<database_name>/ecom_connector/webhook/<int:channel_id>',
    methods={'POST'})
@with_pool
@with_transaction(readonly=False)
def webhook(request, pool, channel_id):
    Channel = pool.get('ecom.channel')
    RawOrder = pool.get('ecom.raw_order')
    channels = Channel.search([
            ('id', '=', channel_id), ('state', '=', 'running')])
    if not channels:
        abort(HTTPStatus.NOT_FOUND)
    channel, = channels
    adapter = channel.get_adapter()
    body = request.get_data()
    headers = dict(request.headers)
    try:
        verified = adapter.verify_webhook(headers, body)
    except Exception:
        logger.exception("webhook of channel %s: verification failed",
            channel_id)
        verified = False
    if not verified:
        abort(HTTPStatus.UNAUTHORIZED)
    events = adapter.parse_webhook(headers, body)
    payloads = [e.payload for e in events if e.payload is not None]
    to_fetch = sorted({e.platform_order_id for e in events
            if e.payload is None and e.platform_order_id})
    with Transaction().set_context(company=channel.company.id,
            queue_name=f'ecom_channel_{channel.id}'):
        if payloads:
            raws = RawOrder.receive(channel, payloads, 'webhook')
            if raws:
                # with the other orders of the channel waiting by then: a
                # burst of webhooks is imported by batches
                RawOrder.__queue__.import_waiting(raws)
        if to_fetch:
            Channel.__queue__.fetch_orders(channel, to_fetch)
    return {'received': len(payloads), 'fetching': len(to_fetch)}
