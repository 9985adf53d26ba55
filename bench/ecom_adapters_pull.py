# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Receiving orders from the platforms: pull + parse, per adapter

Each adapter pulls 5,000 orders of 3 lines, spread over 12 hours, from its
local fake platform (windows of the adapter's max_window, its page size,
backward paging) and parses them into normalised orders.  The anchor is
the naive way several platform guides describe: list the orders, then
fetch each one's detail (TOP trades.sold.increment.get + trade.fullinfo.get
per tid), timed on the first 500 orders.  The fake runs in the same
process, so its own work (JSON, filtering) is in the figure: the real
platforms' latency is not.  Target (issue 3): receiving >= 1,000 orders/s.

    .venv/bin/python -m bench.ecom_adapters_pull
"""
import datetime
import time

from bench.common import report
from tests.fake_platforms import FAKES, start_fake
from tests.fake_platforms.__main__ import fill, generated_id
from trytond.modules.ecom_connector.adapters import get_adapter

UTC = datetime.timezone.utc
ORDERS = 5000
ANCHOR_ORDERS = 500
SPAN = datetime.timedelta(hours=12)


def main():
    rows = []
    for platform in FAKES:
        if platform == 'amazon':
            # bound by its usage plans, not by us: getOrderItems is 0.5
            # calls/s per order (the adapter's token bucket waits), and
            # the last 2 minutes cannot be listed
            continue
        fake = start_fake(platform)
        try:
            fill(fake, ORDERS, SPAN / datetime.timedelta(hours=1))
            end = datetime.datetime.now(UTC) + datetime.timedelta(seconds=1)
            start = end - SPAN - datetime.timedelta(minutes=1)
            adapter = get_adapter(platform)(fake.adapter_credentials(),
                base_url=fake.url)
            began = time.perf_counter()
            orders = [adapter.parse_order(p)
                for p in adapter.iter_order_payloads(start, end)]
            ours = len(orders) / (time.perf_counter() - began)
            assert len({o.platform_order_id for o in orders}) == ORDERS

            began = time.perf_counter()
            for n in range(ANCHOR_ORDERS):
                adapter.parse_order(adapter.get_order(
                        generated_id(platform, n)))
            anchor = ANCHOR_ORDERS / (time.perf_counter() - began)
            adapter.close()
        finally:
            fake.stop()
        rows.append((f"{platform} pull+parse", ours, anchor, "orders/s",
                ">= 1,000"))
    report("Receiving orders from the fake platforms (5,000 orders, "
        "3 lines)", rows, notes=[
            "anchor: one detail call per order (list, then get_order)",
            "the fake server shares the process and its 2 cores"])


if __name__ == '__main__':
    main()
