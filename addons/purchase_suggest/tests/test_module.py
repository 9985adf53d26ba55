# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
from trytond.modules.ecom_base.tests import ModuleTestCase


class PurchaseSuggestTestCase(ModuleTestCase):
    "Test purchase_suggest module"
    module = 'purchase_suggest'
    extras = ['supplier_grading']


del ModuleTestCase
