# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The pure scoring functions, figures worked out by hand."""
import datetime
import unittest
from decimal import Decimal

from trytond.modules.supplier_grading import scoring

D = Decimal
CRITERIA = [
    scoring.Criterion('on_time', D(30), '100 * on_time_rate'),
    scoring.Criterion('fill', D(20), '100 * fill_rate'),
    scoring.Criterion('quality', D(25), '100 * quality_rate'),
    scoring.Criterion('after_sales', D(10),
        '100 - 200 * return_rate - 2 * settle_days'),
    scoring.Criterion('price', D(15), '100 * price_index'),
    ]


class ScoringTestCase(unittest.TestCase):

    def test_period_score_by_hand(self):
        "Weighted score of the five criteria"
        figures = scoring.Figures(lines=4, on_time_lines=3,
            ordered_quantity=100, received_quantity=90,
            inspected_quantity=90, rejected_quantity=9,
            receipt_quantity=90, returned_quantity=9,
            complaints=1, settle_days=5,
            price_quantity=90, price_weighted=81)
        score, scores = scoring.period_score(figures, CRITERIA)
        self.assertEqual(scores, {'on_time': D('75.00'), 'fill': D('90.00'),
                'quality': D('90.00'), 'after_sales': D('70.00'),
                'price': D('90.00')})
        # (30*75 + 20*90 + 25*90 + 10*70 + 15*90) / 100
        self.assertEqual(score, D('83.50'))

    def test_unmeasured_criterion_left_out(self):
        "Without inspection the quality weight is left out of the mean"
        figures = scoring.Figures(lines=4, on_time_lines=3,
            ordered_quantity=100, received_quantity=90,
            receipt_quantity=90, returned_quantity=9,
            complaints=1, settle_days=5,
            price_quantity=90, price_weighted=81)
        score, scores = scoring.period_score(figures, CRITERIA)
        self.assertIsNone(scores['quality'])
        # (2250 + 1800 + 700 + 1350) / 75 = 81.333...
        self.assertEqual(score, D('81.33'))
        self.assertEqual(
            scoring.period_score(scoring.Figures(), CRITERIA)[0], None)

    def test_decayed_score_by_hand(self):
        "Decay weighs the last period 1, the one before 0.5, then 0.25"
        # (80*1 + 90*0.5 + 70*0.25) / 1.75 = 81.428...
        self.assertEqual(
            scoring.decayed_score([70, 90, 80], D('0.5'), 3), D('81.43'))
        # only the last two: (80 + 45) / 1.5
        self.assertEqual(
            scoring.decayed_score([70, 90, 80], D('0.5'), 2), D('83.33'))
        # a period without score is skipped: (80 + 70*0.25) / 1.25
        self.assertEqual(
            scoring.decayed_score([70, None, 80], D('0.5'), 3), D('78.00'))
        self.assertIsNone(scoring.decayed_score([None], D('0.5'), 3))

    def test_hysteresis(self):
        "A grade changes only after N periods across a threshold"
        settings = scoring.Settings(
            criteria=[scoring.Criterion('on_time', D(100),
                    '100 * on_time_rate')],
            decay=D(1), decay_periods=1, core_threshold=D(80),
            backup_threshold=D(60), hysteresis=2)
        rates = [85, 90, 70, 75, 85, 50, 55, 95, 90]
        periods = [((i, i), scoring.Figures(lines=100, on_time_lines=r))
            for i, r in enumerate(rates)]
        results = scoring.grade_supplier(periods, settings)
        self.assertEqual([r.grade for r in results], [
                'new', 'core', 'core', 'backup', 'backup', 'backup',
                'eliminated', 'eliminated', 'core'])
        self.assertEqual([r.band for r in results], [
                'core', 'core', 'backup', 'backup', 'core', 'eliminated',
                'eliminated', 'core', 'core'])
        self.assertEqual([r.changed for r in results], [
                True, True, False, True, False, False, True, False, True])

    def test_history_continues(self):
        "A recomputation starts from the stored scores and grade"
        settings = scoring.Settings(
            criteria=[scoring.Criterion('on_time', D(100),
                    '100 * on_time_rate')],
            decay=D('0.5'), decay_periods=3, core_threshold=D(80),
            backup_threshold=D(60), hysteresis=1)
        result, = scoring.grade_supplier(
            [((0, 0), scoring.Figures(lines=10, on_time_lines=4))],
            settings, history=[D(90), D(90)], grade='core')
        # (40 + 90*0.5 + 90*0.25) / 1.75 = 61.43: backup at once (N=1)
        self.assertEqual(result.decayed, D('61.43'))
        self.assertEqual((result.previous_grade, result.grade),
            ('core', 'backup'))

    def test_grade_ranking(self):
        "Core first, then new and ungraded, then backup; never eliminated"
        items = [('a', 'backup'), ('b', 'eliminated'), ('c', None),
            ('d', 'core'), ('e', 'new'), ('f', 'core')]
        self.assertEqual(
            [i[0] for i in scoring.sort_by_grade(items, lambda i: i[1])],
            ['d', 'f', 'c', 'e', 'a'])
        self.assertFalse(scoring.grade_allowed('eliminated'))
        self.assertLess(scoring.grade_rank('core'),
            scoring.grade_rank('backup'))

    def test_formula_errors(self):
        "A formula with an unknown name or no number is refused"
        with self.assertRaises(scoring.FormulaError):
            scoring.check_formula('100 * on_tme_rate')
        with self.assertRaises(scoring.FormulaError):
            scoring.check_formula('"text"')
        scoring.check_formula('min(100, 120 * fill_rate)')
        self.assertEqual(scoring.evaluate('150', {}), D(100))
        self.assertEqual(scoring.evaluate('-3', {}), D(0))
        with self.assertRaises(ValueError):
            scoring.check_weights(CRITERIA[:4])

    def test_periods(self):
        date = datetime.date(2024, 11, 15)
        self.assertEqual(scoring.period_of(date, 'quarter'),
            (datetime.date(2024, 10, 1), datetime.date(2024, 12, 31)))
        self.assertEqual(scoring.period_of(date, 'month'),
            (datetime.date(2024, 11, 1), datetime.date(2024, 11, 30)))
        self.assertEqual(scoring.period_of(date, 'week'),
            (datetime.date(2024, 11, 11), datetime.date(2024, 11, 17)))
        self.assertEqual(len(scoring.periods_between(
                    datetime.date(2023, 1, 1), datetime.date(2024, 12, 31),
                    'month')), 24)

    def test_price_figures(self):
        "Each supplier's average against the lowest, same product"
        lines = [
            (1, 'P', 'USD', 6, D(10)), (1, 'P', 'USD', 4, D(10)),
            (2, 'P', 'USD', 5, D(8)),
            (1, 'Q', 'USD', 7, D(3)),              # single supplier
            (2, 'R', 'USD', 2, D(4)), (3, 'R', 'EUR', 2, D(1)),
            ]
        self.assertEqual(scoring.price_figures(lines),
            {1: (10.0, 8.0), 2: (5.0, 5.0)})

    def test_collect_figures(self):
        "Receipts, fill, inspection, returns and complaints by period"
        jan = (datetime.date(2024, 1, 1), datetime.date(2024, 1, 31))
        feb = (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
        d = datetime.date
        moves = [
            (1, 11, 10, 'done', d(2024, 1, 10), d(2024, 1, 8), 6,
                'P', 'USD', D(2), True, 1),
            (1, 11, 10, 'done', d(2024, 1, 20), d(2024, 1, 8), 3,
                'P', 'USD', D(2), False, None),
            (1, 12, 5, 'cancelled', None, d(2024, 2, 5), 5,
                'P', 'USD', D(2), False, None),
            (1, 13, 4, 'draft', None, d(2024, 3, 5), 4,
                'P', 'USD', D(2), False, None),
            ]
        figures, late = scoring.collect_figures([jan, feb], 2,
            d(2024, 2, 29), moves=moves,
            returns=[(1, d(2024, 1, 25), 1)],
            complaints=[(1, d(2024, 1, 15), d(2024, 1, 19))])
        self.assertEqual(figures[(1, 0)], scoring.Figures(
                lines=2, on_time_lines=1, delay_days=12,
                ordered_quantity=10, received_quantity=9,
                inspected_quantity=6, rejected_quantity=1,
                receipt_quantity=9, returned_quantity=1,
                complaints=1, settle_days=4))
        self.assertEqual(figures[(1, 1)], scoring.Figures(
                ordered_quantity=5, received_quantity=0))
        self.assertEqual(late, {1: [False, True]})
        self.assertEqual(scoring.late_streak([True, False, True, True]), 2)

    def test_document_status(self):
        today = datetime.date(2024, 6, 1)
        self.assertEqual(scoring.document_status(
                datetime.date(2024, 7, 1), today, 30), 'expiring')
        self.assertEqual(scoring.document_status(
                datetime.date(2024, 7, 2), today, 30), 'valid')
        self.assertEqual(scoring.document_status(
                datetime.date(2024, 5, 31), today, 30), 'expired')
