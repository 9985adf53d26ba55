# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
from . import routes  # noqa: F401 (registers the store portal's routes)
from . import routes_office  # noqa: F401 (notifications route)
