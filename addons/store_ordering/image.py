# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The image of a product in the store portal's catalogue."""
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import PoolMeta

from .exceptions import StoreImageError
from .imaging import MAX_IMAGE_SIZE, image_problem


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    store_image = fields.Binary("Store Image",
        help="The picture of the product in the store portal's catalogue "
        "(PNG, JPEG, GIF or WebP, at most 2 MB).")

    @classmethod
    def validate_fields(cls, templates, field_names):
        super().validate_fields(templates, field_names)
        if field_names and 'store_image' not in field_names:
            return
        for template in templates:
            problem = image_problem(template.store_image)
            if problem == 'type':
                raise StoreImageError(gettext(
                        'store_ordering.msg_image_type',
                        product=template.rec_name))
            elif problem == 'size':
                raise StoreImageError(gettext(
                        'store_ordering.msg_image_size',
                        product=template.rec_name,
                        size=MAX_IMAGE_SIZE // (1024 * 1024)))
