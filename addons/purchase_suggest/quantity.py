# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Suggested quantities: the need, and its rounding to the supplier's
minimum quantity and pack multiple.

    need = demand over (lead time + review period) + safety stock
           - (on hand + incoming - reserved)

A positive need is raised to the minimum quantity, then rounded up to the
pack multiple; a need of zero or less orders nothing.
"""
import numpy as np


def need(demand, safety, on_hand, incoming, reserved):
    return (np.asarray(demand, dtype=float) + safety
        - (np.asarray(on_hand, dtype=float) + incoming - reserved))


def round_quantity(raw, minimum=0., multiple=0.):
    "Element-wise: 0 when raw <= 0, else max(raw, minimum) up to the multiple"
    raw = np.asarray(raw, dtype=float)
    minimum = np.asarray(minimum, dtype=float)
    multiple = np.asarray(multiple, dtype=float)
    quantity = np.maximum(raw, minimum)
    # tolerance: 212.0000001 units is 212, not one more pack
    packs = np.ceil(np.divide(quantity, multiple,
            out=np.zeros_like(quantity), where=multiple > 0) - 1e-9)
    quantity = np.where(multiple > 0, packs * multiple, quantity)
    return np.where(raw > 0, quantity, 0.)
