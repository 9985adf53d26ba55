# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Plan the demo data from the real Online Retail catalogue (no ORM here).

`make_plan(seed, scale, end_date)` decides everything the demo will hold:
warehouses, categories, products (real stock codes and descriptions),
suppliers with their terms, customers, the opening stock and a year of stock
moves.  The same seed, scale and end date give the same plan.

The sales history is the real invoice lines of the products chosen, shifted
by whole weeks so that the year ends on the end date (the weekday profile
survives: the shop never traded on Saturdays).  Stock is not
in the data, so the plan replays it: each warehouse reviews its stock every
Monday and orders up to a cover of lead time + review + safety days from its
trailing demand, rounded to the supplier's minimum and pack; receipts arrive
after the supplier's real lead time, sometimes late.  Demand beyond the stock
on hand is lost, so the history has the stockouts of a real shop.
"""
import datetime
import hashlib
import math
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from stdnum import ean

from . import dataset

# GBP prices of 2010-2011 in CNY, a fixed rate so that the demo is stable.
GBP_TO_CNY = Decimal('9.50')
DATA_END = datetime.date(2011, 8, 31)
HISTORY_DAYS = 365
REVIEW_DAYS = 7
SAFETY_DAYS = 14
CENT = Decimal('0.01')

WAREHOUSES = [
    # code, English name, Chinese name, city, share of the customers
    ('SH', "Shanghai Central Warehouse", "上海中心仓", "Shanghai", 50),
    ('GZ', "Guangzhou Warehouse", "广州仓", "Guangzhou", 30),
    ('BJ', "Beijing Warehouse", "北京仓", "Beijing", 20),
    ]

# Keyword rules that sort the giftware catalogue into categories, first
# match wins: (keywords, English name, Chinese name).
CATEGORIES = [
    (('CHRISTMAS', 'XMAS', 'ADVENT', 'SANTA', 'REINDEER', 'SNOWFLAKE'),
        "Christmas", "圣诞用品"),
    (('BAG', 'PURSE', 'SHOPPER', 'TOTE'), "Bags", "箱包"),
    (('MUG', 'CUP', 'TEA', 'PLATE', 'BOWL', 'JUG', 'SPOON', 'CAKE',
        'BAKING', 'LUNCH BOX', 'NAPKIN', 'BOTTLE', 'TIN', 'JAR', 'KITCHEN'),
        "Kitchen & Tableware", "厨房餐具"),
    (('CANDLE', 'T-LIGHT', 'TLIGHT', 'LANTERN', 'LIGHT', 'LAMP'),
        "Candles & Lighting", "蜡烛灯饰"),
    (('CARD', 'WRAP', 'PAPER', 'NOTEBOOK', 'PENCIL', 'PEN', 'STICKER',
        'ENVELOPE', 'TISSUE', 'RIBBON', 'TAPE'),
        "Stationery & Gift Wrap", "文具礼品包装"),
    (('TOY', 'GAME', 'DOLL', 'PUZZLE', 'CHILDREN', 'CHILDS', 'SKIPPING',
        'SPACEBOY', 'DOLLY', 'PLAYHOUSE', 'JIGSAW'), "Toys & Games", "玩具游戏"),
    (('NECKLACE', 'EARRING', 'BRACELET', 'RING', 'HAIR', 'BROOCH',
        'DIAMANTE', 'JEWEL'), "Jewellery & Accessories", "饰品配件"),
    (('GARDEN', 'PLANT', 'FLOWER', 'POT', 'BIRD', 'WATERING'),
        "Garden", "园艺"),
    (('HEART', 'SIGN', 'FRAME', 'DECORATION', 'CLOCK', 'MIRROR', 'HOOK',
        'HANGER', 'CUSHION', 'DOORMAT', 'WALL', 'HANGING', 'BUNTING',
        'GARLAND', 'DOORSTOP'), "Home Decor", "家居装饰"),
    ((), "Gifts & Others", "礼品杂货"),
    ]

SUPPLIER_NAMES = [
    # English name, Chinese name, city
    ("Yiwu Hengda Crafts Co., Ltd.", "义乌恒达工艺品有限公司", "Yiwu"),
    ("Ningbo Mingzhu Housewares Co., Ltd.", "宁波明珠家居用品有限公司", "Ningbo"),
    ("Shantou Lele Toys Factory", "汕头乐乐玩具厂", "Shantou"),
    ("Guangzhou Jiahe Paper Products Co., Ltd.", "广州嘉禾纸品有限公司",
        "Guangzhou"),
    ("Jingdezhen Ruici Ceramics Co., Ltd.", "景德镇瑞瓷陶瓷有限公司",
        "Jingdezhen"),
    ("Xiamen Guangyao Candle Co., Ltd.", "厦门光耀蜡烛有限公司", "Xiamen"),
    ("Wenzhou Baili Bags Co., Ltd.", "温州百丽箱包有限公司", "Wenzhou"),
    ("Suzhou Jinxiu Textiles Co., Ltd.", "苏州锦绣纺织品有限公司", "Suzhou"),
    ("Dongguan Xinhui Plastic Co., Ltd.", "东莞鑫辉塑胶制品有限公司",
        "Dongguan"),
    ("Quanzhou Huamei Jewellery Co., Ltd.", "泉州华美饰品有限公司",
        "Quanzhou"),
    ("Hangzhou Lvyuan Garden Supplies Co., Ltd.", "杭州绿源园艺用品有限公司",
        "Hangzhou"),
    ("Shenzhen Chuangyi Gifts Co., Ltd.", "深圳创意礼品有限公司", "Shenzhen"),
    ("Foshan Meijia Home Decor Co., Ltd.", "佛山美家家居饰品有限公司",
        "Foshan"),
    ("Qingdao Haitian Trading Co., Ltd.", "青岛海天贸易有限公司", "Qingdao"),
    ("Jinhua Fuxing Arts Co., Ltd.", "金华福星工艺有限公司", "Jinhua"),
    ("Taizhou Yongsheng Housewares Co., Ltd.", "台州永盛日用品有限公司",
        "Taizhou"),
    ]

CUSTOMER_CITIES = [
    ("Shanghai", "上海"), ("Hangzhou", "杭州"), ("Nanjing", "南京"),
    ("Suzhou", "苏州"), ("Guangzhou", "广州"), ("Shenzhen", "深圳"),
    ("Xiamen", "厦门"), ("Changsha", "长沙"), ("Beijing", "北京"),
    ("Tianjin", "天津"), ("Jinan", "济南"), ("Shenyang", "沈阳"),
    ]
CUSTOMER_WORDS = [
    ("Youpin", "优品"), ("Jiayuan", "家园"), ("Xinyi", "心意"),
    ("Lehuo", "乐活"), ("Meishi", "美饰"), ("Huaxin", "华信"),
    ("Mingyang", "明阳"), ("Jinfeng", "金丰"), ("Haoyun", "好运"),
    ("Tianxin", "天心"), ("Boya", "博雅"), ("Fuman", "福满"),
    ("Chenguang", "晨光"), ("Xingchen", "星辰"), ("Yuelai", "悦来"),
    ]


@dataclass
class Product:
    code: str
    name: str
    category: str
    list_price: Decimal
    cost_price: Decimal
    barcode: str
    pack: int
    lines: int


@dataclass
class Supplier:
    key: str
    name: str
    name_zh: str
    city: str
    lead_time: int
    late_rate: float
    categories: list


@dataclass
class ProductSupplier:
    product: str
    supplier: str
    sequence: int
    lead_time: int
    unit_price: Decimal
    quantity_minimal: int
    quantity_rounding: int


@dataclass
class Customer:
    key: str
    name: str
    city: str
    warehouse: str


@dataclass
class Move:
    "A done stock move of the history, or an order still to arrive"
    kind: str       # sale, return, lost, found, receipt
    product: str
    warehouse: str
    quantity: int
    date: datetime.date
    unit_price: Decimal
    planned_date: datetime.date | None = None
    supplier: str | None = None
    customer: str | None = None
    order_date: datetime.date | None = None


@dataclass
class Plan:
    seed: int
    scale: int
    end_date: datetime.date
    start_date: datetime.date
    shift: datetime.timedelta
    warehouses: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    products: list = field(default_factory=list)
    suppliers: list = field(default_factory=list)
    product_suppliers: list = field(default_factory=list)
    customers: list = field(default_factory=list)
    opening: dict = field(default_factory=dict)
    moves: list = field(default_factory=list)
    open_orders: list = field(default_factory=list)
    lost_units: int = 0
    # Filled by the loader: plan keys -> database ids, for later steps and
    # for the steps other modules add.
    ids: dict = field(default_factory=lambda: defaultdict(dict))

    def products_by_code(self):
        return {p.code: p for p in self.products}


def sizes(scale):
    "How many products, suppliers and customers a scale holds"
    scale = max(int(scale), 1)
    return {
        'products': 40 * scale,
        'suppliers': min(6 + 2 * (scale - 1), len(SUPPLIER_NAMES)),
        'customers': 30 * scale,
        }


def make_plan(seed=42, scale=1, end_date=None, history_days=HISTORY_DAYS):
    if end_date is None:
        end_date = datetime.date.today() - datetime.timedelta(days=1)
    rng = random.Random(seed)
    size = sizes(scale)
    # Whole weeks keep each weekday on its weekday; rounding up and cutting
    # the days past the end date leaves no empty days before it.
    shift = datetime.timedelta(
        weeks=-(-(end_date - DATA_END).days // 7))
    start_date = end_date - datetime.timedelta(days=history_days - 1)
    data_start, data_end = start_date - shift, end_date - shift
    plan = Plan(seed=seed, scale=scale, end_date=end_date,
        start_date=start_date, shift=shift)
    plan.warehouses = [
        {'code': c, 'name': n, 'name_zh': z, 'city': city}
        for c, n, z, city, _ in WAREHOUSES]
    plan.categories = [{'name': n, 'name_zh': z} for _, n, z in CATEGORIES]

    lines = [l for l in dataset.read_lines(start=data_start, end=data_end)
        if dataset.is_product_code(l.code)]
    plan.products = _choose_products(lines, size['products'], rng)
    codes = {p.code for p in plan.products}
    lines = [l for l in lines if l.code in codes]
    plan.suppliers, plan.product_suppliers = _suppliers(
        plan.products, size['suppliers'], rng)
    plan.customers, warehouse_of = _customers(lines, size['customers'], rng)
    _replay(plan, lines, warehouse_of, rng)
    return plan


def _category(description):
    words = set(re.findall(r"[A-Z][A-Z'-]*", description.upper()))
    for keywords, name, _ in CATEGORIES:
        if not keywords or any(k.rstrip('S') in words or k in words
                or (k + 'S') in words for k in keywords):
            return name


def _money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _barcode(code):
    "A valid EAN-13 in the 20-29 range, which GS1 keeps for in-store codes"
    digest = int(hashlib.sha1(code.encode()).hexdigest(), 16)
    body = '2' + str(digest % 10) + str(digest // 10 % 10 ** 10).zfill(10)
    return body + ean.calc_check_digit(body)


def _choose_products(lines, count, rng):
    stats = defaultdict(lambda: {
            'lines': 0, 'names': Counter(), 'prices': Counter(),
            'quantities': Counter()})
    for line in lines:
        if line.quantity <= 0 or line.unit_price <= 0 or line.cancellation:
            continue
        s = stats[line.code]
        s['lines'] += 1
        s['names'][line.description] += 1
        s['prices'][line.unit_price] += 1
        s['quantities'][line.quantity] += 1
    ranked = sorted((c for c in stats if stats[c]['lines'] >= 5),
        key=lambda c: (-stats[c]['lines'], c))
    # Mostly best sellers, and some slow movers for sparse demand.
    top = ranked[:math.ceil(count * 0.7)]
    rest = ranked[len(top):]
    slow = sorted(rng.sample(rest, min(count - len(top), len(rest))))
    barcodes = set()
    products = []
    for code in sorted(top + slow):
        s = stats[code]
        name = s['names'].most_common(1)[0][0].title()
        price = s['prices'].most_common(1)[0][0]
        list_price = _money(price * GBP_TO_CNY)
        cost = _money(list_price * Decimal(str(rng.uniform(0.42, 0.62))))
        packs = [q for q in (48, 24, 12, 6) if s['quantities'][q]]
        pack = max(packs, key=lambda q: s['quantities'][q]) if packs else 1
        barcode = _barcode(code)
        while barcode in barcodes:
            barcode = _barcode(barcode)
        barcodes.add(barcode)
        products.append(Product(code=code, name=name,
                category=_category(name), list_price=list_price,
                cost_price=max(cost, CENT), barcode=barcode, pack=pack,
                lines=s['lines']))
    return products


def _suppliers(products, count, rng):
    suppliers = []
    for i, (name, name_zh, city) in enumerate(SUPPLIER_NAMES[:count]):
        suppliers.append(Supplier(key=f'SUP{i + 1:03d}', name=name,
                name_zh=name_zh, city=city, lead_time=rng.randint(4, 18),
                late_rate=rng.choice([0.03, 0.08, 0.15, 0.30]),
                categories=[]))
    categories = sorted({p.category for p in products})
    # Each category has two or three suppliers; every supplier gets one.
    for i, category in enumerate(categories):
        chosen = {suppliers[i % len(suppliers)].key}
        chosen.update(s.key for s in rng.sample(
                suppliers, min(rng.randint(1, 2), len(suppliers))))
        for supplier in suppliers:
            if supplier.key in chosen:
                supplier.categories.append(category)
    for supplier in suppliers:
        if not supplier.categories:
            supplier.categories.append(rng.choice(categories))
    product_suppliers = []
    for product in products:
        candidates = [s for s in suppliers if product.category in s.categories]
        rng.shuffle(candidates)
        for sequence, supplier in enumerate(candidates[:3], 1):
            factor = Decimal(str(rng.uniform(0.94, 1.12)))
            minimal = product.pack * rng.choice([2, 4, 5, 10])
            product_suppliers.append(ProductSupplier(
                    product=product.code, supplier=supplier.key,
                    sequence=sequence * 10,
                    lead_time=max(2, supplier.lead_time + rng.randint(-2, 4)),
                    unit_price=_money(product.cost_price * factor),
                    quantity_minimal=minimal,
                    quantity_rounding=product.pack))
    return suppliers, product_suppliers


def _customers(lines, count, rng):
    frequency = Counter(l.customer for l in lines if l.customer)
    shares = [(code, share) for code, _, _, _, share in WAREHOUSES]

    def warehouse(key):
        digest = int(hashlib.sha1(key.encode()).hexdigest(), 16) % 100
        for code, share in shares:
            if digest < share:
                return code
            digest -= share
        return shares[-1][0]

    warehouse_of = {}
    for line in lines:
        key = line.customer or line.invoice
        if key not in warehouse_of:
            warehouse_of[key] = warehouse(key)
    customers = []
    names = set()
    for key, _ in sorted(frequency.items(), key=lambda i: (-i[1], i[0]))[
            :count]:
        city, city_zh = rng.choice(CUSTOMER_CITIES)
        word, word_zh = rng.choice(CUSTOMER_WORDS)
        name = f"{city_zh}{word_zh}商贸有限公司"
        if name in names:
            name = f"{city_zh}{word_zh}{key[-2:]}商贸有限公司"
        names.add(name)
        customers.append(Customer(key=key, name=name, city=city,
                warehouse=warehouse_of[key]))
    return customers, warehouse_of


def _replay(plan, lines, warehouse_of, rng):
    """Replay the demand day by day against a replenished stock"""
    products = plan.products_by_code()
    terms = {}
    for term in sorted(plan.product_suppliers, key=lambda t: t.sequence):
        terms.setdefault(term.product, term)
    late_rate = {s.key: s.late_rate for s in plan.suppliers}

    by_day = defaultdict(list)
    for line in lines:
        by_day[line.date.date() + plan.shift].append(line)
    days = [plan.start_date + datetime.timedelta(days=i)
        for i in range((plan.end_date - plan.start_date).days + 1)]
    demand = defaultdict(lambda: defaultdict(int))   # (code, wh) -> day -> qty
    for line in lines:
        if line.quantity > 0 and not line.cancellation and line.customer:
            key = (line.code, warehouse_of[line.customer])
            demand[key][line.date.date() + plan.shift] += line.quantity

    stock = {}
    pending = defaultdict(list)   # arrival day -> [Move]
    on_order = defaultdict(int)
    shipped = defaultdict(int)     # (customer, code) -> units shipped
    warehouses = [w['code'] for w in plan.warehouses]
    for product in plan.products:
        for wh in warehouses:
            first = sum(demand[(product.code, wh)].get(d, 0)
                for d in days[:35])
            qty = _round_up(int(first * rng.uniform(0.8, 1.4)), product.pack)
            stock[(product.code, wh)] = qty
            plan.opening[(product.code, wh)] = qty

    for day in days:
        for move in pending.pop(day, []):
            stock[(move.product, move.warehouse)] += move.quantity
            on_order[(move.product, move.warehouse)] -= move.quantity
            plan.moves.append(move)
        for line in sorted(by_day.get(day, []),
                key=lambda l: (l.date, l.invoice, l.code)):
            customer = line.customer or line.invoice
            wh = warehouse_of.get(customer) or warehouses[0]
            key = (line.code, wh)
            price = _money(line.unit_price * GBP_TO_CNY)
            if line.cancellation:
                returned = min(-line.quantity, shipped[(customer, line.code)])
                if returned > 0:
                    shipped[(customer, line.code)] -= returned
                    stock[key] += returned
                    plan.moves.append(Move('return', line.code, wh, returned,
                            day, price, customer=line.customer))
            elif line.adjustment:
                lost = min(-line.quantity, stock[key])
                if lost > 0:
                    stock[key] -= lost
                    plan.moves.append(Move('lost', line.code, wh, lost, day,
                            Decimal(0)))
            elif line.quantity > 0 and not line.customer and not price:
                stock[key] += line.quantity
                plan.moves.append(Move('found', line.code, wh, line.quantity,
                        day, Decimal(0)))
            elif line.quantity > 0:
                sold = min(line.quantity, stock[key])
                plan.lost_units += line.quantity - sold
                if sold > 0:
                    stock[key] -= sold
                    shipped[(customer, line.code)] += sold
                    plan.moves.append(Move('sale', line.code, wh, sold, day,
                            price, customer=line.customer))
        if day.weekday() == 0:
            for product in plan.products:
                term = terms.get(product.code)
                if not term:
                    continue
                for wh in warehouses:
                    _review(plan, product, wh, term, day, stock, on_order,
                        pending, demand[(product.code, wh)], late_rate, rng)
    for arrival in sorted(pending):
        plan.open_orders.extend(pending[arrival])


def _review(plan, product, wh, term, day, stock, on_order, pending,
        demand, late_rate, rng):
    key = (product.code, wh)
    # The busier of the last four and eight weeks, as a buyer would judge.
    daily = max(
        sum(demand.get(day - datetime.timedelta(days=i), 0)
            for i in range(1, window + 1)) / window
        for window in (28, 56))
    if not daily:
        return
    target = daily * (term.lead_time + REVIEW_DAYS + SAFETY_DAYS)
    position = stock[key] + on_order[key]
    if position >= target:
        return
    quantity = max(int(math.ceil(target - position)), term.quantity_minimal)
    quantity = _round_up(quantity, term.quantity_rounding)
    delay = 0
    if rng.random() < late_rate[term.supplier]:
        delay = rng.randint(1, max(2, term.lead_time // 2))
    promised = day + datetime.timedelta(days=term.lead_time)
    arrival = promised + datetime.timedelta(days=delay)
    on_order[key] += quantity
    pending[arrival].append(Move('receipt', product.code, wh, quantity,
            arrival, term.unit_price, planned_date=promised,
            supplier=term.supplier, order_date=day))


def _round_up(quantity, multiple):
    if multiple <= 1:
        return max(quantity, 0)
    return max(int(math.ceil(quantity / multiple)) * multiple, 0)
