# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The store portal: a JSON API under /<database>/store/api/ and the
mobile-first single-page app that uses it, under /<database>/store/.

Every API route but login goes through `portal_route('store')`: it runs as
the store portal's technical user with the record rules of the store
portal group, so what a route searches is bounded to the web user's own
store on the server.  A route first finds a record through such a search
(a guessed id of another store finds nothing: 404), and only then reads
what the store may see of it.  Orders are always placed for the web user's
own store, whatever the request says.
"""
import datetime
import json
import mimetypes
from decimal import Decimal
from pathlib import Path

from sql import Null
from sql.functions import Function
from werkzeug.exceptions import abort as werkzeug_abort

from trytond.exceptions import UserError, UserWarning
from trytond.i18n import gettext
from trytond.modules.ecom_base.portal import SESSION_COOKIE, portal_route
from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, with_pool, with_transaction)
from trytond.tools import reduce_ids
from trytond.transaction import Transaction, without_check_access
from trytond.wsgi import app

from . import imaging, pricing
from .sale import (
    checked_coupons, coupon_codes, coupon_numbers, store_prices,
    store_promotions)

STATIC = Path(__file__).resolve().parent / 'static'
PREFIX = '/<database_name>/store'
PAGE_SIZE = 24
MAX_PAGE_SIZE = 100


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(repr(value))


def json_response(data, status=HTTPStatus.OK):
    return Response(json.dumps(data, default=_plain), status=status,
        mimetype='application/json')


def fail(status, message):
    "Stop the request with a JSON error; the transaction rolls back"
    werkzeug_abort(json_response({'error': message}, status=status))


def user_errors(func):
    "Turn user errors into a 400 JSON answer with their message"
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (UserError, UserWarning) as error:
            fail(HTTPStatus.BAD_REQUEST, error.message)
    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


# The single-page app

@app.route(PREFIX + '/', methods={'GET'})
def page(request, database_name):
    return static_file(request, database_name, 'index.html')


@app.route(PREFIX + '/static/<path:name>', methods={'GET'})
def static_file(request, database_name, name):
    path = (STATIC / name).resolve()
    if STATIC not in path.parents or not path.is_file():
        abort(HTTPStatus.NOT_FOUND)
    mimetype = mimetypes.guess_type(path.name)[0] or 'text/plain'
    return Response(path.read_bytes(), mimetype=mimetype,
        headers={'Cache-Control': 'no-cache'})


# Session

@app.route(PREFIX + '/api/login', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
def login(request, pool):
    WebUser = pool.get('web.user')
    data = request.parsed_data or {}
    email, password = data.get('email'), data.get('password')
    if not isinstance(email, str) or not isinstance(password, str):
        abort(HTTPStatus.BAD_REQUEST)
    user = WebUser.authenticate(email, password)
    if not user or user.portal != 'store' or not user.party:
        abort(HTTPStatus.FORBIDDEN)
    key = user.new_session()
    response = json_response({'session': key, 'store': user.party.rec_name})
    response.set_cookie(SESSION_COOKIE, key, httponly=True,
        samesite='Strict', path=f'/{request.view_args["database_name"]}/')
    return response


@app.route(PREFIX + '/api/logout', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@portal_route('store')
def logout(request, pool, web_user):
    Session = pool.get('web.user.session')
    from trytond.modules.ecom_base.portal import session_key
    with without_check_access():
        Session.delete(Session.search([('key', '=', session_key(request))]))
    response = json_response({'ok': True})
    response.delete_cookie(SESSION_COOKIE,
        path=f'/{request.view_args["database_name"]}/')
    return response


def store_of(pool, web_user):
    "The web user's store, read through the store portal's rules"
    Party = pool.get('party.party')
    parties = Party.search([('id', '=', web_user.party.id)]
        ) if web_user.party else []
    if not parties or not parties[0].store_level:
        fail(HTTPStatus.FORBIDDEN, "not a store")
    return parties[0]


@app.route(PREFIX + '/api/me', methods={'GET'})
@with_pool
@with_transaction()
@portal_route('store')
def me(request, pool, web_user):
    store = store_of(pool, web_user)
    with without_check_access():
        level = store.store_level
        company = pool.get('company.company')(
            Transaction().context['company'])
        limit = store.get_multivalue(
            'credit_limit_amount', company=company.id)
        return json_response({
                'store': store.rec_name,
                'email': web_user.email,
                'level': level.rec_name,
                'level_kind': level.kind,
                'minimum_order_amount': level.minimum_order_amount,
                'currency': company.currency.code,
                'credit_limit': limit,
                'credit_used': store.credit_amount,
                'prepaid_balance': store.prepaid_balance(company),
                'language': store.lang.code if store.lang else None,
                })


# Catalogue

def _warehouses(pool):
    Location = pool.get('stock.location')
    return [l.id for l in Location.search([('type', '=', 'warehouse')])]


def _available(pool, products):
    "{product id: quantity available to promise today} over the warehouses"
    Product = pool.get('product.product')
    Date = pool.get('ir.date')
    warehouses = _warehouses(pool)
    if not warehouses or not products:
        return {}
    with Transaction().set_context(locations=warehouses, with_childs=True,
            stock_date_end=Date.today(), stock_assign=True):
        return {p.id: p.forecast_quantity
            for p in Product.browse([p.id for p in products])}


def _product_json(product, price, source, flash, available):
    return {
        'id': product.id,
        'code': product.code,
        'name': product.name,
        'unit': product.sale_uom.symbol if product.sale_uom else None,
        'categories': [c.id for c in product.categories_all],
        'list_price': product.list_price,
        'price': price,
        'price_source': source,
        'flash_sale': {
            'id': flash.id, 'name': flash.name, 'end': flash.end,
            'left': flash.total_quantity - (flash.sold_quantity or 0),
            'per_store_limit': flash.per_store_limit,
            } if flash else None,
        'available': available,
        }


def _int(value, default, maximum=None):
    try:
        value = int(value)
    except (TypeError, ValueError):
        return default
    value = max(value, 0)
    return min(value, maximum) if maximum is not None else value


@app.route(PREFIX + '/api/categories', methods={'GET'})
@with_pool
@with_transaction()
@portal_route('store')
def categories(request, pool, web_user):
    Category = pool.get('product.category')
    store = store_of(pool, web_user)
    with without_check_access():
        allowed = store.store_level.allowed_category_ids()
        domain = [('id', 'in', allowed)] if allowed is not None else []
        return json_response([{'id': c.id, 'name': c.rec_name}
                for c in Category.search(domain, order=[('name', 'ASC')])])


@app.route(PREFIX + '/api/catalogue', methods={'GET'})
@with_pool
@with_transaction()
@portal_route('store')
def catalogue(request, pool, web_user):
    "A page of the store's catalogue at the store's prices"
    Product = pool.get('product.product')
    store = store_of(pool, web_user)
    args = request.args
    with without_check_access():
        domain = store.store_level.product_domain()
        if args.get('q'):
            domain.append(('rec_name', 'ilike', f"%{args['q']}%"))
        if args.get('category'):
            domain.append(('categories_all', '=',
                    _int(args['category'], -1)))
        offset = _int(args.get('offset'), 0)
        limit = _int(args.get('limit'), PAGE_SIZE, MAX_PAGE_SIZE) or PAGE_SIZE
        products = Product.search(domain, offset=offset, limit=limit,
            order=[('code', 'ASC'), ('id', 'ASC')])
        total = Product.search_count(domain)
        prices = store_prices(store, [(p, 1) for p in products])
        available = _available(pool, products)
        images = _image_urls(pool, products)
        return json_response({
                'total': total, 'offset': offset, 'limit': limit,
                'products': [dict(_product_json(p, price, source, flash,
                            available.get(p.id)), image=images.get(p.id))
                    for p, (price, source, flash) in zip(products, prices)],
                })


class _ByteLength(Function):
    "The length in bytes of a binary column (PostgreSQL and SQLite)"
    __slots__ = ()
    _function = 'LENGTH'


def _image_urls(pool, products):
    """{product id: URL of its image, relative to the portal's page} for the
    products whose template has a store image; the URL changes with the
    image, so that browsers may keep it"""
    Template = pool.get('product.template')
    templates = list({p.template.id for p in products})
    if not templates:
        return {}
    # the sizes from the database, not the images
    table = Template.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*table.select(table.id, _ByteLength(table.store_image),
            table.write_date, table.create_date,
            where=reduce_ids(table.id, templates)
            & (table.store_image != Null)))
    versions = {id_: imaging.image_version(written or created, size)
        for id_, size, written, created in cursor if size}
    return {p.id: f'api/products/{p.id}/image?v={versions[p.template.id]}'
        for p in products if p.template.id in versions}


@app.route(PREFIX + '/api/products/<int:product_id>/image', methods={'GET'})
@with_pool
@with_transaction()
@portal_route('store')
def product_image(request, pool, web_user, product_id):
    "The store image of a product of the store's catalogue"
    Product = pool.get('product.product')
    store = store_of(pool, web_user)
    with without_check_access():
        products = Product.search([('id', '=', product_id)]
            + store.store_level.product_domain(), limit=1)
        data = products[0].template.store_image if products else None
        mimetype = imaging.image_type(data)
        if not mimetype:
            fail(HTTPStatus.NOT_FOUND, "no such image")
        return Response(bytes(data), mimetype=mimetype, headers={
                # the URL carries the image's version; the image is the
                # store's to see, not a shared cache's
                'Cache-Control': 'private, max-age=86400',
                'X-Content-Type-Options': 'nosniff',
                })


# Cart and checkout

def _cart_items(pool, store, data):
    "The (product, quantity) of a cart request, checked"
    Product = pool.get('product.product')
    lines = data.get('lines') if isinstance(data, dict) else None
    if not lines or not isinstance(lines, list):
        fail(HTTPStatus.BAD_REQUEST, gettext('store_ordering.msg_cart_empty'))
    quantities = {}
    for line in lines:
        try:
            product_id = int(line['product'])
            quantity = Decimal(str(line['quantity']))
        except (KeyError, TypeError, ValueError, ArithmeticError):
            fail(HTTPStatus.BAD_REQUEST,
                gettext('store_ordering.msg_cart_quantity'))
        if not quantity.is_finite() or quantity <= 0:
            fail(HTTPStatus.BAD_REQUEST,
                gettext('store_ordering.msg_cart_quantity'))
        quantities[product_id] = quantities.get(product_id, 0) + quantity
    products = Product.search([('id', 'in', list(quantities))]
        + store.store_level.product_domain())
    if len(products) != len(quantities):
        fail(HTTPStatus.BAD_REQUEST, gettext('store_ordering.msg_cart_product'))
    products.sort(key=lambda p: list(quantities).index(p.id))
    return [(p, quantities[p.id]) for p in products]


def price_cart(pool, store, items, coupons):
    "The cart as the order will be quoted: same functions as Sale.quote"
    prices = store_prices(store, items)
    lines = [pricing.Line(p.id, q, price, flash=bool(flash),
            categories=tuple(c.id for c in p.categories_all))
        for (p, q), (price, _, flash) in zip(items, prices)]
    outcome, promotions = store_promotions(store, lines, coupons)
    Product = pool.get('product.product')
    level = store.store_level
    total = pricing.order_total(lines, outcome)
    return {
        'lines': [{
                'product': p.id, 'name': p.rec_name, 'quantity': q,
                'unit_price': price, 'price_source': source,
                'amount': line.amount,
                } for (p, q), (price, source, _), line
            in zip(items, prices, lines)],
        'discounts': [{'promotion': promotions[p.id].rec_name,
                'amount': amount} for p, amount in outcome.discounts],
        'gifts': [{'promotion': promotions[p.id].rec_name,
                'product': product_id,
                'name': Product(product_id).rec_name, 'quantity': quantity}
            for p, product_id, quantity in outcome.gifts],
        'total': total,
        'minimum_order_amount': level.minimum_order_amount,
        'below_minimum': bool(level.minimum_order_amount
            and total < level.minimum_order_amount),
        }


@app.route(PREFIX + '/api/cart', methods={'POST'})
@with_pool
@with_transaction()
@portal_route('store')
@user_errors
def cart(request, pool, web_user):
    """Price a cart with the promotions applied, without ordering; an
    unknown, expired or used up coupon number is refused as at checkout"""
    Date = pool.get('ir.date')
    store = store_of(pool, web_user)
    data = request.parsed_data or {}
    with without_check_access():
        items = _cart_items(pool, store, data)
        numbers = coupon_numbers(coupon_codes(data.get('coupon')),
            Transaction().context['company'])
        coupons = checked_coupons(numbers, store, Date.today())
        return json_response(price_cart(pool, store, items, coupons))


@app.route(PREFIX + '/api/checkout', methods={'POST'})
@with_pool
@with_transaction(readonly=False)
@portal_route('store')
@user_errors
def checkout(request, pool, web_user):
    """Place the cart as an order of the store: quoted, and confirmed at
    once when the level's automatic approval covers it"""
    Sale = pool.get('sale.sale')
    Line = pool.get('sale.line')
    store = store_of(pool, web_user)
    data = request.parsed_data or {}
    # Orders are written as the technical user without access checks (the
    # store may not write sales), but only ever for the web user's store.
    with without_check_access():
        items = _cart_items(pool, store, data)
        sale = Sale(party=store, company=Transaction().context['company'])
        sale.on_change_party()
        # Tryton's coupon numbers of the typed codes; the quotation checks
        # them (expired, used up) as for the back office
        sale.coupons = coupon_numbers(coupon_codes(data.get('coupon')),
            sale.company.id)
        reference = data.get('reference')
        sale.reference = reference[:100] if isinstance(reference, str) else None
        sale.save()
        lines = []
        for product, quantity in items:
            line = Line(sale=sale, type='line', product=product,
                quantity=float(quantity))
            line.on_change_product()
            lines.append(line)
        Line.save(lines)
        Sale.quote([sale])
        sale = Sale(sale.id)
        if sale.store_auto_approve():
            Sale.confirm([sale])
        return json_response(_order_json(Sale(sale.id), detail=True),
            status=HTTPStatus.CREATED)


# Orders

def _order_json(sale, detail=False):
    data = {
        'id': sale.id,
        'number': sale.number,
        'reference': sale.reference,
        'date': sale.sale_date,
        'state': sale.state,
        'state_string': sale.state_string,
        'shipment_state': sale.shipment_state,
        'invoice_state': sale.invoice_state,
        'untaxed_amount': sale.untaxed_amount,
        'total_amount': sale.total_amount,
        'currency': sale.currency.code,
        }
    if detail:
        data['lines'] = [{
                'product': l.product.id if l.product else None,
                'description': l.product.rec_name if l.product and not
                l.store_generated else l.description,
                'quantity': l.quantity,
                'unit_price': l.unit_price,
                'amount': l.amount,
                'kind': l.store_generated or 'line',
                } for l in sale.lines if l.type == 'line']
        data['shipments'] = [{
                'number': s.number, 'state': s.state,
                'tracking': s.reference,
                'date': s.effective_date or s.planned_date,
                } for s in sale.shipments]
    return data


def _own_order(pool, order_id):
    "The order of the store with this id, found through the portal rules"
    Sale = pool.get('sale.sale')
    sales = Sale.search([('id', '=', order_id)])
    if not sales:
        fail(HTTPStatus.NOT_FOUND, "no such order")
    return sales[0]


@app.route(PREFIX + '/api/orders', methods={'GET'})
@with_pool
@with_transaction()
@portal_route('store')
def orders(request, pool, web_user):
    Sale = pool.get('sale.sale')
    offset = _int(request.args.get('offset'), 0)
    sales = Sale.search([], offset=offset, limit=50,
        order=[('sale_date', 'DESC'), ('id', 'DESC')])
    with without_check_access():
        return json_response([_order_json(Sale(s.id)) for s in sales])


@app.route(PREFIX + '/api/orders/<int:order_id>', methods={'GET'})
@with_pool
@with_transaction()
@portal_route('store')
def order(request, pool, web_user, order_id):
    sale = _own_order(pool, order_id)
    with without_check_access():
        return json_response(_order_json(
                pool.get('sale.sale')(sale.id), detail=True))


@app.route(PREFIX + '/api/orders/<int:order_id>/reorder', methods={'POST'})
@with_pool
@with_transaction()
@portal_route('store')
def reorder(request, pool, web_user, order_id):
    "The cart lines of a past order that the store may still order"
    Product = pool.get('product.product')
    sale = _own_order(pool, order_id)
    store = store_of(pool, web_user)
    with without_check_access():
        sale = pool.get('sale.sale')(sale.id)
        wanted = [(l.product.id, l.quantity) for l in sale.store_lines()]
        allowed = {p.id for p in Product.search(
                [('id', 'in', [p for p, _ in wanted])]
                + store.store_level.product_domain())}
        return json_response({'lines': [
                    {'product': p, 'quantity': q}
                    for p, q in wanted if p in allowed]})


# Statements

def _date(value, default):
    try:
        return datetime.date.fromisoformat(value) if value else default
    except (TypeError, ValueError):
        fail(HTTPStatus.BAD_REQUEST, "dates are YYYY-MM-DD")


@app.route(PREFIX + '/api/statement', methods={'GET'})
@with_pool
@with_transaction()
@portal_route('store')
def statement(request, pool, web_user):
    "The store's statement (对账单) of a period, tied to the ledger"
    Date = pool.get('ir.date')
    store = store_of(pool, web_user)
    today = Date.today()
    start = _date(request.args.get('start'), today.replace(day=1))
    end = _date(request.args.get('end'), today)
    with without_check_access():
        result, orders = store.store_statement(start, end)
        return json_response({
                'start': start, 'end': end,
                'opening': result.opening, 'debit': result.debit,
                'credit': result.credit, 'closing': result.closing,
                'prepaid_balance': store.prepaid_balance(
                    pool.get('company.company')(
                        Transaction().context['company']), date=end),
                'entries': [{
                        'date': e.date, 'kind': e.kind,
                        'reference': e.reference, 'debit': e.debit,
                        'credit': e.credit, 'balance': balance,
                        } for e, balance in result.rows],
                'orders': [_order_json(o) for o in orders],
                })
