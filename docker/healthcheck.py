#!/usr/bin/env python3
# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Container health check.

    ecom-healthcheck http [URL]     the web server answers JSON-RPC
    ecom-healthcheck database NAME  the database answers (cron, worker)

Exit status 0 when healthy, 1 otherwise, with the reason on stderr.
"""
import json
import sys
import urllib.request


def http(url='http://127.0.0.1:8000/'):
    request = urllib.request.Request(url.rstrip('/') + '/',
        data=json.dumps({'id': 0, 'method': 'common.server.version',
                'params': []}).encode(),
        headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=5) as response:
        version = json.load(response)['result']
    if not version.startswith('8.0'):
        raise RuntimeError(f"unexpected server version {version}")


def database(name):
    from trytond.transaction import Transaction
    with Transaction().start(name, 0, readonly=True) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute('SELECT 1')
        cursor.fetchone()


def main(argv):
    if not argv or argv[0] not in {'http', 'database'}:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        if argv[0] == 'http':
            http(*argv[1:2])
        else:
            database(argv[1])
    except Exception as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
