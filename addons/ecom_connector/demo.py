# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Demo step: two shops with listings, imported orders and one exception"""
import datetime

from trytond.pool import Pool, PoolMeta

from .file_import import import_file

GENERIC = ("order_id,status,created,buyer,name,phone,city,street,sku_id,"
    "sku_code,title,quantity,unit_price,shipping_fee\n")


class Demo(metaclass=PoolMeta):
    __name__ = 'ecom.demo'

    @classmethod
    def steps(cls):
        steps = super().steps()
        at = steps.index('configured') if 'configured' in steps else len(
            steps)
        return steps[:at] + ['ecom_channels'] + steps[at:]

    @classmethod
    def step_ecom_channels(cls, plan):
        """A Tmall flagship store and a Pinduoduo shop, both fed by
        back-office exports: listings of the first products, a day of
        orders imported, one order of an unknown SKU left as exception"""
        pool = Pool()
        Channel = pool.get('ecom.channel')
        Listing = pool.get('ecom.listing')
        Product = pool.get('product.product')
        Location = pool.get('stock.location')
        company = cls.company()
        warehouses = plan.ids.get('warehouse', {})
        code = 'SH' if 'SH' in warehouses else next(iter(warehouses), None)
        if code is None:
            return
        warehouse = Location(warehouses[code])
        products = [Product(i) for c, i in sorted(
                plan.ids.get('product', {}).items())][:6]
        channels = Channel.create([{
                    'name': name, 'platform': 'file', 'company': company.id,
                    'warehouse': warehouse.id, 'allocation': allocation,
                    'allocation_percentage': percentage,
                    'safety_buffer': 2}
                for name, allocation, percentage in [
                    ("天猫旗舰店 Tmall Flagship", 'percentage', 100),
                    ("拼多多店 Pinduoduo", 'percentage', 50)]])
        Channel.run(channels)
        Listing.create([{'channel': channel.id,
                    'platform_product_id': f'{n}{i:04d}',
                    'platform_sku_id': f'{n}{i:04d}-1',
                    'sku_code': product.code, 'title': product.name,
                    'product': product.id, 'match': 'sku'}
                for n, channel in enumerate(channels, 1)
                for i, product in enumerate(products)])
        day = datetime.datetime.combine(plan.end_date, datetime.time(10))
        for n, channel in enumerate(channels, 1):
            rows = []
            for i, product in enumerate(products[:4]):
                created = (day + datetime.timedelta(minutes=17 * i)
                    ).isoformat() + '+08:00'
                rows.append(f"D{n}{i:03d},paid,{created},buyer{n}{i},"
                    f"李*{i},138****{i:04d},上海市,浦东新区**路{i}号,"
                    f"{n}{i:04d}-1,{product.code},{product.name.replace(',', ' ')},"
                    f"{1 + i % 2},{product.list_price or 10},0\n")
            if n == 1:
                rows.append(f"D{n}999,paid,{day.isoformat()}+08:00,buyerx,"
                    "王*,139****0000,上海市,徐汇区**路9号,UNKNOWN-SKU,,"
                    "Unknown gift box,1,99,0\n")
            import_file(channel, (GENERIC + ''.join(rows)).encode(),
                'demo.csv', 'generic')
        plan.ids['ecom_channels'] = [c.id for c in channels]
