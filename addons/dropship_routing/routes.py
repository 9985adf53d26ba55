# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Supplier portal: a supplier's web user lists its drop-ship orders,
accepts, rejects or ships them with a tracking number, answers many at once
with a CSV file, and sends its stock feed (file or JSON rows).

Every route runs as the supplier portal's technical user with access
checks on (ecom_base.portal.portal_route): the record rules on
`dropship.order` and `dropship.feed` keep it to the web user's parties, so
an order of another supplier is "not found" whatever id is asked for.
The answers themselves are then applied with the rights of the system,
on the orders the supplier could read.
"""
import csv
import io
import json
from http import HTTPStatus

from trytond.exceptions import UserError
from trytond.modules.ecom_base.portal import portal_route
from trytond.protocols.wrappers import (
    Response, abort, with_pool, with_transaction)
from trytond.transaction import Transaction, without_check_access
from trytond.wsgi import app

PREFIX = '/<database_name>/dropship/supplier'
ORDER_FIELDS = ['number', 'state', 'product', 'quantity', 'ship_to',
    'sent_at', 'deadline', 'tracking_number', 'carrier', 'reject_reason']


@app.route(PREFIX + '/login', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
def login(request, pool):
    "Sign a supplier web user in: returns the session key (bearer token)"
    WebUser = pool.get('web.user')
    data = request.parsed_data or {}
    user = WebUser.authenticate(data.get('email', ''),
        data.get('password', ''))
    if not user or user.portal != 'supplier':
        abort(HTTPStatus.FORBIDDEN)
    return {'session': user.new_session()}


def orders_json(pool, orders):
    """The JSON of orders the portal user could read; their products and
    units are read with the rights of the system"""
    Order = pool.get('dropship.order')
    with without_check_access():
        return [order_json(o) for o in Order.browse([o.id for o in orders])]


def order_json(order):
    return {
        'id': order.id,
        'number': order.number,
        'state': order.state,
        'product': order.product.rec_name,
        'supplier_code': order.offer.code if order.offer else None,
        'quantity': order.quantity,
        'unit': order.unit.symbol,
        'ship_to': order.ship_to,
        'sent_at': order.sent_at.isoformat() if order.sent_at else None,
        'deadline': order.deadline.isoformat() if order.deadline else None,
        'tracking_number': order.tracking_number,
        'carrier': order.carrier,
        'reject_reason': order.reject_reason,
        }


def own_order(pool, order_id):
    "The order if the portal user may read it, else 404"
    Order = pool.get('dropship.order')
    orders = Order.search([('id', '=', order_id)])
    if not orders:
        abort(HTTPStatus.NOT_FOUND)
    return orders[0]


def answer(pool, order, action, data):
    "Apply a supplier's answer to one of its orders"
    Order = pool.get('dropship.order')
    with without_check_access(), Transaction().set_user(0):
        order = Order(order.id)
        if action == 'accept':
            Order._check_state([order], {'pending'})
            Order.accept([order])
        elif action == 'reject':
            Order.reject([order], reason=data.get('reason'))
        elif action == 'ship':
            Order.ship([order], tracking_number=data.get('tracking_number'),
                carrier=data.get('carrier'))
        else:
            abort(HTTPStatus.BAD_REQUEST)
        return Order(order.id)


@app.route(PREFIX + '/orders', methods={'GET'})
@with_pool
@with_transaction()
@portal_route('supplier')
def orders(request, pool, web_user):
    "The supplier's orders, newest first; ?state=pending filters"
    Order = pool.get('dropship.order')
    domain = []
    if request.args.get('state'):
        domain.append(('state', '=', request.args['state']))
    return orders_json(pool, Order.search(domain))


@app.route(PREFIX + '/orders.csv', methods={'GET'})
@with_pool
@with_transaction()
@portal_route('supplier')
def orders_csv(request, pool, web_user):
    "The pending orders as a CSV file to fill in and upload back"
    Order = pool.get('dropship.order')
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(['number', 'product', 'quantity', 'ship_to', 'action',
            'tracking_number', 'carrier', 'reason'])
    for order in orders_json(pool,
            Order.search([('state', 'in', ['pending', 'accepted'])])):
        writer.writerow([order['number'], order['product'],
                order['quantity'], order['ship_to'], '', '', '', ''])
    return Response(output.getvalue(), mimetype='text/csv')


@app.route(PREFIX + '/orders/<int:order_id>', methods={'GET'})
@with_pool
@with_transaction()
@portal_route('supplier')
def order(request, pool, web_user, order_id):
    return orders_json(pool, [own_order(pool, order_id)])[0]


@app.route(PREFIX + '/orders/<int:order_id>/<action>', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@portal_route('supplier')
def order_answer(request, pool, web_user, order_id, action):
    "accept, reject ({reason}) or ship ({tracking_number, carrier})"
    order = own_order(pool, order_id)
    try:
        order = answer(pool, order, action, request.parsed_data or {})
    except UserError as exception:
        Transaction().rollback()
        return json_response({'error': str(exception.message)},
            HTTPStatus.CONFLICT)
    return orders_json(pool, [order])[0]


@app.route(PREFIX + '/orders/upload', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@portal_route('supplier')
def orders_upload(request, pool, web_user):
    """Answers in a CSV file (the orders.csv columns: number, action,
    tracking_number, carrier, reason); all or nothing"""
    Order = pool.get('dropship.order')
    upload = request.files.get('file')
    if upload is None:
        abort(HTTPStatus.BAD_REQUEST)
    text = _read(upload).decode('utf-8-sig')
    results, errors = [], []
    for number, row in enumerate(csv.DictReader(io.StringIO(text)), 2):
        action = (row.get('action') or '').strip().lower()
        if not action:
            continue
        found = Order.search([('number', '=', (row.get('number') or '')
                    .strip())])
        if not found:
            errors.append({'row': number, 'error': 'not found'})
            continue
        try:
            order = answer(pool, found[0], action, {
                    'reason': row.get('reason'),
                    'tracking_number': (row.get('tracking_number')
                        or '').strip(),
                    'carrier': row.get('carrier')})
        except UserError as exception:
            errors.append({'row': number, 'error': str(exception.message)})
            continue
        results.extend(orders_json(pool, [order]))
    if errors:
        Transaction().rollback()
        return json_response({'errors': errors}, HTTPStatus.CONFLICT)
    return results


@app.route(PREFIX + '/feed', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@portal_route('supplier')
def feed(request, pool, web_user):
    """The supplier's stock feed: a CSV/XLSX file, or JSON
    {"rows": [{"code", "stock", "cost"?, "freight"?, "handling_days"?}]}"""
    Feed = pool.get('dropship.feed')
    supplier = web_user.party
    if supplier is None:
        abort(HTTPStatus.FORBIDDEN)
    upload = request.files.get('file')
    with without_check_access(), Transaction().set_user(0):
        if upload is not None:
            result = Feed.receive(supplier, data=_read(upload),
                filename=upload.filename, source='upload')
        else:
            data = request.parsed_data
            result = Feed.receive(supplier, source='api',
                records=data.get('rows') if isinstance(data, dict) else None)
        body = {
            'id': result.id,
            'state': result.state,
            'message': result.message,
            'errors': [{'row': line.number, 'code': line.code,
                    'errors': line.errors.splitlines()}
                for line in result.lines if line.errors],
            }
    if result.state == 'error':
        return json_response(body, HTTPStatus.UNPROCESSABLE_ENTITY)
    return body


def _read(upload):
    """The whole uploaded file, from its start: the transaction may run the
    route again (a lock to take), which must read the same file"""
    upload.stream.seek(0)
    return upload.read()


def json_response(data, status):
    return Response(json.dumps(data), status, mimetype='application/json')
