# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Store statements (对账单): pure computation, no ORM.

A statement of a period starts from the opening balance (what the store
owed before the period), adds what it was invoiced (debits of its
receivable account) and takes off what it paid (credits), line by line, to
the closing balance.  The entries come from the ledger, so the closing
balance is the store's receivable balance at the end of the period.
"""
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal(0)
#: order of entries of the same day
_KIND_ORDER = {'invoice': 0, 'other': 1, 'payment': 2}


@dataclass(frozen=True)
class Entry:
    date: object
    kind: str  # invoice, payment, other
    reference: str
    debit: Decimal
    credit: Decimal


@dataclass
class Statement:
    opening: Decimal
    rows: list = field(default_factory=list)  # (Entry, running balance)

    @property
    def debit(self):
        return sum((e.debit for e, _ in self.rows), ZERO)

    @property
    def credit(self):
        return sum((e.credit for e, _ in self.rows), ZERO)

    @property
    def closing(self):
        return self.opening + self.debit - self.credit


def build_statement(opening, entries):
    "The Statement from the opening balance and the period's entries"
    statement = Statement(opening)
    balance = opening
    for entry in sorted(entries, key=lambda e: (
                e.date, _KIND_ORDER.get(e.kind, 1), e.reference or '')):
        balance += entry.debit - entry.credit
        statement.rows.append((entry, balance))
    return statement
