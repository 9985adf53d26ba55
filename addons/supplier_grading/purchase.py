# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""What the grades change in purchasing: an eliminated supplier (or one
whose mandatory qualification document expired, when configured) cannot be
confirmed, a backup supplier asks for a confirmation, and purchase requests
prefer core suppliers and skip eliminated ones."""
import datetime

from trytond.exceptions import UserWarning
from trytond.i18n import gettext
from trytond.model.exceptions import ValidationError
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from . import scoring


class SupplierRefused(ValidationError):
    pass


class SupplierBackupWarning(UserWarning):
    pass


class Purchase(metaclass=PoolMeta):
    __name__ = 'purchase.purchase'

    @classmethod
    def quote(cls, purchases):
        cls.check_supplier_grade(purchases, warn=False)
        super().quote(purchases)

    @classmethod
    def confirm(cls, purchases):
        cls.check_supplier_grade(purchases)
        super().confirm(purchases)

    @classmethod
    def check_supplier_grade(cls, purchases, warn=True):
        pool = Pool()
        Warning = pool.get('res.user.warning')
        Configuration = pool.get('supplier.grading.configuration')
        Party = pool.get('party.party')
        block_documents = Configuration(1).block_expired_documents
        for purchase in purchases:
            with Transaction().set_context(company=purchase.company.id):
                party = Party(purchase.party.id)
                grade = party.supplier_grade
                if not scoring.grade_allowed(grade):
                    raise SupplierRefused(gettext(
                            'supplier_grading.msg_purchase_eliminated',
                            purchase=purchase.rec_name,
                            party=party.rec_name))
                if block_documents:
                    date = purchase.purchase_date or Pool().get(
                        'ir.date').today()
                    expired = party.supplier_documents_expired(date)
                    if expired:
                        raise SupplierRefused(gettext(
                                'supplier_grading.msg_purchase_document',
                                purchase=purchase.rec_name,
                                party=party.rec_name,
                                document=expired[0].rec_name,
                                date=expired[0].expiry_date))
                if warn and grade == 'backup':
                    name = Warning.format('supplier_backup', [purchase])
                    if Warning.check(name):
                        raise SupplierBackupWarning(name, gettext(
                                'supplier_grading.msg_purchase_backup',
                                purchase=purchase.rec_name,
                                party=party.rec_name))


class PurchaseRequest(metaclass=PoolMeta):
    __name__ = 'purchase.request'

    @classmethod
    def find_best_product_supplier(cls, product, date, **pattern):
        """Like the standard rule (the first supplier able to deliver by
        date, else the fastest) over the suppliers ranked by grade: core
        first, then new, then backup; eliminated ones never"""
        pool = Pool()
        Date = pool.get('ir.date')
        with Transaction().set_context(context=product._context):
            today = Date.today()
        candidates = scoring.sort_by_grade(
            list(product.product_suppliers_used(**pattern)),
            lambda ps: ps.party.supplier_grade)
        earlier_date, fastest = datetime.date.max, None
        for product_supplier in candidates:
            if date is None:
                return product_supplier
            supply_date = product_supplier.compute_supply_date(date=today)
            if date - supply_date >= datetime.timedelta(0):
                return product_supplier
            if (supply_date < earlier_date
                    or (earlier_date is datetime.date.max
                        and fastest is None)):
                earlier_date, fastest = supply_date, product_supplier
        return fastest
