# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Deterministic demo data from the real Online Retail catalogue.

dataset.py reads the public data, plan.py decides what to build (pure
Python), company.py sets up the company through proteus and model.py loads
the plan with the ORM; cli.py is the `ecom-demo` command.
"""
