# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Demo step: a planned promotion and a suggestion generated from the
demo's year of history."""
import datetime

from trytond.pool import Pool, PoolMeta


class Demo(metaclass=PoolMeta):
    __name__ = 'ecom.demo'

    @classmethod
    def steps(cls):
        steps = super().steps()
        # after the history and the open purchases, before the end marker
        index = (steps.index('configured') if 'configured' in steps
            else len(steps))
        return steps[:index] + ['purchase_suggestion'] + steps[index:]

    @classmethod
    def step_purchase_suggestion(cls, plan):
        pool = Pool()
        Promotion = pool.get('purchase.suggestion.promotion')
        Suggestion = pool.get('purchase.suggestion')
        History = pool.get('purchase.suggestion.history')
        company = cls.company()
        # the history step wrote its moves by SQL: the sales history is
        # rebuilt from them
        History.rebuild([company])
        date = plan.end_date + datetime.timedelta(days=1)
        products = plan.products_by_code()
        best = max(products, key=lambda code: sum(
                m.quantity for m in plan.moves
                if m.product == code and m.kind == 'sale'))
        Promotion.create([{
                    'company': company.id,
                    'name': "Double 11 (双十一)",
                    'product': plan.ids['product'][best],
                    'start_date': date + datetime.timedelta(days=3),
                    'end_date': date + datetime.timedelta(days=5),
                    'uplift': 0.8,
                    }])
        suggestion, = Suggestion.create([{
                    'company': company.id,
                    'date': date,
                    'history_days': 365,
                    }])
        Suggestion.generate([suggestion])
        plan.ids['purchase_suggestion'] = suggestion.id
