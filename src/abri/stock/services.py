"""Write services of the stock: items, kits and their versions, warehouses, and the ledger.

Every movement goes through :func:`movements_record`: the ledger line and the balance change
are written in one transaction, the decrement as ``UPDATE … WHERE quantity >= n`` so that two
dispatches racing for the last blankets cannot both succeed, and the database's check
``quantity >= 0`` stands behind it.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from abri.access.models import Organisation
from abri.access.roles import MANAGE_DISTRIBUTIONS, MOVE_STOCK
from abri.access.selectors import Scope
from abri.core.errors import PermissionDenied, ValidationFailed
from abri.core.services import audit_record
from abri.geo.models import AdminArea
from abri.stock.locks import balances_lock, kit_lock
from abri.stock.models import (
    OUTGOING,
    Item,
    Kit,
    KitLine,
    KitVersion,
    MovementKind,
    StockBalance,
    StockMovement,
    Unit,
    Warehouse,
)

Actor = User | AnonymousUser | None


@dataclass(frozen=True)
class Line:
    """One line of a movement: ``quantity`` (positive) of ``item``."""

    item: Item
    quantity: int


def item_create(*, actor: Actor, code: str, name_fr: str, name_en: str, unit: str = Unit.PIECE) -> Item:
    """Create an item."""
    code = code.strip().upper()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [_("Give the item a code.")]
    elif Item.objects.filter(code=code).exists():
        errors["code"] = [_("An item with the code %(code)s exists already.") % {"code": code}]
    if not name_fr.strip() or not name_en.strip():
        errors["name"] = [_("Give the item a name in French and in English.")]
    if unit not in Unit.values:
        errors["unit"] = [_("%(unit)s is not a known unit.") % {"unit": unit}]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        item = Item.objects.create(code=code, name_fr=name_fr.strip(), name_en=name_en.strip(), unit=unit)
        audit_record(actor=actor, action="item.create", target=item, changes={"code": code})
    return item


def _contents_check(contents: Mapping[Item, int]) -> None:
    if not contents:
        raise ValidationFailed({"contents": [_("A kit holds at least one item.")]})
    wrong = [item.code for item, quantity in contents.items() if quantity < 1]
    if wrong:
        raise ValidationFailed(
            {
                "contents": [
                    _("Each item of a kit needs a quantity of at least 1: %(items)s.") % {"items": ", ".join(wrong)}
                ]
            }
        )


def _version_write(*, actor: Actor, kit: Kit, number: int, contents: Mapping[Item, int], note: str) -> KitVersion:
    version = KitVersion.objects.create(
        kit=kit, number=number, created_by=actor if isinstance(actor, User) else None, note=note.strip()
    )
    KitLine.objects.bulk_create(
        [KitLine(version=version, item=item, quantity=quantity) for item, quantity in contents.items()]
    )
    return version


def kit_create(*, actor: Actor, code: str, name_fr: str, name_en: str, contents: Mapping[Item, int]) -> Kit:
    """Create a kit with its first contents (version 1)."""
    code = code.strip().upper()
    if not code or not name_fr.strip() or not name_en.strip():
        raise ValidationFailed({"kit": [_("Give the kit a code and a name in French and in English.")]})
    if Kit.objects.filter(code=code).exists():
        raise ValidationFailed({"code": [_("A kit with the code %(code)s exists already.") % {"code": code}]})
    _contents_check(contents)
    with transaction.atomic():
        kit = Kit.objects.create(code=code, name_fr=name_fr.strip(), name_en=name_en.strip())
        _version_write(actor=actor, kit=kit, number=1, contents=contents, note="")
        audit_record(actor=actor, action="kit.create", target=kit, changes={"version": 1})
    return kit


def kit_contents_set(
    *, actor: Actor, scope: Scope, kit: Kit, contents: Mapping[Item, int], note: str = ""
) -> KitVersion:
    """Write new contents of ``kit`` as its next version; distributions planned earlier keep theirs.

    Those who plan distributions decide what a kit holds.
    """
    if not scope.allows(MANAGE_DISTRIBUTIONS):
        raise PermissionDenied(_("Your role does not change the contents of kits."))
    _contents_check(contents)
    with transaction.atomic():
        kit_lock(kit)  # two edits at once get versions n+1 and n+2, not one refused at random
        number = (KitVersion.objects.filter(kit=kit).aggregate(last=Max("number"))["last"] or 0) + 1
        version = _version_write(actor=actor, kit=kit, number=number, contents=contents, note=note)
        audit_record(actor=actor, action="kit.contents_set", target=kit, changes={"version": number})
    return version


def warehouse_create(
    *, actor: Actor, code: str, name: str, organisation: Organisation, admin_area: AdminArea
) -> Warehouse:
    """Create a warehouse of ``organisation`` in ``admin_area``."""
    code = code.strip().upper()
    if not code or not name.strip():
        raise ValidationFailed({"warehouse": [_("Give the warehouse a code and a name.")]})
    if Warehouse.objects.filter(code=code).exists():
        raise ValidationFailed({"code": [_("A warehouse with the code %(code)s exists already.") % {"code": code}]})
    with transaction.atomic():
        warehouse = Warehouse.objects.create(
            code=code, name=name.strip(), organisation=organisation, admin_area=admin_area
        )
        audit_record(actor=actor, action="warehouse.create", target=warehouse, changes={"code": code})
    return warehouse


def _short_message(warehouse: Warehouse, item: Item, wanted: int) -> str:
    return _("Not enough %(item)s in %(warehouse)s: %(wanted)s wanted, %(held)s held. Nothing was moved.") % {
        "item": item.name,
        "warehouse": warehouse.code,
        "wanted": wanted,
        "held": StockBalance.objects.filter(warehouse=warehouse, item=item).values_list("quantity", flat=True).first()
        or 0,
    }


def _movement_check(*, kind: str, lines: Sequence[Line], consignment: str, reason: str, signed: bool) -> None:
    if kind not in MovementKind.values:
        raise ValidationFailed({"kind": [_("%(kind)s is not a kind of stock movement.") % {"kind": kind}]})
    if not lines:
        raise ValidationFailed({"lines": [_("Say which items move, and how many.")]})
    if any(line.quantity == 0 or (line.quantity < 0 and not signed) for line in lines):
        raise ValidationFailed({"quantity": [_("Each quantity must be a whole number of at least 1.")]})
    if kind == MovementKind.RECEIPT and not consignment.strip():
        raise ValidationFailed({"consignment": [_("A receipt names its consignment (waybill number).")]})
    if kind in (MovementKind.LOSS, MovementKind.ADJUSTMENT) and not reason.strip():
        raise ValidationFailed({"reason": [_("Say why: a loss or an adjustment needs a reason.")]})


def movements_record(
    *,
    actor: Actor,
    kind: str,
    warehouse: Warehouse,
    lines: Sequence[Line],
    occurred_on: datetime.date | None = None,
    consignment: str = "",
    donor: Organisation | None = None,
    reason: str = "",
    reference: str = "",
    operation: uuid.UUID | None = None,
    signed: bool = False,
) -> list[StockMovement]:
    """Write the ledger lines of one operation and change the balances, all or nothing.

    ``lines`` hold positive quantities; the kind decides the sign, except for an adjustment,
    whose quantities are taken as signed when ``signed``. Callers check who may move stock.
    """
    _movement_check(kind=kind, lines=lines, consignment=consignment, reason=reason, signed=signed)
    totals: dict[int, tuple[Item, int]] = {}
    for line in lines:
        quantity = line.quantity if kind == MovementKind.ADJUSTMENT else abs(line.quantity)
        if kind in OUTGOING:
            quantity = -quantity
        previous = totals.get(line.item.pk, (line.item, 0))[1]
        totals[line.item.pk] = (line.item, previous + quantity)
    operation = operation or uuid.uuid4()
    occurred_on = occurred_on or timezone.localdate()
    recorder = actor if isinstance(actor, User) and actor.is_authenticated else None
    with transaction.atomic():
        decreasing = [(warehouse.pk, item_id) for item_id, (_item, change) in totals.items() if change < 0]
        if len(decreasing) > 1:
            balances_lock(decreasing)
        movements = []
        for item_id in sorted(totals):
            item, change = totals[item_id]
            if change == 0:
                continue
            if change > 0:
                StockBalance.objects.bulk_create(
                    [StockBalance(warehouse=warehouse, item=item, quantity=0)], ignore_conflicts=True
                )
                StockBalance.objects.filter(warehouse=warehouse, item=item).update(quantity=F("quantity") + change)
            else:
                taken = StockBalance.objects.filter(warehouse=warehouse, item=item, quantity__gte=-change).update(
                    quantity=F("quantity") + change
                )
                if taken != 1:
                    raise ValidationFailed({"quantity": [_short_message(warehouse, item, -change)]})
            movements.append(
                StockMovement(
                    operation=operation,
                    kind=kind,
                    warehouse=warehouse,
                    item=item,
                    quantity=change,
                    occurred_on=occurred_on,
                    recorded_by=recorder,
                    consignment=consignment.strip(),
                    donor=donor,
                    reason=reason.strip(),
                    reference=reference,
                )
            )
        try:
            with transaction.atomic():
                StockMovement.objects.bulk_create(movements)
        except IntegrityError as error:  # a check the lines above should have caught: refuse, write nothing
            raise ValidationFailed(
                {"__all__": [_("The stock movement was refused: %(error)s") % {"error": error}]}
            ) from error
        audit_record(
            actor=actor,
            action=f"stock.{kind}",
            target=warehouse,
            changes={"operation": str(operation), "lines": {item.code: change for item, change in totals.values()}},
        )
    return movements


def _may_move(scope: Scope, warehouse: Warehouse) -> None:
    if not scope.covers(MOVE_STOCK, organisation_id=warehouse.organisation_id, area_pcode=warehouse.admin_area_id):
        raise PermissionDenied(_("You may not move stock in the warehouse %(code)s.") % {"code": warehouse.code})


def stock_receive(
    *,
    actor: Actor,
    scope: Scope,
    warehouse: Warehouse,
    lines: Sequence[Line],
    consignment: str,
    donor: Organisation | None,
    occurred_on: datetime.date | None = None,
) -> list[StockMovement]:
    """Record the receipt of a consignment (from ``donor``) into ``warehouse``."""
    _may_move(scope, warehouse)
    return movements_record(
        actor=actor,
        kind=MovementKind.RECEIPT,
        warehouse=warehouse,
        lines=lines,
        consignment=consignment,
        donor=donor,
        occurred_on=occurred_on,
    )


def stock_transfer(
    *,
    actor: Actor,
    scope: Scope,
    source: Warehouse,
    destination: Warehouse,
    lines: Sequence[Line],
    occurred_on: datetime.date | None = None,
) -> list[StockMovement]:
    """Move stock from ``source`` to ``destination``: two ledger sides of one operation."""
    if source.pk == destination.pk:
        raise ValidationFailed({"destination": [_("A transfer goes to another warehouse.")]})
    _may_move(scope, source)
    _may_move(scope, destination)
    operation = uuid.uuid4()
    with transaction.atomic():
        out = movements_record(
            actor=actor,
            kind=MovementKind.TRANSFER_OUT,
            warehouse=source,
            lines=lines,
            occurred_on=occurred_on,
            reference=f"warehouse:{destination.code}",
            operation=operation,
        )
        into = movements_record(
            actor=actor,
            kind=MovementKind.TRANSFER_IN,
            warehouse=destination,
            lines=lines,
            occurred_on=occurred_on,
            reference=f"warehouse:{source.code}",
            operation=operation,
        )
    return out + into


def stock_write_off(
    *,
    actor: Actor,
    scope: Scope,
    warehouse: Warehouse,
    lines: Sequence[Line],
    reason: str,
    occurred_on: datetime.date | None = None,
) -> list[StockMovement]:
    """Record a loss (damaged, stolen) out of ``warehouse``, with its reason."""
    _may_move(scope, warehouse)
    return movements_record(
        actor=actor, kind=MovementKind.LOSS, warehouse=warehouse, lines=lines, reason=reason, occurred_on=occurred_on
    )


def stock_adjust(
    *,
    actor: Actor,
    scope: Scope,
    warehouse: Warehouse,
    lines: Sequence[Line],
    reason: str,
    occurred_on: datetime.date | None = None,
) -> list[StockMovement]:
    """Correct the balances after a count (signed quantities), with the reason; the ledger keeps both."""
    _may_move(scope, warehouse)
    return movements_record(
        actor=actor,
        kind=MovementKind.ADJUSTMENT,
        warehouse=warehouse,
        lines=lines,
        reason=reason,
        occurred_on=occurred_on,
        signed=True,
    )


def kit_lines(version: KitVersion, kits: int) -> list[Line]:
    """The item lines of ``kits`` kits of ``version``."""
    return [Line(item=line.item, quantity=line.quantity * kits) for line in version.lines.select_related("item")]
