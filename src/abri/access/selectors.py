"""Read access: who is a user acting as, and which records may they see.

A user's scope is the union of their active memberships (in active organisations). Each
membership grants its role's permissions (`abri.access.roles`) over one organisation's
records, in its admin areas (an area covers its descendants: their P-codes start with its
own) and, for records bound to a programme, in its programmes. Deny by default: no
membership, an inactive user, or a membership with no area sees nothing. Superusers see all.

A data sharing agreement in force today (`DataSharingAgreement`) adds, for each membership of
the receiving organisation whose role may receive shared data (`RECEIVING_ROLES`), a grant on
the providing organisation's records: the role's permissions limited to the level's
(`SHARED_PERMISSIONS`), over the areas and programmes both the membership and the agreement
cover. Outside its dates or once revoked an agreement adds nothing; no job is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from abri.access.models import DataSharingAgreement, Membership, Organisation
from abri.access.roles import (
    MANAGE_AGREEMENTS,
    RECEIVING_ROLES,
    SHARED_PERMISSIONS,
    VIEW_AGREEMENTS,
    VIEW_AUDIT,
    role_allows,
)
from abri.core.errors import NotFound
from abri.core.models import AuditEntry

AnyUser = User | AnonymousUser


@dataclass(frozen=True)
class Grant:
    """One active membership, reduced to what scope decisions need (no further queries)."""

    organisation_id: int
    role: str
    all_areas: bool
    area_pcodes: tuple[str, ...]
    all_programmes: bool
    programme_ids: frozenset[int]
    shared: frozenset[str] | None = None  # from an agreement: the level's permissions, which limit the role's
    agreement_id: int | None = None

    def allows(self, permission: str) -> bool:
        """Whether this grant carries ``permission`` (its role does, and its agreement's level if any)."""
        return role_allows(self.role, permission) and (self.shared is None or permission in self.shared)

    def covers_area(self, pcode: str | None) -> bool:
        """Whether this grant covers the admin area ``pcode`` (or one of its ancestors does)."""
        if self.all_areas:
            return True
        return pcode is not None and any(pcode.startswith(area) for area in self.area_pcodes)

    def covers_programme(self, programme_id: int | None) -> bool:
        """Whether this grant covers the programme ``programme_id``."""
        return self.all_programmes or (programme_id is not None and programme_id in self.programme_ids)


@dataclass(frozen=True)
class Scope:
    """What a user may do where; read once per request by :func:`scope_for`, then asked without queries."""

    user_id: int | None
    is_superuser: bool
    grants: tuple[Grant, ...]

    def grants_for(self, permission: str) -> tuple[Grant, ...]:
        """The grants whose role carries ``permission``."""
        return tuple(grant for grant in self.grants if grant.allows(permission))

    def allows(self, permission: str) -> bool:
        """Whether the user holds ``permission`` somewhere (superusers everywhere)."""
        return self.is_superuser or bool(self.grants_for(permission))

    def covers(
        self,
        permission: str,
        *,
        organisation_id: int,
        area_pcode: str | None,
        programme_id: int | None = None,
        programme_bound: bool = False,
    ) -> bool:
        """Whether one record (its organisation, admin area and programme) is in scope for ``permission``.

        ``area_pcode=None`` with ``programme_bound`` false means a record without an area,
        which only ``all_areas`` memberships cover.
        """
        if self.is_superuser:
            return True
        return any(
            grant.organisation_id == organisation_id
            and grant.covers_area(area_pcode)
            and (not programme_bound or grant.covers_programme(programme_id))
            for grant in self.grants_for(permission)
        )

    def q(
        self,
        permission: str,
        *,
        organisation_field: str = "organisation",
        area_field: str | None = "admin_area",
        programme_field: str | None = None,
    ) -> Q:
        """A filter keeping the records in scope for ``permission``.

        ``organisation_field`` and ``area_field`` name the record's foreign keys (``area_field``
        None: records without an area, kept only by ``all_areas`` memberships);
        ``programme_field`` names a programme key (``programme`` or ``pk``) for programme-bound records.
        """
        if self.is_superuser:
            return Q()
        allowed = Q(pk__in=[])
        for grant in self.grants_for(permission):
            condition = Q(**{f"{organisation_field}_id": grant.organisation_id})
            if not grant.all_areas:
                if area_field is None or not grant.area_pcodes:
                    continue
                areas = Q(pk__in=[])
                for pcode in grant.area_pcodes:
                    areas |= Q(**{f"{area_field}__pk__startswith": pcode})
                condition &= areas
            if programme_field is not None and not grant.all_programmes:
                if not grant.programme_ids:
                    continue
                condition &= Q(**{f"{programme_field}__in": sorted(grant.programme_ids)})
            allowed |= condition
        return allowed


NO_SCOPE = Scope(user_id=None, is_superuser=False, grants=())


def _areas_meet(
    first_all: bool, first: tuple[str, ...], second_all: bool, second: tuple[str, ...]
) -> tuple[bool, tuple[str, ...]]:
    """The admin areas two scopes both cover (an area covers its descendants): (all areas, P-codes)."""
    if first_all or second_all:
        return (first_all and second_all, second if first_all else first)
    both = {a if a.startswith(b) else b for a in first for b in second if a.startswith(b) or b.startswith(a)}
    return False, tuple(sorted(both))


def _programmes_meet(
    first_all: bool, first: frozenset[int], second_all: bool, second: frozenset[int]
) -> tuple[bool, frozenset[int]]:
    """The programmes two scopes both cover: (all programmes, ids)."""
    if first_all or second_all:
        return (first_all and second_all, second if first_all else first)
    return False, first & second


def _shared_grants(grants: tuple[Grant, ...]) -> tuple[Grant, ...]:
    """The grants the agreements in force today add to ``grants`` (one query, none without a receiving role).

    One row per agreement × area × programme (both joined): agreements name few of each.
    """
    receiving = {grant.organisation_id for grant in grants if grant.role in RECEIVING_ROLES}
    if not receiving:
        return ()
    today = timezone.localdate()  # in Abri's time zone
    rows = (
        DataSharingAgreement.objects.filter(
            receiving_organisation_id__in=receiving,
            revoked_at__isnull=True,
            valid_from__lte=today,
            valid_to__gte=today,
            providing_organisation__is_active=True,
        )
        .order_by("id")
        .values_list(
            "id",
            "providing_organisation_id",
            "receiving_organisation_id",
            "level",
            "all_areas",
            "all_programmes",
            "admin_areas",
            "programmes",
        )
    )
    agreements: dict[int, tuple[int, int, str, bool, bool]] = {}
    areas: dict[int, set[str]] = {}
    programmes: dict[int, set[int]] = {}
    for pk, providing, receiving_id, level, all_areas, all_programmes, area, programme in rows:
        agreements[pk] = (providing, receiving_id, level, all_areas, all_programmes)
        if area is not None:
            areas.setdefault(pk, set()).add(area)
        if programme is not None:
            programmes.setdefault(pk, set()).add(programme)
    shared = []
    for pk, (providing, receiving_id, level, all_areas, all_programmes) in agreements.items():
        for grant in grants:
            if grant.organisation_id != receiving_id or grant.role not in RECEIVING_ROLES:
                continue
            on_all_areas, area_pcodes = _areas_meet(
                grant.all_areas, grant.area_pcodes, all_areas, tuple(sorted(areas.get(pk, ())))
            )
            on_all_programmes, programme_ids = _programmes_meet(
                grant.all_programmes, grant.programme_ids, all_programmes, frozenset(programmes.get(pk, ()))
            )
            if not on_all_areas and not area_pcodes:
                continue  # the member works nowhere the agreement covers
            shared.append(
                Grant(
                    organisation_id=providing,
                    role=grant.role,
                    all_areas=on_all_areas,
                    area_pcodes=area_pcodes,
                    all_programmes=on_all_programmes,
                    programme_ids=programme_ids,
                    shared=SHARED_PERMISSIONS.get(level, frozenset()),
                    agreement_id=pk,
                )
            )
    return tuple(shared)


def scope_for(*, user: AnyUser | None) -> Scope:
    """The scope of ``user``: one query for the memberships, one each for their areas and programmes,
    and one for the agreements their organisations receive (only for a role that may receive them)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    if user.is_superuser:
        return Scope(user_id=user.pk, is_superuser=True, grants=())
    memberships = list(
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .order_by("id")
        .values_list("id", "organisation_id", "role", "all_areas", "all_programmes")
    )
    ids = [membership[0] for membership in memberships]
    areas: dict[int, list[str]] = {}
    for membership_id, pcode in Membership.admin_areas.through.objects.filter(membership_id__in=ids).values_list(
        "membership_id", "adminarea_id"
    ):
        areas.setdefault(membership_id, []).append(pcode)
    programmes: dict[int, set[int]] = {}
    for membership_id, programme_id in Membership.programmes.through.objects.filter(membership_id__in=ids).values_list(
        "membership_id", "programme_id"
    ):
        programmes.setdefault(membership_id, set()).add(programme_id)
    grants = tuple(
        Grant(
            organisation_id=organisation_id,
            role=role,
            all_areas=all_areas,
            area_pcodes=tuple(sorted(areas.get(membership_id, ()))),
            all_programmes=all_programmes,
            programme_ids=frozenset(programmes.get(membership_id, ())),
        )
        for membership_id, organisation_id, role, all_areas, all_programmes in memberships
    )
    return Scope(user_id=user.pk, is_superuser=False, grants=grants + _shared_grants(grants))


def memberships_active(*, user: AnyUser) -> list[Membership]:
    """The user's active memberships (in active organisations), the current one first, with their organisation."""
    if not user.is_authenticated or not user.is_active:
        return []
    return list(
        Membership.objects.select_related("organisation")
        .filter(user=user, is_active=True, organisation__is_active=True)
        .order_by("id")
    )


def membership_current(*, user: AnyUser) -> Membership | None:
    """The user's active membership (the first one, until a switch exists)."""
    if not user.is_authenticated or not user.is_active:
        return None
    return (
        Membership.objects.select_related("organisation")
        .filter(user=user, is_active=True, organisation__is_active=True)
        .order_by("id")
        .first()
    )


def memberships_granting(*, user: AnyUser, permission: str) -> list[Membership]:
    """The user's active memberships whose role carries ``permission``."""
    if not user.is_authenticated or not user.is_active:
        return []
    memberships = (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .prefetch_related("admin_areas")
        .order_by("id")
    )
    return [membership for membership in memberships if role_allows(membership.role, permission)]


def user_has_permission(*, user: AnyUser, permission: str) -> bool:
    """Whether ``user`` holds ``permission`` through an active membership (active superusers always)."""
    return scope_for(user=user).allows(permission)


def scope_q(
    *,
    user: AnyUser,
    permission: str,
    organisation_field: str = "organisation",
    area_field: str | None = "admin_area",
    programme_field: str | None = None,
) -> Q:
    """A filter keeping the records inside the user's scope for ``permission`` (see :meth:`Scope.q`)."""
    return scope_for(user=user).q(
        permission, organisation_field=organisation_field, area_field=area_field, programme_field=programme_field
    )


def agreements_visible(*, scope: Scope) -> QuerySet[DataSharingAgreement]:
    """The data sharing agreements ``scope`` may read: those its organisations give or receive (``VIEW_AGREEMENTS``)."""
    agreements = DataSharingAgreement.objects.select_related("providing_organisation", "receiving_organisation")
    if scope.is_superuser:
        return agreements
    organisations = sorted(
        {grant.organisation_id for grant in scope.grants_for(VIEW_AGREEMENTS) if grant.shared is None}
    )
    return agreements.filter(
        Q(providing_organisation_id__in=organisations) | Q(receiving_organisation_id__in=organisations)
    )


def access_agreement_by_id(*, scope: Scope, agreement_id: int) -> DataSharingAgreement:
    """One agreement ``scope`` may read; another's, or a missing one, is "not found" alike."""
    agreement = (
        agreements_visible(scope=scope).prefetch_related("admin_areas", "programmes").filter(pk=agreement_id).first()
    )
    if agreement is None:
        raise NotFound(_("No such data sharing agreement."))
    return agreement


def agreement_manageable(*, scope: Scope, agreement: DataSharingAgreement) -> bool:
    """Whether ``scope`` may revoke ``agreement``: an administrator of the providing organisation."""
    return scope.is_superuser or any(
        grant.organisation_id == agreement.providing_organisation_id and grant.shared is None
        for grant in scope.grants_for(MANAGE_AGREEMENTS)
    )


def organisations_managing_agreements(*, scope: Scope) -> list[int]:
    """The organisations whose agreements ``scope`` may record (all active ones for superusers)."""
    if scope.is_superuser:
        return list(Organisation.objects.filter(is_active=True).values_list("pk", flat=True))
    return sorted({grant.organisation_id for grant in scope.grants_for(MANAGE_AGREEMENTS) if grant.shared is None})


def audit_entries_visible(*, scope: Scope) -> QuerySet[AuditEntry]:
    """The audit entries ``scope`` may read: everything done by the users of the organisations it audits."""
    organisations = {grant.organisation_id for grant in scope.grants_for(VIEW_AUDIT)}
    if not organisations:
        return AuditEntry.objects.none()
    users = Membership.objects.filter(organisation_id__in=organisations).values("user_id")
    return AuditEntry.objects.filter(actor_id__in=users).select_related("actor")
