"""Items, kits with versioned contents, warehouses and the append-only ledger of stock movements.

A balance is what the ledger says: ``StockBalance`` holds, per warehouse and item, the sum of
the movements, written in the transaction of each movement by a conditional update (never
below zero, which a check constraint also refuses). The database refuses to update or delete
a movement (triggers created in migration 0002); a correction is a new movement.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from abri.core.models import CodedNamedInTwoLanguages, TimeStampedModel, choices_check


class Unit(models.TextChoices):
    """How an item is counted."""

    PIECE = "piece", _("piece")
    SET = "set", _("set")
    ROLL = "roll", _("roll")
    KILOGRAM = "kg", _("kilogram")
    LITRE = "litre", _("litre")
    METRE = "metre", _("metre")


class Item(TimeStampedModel, CodedNamedInTwoLanguages):
    """One kind of thing held in stock (a blanket, a 20-litre jerrycan)."""

    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices, default=Unit.PIECE)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["code"]
        constraints = [choices_check("unit", Unit, "stock_item_unit_known")]


class Kit(TimeStampedModel, CodedNamedInTwoLanguages):
    """A set of items handed over together (an NFI kit); its contents are versioned."""

    class Meta:
        verbose_name = _("kit")
        verbose_name_plural = _("kits")
        ordering = ["code"]


class KitVersion(models.Model):
    """The contents of a kit as they stood from one edit to the next; never changed once written."""

    kit = models.ForeignKey(Kit, verbose_name=_("kit"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("kit contents version")
        verbose_name_plural = _("kit contents versions")
        ordering = ["kit", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["kit", "number"], name="stock_kitversion_unique_number"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="stock_kitversion_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kit.code} v{self.number}"


class KitLine(models.Model):
    """How many of one item a kit version holds."""

    version = models.ForeignKey(KitVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("kit line")
        verbose_name_plural = _("kit lines")
        ordering = ["version", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "item"], name="stock_kitline_unique_item"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="stock_kitline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item}"


class Warehouse(TimeStampedModel):
    """A place where one organisation holds stock."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        "access.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="warehouses"
    )
    admin_area = models.ForeignKey(
        "geo.AdminArea", verbose_name=_("admin area"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class MovementKind(models.TextChoices):
    """What a movement does; the sign of its quantity follows (see ``SIGNS``)."""

    RECEIPT = "receipt", _("receipt")
    DISPATCH = "dispatch", _("dispatch to a distribution")
    RETURN = "return", _("return")
    TRANSFER_OUT = "transfer_out", _("transfer out")
    TRANSFER_IN = "transfer_in", _("transfer in")
    LOSS = "loss", _("loss")
    ADJUSTMENT = "adjustment", _("adjustment")
    SHELTER_ISSUE = "shelter_issue", _("issue to a shelter")


INCOMING = (MovementKind.RECEIPT, MovementKind.RETURN, MovementKind.TRANSFER_IN)
OUTGOING = (MovementKind.DISPATCH, MovementKind.TRANSFER_OUT, MovementKind.LOSS, MovementKind.SHELTER_ISSUE)


class StockMovement(models.Model):
    """One line of the ledger: ``quantity`` (signed) of one item into or out of one warehouse.

    Lines written together (a transfer, a kit dispatched) share ``operation``. ``reference`` names
    what the movement served, e.g. ``distribution:12``, so later stages find their movements
    without the ledger knowing them.
    """

    operation = models.UUIDField(_("operation"), db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=MovementKind.choices)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="movements"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="movements")
    quantity = models.IntegerField(_("quantity"))
    occurred_on = models.DateField(_("date"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    consignment = models.CharField(_("consignment"), max_length=100, blank=True)
    donor = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("donor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    reference = models.CharField(_("reference"), max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["recorded_at", "id"]
        constraints = [
            choices_check("kind", MovementKind, "stock_movement_kind_known"),
            models.CheckConstraint(condition=~models.Q(quantity=0), name="stock_movement_quantity_not_zero"),
            models.CheckConstraint(
                condition=~models.Q(kind__in=INCOMING) | models.Q(quantity__gt=0),
                name="stock_movement_incoming_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=OUTGOING) | models.Q(quantity__lt=0),
                name="stock_movement_outgoing_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=MovementKind.RECEIPT) | ~models.Q(consignment=""),
                name="stock_movement_receipt_has_consignment",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=(MovementKind.LOSS, MovementKind.ADJUSTMENT)) | ~models.Q(reason=""),
                name="stock_movement_loss_adjustment_have_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} {self.item} @ {self.warehouse.code}"


class StockBalance(models.Model):
    """The sum of the ledger for one warehouse and item, kept in the transaction of each movement."""

    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="balances"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="balances")
    quantity = models.IntegerField(_("quantity"), default=0)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        ordering = ["warehouse", "item"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "item"], name="stock_balance_unique_item"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="stock_balance_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse.code} {self.item.code}: {self.quantity}"
