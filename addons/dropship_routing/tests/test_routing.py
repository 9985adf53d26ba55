# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The pure routing policy and feed parser, figures worked out by hand."""
import datetime
import unittest
from decimal import Decimal

from trytond.modules.dropship_routing import feed_table as feed, routing

D = Decimal
NOW = datetime.datetime(2026, 5, 1, 12, 0)
FRESH = NOW - datetime.timedelta(hours=2)
STALE = NOW - datetime.timedelta(days=3)


def offer(key, cost, freight='0', days=2, grade='core', stock=100,
        feed_at=FRESH, regions=''):
    return routing.Offer(key=key, supplier=key, cost=D(cost),
        freight=D(freight), handling_days=days, grade=grade, stock=stock,
        feed_at=feed_at, regions=routing.parse_regions(regions))


# 2 units at 50.00 shipped to Guangdong: revenue 100.00, commission 5.00
LINE = routing.Line(quantity=2, unit_price=D('50'), region='CN-GD',
    commission=D('5'))
POLICY = routing.Policy(margin_floor=D('10'))

# (name, warehouses, offers, tried, route, reason, chosen, margin)
CASES = [
    ("own stock in a warehouse serving the region",
        [('WH-N', 5, routing.parse_regions('CN-BJ')),
            ('WH-S', 2, routing.parse_regions('CN-GD CN-FJ'))],
        [offer('A', '10')], (), 'stock', 'own_stock', 'WH-S', None),
    ("own stock too small: drop-ship",
        [('WH-S', 1, frozenset())], [offer('A', '10')], (),
        'dropship', 'best_offer', 'A', D('75.00')),
    ("core before a cheaper new supplier",
        [], [offer('NEW', '10', grade='new'), offer('CORE', '20')], (),
        'dropship', 'best_offer', 'CORE', D('55.00')),
    ("backup after new",
        [], [offer('B', '10', grade='backup'), offer('N', '30', grade=None)],
        (), 'dropship', 'best_offer', 'N', D('35.00')),
    ("eliminated never chosen",
        [], [offer('E', '1', grade='eliminated'),
            offer('B', '30', grade='backup')],
        (), 'dropship', 'best_offer', 'B', D('35.00')),
    ("landed cost counts the freight: 2×20+8 > 2×22+0",
        [], [offer('F', '20', freight='8'), offer('G', '22')], (),
        'dropship', 'best_offer', 'G', D('51.00')),
    ("same landed cost: fewer handling days",
        [], [offer('SLOW', '20', days=5), offer('FAST', '20', days=1)], (),
        'dropship', 'best_offer', 'FAST', D('55.00')),
    ("same cost and days: the offer naming the region",
        [], [offer('ALL', '20'), offer('GD', '20', regions='CN-GD')], (),
        'dropship', 'best_offer', 'GD', D('55.00')),
    ("country code serves its provinces; other province does not",
        [], [offer('BJ', '5', regions='CN-BJ'), offer('CN', '20',
                regions='CN')], (),
        'dropship', 'best_offer', 'CN', D('55.00')),
    ("stale feed skipped",
        [], [offer('OLD', '5', feed_at=STALE), offer('OK', '20')], (),
        'dropship', 'best_offer', 'OK', D('55.00')),
    ("short stock in feed skipped",
        [], [offer('ONE', '5', stock=1), offer('OK', '20')], (),
        'dropship', 'best_offer', 'OK', D('55.00')),
    ("no feed at all skipped",
        [], [offer('NOFEED', '5', feed_at=None), offer('OK', '20')], (),
        'dropship', 'best_offer', 'OK', D('55.00')),
    ("rejected supplier not tried again",
        [], [offer('A', '10'), offer('B', '20')], ('A',),
        'dropship', 'best_offer', 'B', D('55.00')),
    ("core below the floor, backup above it",
        # core: 100 - 90 - 5 = 5 < 10; backup: 100 - 60 - 5 = 35
        [], [offer('CORE', '45'), offer('BACK', '30', grade='backup')], (),
        'dropship', 'best_offer', 'BACK', D('35.00')),
    ("every offer below the floor: exception",
        # 100 - 2×40 - 6 - 5 = 9 < 10
        [], [offer('A', '40', freight='6'), offer('B', '44')], (),
        'exception', 'margin_floor', 'A', D('9.00')),
    ("no eligible offer",
        [], [offer('A', '5', stock=0), offer('B', '5', regions='CN-BJ')], (),
        'exception', 'no_offer', None, None),
    ("attempts exhausted",
        [], [offer('D', '10')], ('A', 'B', 'C'),
        'exception', 'attempts', None, None),
    ]


