# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The platforms' signatures, written again for the fakes

Independent of the adapters' signing module (a copy of the reference
implementations of marketplace_sign_vectors.py), so that a regression of
the adapters' signers is refused by the fakes instead of mirrored.
"""
import base64
import hashlib
import hmac
from urllib.parse import quote


def top_sign(params, secret, sign_method='md5'):
    s = ''.join(f'{k}{params[k]}' for k in sorted(params)
        if k != 'sign' and params[k] not in (None, ''))
    if sign_method == 'md5':
        d = hashlib.md5((secret + s + secret).encode('utf-8')).hexdigest()
    elif sign_method == 'hmac':
        d = hmac.new(secret.encode(), s.encode('utf-8'), hashlib.md5
            ).hexdigest()
    elif sign_method == 'hmac-sha256':
        d = hmac.new(secret.encode(), s.encode('utf-8'), hashlib.sha256
            ).hexdigest()
    else:
        return None
    return d.upper()


def douyin_sign(app_key, app_secret, method, param_json, timestamp, v='2',
        sign_method='md5'):
    pattern = (f'{app_secret}app_key{app_key}method{method}'
        f'param_json{param_json}timestamp{timestamp}v{v}{app_secret}')
    if sign_method == 'hmac-sha256':
        return hmac.new(app_secret.encode(), pattern.encode('utf-8'),
            hashlib.sha256).hexdigest()
    return hashlib.md5(pattern.encode('utf-8')).hexdigest()


def douyin_push_sign(app_key, app_secret, raw_body):
    return hashlib.md5(app_key.encode() + raw_body + app_secret.encode()
        ).hexdigest()


def b64_hmac_sha256(secret, raw_body):
    return base64.b64encode(hmac.new(secret.encode(), raw_body,
            hashlib.sha256).digest()).decode()


def woocommerce_oauth_signature(method, url, params, consumer_secret,
        signature_method):
    "As WC_REST_Authentication::check_oauth_signature computes it"
    def raw(value):
        return quote(str(value), safe='~')
    query = '%26'.join(raw(f'{raw(k)}={raw(params[k])}')
        for k in sorted(params) if k != 'oauth_signature')
    string = f'{method}&{raw(url)}&{query}'
    algorithm = {'HMAC-SHA256': hashlib.sha256,
        'HMAC-SHA1': hashlib.sha1}.get(signature_method)
    if algorithm is None:
        return None
    return base64.b64encode(hmac.new((consumer_secret + '&').encode(),
            string.encode('utf-8'), algorithm).digest()).decode()
