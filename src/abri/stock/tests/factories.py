"""Items, an NFI kit and a Ménaka warehouse for stock and assistance tests."""

from __future__ import annotations

from abri.access.models import Organisation
from abri.access.tests.factories import OrganisationFactory
from abri.geo.tests.factories import AdminAreaFactory
from abri.stock.models import Item, Kit, Unit, Warehouse
from abri.stock.services import item_create, kit_create, warehouse_create

NFI_ITEMS = (
    ("BLANKET", "Couverture", "Blanket", Unit.PIECE, 2),
    ("MAT", "Natte de couchage", "Sleeping mat", Unit.PIECE, 2),
    ("COOKSET", "Kit de cuisine", "Cooking set", Unit.SET, 1),
    ("JERRYCAN", "Jerrycan 20 l", "Jerrycan 20 l", Unit.PIECE, 2),
    ("BUCKET", "Seau 15 l", "Bucket 15 l", Unit.PIECE, 1),
    ("SOAP", "Savon 250 g", "Soap 250 g", Unit.PIECE, 4),
)


def items() -> dict[str, Item]:
    """The six NFI items (created once)."""
    for code, name_fr, name_en, unit, _quantity in NFI_ITEMS:
        if not Item.objects.filter(code=code).exists():
            item_create(actor=None, code=code, name_fr=name_fr, name_en=name_en, unit=unit)
    return {item.code: item for item in Item.objects.filter(code__in=[row[0] for row in NFI_ITEMS])}


def nfi_kit() -> Kit:
    """The NFI kit: 2 blankets, 2 mats, a cooking set, 2 jerrycans, a bucket, 4 soaps."""
    found = Kit.objects.filter(code="NFI").first()
    if found:
        return found
    by_code = items()
    contents = {by_code[code]: quantity for code, _fr, _en, _unit, quantity in NFI_ITEMS}
    return kit_create(actor=None, code="NFI", name_fr="Kit ANA", name_en="NFI kit", contents=contents)


def warehouse(*, organisation: Organisation | None = None, code: str = "MNK-01") -> Warehouse:
    """A warehouse in Ménaka."""
    found = Warehouse.objects.filter(code=code).first()
    if found:
        return found
    area = AdminAreaFactory(pcode="ML1001", name="Menaka", parent=AdminAreaFactory(pcode="ML10", name="Menaka"))
    return warehouse_create(
        actor=None,
        code=code,
        name=f"Magasin {code}",
        organisation=organisation or OrganisationFactory(acronym="IOM"),
        admin_area=area,
    )
