# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Shared plumbing of the supplier and store portals.

A portal user is a `web.user` (web_user login) linked to a party and marked
with the portal it may use.  Portal routes are wrapped by `portal_route`,
which finds the web user from the session, then runs the route as the
portal's technical `res.user` with access checks on and the web user's
parties in the context.  The record rules of the portal groups use
`Eval('portal_parties')` (see ir.py), so the server itself bounds what a
route can read: a store user only ever reads its own store's records, even
through a guessed id.
"""
from functools import wraps

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.protocols.wrappers import HTTPStatus, abort
from trytond.transaction import Transaction, check_access

SESSION_COOKIE = 'ecom_portal_session'
PORTAL_USERS = {
    'supplier': 'ecom_base.user_portal_supplier',
    'store': 'ecom_base.user_portal_store',
    }


class WebUser(metaclass=PoolMeta):
    __name__ = 'web.user'

    portal = fields.Selection([
            (None, ""),
            ('supplier', "Supplier Portal"),
            ('store', "Store Portal"),
            ], "Portal",
        help="The portal this web user may sign in to.")

    @property
    def portal_parties(self):
        parties = [self.party] if self.party else []
        parties.extend(self.secondary_parties)
        return [p.id for p in parties]


def session_key(request):
    "The portal session key of the request: bearer token or cookie"
    authorization = request.headers.get('Authorization', '')
    scheme, _, key = authorization.partition(' ')
    if scheme.lower() == 'bearer' and key.strip():
        return key.strip()
    return request.cookies.get(SESSION_COOKIE)


def portal_user_id(portal):
    "The id of the technical res.user that portal requests run as"
    ModelData = Pool().get('ir.model.data')
    return ModelData.get_id(PORTAL_USERS[portal])


def portal_context(web_user):
    pool = Pool()
    Company = pool.get('company.company')
    companies = [c.id for c in Company.search([], order=[('id', 'ASC')])]
    context = {
        'portal_parties': web_user.portal_parties,
        'portal_web_user': web_user.id,
        '_companies': companies,
        }
    if companies:
        context['company'] = companies[0]
    if web_user.party and web_user.party.lang:
        context['language'] = web_user.party.lang.code
    return context


def portal_route(portal):
    """Decorate a route (after with_pool and with_transaction) of `portal`

    The view is called as view(request, pool, web_user, *args) with the
    transaction's user set to the portal's technical user and access
    checks on.  A request without a valid session of that portal gets 401.
    """
    if portal not in PORTAL_USERS:
        raise ValueError(f"unknown portal {portal!r}")

    def decorator(func):
        @wraps(func)
        def wrapper(request, pool, *args, **kwargs):
            WebUser = pool.get('web.user')
            key = session_key(request)
            web_user = WebUser.get_user(key) if key else None
            if (not web_user or not web_user.active
                    or web_user.portal != portal):
                abort(HTTPStatus.UNAUTHORIZED)
            transaction = Transaction()
            with transaction.set_context(portal_context(web_user)), \
                    transaction.set_user(portal_user_id(portal)), \
                    check_access():
                return func(request, pool, web_user, *args, **kwargs)
        return wrapper
    return decorator
