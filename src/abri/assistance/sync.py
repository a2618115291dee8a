"""Offline distribution: what a device takes away, the handovers it sends back, and the binding of
entitlements to points.

- **Preparation.** `offline_preparation` gives a device the entitlements of one distribution
  point with what a handover needs to check identity (the personal-data selector's
  `handover_shown`: the head's name, sex and age, the household's size and registration
  number; nothing else), the handovers already recorded, and when the preparation expires.
- **Sync.** `offline_sync` takes a batch of handovers recorded on a device, each with the
  idempotency key the device made, in the device's order. Each is recorded once through
  `handover_record` (the service every handover goes through), its answer stored with its key
  in the same transaction: a batch sent again, shuffled or cut, replays the stored answers. A
  handover of an entitlement handed over already (on another device, or online) is kept as a
  `HandoverConflict` for a supervisor, the first handover standing. A refused one (no kit left,
  a closed distribution) stores nothing: the device keeps it and shows why.
- **Binding.** `entitlements_bind` gives each entitlement of a distribution one point, so two
  offline devices at two points cannot both redeem it; `entitlement_move` moves one to another
  point by a conditional update on the point it was seen at.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from abri.access.roles import MANAGE_DISTRIBUTIONS, RECORD_HANDOVERS
from abri.access.selectors import Scope
from abri.assistance.models import (
    ConflictResolution,
    ConflictStatus,
    Distribution,
    DistributionKits,
    DistributionPoint,
    DistributionStatus,
    Entitlement,
    EntitlementStatus,
    Handover,
    HandoverConflict,
    HandoverStatus,
    IdempotencyKey,
    Receiver,
)
from abri.assistance.selectors import distribution_covered, entitlement_rows, handover_summary
from abri.assistance.services import AlreadyHandedOver, handover_record, request_hash
from abri.assistance.tokens import TokenMalformed, TokenMistyped, token_display, token_normalise
from abri.core.errors import AbriError, Conflict, NotFound, PermissionDenied, ValidationFailed
from abri.core.services import audit_record

# A preparation lasts a working day and a half (a night at the point included), never beyond the
# distribution's last day: after that the device wipes the households it holds.
PREPARATION_HOURS = 36
BATCH_MAX = 100


def _may_record(scope: Scope, distribution: Distribution) -> None:
    if not distribution_covered(scope=scope, distribution=distribution, permission=RECORD_HANDOVERS):
        raise PermissionDenied(_("Your role does not record handovers at %(code)s.") % {"code": distribution.code})


def _may_manage(scope: Scope, distribution: Distribution) -> None:
    if not distribution_covered(scope=scope, distribution=distribution, permission=MANAGE_DISTRIBUTIONS):
        raise PermissionDenied(_("You may not change the distribution %(code)s.") % {"code": distribution.code})


def preparation_expires(*, distribution: Distribution, now: datetime.datetime) -> datetime.datetime:
    """When a preparation made at ``now`` expires: ``PREPARATION_HOURS`` later, at the latest at the end of
    the distribution's last day."""
    last = timezone.make_aware(datetime.datetime.combine(distribution.ends_on, datetime.time.max))
    return min(now + datetime.timedelta(hours=PREPARATION_HOURS), last)


