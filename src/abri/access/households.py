"""Access to households and individuals: the few helpers every interface goes through.

Each answers "not found" both for a record that does not exist and for one outside the
caller's scope, so that nobody learns a household exists by being refused it. A record
that is visible but may not be changed answers "permission denied".
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from abri.access.models import Organisation
from abri.access.roles import CHANGE_HOUSEHOLD, VIEW_HOUSEHOLD, VIEW_PERSONAL_DATA
from abri.access.selectors import Scope
from abri.core.errors import NotFound, PermissionDenied, ValidationFailed
from abri.registry.flags import FLAG_FIELDS
from abri.registry.models import Household, HouseholdStatus, Individual


def households_visible(*, scope: Scope, permission: str = VIEW_HOUSEHOLD) -> QuerySet[Household]:
    """The households in ``scope`` for ``permission``."""
    return Household.objects.filter(scope.q(permission))


def household_list(
    *,
    scope: Scope,
    admin_area: str = "",
    site_id: int | None = None,
    flags: Iterable[str] = (),
    status: str = "",
) -> QuerySet[Household]:
    """Visible households, filtered: ``admin_area`` keeps that area and its descendants; every flag must hold."""
    households = households_visible(scope=scope)
    if admin_area:
        households = households.filter(admin_area__pk__startswith=admin_area.strip().upper())
    if site_id is not None:
        households = households.filter(site_id=site_id)
    errors: dict[str, list[str]] = {}
    for flag in flags:
        if flag not in FLAG_FIELDS:
            errors.setdefault("flag", []).append(_not_allowed(flag, FLAG_FIELDS))
    if status and status not in HouseholdStatus.values:
        errors["status"] = [_not_allowed(status, HouseholdStatus.values)]
    if errors:
        raise ValidationFailed(errors)
    households = households.filter(**dict.fromkeys(flags, True))
    # A merged household lives on in the one it was merged into: listed only when asked for.
    households = households.filter(status=status) if status else households.exclude(status=HouseholdStatus.MERGED)
    return households.select_related("organisation").prefetch_related(
        Prefetch("members", queryset=Individual.objects.order_by("id"))
    )


def _not_allowed(value: str, allowed: Iterable[str]) -> str:
    return _("%(value)s is not one of the allowed values: %(allowed)s.") % {
        "value": value,
        "allowed": ", ".join(allowed),
    }


def access_household_by_registration_number(
    *, scope: Scope, registration_number: str, permission: str = VIEW_HOUSEHOLD
) -> Household:
    """The household with this number if ``scope`` may see it for ``permission``; otherwise NotFound."""
    household = (
        households_visible(scope=scope, permission=permission)
        .select_related("organisation")
        .prefetch_related(Prefetch("members", queryset=Individual.objects.order_by("id")))
        .filter(registration_number=registration_number)
        .first()
    )
    if household is None:
        raise NotFound(_("No household %(number)s.") % {"number": registration_number})
    return household


def access_household_for_change(*, scope: Scope, registration_number: str) -> Household:
    """The household, if visible and changeable: NotFound when not visible, PermissionDenied when read-only."""
    household = access_household_by_registration_number(scope=scope, registration_number=registration_number)
    if not household_changeable(scope=scope, household=household):
        raise PermissionDenied(
            _("You may see household %(number)s but not change it.") % {"number": household.registration_number}
        )
    return household


def household_changeable(*, scope: Scope, household: Household, admin_area: str | None = None) -> bool:
    """Whether ``scope`` may change ``household`` (placed in ``admin_area`` when given: a move)."""
    return scope.covers(
        CHANGE_HOUSEHOLD,
        organisation_id=household.organisation_id,
        area_pcode=admin_area if admin_area is not None else household.admin_area_id,
    )


def personal_data_visible(*, scope: Scope, household: Household) -> bool:
    """Whether ``scope`` may read the names, dates of birth, phone and identity numbers of ``household``."""
    return scope.covers(
        VIEW_PERSONAL_DATA, organisation_id=household.organisation_id, area_pcode=household.admin_area_id
    )


def individuals_visible(*, scope: Scope, permission: str = VIEW_HOUSEHOLD) -> QuerySet[Individual]:
    """The individuals whose household is in ``scope`` for ``permission``."""
    return Individual.objects.filter(
        scope.q(permission, organisation_field="household__organisation", area_field="household__admin_area")
    )


def individual_list(*, scope: Scope, admin_area: str = "", household: str = "") -> QuerySet[Individual]:
    """Visible individuals, by area (and its descendants) or by household registration number;
    members folded by a household merge are left out (they live on in the kept household)."""
    individuals = individuals_visible(scope=scope).exclude(household__status=HouseholdStatus.MERGED)
    if admin_area:
        individuals = individuals.filter(household__admin_area__pk__startswith=admin_area.strip().upper())
    if household:
        individuals = individuals.filter(household__registration_number=household)
    return individuals.select_related("household").order_by("id")


def access_individual_by_id(*, scope: Scope, individual_id: int) -> Individual:
    """The individual if ``scope`` may see their household; otherwise NotFound."""
    individual = individuals_visible(scope=scope).select_related("household").filter(pk=individual_id).first()
    if individual is None:
        raise NotFound(_("No individual %(id)s.") % {"id": individual_id})
    return individual


def registering_organisation(*, scope: Scope, admin_area: str, acronym: str = "") -> Organisation:
    """The organisation a new household in ``admin_area`` is registered for.

    The caller's memberships allowed to register there decide; ``acronym`` picks one when
    several could. Superusers must name the organisation.
    """
    if scope.is_superuser:
        organisation = Organisation.objects.filter(acronym=acronym, is_active=True).first() if acronym else None
        if organisation is None:
            raise ValidationFailed({"organisation": [_("Say which active organisation registers this household.")]})
        return organisation
    if not scope.allows(CHANGE_HOUSEHOLD):
        raise PermissionDenied(_("Your role does not allow registering households."))
    candidates = {
        grant.organisation_id for grant in scope.grants_for(CHANGE_HOUSEHOLD) if grant.covers_area(admin_area)
    }
    organisations = Organisation.objects.filter(pk__in=candidates, is_active=True)
    if acronym:
        organisations = organisations.filter(acronym=acronym)
    found = list(organisations[:2])
    if not found:
        raise PermissionDenied(
            _("You may not register households for this organisation in the admin area %(pcode)s.")
            % {"pcode": admin_area or "—"}
        )
    if len(found) > 1:
        raise ValidationFailed(
            {"organisation": [_("You register for several organisations here: say which one (its acronym).")]}
        )
    return found[0]
