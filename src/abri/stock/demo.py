"""The stock of the reference scenario: NFI and shelter items and kits, the IOM warehouse in Ménaka
and its receipt of November 2022. Idempotent: what exists is kept."""

from __future__ import annotations

import datetime

from abri.access.models import Organisation
from abri.geo.models import AdminArea
from abri.stock.models import Item, Kit, MovementKind, StockMovement, Unit, Warehouse
from abri.stock.services import Line, item_create, kit_create, movements_record, warehouse_create

ITEMS = (
    ("BLANKET", "Couverture", "Blanket", Unit.PIECE),
    ("MAT", "Natte de couchage", "Sleeping mat", Unit.PIECE),
    ("COOKSET", "Kit de cuisine", "Cooking set", Unit.SET),
    ("JERRYCAN", "Jerrycan 20 l", "Jerrycan 20 l", Unit.PIECE),
    ("BUCKET", "Seau 15 l", "Bucket 15 l", Unit.PIECE),
    ("SOAP", "Savon 250 g", "Soap 250 g", Unit.PIECE),
    ("TARPAULIN", "Bâche 4 × 6 m", "Tarpaulin 4 × 6 m", Unit.PIECE),
    ("ROPE", "Corde 30 m", "Rope 30 m", Unit.ROLL),
    ("POLE", "Perche en bois 3 m", "Wooden pole 3 m", Unit.PIECE),
)
KITS = (
    (
        "NFI",
        "Kit ANA (articles non alimentaires)",
        "NFI kit (non-food items)",
        {"BLANKET": 2, "MAT": 2, "COOKSET": 1, "JERRYCAN": 2, "BUCKET": 1, "SOAP": 4},
    ),
    ("SHELTER", "Kit abri", "Shelter kit", {"TARPAULIN": 2, "ROPE": 1, "POLE": 6}),
)
WAREHOUSE = ("MNK-01", "Magasin OIM de Ménaka", "ML1001")
RECEIPT_KITS = 340  # the consignment: 340 NFI kits' worth of items
RECEIPT = "MHF-2022-NFI-118"
RECEIVED_ON = datetime.date(2022, 11, 28)


def stock_demo_load(*, iom: Organisation, donor: Organisation) -> tuple[int, int]:
    """Items, kits, the Ménaka warehouse and its receipt; returns (created, kept) records."""
    created = kept = 0
    for code, name_fr, name_en, unit in ITEMS:
        if Item.objects.filter(code=code).exists():
            kept += 1
        else:
            item_create(actor=None, code=code, name_fr=name_fr, name_en=name_en, unit=unit)
            created += 1
    items = {item.code: item for item in Item.objects.all()}
    for code, name_fr, name_en, contents in KITS:
        if Kit.objects.filter(code=code).exists():
            kept += 1
        else:
            kit_create(
                actor=None,
                code=code,
                name_fr=name_fr,
                name_en=name_en,
                contents={items[item]: quantity for item, quantity in contents.items()},
            )
            created += 1
    code, name, pcode = WAREHOUSE
    warehouse = Warehouse.objects.filter(code=code).first()
    if warehouse is None:
        warehouse = warehouse_create(
            actor=None, code=code, name=name, organisation=iom, admin_area=AdminArea.objects.get(pk=pcode)
        )
        created += 1
    else:
        kept += 1
    if StockMovement.objects.filter(warehouse=warehouse, consignment=RECEIPT).exists():
        kept += 1
    else:
        movements_record(
            actor=None,
            kind=MovementKind.RECEIPT,
            warehouse=warehouse,
            lines=[Line(items[item], quantity * RECEIPT_KITS) for item, quantity in KITS[0][3].items()],
            consignment=RECEIPT,
            donor=donor,
            occurred_on=RECEIVED_ON,
        )
        created += 1
    return created, kept
