# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""The file import adapter and the order checks, without a database"""
import datetime
import io
import unittest
from decimal import Decimal

from trytond.modules.ecom_connector import checks
from trytond.modules.ecom_connector.adapters.base import (
    OrderStatus, PayloadError)
from trytond.modules.ecom_connector.adapters.file import FileAdapter

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 3, 2, tzinfo=UTC)

GENERIC = (
    "order_id,status,created,buyer,name,phone,city,street,sku_id,"
    "sku_code,title,quantity,unit_price,discount,shipping_fee\n"
    "A1,paid,2026-03-01T10:00:00+08:00,bob,Bob,138****0000,Hangzhou,"
    "1 West Lake Rd,S1,CUP,Cup,2,10.50,1.00,6\n"
    "A1,paid,2026-03-01T10:00:00+08:00,bob,Bob,138****0000,Hangzhou,"
    "1 West Lake Rd,S2,MUG,Mug,1,20,,6\n"
    "A2,awaiting_payment,2026-03-01T11:00:00+08:00,amy,Amy,,,"
    ",S1,CUP,Cup,1,10.50,,0\n")

TAOBAO = (
    "订单编号,订单状态,订单创建时间,买家会员名,收货人姓名,联系手机,收货地址,"
    "商家编码,商品SKU ID,宝贝标题,购买数量,价格,买家应付邮费\n"
    "T9,买家已付款，等待卖家发货,2026-03-01 09:30:00,t**k,张*,"
    "138****1234,浙江省 杭州市 西湖区 文三路1号,CUP,S1,杯子,3,9.90,0\n")


class FileAdapterTestCase(unittest.TestCase):

    def setUp(self):
        self.adapter = FileAdapter({})

    def test_generic_csv(self):
        payloads = self.adapter.payloads(GENERIC.encode(), 'x.csv')
        self.assertEqual(len(payloads), 2)
        order = self.adapter.parse_order(payloads[0])
        self.assertEqual(order.platform_order_id, 'A1')
        self.assertEqual(order.status, OrderStatus.PAID)
        self.assertEqual(order.created_at,
            datetime.datetime(2026, 3, 1, 2, 0, tzinfo=UTC))
        self.assertEqual([(l.sku_id, l.quantity, l.unit_price, l.discount)
                for l in order.lines], [
                ('S1', 2, Decimal('10.50'), Decimal('1.00')),
                ('S2', 1, Decimal(20), Decimal(0))])
        self.assertEqual(order.shipping_fee, Decimal(6))
        self.assertTrue(order.address.masked)
        self.assertIsNone(checks.malformed(order, NOW))
        self.assertEqual(checks.blocking(order), [])
        unpaid = self.adapter.parse_order(payloads[1])
        self.assertEqual([r for r, _ in checks.blocking(unpaid)],
            ['unpaid', 'address'])

    def test_taobao_gb18030(self):
        "Chinese Excel saves GB18030; times are Beijing time"
        payload, = self.adapter.payloads(TAOBAO.encode('gb18030'),
            'export.csv', 'taobao')
        order = self.adapter.parse_order(payload)
        self.assertEqual(order.platform_order_id, 'T9')
        self.assertEqual(order.status, OrderStatus.PAID)
        self.assertEqual(order.created_at,
            datetime.datetime(2026, 3, 1, 1, 30, tzinfo=UTC))
        self.assertEqual((order.address.province, order.address.city,
                order.address.district, order.address.street),
            ('浙江省', '杭州市', '西湖区', '文三路1号'))
        self.assertEqual(order.address.name, '张*')
        self.assertEqual(order.lines[0].quantity, 3)

    def test_xlsx(self):
        from openpyxl import Workbook
        workbook = Workbook()
        sheet = workbook.active
        for row in GENERIC.splitlines():
            sheet.append(row.split(','))
        data = io.BytesIO()
        workbook.save(data)
        payloads = self.adapter.payloads(data.getvalue(), 'x.xlsx')
        self.assertEqual(
            self.adapter.parse_order(payloads[0]).lines[1].unit_price,
            Decimal(20))

    def test_malformed(self):
        "each bad file or row gives a PayloadError that says where"
        header, row = GENERIC.splitlines()[:2]
        cases = {
            'quantity': (row.replace(',2,10.50', ',two,10.50'),
                'not a number'),
            'zero quantity': (row.replace(',2,10.50', ',0,10.50'),
                'out of range'),
            'negative price': (row.replace(',10.50,', ',-3,'), 'negative'),
            'absurd price': (row.replace(',10.50,', ',1e12,'), 'absurd'),
            'time': (row.replace('2026-03-01T10:00:00+08:00', 'yesterday'),
                'not a date'),
            'status': (row.replace(',paid,', ',lost,'), 'Unknown order'),
            'order id': (row.replace('A1,', ',', 1), 'is empty'),
            }
        for name, (bad, message) in cases.items():
            with self.subTest(name):
                payload, = self.adapter.payloads(
                    f'{header}\n{bad}\n'.encode(), 'x.csv')
                with self.assertRaisesRegex(PayloadError, message):
                    self.adapter.parse_order(payload)
        with self.assertRaisesRegex(PayloadError, 'neither UTF-8'):
            self.adapter.payloads(b'\xff\xfe\x00\x81\xff', 'x.csv')
        with self.assertRaisesRegex(PayloadError, 'no column'):
            self.adapter.payloads(b'a,b\n1,2\n', 'x.csv')
        for payload in [None, [], {'rows': []}, {'rows': ['x']}]:
            with self.subTest(payload=payload):
                with self.assertRaises(PayloadError):
                    self.adapter.parse_order(payload)

    def test_reference_of_bad_row(self):
        "a bad row still says which order it is"
        header, row = GENERIC.splitlines()[:2]
        payload, = self.adapter.payloads(
            f"{header}\n{row.replace(',2,10.50', ',x,10.50')}\n".encode(),
            'x.csv')
        self.assertEqual(self.adapter.order_reference(payload)[0], 'A1')

    def test_checks_absurd(self):
        payload = self.adapter.payloads(GENERIC.encode(), 'x.csv')[0]
        order = self.adapter.parse_order(payload)
        order.created_at = NOW + datetime.timedelta(days=30)
        self.assertIn('absurd', checks.malformed(order, NOW))
        order = self.adapter.parse_order(payload)
        order.lines[0].quantity = Decimal('1.5')
        self.assertIn('absurd', checks.malformed(order, NOW))
        order = self.adapter.parse_order(payload)
        order.lines[0].discount = Decimal(100)
        self.assertIn('exceeds', checks.malformed(order, NOW))
        order = self.adapter.parse_order(payload)
        order.total = 'free'
        self.assertIn('not an amount', checks.malformed(order, NOW))

    def test_fingerprint(self):
        payloads = self.adapter.payloads(GENERIC.encode(), 'x.csv')
        first = self.adapter.parse_order(payloads[0])
        second = self.adapter.parse_order(payloads[0])
        second.platform_order_id = 'other'
        second.created_at += datetime.timedelta(minutes=1)
        self.assertEqual(checks.fingerprint(first),
            checks.fingerprint(second))
        self.assertNotEqual(checks.fingerprint(first), checks.fingerprint(
                self.adapter.parse_order(payloads[1])))
