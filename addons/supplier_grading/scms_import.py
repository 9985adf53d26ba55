# This file is part of ecom-erp. Licensed under the GNU GPL v3 or later.
"""Import of the SCMS delivery history as purchases and receipts.

Each (vendor, PO) becomes a confirmed purchase in USD whose lines promise
the scheduled date; each delivery becomes a supplier shipment received on
the delivered date.  So the scorecards measure the import through the same
documents as any purchase: incoming moves with their promised and
effective dates.
"""
from collections import defaultdict
from decimal import Decimal

from trytond.i18n import gettext
from trytond.exceptions import UserError
from trytond.pool import Pool
from trytond.transaction import Transaction

from . import scms

BATCH = 100


def import_history(path, company, vendors=None, warehouse=None):
    """Import the file into company; returns the purchases created.

    The run is logged as an ecom.job.run; rejected rows are kept there
    with their line number and content."""
    pool = Pool()
    JobRun = pool.get('ecom.job.run')
    rows, internal, rejects = scms.read(path, vendors=vendors)
    with Transaction().set_context(company=company.id), \
            JobRun.track('supplier_grading.scms_import',
                company=company.id) as run:
        run.add('skipped', internal)
        if internal:
            run.info(gettext('supplier_grading.msg_scms_internal',
                    count=internal))
        for number, reason, raw in rejects:
            run.error(gettext('supplier_grading.msg_scms_reject',
                    line=number, reason=reason,
                    content=', '.join(f'{k}={v}' for k, v in raw.items()
                        if v)))
        purchases = _import(rows, company, warehouse, run)
    return purchases


def _usd(company):
    pool = Pool()
    Currency = pool.get('currency.currency')
    Date = pool.get('ir.date')
    usd, = Currency.search([('code', '=', 'USD')], limit=1) or [None]
    if usd is None:
        raise UserError(gettext('supplier_grading.msg_scms_no_usd'))
    if usd != company.currency:
        with Transaction().set_context(date=Date.today()):
            if not usd.rates:
                raise UserError(gettext(
                        'supplier_grading.msg_scms_no_rate',
                        currency=usd.rec_name,
                        company=company.currency.rec_name))
    return usd


def _parties(names):
    Party = Pool().get('party.party')
    found = {p.name: p for p in Party.search([('name', 'in', list(names))])}
    missing = [n for n in names if n not in found]
    for party in Party.create([{'name': n, 'addresses': [('create', [{}])]}
                for n in missing]):
        found[party.name] = party
    Address = Pool().get('party.address')
    Address.create([{'party': p.id} for p in found.values()
            if not p.addresses])
    return Party.browse(found.values())


def _products(items):
    pool = Pool()
    Template = pool.get('product.template')
    Uom = pool.get('product.uom')
    ModelData = pool.get('ir.model.data')
    unit = Uom(ModelData.get_id('product', 'uom_unit'))
    found = {}
    for template in Template.search([('name', 'in', list(items))]):
        if template.products:
            found[template.name] = template.products[0]
    missing = [i for i in items if i not in found]
    templates = Template.create([{
                'name': item,
                'type': 'goods',
                'purchasable': True,
                'default_uom': unit.id,
                'purchase_uom': unit.id,
                'list_price': Decimal(0),
                'products': [('create', [{}])],
                } for item in missing])
    for template in templates:
        found[template.name] = template.products[0]
    return found


def _product_suppliers(pairs, company):
    pool = Pool()
    ProductSupplier = pool.get('purchase.product_supplier')
    existing = {(ps.party.id, ps.product.id if ps.product else None,
            ps.template.id)
        for ps in ProductSupplier.search([
                ('party', 'in', list({p.id for p, _ in pairs})),
                ])}
    vlist = []
    for party, product in pairs:
        if ((party.id, product.id, product.template.id) in existing
                or (party.id, None, product.template.id) in existing):
            continue
        vlist.append({
                'party': party.id, 'template': product.template.id,
                'product': product.id, 'company': company.id,
                })
    ProductSupplier.create(vlist)


def _import(rows, company, warehouse, run):
    pool = Pool()
    Purchase = pool.get('purchase.purchase')
    Location = pool.get('stock.location')
    usd = _usd(company)
    if warehouse is None:
        warehouse, = Location.search([('type', '=', 'warehouse')], limit=1)
    groups = scms.purchases(rows)
    parties = {p.name: p for p in _parties({v for v, _ in groups})}
    products = _products({r.item for r in rows})
    _product_suppliers({(parties[r.vendor], products[r.item]) for r in rows},
        company)
    created = []
    keys = list(groups)
    existing = {(p.party.name, p.reference) for p in Purchase.search([
                ('reference', 'in', list({po for _, po in keys})),
                ('company', '=', company.id),
                ])}
    for (vendor, po) in keys:
        if (vendor, po) in existing:
            run.add('skipped')
    keys = [k for k in keys if k not in existing]
    for i in range(0, len(keys), BATCH):
        batch = keys[i:i + BATCH]
        purchases = Purchase.create([
                _purchase_values(groups[k], parties[k[0]], products,
                    company, warehouse, usd)
                for k in batch])
        Purchase.quote(purchases)
        Purchase.confirm(purchases)
        Purchase.process(purchases)
        _receive(Purchase.browse(purchases), groups, batch)
        run.add('created', len(purchases))
        run.add('processed', sum(len(groups[k]) for k in batch))
        created.extend(purchases)
    return created


def _purchase_values(rows, party, products, company, warehouse, currency):
    first = rows[0]
    ordered = min((r.sent for r in rows if r.sent),
        default=min(r.scheduled for r in rows))
    return {
        'company': company.id,
        'party': party.id,
        'invoice_address': party.address_get(type='invoice').id,
        'warehouse': warehouse.id,
        'currency': currency.id,
        'purchase_date': ordered,
        'reference': first.po,
        'invoice_method': 'manual',
        'description': first.product_group,
        'lines': [('create', [{
                        'type': 'line',
                        'product': products[r.item].id,
                        'description': r.item,
                        'quantity': r.quantity,
                        'unit': products[r.item].purchase_uom.id,
                        'unit_price': r.pack_price,
                        'delivery_date_edit': True,
                        'delivery_date_store': r.scheduled,
                        } for r in rows])],
        }


def _receive(purchases, groups, keys):
    "One supplier shipment per purchase and delivery date"
    pool = Pool()
    Shipment = pool.get('stock.shipment.in')
    Move = pool.get('stock.move')
    shipments = []
    moves_dates = defaultdict(list)
    for purchase, key in zip(purchases, keys):
        rows = groups[key]
        lines = [l for l in purchase.lines if l.type == 'line']
        by_date = defaultdict(list)
        for line, row in zip(lines, rows):
            for move in line.moves:
                by_date[row.delivered].append(move)
        for date, moves in sorted(by_date.items()):
            shipments.append(Shipment(
                    supplier=purchase.party,
                    company=purchase.company,
                    warehouse=purchase.warehouse,
                    warehouse_input=purchase.warehouse.input_location,
                    warehouse_storage=purchase.warehouse.storage_location,
                    reference=purchase.reference,
                    effective_date=date,
                    incoming_moves=moves))
            moves_dates[date].extend(moves)
    Shipment.save(shipments)
    for date, moves in moves_dates.items():
        Move.write(moves, {'effective_date': date})
    Shipment.receive(shipments)
    inventory = defaultdict(list)
    for shipment in shipments:
        for move in shipment.inventory_moves:
            inventory[shipment.effective_date].append(move)
    for date, moves in inventory.items():
        Move.write(moves, {'effective_date': date})
    Shipment.do(shipments)

