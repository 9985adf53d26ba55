# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
from . import routes  # noqa: F401  (registers the supplier portal routes)
