# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The platforms' names in the user's language (ir.message per platform)"""
from trytond.i18n import gettext
from trytond.pool import PoolMeta


class Channel(metaclass=PoolMeta):
    __name__ = 'ecom.channel'

    @classmethod
    def get_platforms(cls):
        result = []
        for key, title in super().get_platforms():
            message = f'ecom_connector.msg_platform_{key}'
            try:
                text = gettext(message)
            except KeyError:
                text = message      # a platform without message
            result.append((key, title if text == message else text))
        return result