def offline_preparation(
    *, actor: User, scope: Scope, distribution: Distribution, point: DistributionPoint | None = None
) -> dict[str, Any]:
    """What a device needs to hand over at ``point`` (or the whole distribution) with no network.

    Each entitlement as ``{"t": token, "n": registration number, "h": head's name, "s": head's
    sex, "a": head's age, "z": household size, "x": cancelled, "d": handed over at, "p": at
    point}``; only the entitlements bound to ``point`` when the distribution binds them.
    """
    _may_record(scope, distribution)
    if distribution.status not in (DistributionStatus.PLANNED, DistributionStatus.OPEN):
        raise ValidationFailed(
            {
                "distribution": [
                    _("The distribution %(code)s is closed: nothing to prepare.") % {"code": distribution.code}
                ]
            }
        )
    if point is not None and point.distribution_id != distribution.pk:
        raise NotFound(_("No such distribution point."))
    rows = entitlement_rows(distribution=distribution)
    if distribution.points_bound and point is not None:
        rows = [row for row in rows if row.entitlement.point_id == point.pk]
    points = {p.pk: p.name for p in distribution.points.all()}
    now = timezone.now()
    entitlements = []
    for row in rows:
        handover = row.handover
        entitlements.append(
            {
                "t": row.entitlement.token,
                "n": row.household.registration_number,
                "h": row.household.head_name,
                "s": row.household.head_sex_display,
                "a": row.household.head_age,
                "z": row.household.size,
                "x": row.entitlement.status == EntitlementStatus.CANCELLED,
                "d": handover.handed_over_at.isoformat() if handover else None,
                "p": points.get(handover.point_id, "") if handover and handover.point_id else "",
            }
        )
    return {
        "distribution": distribution.code,
        "point": point.name if point else "",
        "user": actor.pk,
        "prepared_at": now.isoformat(),
        "expires_at": preparation_expires(distribution=distribution, now=now).isoformat(),
        "entitlements": entitlements,
    }


@dataclass(frozen=True)
class QueuedHandover:
    """One handover as a device queued it."""

    key: str
    token: str
    at: str  # ISO 8601, the device's clock
    receiver: str = Receiver.HEAD
    proxy_name: str = ""
    proxy_relationship: str = ""
    photo_consent: bool = False
    point: str = ""
    device: str = ""

    def body(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "at": self.at,
            "receiver": self.receiver,
            "proxy_name": self.proxy_name,
            "proxy_relationship": self.proxy_relationship,
            "photo_consent": self.photo_consent,
            "point": self.point,
        }


class _Refused(Exception):
    """Rolls back the claim of a key whose handover is refused (a refusal stores nothing)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _message(error: AbriError) -> str:
    if isinstance(error, ValidationFailed):
        return " ".join(message for messages in error.errors.values() for message in messages)
    return str(error)


def _when(text: str) -> datetime.datetime:
    moment = parse_datetime(text or "")
    if moment is None:
        raise _Refused(_("The device sent no valid time for this handover."))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return min(moment, timezone.now())  # a device clock ahead of time records nothing in the future


def _conflict_answer(conflict: HandoverConflict, earlier: Handover) -> dict[str, Any]:
    return {
        "outcome": "conflict",
        "conflict": conflict.pk,
        "message": _("Handed over already, on %(at)s by %(by)s: a supervisor will look at it.")
        % {
            "at": timezone.localtime(earlier.handed_over_at).strftime("%Y-%m-%d %H:%M"),
            "by": earlier.recorded_by.username if earlier.recorded_by else "—",
        },
        "earlier": handover_summary(earlier),
    }


def _sync_one(*, actor: User, scope: Scope, distribution: Distribution, item: QueuedHandover) -> dict[str, Any]:
    digest = request_hash(item.body())
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    claim = IdempotencyKey.objects.create(user=actor, key=item.key, request_hash=digest)
            except IntegrityError:  # sent before (or being recorded by another request: we waited)
                stored = IdempotencyKey.objects.get(user=actor, key=item.key)
                if stored.request_hash != digest:
                    raise _Refused(_("This idempotency key was used with another handover.")) from None
                return {**stored.response, "replayed": True}
            at = _when(item.at)
            entitlement = _entitlement_of(distribution, item)
            try:
                handover = handover_record(
                    actor=actor,
                    scope=scope,
                    token=item.token,
                    receiver=item.receiver,
                    proxy_name=item.proxy_name,
                    proxy_relationship=item.proxy_relationship,
                    photo_consent=item.photo_consent,
                    point=item.point,
                    distribution=distribution,
                    at=at,
                )
            except AlreadyHandedOver as already:
                point = distribution.points.filter(name=item.point).first() if item.point else None
                conflict = HandoverConflict.objects.create(
                    distribution=distribution,
                    entitlement=entitlement or already.earlier.entitlement,
                    first=already.earlier,
                    key=item.key,
                    recorded_by=actor,
                    device=item.device[:64],
                    handed_over_at=at,
                    point=point,
                    receiver=item.receiver if item.receiver in Receiver.values else Receiver.HEAD,
                    proxy_name=item.proxy_name.strip()[:200],
                    proxy_relationship=item.proxy_relationship.strip()[:100],
                )
                audit_record(
                    actor=actor, action="handover.conflict", target=conflict, changes={"first": already.earlier.pk}
                )
                answer = _conflict_answer(conflict, already.earlier)
                IdempotencyKey.objects.filter(pk=claim.pk).update(status_code=409, response=answer)
                return answer
            except AbriError as error:
                raise _Refused(_message(error)) from error
            answer = {"outcome": "recorded", "handover": handover_summary(handover)}
            IdempotencyKey.objects.filter(pk=claim.pk).update(status_code=201, response=answer)
            return answer
    except _Refused as refused:
        return {"outcome": "refused", "message": refused.message}


def _entitlement_of(distribution: Distribution, item: QueuedHandover) -> Entitlement | None:
    """The entitlement a queued handover names, if its token reads (a conflict names it); the
    checks, the point binding among them, are ``handover_record``'s."""
    try:
        token = token_normalise(item.token)
    except (TokenMalformed, TokenMistyped):
        return None  # handover_record refuses it with the right message
    return Entitlement.objects.filter(token=token, distribution=distribution).first()


