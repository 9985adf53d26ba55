# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Marketplace adapters: one file per platform, one interface (base.py).

ADAPTERS maps a platform key to its adapter class; each platform module
registers itself here.
"""
from .base import Adapter  # noqa: F401

ADAPTERS = {}


def register(cls):
    ADAPTERS[cls.platform] = cls
    return cls


def get_adapter(platform):
    from importlib import import_module
    if platform not in ADAPTERS:
        import_module(f'{__name__}.{platform}')
    return ADAPTERS[platform]
