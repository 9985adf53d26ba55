# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"SQL expressions that differ between PostgreSQL and SQLite"
from sql.functions import Function

from trytond import backend


class _JulianDay(Function):
    __slots__ = ()
    _function = 'JULIANDAY'


def days_between(end, start):
    "The number of days from start to end (dates), as an SQL expression"
    if backend.name == 'sqlite':
        return _JulianDay(end) - _JulianDay(start)
    return end - start
