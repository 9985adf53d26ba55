# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Local fake marketplaces for the tests (see base.FakePlatform)

    from tests.fake_platforms import start_fake
    fake = start_fake('taobao')            # running on 127.0.0.1:<random>
    adapter = get_adapter('taobao')(fake.adapter_credentials(),
        base_url=fake.url)
    ...
    fake.stop()
"""
from importlib import import_module

FAKES = {
    'taobao': 'TaobaoFake',
    'pinduoduo': 'PinduoduoFake',
    'jd': 'JdFake',
    'douyin': 'DouyinFake',
    'shopify': 'ShopifyFake',
    'woocommerce': 'WooCommerceFake',
    'amazon': 'AmazonFake',
    }


def fake_class(platform):
    module = import_module(f'{__name__}.{platform}')
    return getattr(module, FAKES[platform])


def start_fake(platform, credentials=None, now=None, port=0):
    "A started fake of the platform (random port by default); stop() it"
    return fake_class(platform)(credentials, now=now).start(port)
