# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Orders from files exported by the platforms' back offices (CSV, XLSX)

A file holds one row per order line; the rows of an order share its order
number.  A column-mapping preset says which header holds which field, the
time zone of the times and the meaning of the status texts.  Each order
becomes one payload ``{"preset": ..., "rows": [{header: text}, ...]}``,
kept as read, so that a bad row is shown as it was in the file.
"""
import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from . import register
from .base import (
    SHANGHAI, UTC, Adapter, Address, Order, OrderLine, OrderStatus,
    Page, PayloadError)


@dataclass(frozen=True)
class Preset:
    name: str
    title: str
    columns: dict                      # our field -> header in the file
    timezone: datetime.tzinfo = UTC
    statuses: dict = field(default_factory=dict)  # text -> OrderStatus
    # the address in one column, its parts separated by spaces
    address_in_one: bool = False


S = OrderStatus
PRESETS = {p.name: p for p in [
        Preset('generic', "Generic (English headers)", columns={
                'order_id': 'order_id', 'status': 'status',
                'created': 'created', 'modified': 'modified',
                'paid': 'paid_at', 'currency': 'currency',
                'buyer': 'buyer', 'name': 'name', 'phone': 'phone',
                'country': 'country', 'province': 'province',
                'city': 'city', 'district': 'district', 'street': 'street',
                'postal_code': 'postal_code', 'line_id': 'line_id',
                'sku_id': 'sku_id', 'product_id': 'product_id',
                'sku_code': 'sku_code', 'barcode': 'barcode',
                'title': 'title', 'quantity': 'quantity',
                'unit_price': 'unit_price', 'discount': 'discount',
                'shipping_fee': 'shipping_fee',
                'order_discount': 'order_discount',
                'commission': 'commission', 'total': 'total',
                'note': 'note'},
            statuses={s.value: s for s in OrderStatus}),
        Preset('taobao', "Taobao / Tmall order export (订单报表)", columns={
                'order_id': '订单编号', 'status': '订单状态',
                'created': '订单创建时间', 'modified': '订单修改时间',
                'paid': '订单付款时间', 'buyer': '买家会员名',
                'name': '收货人姓名', 'phone': '联系手机',
                'street': '收货地址', 'line_id': '子订单编号',
                'sku_id': '商品SKU ID', 'product_id': '商品ID',
                'sku_code': '商家编码', 'title': '宝贝标题',
                'quantity': '购买数量', 'unit_price': '价格',
                'discount': '优惠金额', 'shipping_fee': '买家应付邮费',
                'total': '买家实际支付金额', 'note': '买家留言'},
            timezone=SHANGHAI, address_in_one=True, statuses={
                '等待买家付款': S.AWAITING_PAYMENT,
                '买家已付款，等待卖家发货': S.PAID,
                '等待卖家发货': S.PAID,
                '卖家部分发货': S.PARTIALLY_SHIPPED,
                '卖家已发货，等待买家确认': S.SHIPPED,
                '交易成功': S.COMPLETED,
                '交易关闭': S.CANCELLED,
                '退款成功': S.REFUNDED,
                }),
        Preset('pinduoduo', "Pinduoduo order export (订单列表)", columns={
                'order_id': '订单号', 'status': '订单状态',
                'created': '订单成交时间', 'modified': '订单更新时间',
                'paid': '支付时间', 'name': '收货人', 'phone': '手机',
                'province': '省', 'city': '市', 'district': '区',
                'street': '街道', 'sku_id': 'SKU ID',
                'product_id': '商品ID', 'sku_code': '商家编码-SKU维度',
                'title': '商品', 'quantity': '商品数量(件)',
                'unit_price': '商品单价', 'discount': '店铺优惠折扣',
                'shipping_fee': '邮费', 'total': '用户实付金额(元)'},
            timezone=SHANGHAI, statuses={
                '待支付': S.AWAITING_PAYMENT,
                '待发货': S.PAID,
                '已发货，待收货': S.SHIPPED,
                '已收货': S.COMPLETED,
                '已取消': S.CANCELLED,
                '退款成功': S.REFUNDED,
                }),
        ]}

MAX_QUANTITY = Decimal(100000)
MAX_AMOUNT = Decimal(10) ** 9


def read_rows(data, filename):
    """The rows of a CSV or XLSX file as dicts of text (header -> cell)

    CSV is read as UTF-8 (with or without BOM), else GB18030, the encoding
    of files saved by Chinese Excel; a file in neither is refused.
    """
    if filename.lower().endswith(('.xlsx', '.xlsm')):
        return _xlsx_rows(data)
    for encoding in ('utf-8-sig', 'gb18030'):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:
        raise PayloadError(
            "The file is neither UTF-8 nor GB18030 text.")
    reader = csv.DictReader(io.StringIO(text, newline=''))
    return [{(k or '').strip(): (v or '').strip() for k, v in row.items()}
        for row in reader]


def _xlsx_rows(data):
    from openpyxl import load_workbook
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True,
            data_only=True)
    except Exception as exception:
        raise PayloadError(f"The file is not a readable XLSX workbook: "
            f"{exception}") from exception
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else '' for c in next(rows, [])]
    result = []
    for values in rows:
        if all(v is None or v == '' for v in values):
            continue
        result.append({h: _cell_text(v) for h, v in zip(header, values)})
    return result


def _cell_text(value):
    if value is None:
        return ''
    if isinstance(value, datetime.datetime):
        return value.strftime('%Y-%m-%d %H:%M:%S')
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@register
class FileAdapter(Adapter):
    "Orders read from back-office exports: no API, no push"
    platform = 'file'
    title = "File import (CSV/XLSX)"
    can_push_tracking = False

    def payloads(self, data, filename, preset='generic'):
        "The order payloads of a file, one per order number, in file order"
        preset = self.preset(preset)
        rows = read_rows(data, filename)
        header = preset.columns['order_id']
        if rows and header not in rows[0]:
            raise PayloadError(f"The file has no column \"{header}\" "
                f"(preset {preset.title}).")
        orders = {}
        for row in rows:
            orders.setdefault(row.get(header, ''), []).append(row)
        return [{'preset': preset.name, 'rows': r} for r in orders.values()]

    def preset(self, name):
        try:
            return PRESETS[name]
        except KeyError:
            raise PayloadError(f"Unknown column preset {name!r}.")

    def order_reference(self, payload):
        order_id, modified = super().order_reference(payload)
        if order_id is None and isinstance(payload, dict):
            # a bad row must not hide which order it belongs to
            try:
                preset = self.preset(payload.get('preset', 'generic'))
                order_id = _Row(payload['rows'][0], preset, 1).text(
                    'order_id')
            except (PayloadError, KeyError, IndexError, TypeError):
                pass
        return order_id, modified

    def list_orders(self, start, end, page_token=None):
        # Files are imported by hand: there is nothing to pull.
        return Page(payloads=[])

    def parse_order(self, payload):
        if not isinstance(payload, dict) or not isinstance(
                payload.get('rows'), list) or not payload['rows']:
            raise PayloadError("The payload has no order rows.")
        preset = self.preset(payload.get('preset', 'generic'))
        rows = payload['rows']
        first = _Row(rows[0], preset, 1)
        order_id = first.text('order_id', required=True)
        status_text = first.text('status', required=True)
        if status_text not in preset.statuses:
            raise PayloadError(f"Unknown order status {status_text!r}.")
        created = first.time('created', required=True)
        modified = first.time('modified') or created
        lines = []
        for number, row in enumerate(rows, 1):
            row = _Row(row, preset, number)
            quantity = row.decimal('quantity', required=True)
            if not 0 < quantity <= MAX_QUANTITY:
                raise PayloadError(
                    f"Row {number}: quantity {quantity} is out of range.")
            lines.append(OrderLine(
                    platform_line_id=row.text('line_id') or str(number),
                    sku_id=row.text('sku_id'),
                    product_id=row.text('product_id'),
                    sku_code=row.text('sku_code'),
                    barcode=row.text('barcode'),
                    title=row.text('title') or '',
                    quantity=quantity,
                    unit_price=row.amount('unit_price', required=True),
                    discount=row.amount('discount') or Decimal(0)))
        street = first.text('street')
        province = first.text('province')
        city = first.text('city')
        district = first.text('district')
        if preset.address_in_one and street:
            parts = street.split()
            if len(parts) >= 4:
                province, city, district = parts[:3]
                street = ' '.join(parts[3:])
        name = first.text('name')
        phone = first.text('phone')
        address = Address(
            name=name, phone=phone, country=first.text('country') or (
                'CN' if preset.timezone is SHANGHAI else None),
            province=province, city=city, district=district,
            street=street, postal_code=first.text('postal_code'),
            masked=any('*' in (v or '') for v in (name, phone, street)))
        return Order(
            platform_order_id=order_id,
            status=preset.statuses[status_text],
            platform_status=status_text,
            created_at=created, modified_at=modified,
            # None: the currency of the channel's company
            currency=first.text('currency') or (
                'CNY' if preset.timezone is SHANGHAI else None),
            lines=lines, address=address, buyer=first.text('buyer'),
            total=first.amount('total') or Decimal(0),
            shipping_fee=first.amount('shipping_fee') or Decimal(0),
            discount=first.amount('order_discount') or Decimal(0),
            commission=first.amount('commission'),
            paid_at=first.time('paid'),
            note=first.text('note'))


class _Row:
    "Typed reads of one row, with errors that name the row and column"

    def __init__(self, row, preset, number):
        if not isinstance(row, dict):
            raise PayloadError(f"Row {number} is not a set of columns.")
        self.row = row
        self.preset = preset
        self.index = number

    def text(self, name, required=False):
        header = self.preset.columns.get(name)
        value = self.row.get(header) if header else None
        if value is not None and not isinstance(value, str):
            value = str(value)
        value = (value or '').strip() or None
        if required and value is None:
            raise PayloadError(f"Row {self.index}: the column "
                f"\"{header}\" is empty.")
        return value

    def decimal(self, name, required=False):
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            number = Decimal(value.replace(',', ''))
        except InvalidOperation:
            raise PayloadError(f"Row {self.index}: \"{value}\" in column "
                f"\"{self.preset.columns[name]}\" is not a number.")
        if not number.is_finite():
            raise PayloadError(f"Row {self.index}: \"{value}\" in column "
                f"\"{self.preset.columns[name]}\" is not a number.")
        return number

    def amount(self, name, required=False):
        value = self.decimal(name, required=required)
        if value is not None and not -MAX_AMOUNT < value < MAX_AMOUNT:
            raise PayloadError(f"Row {self.index}: the amount {value} in "
                f"column \"{self.preset.columns[name]}\" is absurd.")
        if value is not None and value < 0:
            raise PayloadError(f"Row {self.index}: the amount {value} in "
                f"column \"{self.preset.columns[name]}\" is negative.")
        return value

    def time(self, name, required=False):
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            moment = datetime.datetime.fromisoformat(
                value.replace('/', '-'))
        except ValueError:
            raise PayloadError(f"Row {self.index}: \"{value}\" in column "
                f"\"{self.preset.columns[name]}\" is not a date and time.")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.preset.timezone)
        return moment.astimezone(UTC)
