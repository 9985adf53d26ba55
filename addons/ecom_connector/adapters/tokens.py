# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Access tokens that expire: renewed before expiry and when refused

The platforms that hand out short-lived access tokens with a refresh token
(Amazon LWA, Taobao, Pinduoduo, JD, Douyin) share this: the credentials
hold `access_token`, `access_token_expires` (ISO 8601, UTC) and
`refresh_token` (`refresh_token_expires` where the platform says);
a call is made with a token that has at least `refresh_margin` left, else
the token is renewed first; a call refused because the token expired
(`TokenExpired`) renews it and is made once more.  The renewed credentials
are stored through `Adapter.store_credentials` (the channel saves them).
Shopify's offline tokens and WooCommerce's keys do not expire.
"""
import datetime

from .base import UTC, AuthError, TokenExpired


class TokenMixin:
    token_name = 'access_token'
    refresh_margin = datetime.timedelta(minutes=10)

    def can_refresh(self):
        return bool(self.credentials.get('refresh_token'))

    def token_expires(self):
        "When the access token expires (aware), None when unknown"
        value = self.credentials.get('access_token_expires')
        if not value:
            return None
        try:
            if isinstance(value, (int, float)):
                return datetime.datetime.fromtimestamp(value, UTC)
            moment = datetime.datetime.fromisoformat(
                str(value).replace('Z', '+00:00'))
        except (ValueError, OverflowError, OSError):
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def needs_refresh(self):
        "No token, or one about to expire, and a refresh token to renew it"
        if not self.can_refresh():
            return False
        if not self.credentials.get(self.token_name):
            return True
        expires = self.token_expires()
        return expires is not None and expires - self.now() <= (
            self.refresh_margin)

    def access_token(self):
        "The access token to call with, renewed first if it must be"
        if self.needs_refresh():
            self.renew_token()
        return self.credential(self.token_name)

    def renew_token(self):
        """Ask the platform for a new access token; store it

        `request_token()` (per platform) returns the platform's answer as
        {access_token, expires_in, refresh_token?, refresh_expires_in?}.
        """
        if not self.can_refresh():
            raise AuthError(f"{self.platform}: the access token expired and "
                "the channel has no refresh_token: authorise the shop again")
        answer = self.request_token()
        token = answer.get('access_token')
        if not token or not isinstance(token, str):
            raise AuthError(f"{self.platform}: the token refresh gave no "
                f"access token: {str(answer)[:200]}")
        now = self.now()
        values = {self.token_name: token}
        values['access_token_expires'] = expiry(now,
            answer.get('expires_in'))
        if answer.get('refresh_token'):
            values['refresh_token'] = answer['refresh_token']
            if answer.get('refresh_expires_in'):
                values['refresh_token_expires'] = expiry(now,
                    answer['refresh_expires_in'])
        self.store_credentials(**values)
        return token

    def request_token(self):
        raise NotImplementedError

    def with_token(self, call, *args, **kwargs):
        """call(*args, **kwargs) with a live token; refused as expired, the
        token is renewed and the call made once more"""
        if self.needs_refresh():
            self.renew_token()
        try:
            return call(*args, **kwargs)
        except TokenExpired:
            if not self.can_refresh():
                raise
            self.renew_token()
            return call(*args, **kwargs)


def expiry(now, seconds):
    "ISO 8601 UTC of now + seconds (None when the platform gave none)"
    try:
        seconds = float(seconds)
    except (TypeError, ValueError):
        return None
    return (now + datetime.timedelta(seconds=seconds)).astimezone(
        UTC).isoformat()
