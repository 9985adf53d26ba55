# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Run a fake platform by hand, with generated orders (demos, trials)

    .venv/bin/python -m tests.fake_platforms taobao --orders 200 --port 8801

prints the base URL and the credentials to give the channel, then serves
until interrupted.  The orders are modified over the last --hours hours.
"""
import argparse
import datetime
import json
import time

from . import FAKES, start_fake
from .base import UTC


def generated_id(platform, n):
    "An order id of the platform's form"
    return {
        'pinduoduo': f'240501-{123456789012345 + n}',
        'douyin': str(6920000000000000001 + n),
        }.get(platform, str(10000000 + n))


def fill(fake, orders, hours, lines=3):
    "orders of `lines` lines each, modified evenly over the last hours"
    now = datetime.datetime.now(UTC).replace(microsecond=0)
    span = datetime.timedelta(hours=hours)
    for n in range(orders):
        modified = now - span + span * n / max(orders, 1)
        fake.add_order(generated_id(fake.platform, n),
            created=modified - datetime.timedelta(minutes=5),
            modified=modified, lines=[
                dict(sku_id=str(100 + k), product_id=str(200 + k),
                    sku_code=f'SKU-{k}', title=f'Item {k}', quantity=k + 1,
                    price='19.90') for k in range(lines)])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('platform', choices=sorted(FAKES))
    parser.add_argument('--orders', type=int, default=50)
    parser.add_argument('--hours', type=float, default=24)
    parser.add_argument('--port', type=int, default=0)
    args = parser.parse_args(argv)
    fake = start_fake(args.platform, port=args.port)
    fill(fake, args.orders, args.hours)
    print(json.dumps({'platform': args.platform, 'base_url': fake.url,
                'credentials': fake.adapter_credentials()}, indent=2),
        flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == '__main__':
    main()