def offline_sync(
    *, actor: User, scope: Scope, distribution: Distribution, items: Sequence[QueuedHandover]
) -> list[dict[str, Any]]:
    """Record the handovers a device queued, in its order, each once; one answer per item, with its key.

    Every item gets an answer: ``recorded``, ``conflict`` (the first handover named) or
    ``refused`` (why; nothing stored, the device keeps it), ``replayed`` true when it was sent before.
    """
    _may_record(scope, distribution)
    if len(items) > BATCH_MAX:
        raise ValidationFailed({"items": [_("Send at most %(count)s handovers at once.") % {"count": BATCH_MAX}]})
    answers = []
    for item in items:
        answer = _sync_one(actor=actor, scope=scope, distribution=distribution, item=item)
        answers.append({"key": item.key, **answer})
    return answers


# --- binding ---------------------------------------------------------------------------------------


def entitlements_bind(*, actor: User, scope: Scope, distribution: Distribution) -> int:
    """Bind each entitlement of ``distribution`` with no point to one of its points, in turns by
    registration number; the distribution binds from then on. Returns how many were bound."""
    _may_manage(scope, distribution)
    points = list(distribution.points.order_by("id"))
    if not points:
        raise ValidationFailed({"points": [_("The distribution has no distribution point to bind to.")]})
    if distribution.status not in (DistributionStatus.PLANNED, DistributionStatus.OPEN):
        raise ValidationFailed({"distribution": [_("A closed distribution stays as it is.")]})
    unbound = list(
        Entitlement.objects.filter(distribution=distribution, point__isnull=True)
        .order_by("household__registration_number")
        .values_list("pk", flat=True)
    )
    load = dict(
        Entitlement.objects.filter(distribution=distribution, point__isnull=False)
        .values_list("point_id")
        .annotate(count=Count("id"))
    )
    bound = 0
    with transaction.atomic():
        Distribution.objects.filter(pk=distribution.pk).update(points_bound=True)
        for pk in unbound:
            point = min(points, key=lambda p: (load.get(p.pk, 0), p.pk))
            # Conditional: an entitlement a supervisor placed meanwhile keeps its point.
            if Entitlement.objects.filter(pk=pk, point__isnull=True).update(point=point) == 1:
                load[point.pk] = load.get(point.pk, 0) + 1
                bound += 1
        audit_record(actor=actor, action="distribution.bind_points", target=distribution, changes={"bound": bound})
    distribution.points_bound = True
    return bound


