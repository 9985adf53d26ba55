# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Helpers for the scenario doctests of the project's modules."""
import hashlib
import inspect

from proteus import config as pconfig

from trytond.tests import test_tryton

from . import project_modules

__all__ = ['activate_project']


def _name(function):
    "The setup's name and a hash of its source file: a change rebuilds it"
    source = inspect.getsourcefile(function)
    with open(source, 'rb') as file:
        digest = hashlib.sha1(file.read()).hexdigest()[:8]
    return f'{function.__module__}.{function.__qualname__}@{digest}'


def activate_project(*setup):
    """Activate the project's modules, run the setup functions, return the
    proteus configuration

    Like trytond.tests.tools.activate_modules, the result is cached per
    setup; unlike it, a new setup starts from the cached module set instead
    of activating the modules again.
    """
    modules = project_modules()
    name = '-'.join(modules)
    if setup:
        name += '--' + '|'.join(_name(f) for f in setup)
    if test_tryton.restore_db_cache(name):
        return pconfig.set_trytond()
    test_tryton.drop_db()
    test_tryton.activate_module(modules)
    config = pconfig.set_trytond()
    for function in setup:
        function(config=config)
    test_tryton.backup_db_cache(name)
    return config
