"""Write services of assistance: plan a distribution, give entitlements, dispatch kits, record
handovers exactly once, cancel, close.

A handover is written in one transaction: the handover row (a partial unique index allows one
recorded handover per entitlement), its audit entry, and last the kit taken from the
distribution's count by a conditional update (``available >= 1``), so the row that every
handover of a distribution touches is held for the shortest time. See ADR 0006 for why the
stock ledger moves on dispatch and not on each handover.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from abri.access.models import Organisation
from abri.access.roles import (
    MANAGE_DISTRIBUTIONS,
    MOVE_STOCK,
    RECORD_HANDOVERS,
    VIEW_DISTRIBUTIONS,
    VIEW_HOUSEHOLD,
)
from abri.access.selectors import Scope
from abri.assistance import flows
from abri.assistance.locks import kits_lock
from abri.assistance.models import (
    ConflictStatus,
    Distribution,
    DistributionKits,
    DistributionPoint,
    DistributionStatus,
    Entitlement,
    EntitlementStatus,
    Handover,
    HandoverCancellation,
    HandoverConflict,
    HandoverStatus,
    IdempotencyKey,
    Programme,
    Receiver,
    Witness,
    WitnessKind,
)
from abri.assistance.selectors import distribution_covered, handover_summary
from abri.assistance.tokens import TokenMalformed, TokenMistyped, token_display, token_new, token_normalise
from abri.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from abri.core.services import audit_record
from abri.geo.models import AdminArea, Site
from abri.registry.access import households_visible
from abri.registry.models import Household, HouseholdStatus
from abri.stock.models import Kit, MovementKind, Warehouse
from abri.stock.selectors import kit_version_latest
from abri.stock.services import kit_lines, movements_record
from abri.targeting.locks import plan_lock
from abri.targeting.models import PublishedList
from abri.targeting.selectors import access_published_list, published_list_households, published_list_latest

Actor = User | AnonymousUser | None


class AlreadyHandedOver(Conflict):
    """The entitlement's kit was handed over already; ``earlier`` is that handover."""

    def __init__(self, message: str, earlier: Handover) -> None:
        super().__init__(message)
        self.earlier = earlier


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def distribution_plan(
    *,
    actor: Actor,
    scope: Scope,
    code: str,
    name: str,
    programme: Programme,
    admin_area: AdminArea,
    starts_on: datetime.date,
    ends_on: datetime.date,
    kit: Kit,
    warehouse: Warehouse,
    points: Sequence[str] = (),
    site: Site | None = None,
    implementing_partner: Organisation | None = None,
    staff: Sequence[User] = (),
) -> Distribution:
    """Plan a distribution of ``kit`` (its current contents) in ``admin_area`` from ``starts_on`` to ``ends_on``."""
    code = code.strip().upper()
    errors: dict[str, list[str]] = {}
    if not code or not name.strip():
        errors["code"] = [_("Give the distribution a code and a name.")]
    elif Distribution.objects.filter(code=code).exists():
        errors["code"] = [_("A distribution with the code %(code)s exists already.") % {"code": code}]
    if ends_on < starts_on:
        errors["ends_on"] = [_("The last day comes on or after the first day.")]
    if site is not None and not site.admin_area_id.startswith(admin_area.pk):
        errors["site"] = [_("The site is not in the admin area %(pcode)s.") % {"pcode": admin_area.pk}]
    if warehouse.organisation_id not in {programme.organisation_id, getattr(implementing_partner, "pk", None)}:
        errors["warehouse"] = [_("The warehouse belongs to neither the programme's organisation nor the partner.")]
    version = kit_version_latest(kit_id=kit.pk)
    if version is None:
        errors["kit"] = [_("The kit has no contents yet.")]
    names = [point.strip() for point in points if point.strip()]
    if len(set(names)) != len(names):
        errors["points"] = [_("Each distribution point has its own name.")]
    if errors or version is None:
        raise ValidationFailed(errors)
    if not scope.covers(
        MANAGE_DISTRIBUTIONS,
        organisation_id=programme.organisation_id,
        area_pcode=admin_area.pk,
        programme_id=programme.pk,
        programme_bound=True,
    ):
        raise PermissionDenied(_("You may not plan distributions of this programme in this area."))
    with transaction.atomic():
        distribution = Distribution.objects.create(
            code=code,
            name=name.strip(),
            programme=programme,
            organisation_id=programme.organisation_id,
            implementing_partner=implementing_partner,
            admin_area=admin_area,
            site=site,
            starts_on=starts_on,
            ends_on=ends_on,
            kit_version=version,
            warehouse=warehouse,
        )
        DistributionPoint.objects.bulk_create([DistributionPoint(distribution=distribution, name=n) for n in names])
        DistributionKits.objects.create(distribution=distribution)
        distribution.staff.set(staff)
        audit_record(
            actor=actor,
            action="distribution.plan",
            target=distribution,
            changes={"kit_version": version.pk, "points": len(names)},
        )
    return distribution


