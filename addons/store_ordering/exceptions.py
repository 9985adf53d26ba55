# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
from trytond.exceptions import UserError


class StoreOrderError(UserError):
    pass


class FlashSaleError(StoreOrderError):
    pass


class StoreImageError(UserError):
    pass


class StorePaymentError(UserError):
    pass
