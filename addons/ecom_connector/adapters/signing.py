# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Request and webhook signatures of the marketplaces, as plain functions

Each function is checked against the published test vectors
(tests/test_ecom_signing.py); the fake platforms of the tests verify
requests with these same functions, so a signer regression fails the tests.
"""
import base64
import hashlib
import hmac
import json
import urllib.parse


def sorted_kv_sign(params, secret, sign_method='md5'):
    """Taobao/Tmall TOP, Pinduoduo and JD JOS: the "sorted key+value" sign

    Every parameter but `sign`, and none with an empty value, sorted by
    name (ASCII), concatenated as name+value without separators, then
    md5: MD5(secret + s + secret); hmac: HMAC-MD5(secret, s);
    hmac-sha256: HMAC-SHA256(secret, s).  Upper-case hex.
    """
    s = ''.join(f'{k}{params[k]}' for k in sorted(params)
        if k != 'sign' and params[k] not in (None, ''))
    data = s.encode('utf-8')
    if sign_method == 'md5':
        digest = hashlib.md5(
            secret.encode('utf-8') + data + secret.encode('utf-8'))
    elif sign_method == 'hmac':
        digest = hmac.new(secret.encode('utf-8'), data, hashlib.md5)
    elif sign_method == 'hmac-sha256':
        digest = hmac.new(secret.encode('utf-8'), data, hashlib.sha256)
    else:
        raise ValueError(f"unknown sign method {sign_method!r}")
    return digest.hexdigest().upper()


top_sign = sorted_kv_sign


def pdd_sign(params, client_secret):
    "Pinduoduo: MD5(secret + sorted k+v + secret), upper-case hex"
    return sorted_kv_sign(params, client_secret, 'md5')


def jd_sign(params, app_secret):
    "JD JOS routerjson: as PDD, `360buy_param_json` signed verbatim"
    return sorted_kv_sign(params, app_secret, 'md5')


def canonical_json(value):
    """JSON with keys sorted recursively, compact, not ASCII-escaped

    The string sent must be the string signed: serialise once with this.
    """
    return json.dumps(value, sort_keys=True, separators=(',', ':'),
        ensure_ascii=False)


def douyin_param_json(params):
    "Douyin `param_json`: canonical JSON, '{}' when there is nothing"
    if not params:
        return '{}'
    return canonical_json(params)


def douyin_sign(app_key, app_secret, method, param_json, timestamp, v='2',
        sign_method='md5'):
    """Douyin shop (抖店) open API v2 sign, lower-case hex

    secret + app_key.. method.. param_json.. timestamp.. v.. + secret;
    access_token and sign_method are not part of it.
    """
    pattern = (f'{app_secret}app_key{app_key}method{method}'
        f'param_json{param_json}timestamp{timestamp}v{v}{app_secret}')
    if sign_method == 'hmac-sha256':
        return hmac.new(app_secret.encode('utf-8'), pattern.encode('utf-8'),
            hashlib.sha256).hexdigest()
    if sign_method == 'md5':
        return hashlib.md5(pattern.encode('utf-8')).hexdigest()
    raise ValueError(f"unknown sign method {sign_method!r}")


def douyin_push_sign(app_key, app_secret, raw_body):
    "Douyin message push header `event-sign`: md5(app_key + body + secret)"
    return hashlib.md5(app_key.encode('utf-8') + raw_body
        + app_secret.encode('utf-8')).hexdigest()


def kuaishou_sign(access_token, appkey, method, param, sign_method,
        timestamp, version, sign_secret):
    """Kuaishou shop: MD5 lower hex, or base64 HMAC-SHA256 (signSecret)

    No Kuaishou adapter yet (its API names are unconfirmed); the signer is
    here so that one can be written against the vectors.
    """
    data = (f'access_token={access_token}&appkey={appkey}&method={method}'
        f'&param={param}&signMethod={sign_method}&timestamp={timestamp}'
        f'&version={version}&signSecret={sign_secret}')
    if sign_method == 'HMAC_SHA256':
        return base64.b64encode(hmac.new(sign_secret.encode('utf-8'),
                data.encode('utf-8'), hashlib.sha256).digest()).decode()
    if sign_method == 'MD5':
        return hashlib.md5(data.encode('utf-8')).hexdigest()
    raise ValueError(f"unknown sign method {sign_method!r}")


def rfc3986(value):
    "PHP's rawurlencode: everything but A-Z a-z 0-9 - _ . ~ encoded"
    return urllib.parse.quote(str(value), safe='~')


def woocommerce_oauth_signature(method, url, params, consumer_secret,
        signature_method='HMAC-SHA256'):
    """WooCommerce REST over plain HTTP: one-legged OAuth 1.0a

    As class-wc-rest-authentication.php checks it: the query parameters
    but oauth_signature sorted by name, each name and value encoded
    (RFC 3986), joined `name=value` and encoded again, joined with %26;
    signed string METHOD&encoded(url without query)&that; key
    consumer_secret + '&'; base64 of the HMAC (SHA256 or SHA1).
    """
    pairs = [f'{rfc3986(key)}={rfc3986(params[key])}'
        for key in sorted(params) if key != 'oauth_signature']
    query = '%26'.join(rfc3986(pair) for pair in pairs)
    string = f'{method.upper()}&{rfc3986(url)}&{query}'
    digest = {'HMAC-SHA256': hashlib.sha256,
        'HMAC-SHA1': hashlib.sha1}[signature_method]
    return base64.b64encode(hmac.new(
            (consumer_secret + '&').encode('utf-8'), string.encode('utf-8'),
            digest).digest()).decode()


def b64_hmac_sha256(secret, raw_body):
    "Shopify and WooCommerce webhooks: base64(HMAC-SHA256(secret, body))"
    return base64.b64encode(hmac.new(secret.encode('utf-8'), raw_body,
            hashlib.sha256).digest()).decode()


def verify_b64_hmac_sha256(secrets, raw_body, header_value):
    "True when the header is the signature of the body by one of secrets"
    if not header_value:
        return False
    return any(hmac.compare_digest(b64_hmac_sha256(secret, raw_body),
            header_value) for secret in secrets if secret)