class RoutingTestCase(unittest.TestCase):

    def test_policy_table(self):
        "The routing policy against the table of cases"
        for (name, warehouses, offers, tried, route, reason, chosen,
                margin) in CASES:
            with self.subTest(name):
                decision = routing.route_line(LINE, warehouses, offers,
                    NOW, POLICY, tried=tried)
                self.assertEqual(decision.route, route)
                self.assertEqual(decision.reason, reason)
                if route == 'stock':
                    self.assertEqual(decision.warehouse, chosen)
                else:
                    self.assertEqual(
                        decision.offer.key if decision.offer else None,
                        chosen)
                self.assertEqual(decision.margin, margin)

    def test_margin_figures(self):
        "Revenue, cost, freight, commission and margin of a decision"
        line = routing.Line(quantity=3, unit_price=D('19.90'),
            region='CN-SH', commission=D('2.99'))
        decision = routing.route_line(line, [], [offer('A', '7.35',
                    freight='4.5')], NOW)
        self.assertEqual(decision.revenue, D('59.70'))
        self.assertEqual(decision.cost, D('22.05'))
        self.assertEqual(decision.freight, D('4.50'))
        self.assertEqual(decision.commission, D('2.99'))
        self.assertEqual(decision.margin, D('30.16'))

    def test_floor_rate(self):
        "A floor rate of the revenue above the floor amount"
        policy = routing.Policy(margin_floor=D('5'),
            margin_floor_rate=D('0.30'))
        # revenue 100, floor max(5, 30) = 30; margin 100-60-5 = 35
        self.assertEqual(routing.route_line(LINE, [], [offer('A', '30')],
                NOW, policy).route, 'dropship')
        # margin 100-70-5 = 25 < 30
        self.assertEqual(routing.route_line(LINE, [], [offer('A', '35')],
                NOW, policy).reason, 'margin_floor')

    def test_skipped_reasons(self):
        "Every offer left out says why"
        decision = routing.route_line(LINE, [], [
                offer('R', '1', regions='US'),
                offer('E', '1', grade='eliminated'),
                offer('S', '1', feed_at=STALE),
                offer('Q', '1', stock=1)], NOW, POLICY, tried=())
        self.assertEqual(decision.skipped, {'R': 'region', 'E': 'grade',
                'S': 'stale_feed', 'Q': 'short_stock'})
        self.assertIn('stale feed', decision.detail)

    def test_price_lines(self):
        "The last price line whose minimum the quantity reaches"
        prices = ((0, D('20')), (10, D('18')), (5, D('19')))
        self.assertIsNone(routing.price_at((), 3))
        self.assertIsNone(routing.price_at(((2, D('9')),), 1))
        self.assertEqual(routing.price_at(prices, 4), D('20'))
        # 10 reaches 0, 10 and 5: the last in order (5 -> 19) wins
        self.assertEqual(routing.price_at(prices, 10), D('19'))
        self.assertEqual(routing.price_at(prices, 7), D('19'))
        bulk = routing.Offer(key='A', supplier='A', cost=None,
            freight=D('4'), prices=((0, D('20')), (10, D('18'))))
        # 12 × 18 + 4
        self.assertEqual(bulk.at(12).landed_cost(12), D('220'))
        self.assertEqual(bulk.at(1).cost, D('20'))
        self.assertIsNone(bulk.cost)

    def test_serves(self):
        self.assertTrue(routing.serves(frozenset(), 'CN-GD'))
        self.assertTrue(routing.serves({'CN'}, 'CN-GD'))
        self.assertTrue(routing.serves({'CN-GD'}, 'CN-GD'))
        self.assertFalse(routing.serves({'CN-G'}, 'CN-GD'))
        self.assertFalse(routing.serves({'CN-GD'}, 'CN'))
        self.assertEqual(routing.parse_regions('cn-gd, CN-FJ  us'),
            {'CN-GD', 'CN-FJ', 'US'})


class FeedTestCase(unittest.TestCase):

    def test_csv(self):
        rows = feed.parse(feed.read_csv(
                '\ufeffSKU;Stock;Cost\nA-1;12;9.50\nA-2;0;1,200.00\n'
                .encode('utf-8')))
        self.assertEqual([(r.code, r.stock, r.cost, r.errors) for r in rows],
            [('A-1', 12.0, D('9.50'), []), ('A-2', 0.0, D('1200.00'), [])])

    def test_chinese_headers_gb18030(self):
        rows = feed.parse(feed.read_csv(
                '商品编码,库存,运费\nX,3,2\n'.encode('gb18030')))
        self.assertEqual((rows[0].code, rows[0].stock, rows[0].freight),
            ('X', 3.0, D('2')))

    def test_errors_kept_per_row(self):
        rows = feed.parse([['code', 'stock', 'cost'],
                ['A', 'lots', '1'], ['', '1', ''], ['B', '-1', 'x'],
                ['A', '2', '']])
        self.assertEqual([r.errors for r in rows], [
                [('not_number', {'column': 'stock', 'value': 'lots'})],
                [('no_code', {})],
                [('negative', {'column': 'stock'}),
                    ('not_number', {'column': 'cost', 'value': 'x'})],
                [('repeated', {'row': 2})]])

    def test_missing_column(self):
        with self.assertRaises(feed.FeedFormatError):
            feed.parse([['code', 'price'], ['A', '1']])
        with self.assertRaises(feed.FeedFormatError):
            feed.read_table(b'PK\x03\x04 not a workbook', 'f.xlsx')

    def test_xlsx(self):
        import openpyxl
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(['Code', 'Stock', 'Handling Days'])
        sheet.append([1001, 7, 3])
        data = io_bytes(book)
        rows = feed.parse(feed.read_table(data, 'feed.xlsx'))
        self.assertEqual((rows[0].code, rows[0].stock,
                rows[0].handling_days), ('1001', 7.0, 3))

    def test_api_records(self):
        rows = feed.parse_records([{'code': 'A', 'stock': 4},
                {'code': 'B', 'stock': 0, 'cost': '3.2'}])
        self.assertEqual([(r.code, r.stock, r.cost) for r in rows],
            [('A', 4.0, None), ('B', 0.0, D('3.2'))])
        with self.assertRaises(feed.FeedFormatError):
            feed.parse_records({'code': 'A'})


def io_bytes(book):
    import io
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