def _may_manage(scope: Scope, distribution: Distribution) -> None:
    if not distribution_covered(scope=scope, distribution=distribution, permission=MANAGE_DISTRIBUTIONS):
        raise PermissionDenied(_("You may not change the distribution %(code)s.") % {"code": distribution.code})


def distribution_witness_add(
    *,
    actor: Actor,
    scope: Scope,
    distribution: Distribution,
    name: str,
    kind: str,
    title: str = "",
    present_on: datetime.date | None = None,
) -> Witness:
    """Record a witness present at ``distribution`` (on ``present_on``, or every day)."""
    _may_manage(scope, distribution)
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Give the witness's name.")]
    if kind not in WitnessKind.values:
        errors["kind"] = [_("%(kind)s is not a kind of witness.") % {"kind": kind}]
    if present_on is not None and not distribution.starts_on <= present_on <= distribution.ends_on:
        errors["present_on"] = [_("The day is not one of the distribution's days.")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        witness = Witness.objects.create(
            distribution=distribution, name=name.strip(), kind=kind, title=title.strip(), present_on=present_on
        )
        audit_record(actor=actor, action="distribution.witness_add", target=distribution, changes={"kind": kind})
    return witness


def distribution_households_add(
    *, actor: Actor, scope: Scope, distribution: Distribution, households: Sequence[Household]
) -> list[Entitlement]:
    """Give each of ``households`` an entitlement at ``distribution``; returns the new ones.

    The households come from a list the user chose (or a published targeting list, see
    `distribution_households_from_list`): each must be in the user's scope and in the
    distribution's area, registered (not merged); one already entitled keeps its entitlement.
    All or nothing.
    """
    _may_manage(scope, distribution)
    if distribution.status not in (DistributionStatus.PLANNED, DistributionStatus.OPEN):
        raise ValidationFailed({"distribution": [_("A closed or cancelled distribution takes no more households.")]})
    return _entitlements_add(
        actor=actor,
        scope=scope,
        distribution=distribution,
        numbers={household.pk: household.registration_number for household in households},
    )


def _entitlements_add(
    *,
    actor: Actor,
    scope: Scope,
    distribution: Distribution,
    numbers: dict[int, str],
    changes: dict[str, Any] | None = None,
) -> list[Entitlement]:
    """The add path: ``numbers`` maps each household's id to its registration number (for the refusal)."""
    wanted = set(numbers)
    found = set(
        households_visible(scope=scope, permission=VIEW_HOUSEHOLD)
        .filter(pk__in=wanted, admin_area__pk__startswith=distribution.admin_area_id)
        .exclude(status=HouseholdStatus.MERGED)
        .values_list("pk", flat=True)
    )
    refused = sorted(number for pk, number in numbers.items() if pk not in found)
    if refused:
        raise ValidationFailed(
            {
                "households": [
                    _("Not in your scope, not in %(area)s, or merged: %(numbers)s. Nothing was added.")
                    % {"area": distribution.admin_area_id, "numbers": ", ".join(refused[:20])}
                ]
            }
        )
    already = set(Entitlement.objects.filter(distribution=distribution).values_list("household_id", flat=True))
    new = sorted(found - already)
    for _attempt in range(3):
        entitlements = [Entitlement(distribution=distribution, household_id=pk, token=token_new()) for pk in new]
        try:
            with transaction.atomic():
                created = Entitlement.objects.bulk_create(entitlements)
                audit_record(
                    actor=actor,
                    action="distribution.households_add",
                    target=distribution,
                    changes={"entitlements": len(created), **(changes or {})},
                )
            return created
        except IntegrityError:  # a token drawn twice (about 1 in 10^10 per pair), or a household added meanwhile
            already = set(Entitlement.objects.filter(distribution=distribution).values_list("household_id", flat=True))
            new = sorted(found - already)
    raise Conflict(_("The entitlements could not be written; nothing was added. Try again."))


def _latest_errors(published: PublishedList) -> dict[str, list[str]]:
    latest = published_list_latest(plan=published.plan)
    if latest is not None and latest.pk != published.pk:
        return {
            "published_list": [
                _("Version %(version)s is not the latest list of this plan: take version %(latest)s.")
                % {"version": published.version, "latest": latest.version}
            ]
        }
    return {}


def distribution_households_from_list(
    *, actor: Actor, scope: Scope, distribution: Distribution, published_list: PublishedList
) -> list[Entitlement]:
    """Give each household included in ``published_list`` an entitlement at the planned ``distribution``.

    The list must be one ``scope`` may see, of the distribution's programme, and the latest
    published version of its plan; wait-listed households are left out. The distribution
    records the list version. All or nothing; returns the new entitlements.
    """
    _may_manage(scope, distribution)
    published = access_published_list(scope=scope, list_id=published_list.pk)  # NotFound outside the scope
    errors: dict[str, list[str]] = {}
    if published.plan.programme_id != distribution.programme_id:
        errors["published_list"] = [
            _("The list belongs to the programme %(list)s, the distribution to %(distribution)s.")
            % {"list": published.plan.programme, "distribution": distribution.programme}
        ]
    else:
        errors |= _latest_errors(published)
    if distribution.status != DistributionStatus.PLANNED:
        errors["distribution"] = [_("Only a planned distribution takes its households from a list.")]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        # The plan's lock, as publishing takes it: a version published meanwhile is seen here, and
        # none can be published until the entitlements are written (locks: plan, then distribution).
        plan_lock(plan_id=published.plan_id)
        late = _latest_errors(published)
        if late:
            raise ValidationFailed(late)
        listed = published_list_households(published_list=published)
        # A conditional update: the distribution opened meanwhile is refused, and its row stays
        # locked until the entitlements are written.
        taken = Distribution.objects.filter(pk=distribution.pk, status=DistributionStatus.PLANNED).update(
            published_list=published
        )
        if taken != 1:
            raise ValidationFailed(
                {"distribution": [_("Only a planned distribution takes its households from a list.")]}
            )
        created = _entitlements_add(
            actor=actor,
            scope=scope,
            distribution=distribution,
            numbers={row.household_id: row.registration_number for row in listed},
            changes={"published_list": published.pk, "version": published.version},
        )
    distribution.published_list = published
    return created


def entitlement_cancel(*, actor: Actor, scope: Scope, entitlement: Entitlement, reason: str) -> None:
    """Cancel an entitlement (the household left, a duplicate) with its reason; its token is refused after."""
    _may_manage(scope, entitlement.distribution)
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Say why the entitlement is cancelled.")]})
    with transaction.atomic():
        moved = flows.ENTITLEMENT.move(
            Entitlement.objects.filter(pk=entitlement.pk), EntitlementStatus.CANCELLED, cancel_reason=reason.strip()
        )
        if moved != 1:
            raise ValidationFailed({"entitlement": [_("This entitlement is cancelled already.")]})
        audit_record(actor=actor, action="entitlement.cancel", target=entitlement, changes={"reason": "given"})


def distribution_open(*, actor: Actor, scope: Scope, distribution: Distribution) -> None:
    """Open a planned distribution: handovers may then be recorded on its days."""
    _may_manage(scope, distribution)
    with transaction.atomic():
        if flows.DISTRIBUTION.move(Distribution.objects.filter(pk=distribution.pk), DistributionStatus.OPEN) != 1:
            raise ValidationFailed({"status": [_("Only a planned distribution can be opened.")]})
        audit_record(actor=actor, action="distribution.open", target=distribution, changes={"status": "open"})
    distribution.status = DistributionStatus.OPEN


def distribution_dispatch(
    *, actor: Actor, scope: Scope, distribution: Distribution, kits: int, occurred_on: datetime.date | None = None
) -> None:
    """Take ``kits`` kits (the distribution's contents version) out of its warehouse to the distribution."""
    warehouse = distribution.warehouse
    if not scope.covers(MOVE_STOCK, organisation_id=warehouse.organisation_id, area_pcode=warehouse.admin_area_id):
        raise PermissionDenied(_("You may not move stock in the warehouse %(code)s.") % {"code": warehouse.code})
    if kits < 1:
        raise ValidationFailed({"kits": [_("Dispatch at least one kit.")]})
    if distribution.status not in (DistributionStatus.PLANNED, DistributionStatus.OPEN):
        raise ValidationFailed({"distribution": [_("Kits go only to a planned or open distribution.")]})
    with transaction.atomic():
        movements_record(
            actor=actor,
            kind=MovementKind.DISPATCH,
            warehouse=warehouse,
            lines=kit_lines(distribution.kit_version, kits),
            occurred_on=occurred_on,
            reference=distribution.reference,
        )
        DistributionKits.objects.filter(distribution=distribution).update(
            dispatched=F("dispatched") + kits, available=F("available") + kits
        )
        audit_record(actor=actor, action="distribution.dispatch", target=distribution, changes={"kits": kits})


def _entitlement_for(token: str) -> Entitlement:
    try:
        normalised = token_normalise(token)
    except TokenMistyped as error:
        raise ValidationFailed(
            {
                "token": [
                    _("The token %(token)s does not check: one character is mistyped. Read it again.")
                    % {"token": token}
                ]
            }
        ) from error
    except TokenMalformed as error:
        raise ValidationFailed(
            {
                "token": [
                    _("%(token)s is not a token: ten letters and digits, such as 7KQ2M-X9D4T.") % {"token": token[:40]}
                ]
            }
        ) from error
    recorded = Handover.objects.filter(entitlement=OuterRef("pk"), status=HandoverStatus.RECORDED).values("pk")[:1]
    entitlement = (
        Entitlement.objects.select_related("distribution", "household")
        .annotate(recorded_handover_id=Subquery(recorded))  # so that a first handover reads once
        .filter(token=normalised)
        .first()
    )
    if entitlement is None:
        raise NotFound(_("No entitlement with the token %(token)s.") % {"token": token_display(normalised)})
    return entitlement


def _earlier_message(earlier: Handover) -> str:
    return _("Already handed over: the kit of %(token)s was handed over on %(at)s by %(by)s. Nothing was recorded.") % {
        "token": token_display(earlier.entitlement.token),
        "at": timezone.localtime(earlier.handed_over_at).strftime("%Y-%m-%d %H:%M"),
        "by": earlier.recorded_by.get_full_name() or earlier.recorded_by.username if earlier.recorded_by else "—",
    }


def _earlier(entitlement: Entitlement) -> Handover | None:
    return (
        Handover.objects.select_related("entitlement", "recorded_by", "point")
        .filter(entitlement=entitlement, status=HandoverStatus.RECORDED)
        .first()
    )


def _handover_check(
    *,
    target: Distribution,
    entitlement: Entitlement,
    day: datetime.date,
    receiver: str,
    proxy_name: str,
    proxy_relationship: str,
    point: str,
) -> DistributionPoint | None:
    """Refuse a handover whose receiver, day or point is wrong; the point found, if one was named.

    When the distribution binds entitlements to points, a kit is handed over at its own point only
    (offline devices at two points could otherwise both redeem it): the page, the API and the
    offline sync all come through here."""
    errors: dict[str, list[str]] = {}
    if receiver not in Receiver.values:
        errors["receiver"] = [_("Say who received the kit: the head of household or a proxy.")]
    if receiver == Receiver.PROXY and (not proxy_name.strip() or not proxy_relationship.strip()):
        errors["proxy_name"] = [_("A proxy gives their name and their relationship to the household.")]
    if target.status != DistributionStatus.OPEN:
        errors["distribution"] = [
            _("The distribution %(code)s is %(status)s: no handover can be recorded.")
            % {"code": target.code, "status": target.get_status_display()}
        ]
    elif not target.starts_on <= day <= target.ends_on:
        errors["distribution"] = [
            _("%(day)s is not a day of the distribution %(code)s (%(first)s to %(last)s).")
            % {"day": day, "code": target.code, "first": target.starts_on, "last": target.ends_on}
        ]
    found_point = None
    if point.strip():
        found_point = DistributionPoint.objects.filter(distribution=target, name=point.strip()).first()
        if found_point is None:
            errors["point"] = [_("%(point)s is not a point of this distribution.") % {"point": point[:100]}]
    bound_to = entitlement.point_id if target.points_bound else None
    if bound_to is not None and (found_point is None or found_point.pk != bound_to) and "point" not in errors:
        errors["point"] = [
            _("The entitlement %(token)s is handed over at %(point)s, not here.")
            % {"token": token_display(entitlement.token), "point": target.points.get(pk=bound_to).name}
        ]
    if errors:
        raise ValidationFailed(errors)
    return found_point


def handover_record(
    *,
    actor: Actor,
    scope: Scope,
    token: str,
    receiver: str = Receiver.HEAD,
    proxy_name: str = "",
    proxy_relationship: str = "",
    photo_consent: bool = False,
    distribution: Distribution | None = None,
    point: str = "",
    at: datetime.datetime | None = None,
) -> Handover:
    """Record that the kit of the entitlement ``token`` was handed over, once.

    Refused, with nothing written: a malformed or mistyped token, an unknown one (or one outside
    the caller's scope: the same answer), a cancelled entitlement, one of another distribution
    than ``distribution``, a handover already recorded (AlreadyHandedOver names it), a
    distribution not open or outside its days, no kit left at the distribution.
    """
    entitlement = _entitlement_for(token)
    target = entitlement.distribution
    if not distribution_covered(scope=scope, distribution=target, permission=RECORD_HANDOVERS):
        if distribution_covered(scope=scope, distribution=target, permission=VIEW_DISTRIBUTIONS):
            raise PermissionDenied(_("Your role does not record handovers at %(code)s.") % {"code": target.code})
        raise NotFound(_("No entitlement with the token %(token)s.") % {"token": token_display(entitlement.token)})
    if entitlement.status == EntitlementStatus.CANCELLED:
        raise ValidationFailed(
            {"token": [_("This entitlement was cancelled: %(reason)s") % {"reason": entitlement.cancel_reason}]}
        )
    if distribution is not None and target.pk != distribution.pk:
        raise ValidationFailed(
            {"token": [_("This token belongs to another distribution (%(code)s).") % {"code": target.code}]}
        )
    earlier = _earlier(entitlement) if getattr(entitlement, "recorded_handover_id", None) is not None else None
    if earlier is not None:
        raise AlreadyHandedOver(_earlier_message(earlier), earlier)
    when = at or timezone.now()
    day = timezone.localdate(when)
    found_point = _handover_check(
        target=target,
        entitlement=entitlement,
        day=day,
        receiver=receiver,
        proxy_name=proxy_name,
        proxy_relationship=proxy_relationship,
        point=point,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                handover = Handover.objects.create(
                    entitlement=entitlement,
                    distribution=target,
                    point=found_point,
                    handed_over_at=when,
                    day=day,
                    recorded_by=_user(actor),
                    receiver=receiver,
                    proxy_name=proxy_name.strip() if receiver == Receiver.PROXY else "",
                    proxy_relationship=proxy_relationship.strip() if receiver == Receiver.PROXY else "",
                    photo_consent=photo_consent,
                )
        except IntegrityError as error:  # another officer recorded it a moment ago
            earlier = _earlier(entitlement)
            if earlier is None:
                raise
            raise AlreadyHandedOver(_earlier_message(earlier), earlier) from error
        audit_record(actor=actor, action="handover.record", target=handover, changes={"receiver": receiver})
        taken = DistributionKits.objects.filter(distribution=target, available__gte=1).update(
            available=F("available") - 1
        )
        if taken != 1:
            raise ValidationFailed(
                {
                    "distribution": [
                        _("No kit is left at the distribution %(code)s: dispatch more from the warehouse.")
                        % {"code": target.code}
                    ]
                }
            )
    handover.entitlement = entitlement
    handover.distribution = target
    return handover


def handover_cancel(*, actor: Actor, scope: Scope, handover: Handover, reason: str) -> HandoverCancellation:
    """Cancel a recorded handover with its reason (a new record; the handover stays); its kit goes back."""
    if not distribution_covered(scope=scope, distribution=handover.distribution, permission=RECORD_HANDOVERS):
        raise NotFound(_("No such handover."))
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Say why the handover is cancelled.")]})
    if handover.distribution.status != DistributionStatus.OPEN:
        raise ValidationFailed({"distribution": [_("Handovers of a closed distribution stay as they are.")]})
    with transaction.atomic():
        if flows.HANDOVER.move(Handover.objects.filter(pk=handover.pk), HandoverStatus.CANCELLED) != 1:
            raise ValidationFailed({"handover": [_("This handover is cancelled already.")]})
        cancellation = HandoverCancellation.objects.create(
            handover=handover, reason=reason.strip(), cancelled_by=_user(actor)
        )
        DistributionKits.objects.filter(distribution=handover.distribution).update(available=F("available") + 1)
        audit_record(actor=actor, action="handover.cancel", target=handover, changes={"reason": "given"})
    return cancellation


def distribution_close(
    *, actor: Actor, scope: Scope, distribution: Distribution, lost: int = 0, reason: str = ""
) -> int:
    """Close an open distribution: the kits left go back to the warehouse (``lost`` of them are written
    off with ``reason``); returns how many kits were returned."""
    _may_manage(scope, distribution)
    if lost < 0:
        raise ValidationFailed({"lost": [_("Enter a number of kits of at least 0.")]})
    if lost and not reason.strip():
        raise ValidationFailed({"reason": [_("Say what happened to the lost kits.")]})
    with transaction.atomic():
        kits = kits_lock(distribution)  # handovers wait, then find no kit left
        # A conflict resolved as "a second kit was handed over" writes that kit off (sync.conflict_resolve):
        # the counts closed are only right once every conflict is resolved.
        open_conflicts = HandoverConflict.objects.filter(distribution=distribution, status=ConflictStatus.OPEN).count()
        if open_conflicts:
            raise ValidationFailed(
                {
                    "status": [
                        ngettext(
                            "%(count)s handover conflict is still open: resolve it before closing.",
                            "%(count)s handover conflicts are still open: resolve them before closing.",
                            open_conflicts,
                        )
                        % {"count": open_conflicts}
                    ]
                }
            )
        if (
            flows.DISTRIBUTION.move(
                Distribution.objects.filter(pk=distribution.pk), DistributionStatus.CLOSED, closed_at=timezone.now()
            )
            != 1
        ):
            raise ValidationFailed({"status": [_("Only an open distribution can be closed.")]})
        if lost > kits.available:
            raise ValidationFailed(
                {"lost": [_("Only %(count)s kits are left at the distribution.") % {"count": kits.available}]}
            )
        back = kits.available - lost
        if back:
            movements_record(
                actor=actor,
                kind=MovementKind.RETURN,
                warehouse=distribution.warehouse,
                lines=kit_lines(distribution.kit_version, back),
                reference=distribution.reference,
            )
        DistributionKits.objects.filter(pk=kits.pk).update(
            available=0, returned=F("returned") + back, lost=F("lost") + lost
        )
        audit_record(
            actor=actor, action="distribution.close", target=distribution, changes={"returned": back, "lost": lost}
        )
    distribution.status = DistributionStatus.CLOSED
    return back


def request_hash(body: dict[str, Any]) -> str:
    """The hash an idempotency key is stored with: of the request's body, keys sorted."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def handover_record_once(
    *, actor: User, scope: Scope, key: str, body: dict[str, Any], distribution: Distribution | None = None
) -> tuple[int, dict[str, Any]]:
    """Record a handover for an API request carrying the idempotency ``key``; returns (status, answer).

    The first request with a key records the handover (201) and stores the answer with the key
    in the same transaction; a replay of the key with the same body gets that answer again, with
    a different body a refusal (422). A refused request stores nothing, so it may be sent again.
    """
    digest = request_hash(body)
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = IdempotencyKey.objects.create(user=actor, key=key, request_hash=digest)
        except IntegrityError:  # the key was used: by an earlier request, or one still running (we waited)
            stored = IdempotencyKey.objects.get(user=actor, key=key)
            if stored.request_hash != digest:
                raise ValidationFailed(
                    {"Idempotency-Key": [_("This idempotency key was used with another request body.")]}
                ) from None
            return stored.status_code, stored.response
        handover = handover_record(
            actor=actor,
            scope=scope,
            token=str(body.get("token", "")),
            receiver=str(body.get("receiver") or Receiver.HEAD),
            proxy_name=str(body.get("proxy_name") or ""),
            proxy_relationship=str(body.get("proxy_relationship") or ""),
            photo_consent=bool(body.get("photo_consent")),
            point=str(body.get("point") or ""),
            distribution=distribution,
        )
        answer = handover_summary(handover)
        IdempotencyKey.objects.filter(pk=claim.pk).update(status_code=201, response=answer)
    return 201, answer
