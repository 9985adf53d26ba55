# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Renewed access tokens stored in the channel's credentials

An adapter that renews its access token (adapters/tokens.py) hands the new
credentials back; the channel keeps them, as the system (credentials are
for administrators only), in the transaction of the sync that renewed
them.
"""
import json

from trytond.pool import PoolMeta
from trytond.transaction import Transaction, without_check_access


class Channel(metaclass=PoolMeta):
    __name__ = 'ecom.channel'

    def get_adapter(self, now=None):
        adapter = super().get_adapter(now=now)
        adapter.on_credentials = self.store_credentials
        return adapter

    def store_credentials(self, credentials):
        "Keep the credentials an adapter renewed (new token, refresh token)"
        text = json.dumps(credentials, ensure_ascii=False, sort_keys=True)
        with Transaction().set_user(0), without_check_access():
            self.__class__.write([self.__class__(self.id)],
                {'credentials': text})