def entitlement_move(
    *,
    actor: User,
    scope: Scope,
    distribution: Distribution,
    token: str,
    to_point: DistributionPoint,
    from_point: DistributionPoint | None,
) -> Entitlement:
    """Move the entitlement ``token`` from ``from_point`` (where the supervisor saw it) to ``to_point``.

    A conditional update: if another supervisor moved it meanwhile, nothing changes and the
    refusal says where it is now. A kit handed over already is not moved.
    """
    _may_manage(scope, distribution)
    try:
        normalised = token_normalise(token)
    except (TokenMalformed, TokenMistyped) as error:
        raise ValidationFailed({"token": [_("%(token)s is not a valid token.") % {"token": token[:40]}]}) from error
    entitlement = Entitlement.objects.filter(distribution=distribution, token=normalised).first()
    if entitlement is None:
        raise NotFound(_("No entitlement with the token %(token)s.") % {"token": token_display(normalised)})
    if to_point.distribution_id != distribution.pk:
        raise ValidationFailed({"point": [_("%(point)s is not a point of this distribution.") % {"point": to_point}]})
    if Handover.objects.filter(entitlement=entitlement, status=HandoverStatus.RECORDED).exists():
        raise ValidationFailed({"token": [_("This kit was handed over already: the entitlement stays where it is.")]})
    with transaction.atomic():
        moved = Entitlement.objects.filter(pk=entitlement.pk, point=from_point).update(point=to_point)
        if moved != 1:
            now = Entitlement.objects.select_related("point").get(pk=entitlement.pk)
            raise Conflict(
                _("The entitlement %(token)s was moved meanwhile: it is now at %(point)s. Nothing was changed.")
                % {"token": token_display(normalised), "point": now.point or "—"}
            )
        audit_record(
            actor=actor,
            action="entitlement.move",
            target=entitlement,
            changes={"from": getattr(from_point, "pk", None), "to": to_point.pk},
        )
    entitlement.point = to_point
    return entitlement


# --- conflicts -------------------------------------------------------------------------------------


def conflict_resolve(
    *, actor: User, scope: Scope, conflict: HandoverConflict, resolution: str, note: str
) -> HandoverConflict:
    """Resolve a conflict: what happened with the second kit, and a note. Once (a conditional update)."""
    _may_manage(scope, conflict.distribution)
    errors: dict[str, list[str]] = {}
    if resolution not in ConflictResolution.values:
        errors["resolution"] = [_("Say what happened with the second record.")]
    if not note.strip():
        errors["note"] = [_("Write a note: who you asked, what they said.")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        done = HandoverConflict.objects.filter(pk=conflict.pk, status=ConflictStatus.OPEN).update(
            status=ConflictStatus.RESOLVED,
            resolution=resolution,
            note=note.strip()[:500],
            resolved_by=actor,
            resolved_at=timezone.now(),
        )
        if done != 1:
            raise ValidationFailed({"conflict": [_("This conflict was resolved already.")]})
        if resolution == ConflictResolution.SECOND_KIT_GIVEN:
            # The second kit left the distribution without a handover to count it: written off now,
            # by a conditional update (never below zero, never once the distribution is closed).
            written_off = DistributionKits.objects.filter(
                distribution=conflict.distribution,
                distribution__status=DistributionStatus.OPEN,
                available__gte=1,
            ).update(available=F("available") - 1, lost=F("lost") + 1)
            if written_off != 1:
                raise ValidationFailed(
                    {
                        "resolution": [
                            _(
                                "No kit is left at the distribution %(code)s to count as lost: "
                                "check the counts with the warehouse, then resolve the conflict."
                            )
                            % {"code": conflict.distribution.code}
                        ]
                    }
                )
        audit_record(
            actor=actor, action="handover.conflict_resolve", target=conflict, changes={"resolution": resolution}
        )
    conflict.refresh_from_db()
    return conflict
