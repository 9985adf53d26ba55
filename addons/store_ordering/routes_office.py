# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Store portal routes of the head office side: the store's notifications
(order approved, shipped, invoiced), read through the store portal's
record rule on store.notification, so a store lists only its own."""
from trytond.protocols.wrappers import with_pool, with_transaction
from trytond.wsgi import app
from trytond.modules.ecom_base.portal import portal_route

from .routes import PREFIX, _int, json_response

MAX_NOTIFICATIONS = 100


def _notification_json(notification):
    return {
        'id': notification.id,
        'date': notification.date,
        'kind': notification.kind,
        'order': notification.sale.id if notification.sale else None,
        'order_number': (
            notification.sale.number if notification.sale else None),
        'document': notification.document,
        'message': notification.message,
        }


@app.route(PREFIX + '/api/notifications', methods={'GET'})
@with_pool
@with_transaction()
@portal_route('store')
def notifications(request, pool, web_user):
    "The store's notifications, latest first"
    Notification = pool.get('store.notification')
    offset = _int(request.args.get('offset'), 0)
    limit = _int(request.args.get('limit'), 50, MAX_NOTIFICATIONS)
    records = Notification.search([], offset=offset, limit=limit,
        order=[('date', 'DESC'), ('id', 'DESC')])
    return json_response([_notification_json(n) for n in records])
