"""Programmes, plans and committee members for targeting tests, with keys kept consistent."""

from __future__ import annotations

from datetime import date
from typing import Any

from abri.access.models import Membership, Organisation, Role
from abri.access.tests.factories import MembershipFactory, ProgrammeFactory, UserFactory
from abri.geo.models import AdminArea
from abri.registry.tests.factories import household_saved, member_input
from abri.targeting.models import MemberRole
from abri.targeting.services import member_add, plan_create


def programme_saved(*, organisation: Organisation, code: str = "MLI-MNK-NFI-2022") -> Any:
    """A programme (assistance sits above targeting: its model is reached by label)."""
    return ProgrammeFactory(code=code, name=f"Programme {code}", organisation=organisation)


def login(*, organisation: Organisation, role: str, areas: tuple[str, ...] = ("ML10",), programmes=(), username=None):
    membership: Membership = MembershipFactory(
        organisation=organisation,
        role=role,
        areas=list(AdminArea.objects.filter(pk__in=areas)),
        programme_list=list(programmes),
        all_programmes=not programmes,
        **({"user": UserFactory(username=username)} if username else {}),
    )
    return membership.user


def widow(**overrides):
    """A household headed by a widow (score 3 under the Ménaka criteria)."""
    return [
        member_input(marital_status="widowed", **overrides),
        member_input(given_names="Awa", relationship="child", birth_date=date(2012, 1, 1)),
    ]


def menaka_households(*, organisation: Organisation, count: int) -> list:
    """``count`` households in Ménaka: every third one widow-headed."""
    return [
        household_saved(organisation=organisation, members=widow() if index % 3 == 0 else None)
        if index % 3 == 0
        else household_saved(organisation=organisation)
        for index in range(count)
    ]


SIMPLE_CRITERIA = {
    "eligibility": [{"field": "displacement_cause", "op": "eq", "value": "armed_conflict"}],
    "scoring": [
        {"field": "widow_headed", "weight": 3, "label": "Veuve"},
        {"field": "size", "op": "ge", "value": 3, "weight": 1, "label": "3 personnes ou plus"},
    ],
    "tie_breaks": ["size_desc"],
}


def plan_saved(*, actor, programme: Any, quota: int = 2, criteria=None, areas=("ML10",)):
    return plan_create(
        actor=actor,
        programme=programme,
        name="Ciblage ANA Ménaka",
        area_pcodes=areas,
        criteria=criteria or SIMPLE_CRITERIA,
        quota=quota,
    )


def committee(*, actor, plan):
    return [
        member_add(actor=actor, plan=plan, name="Fadimata Walet", role=MemberRole.WOMEN_REPRESENTATIVE, validates=True),
        member_add(actor=actor, plan=plan, name="Chef de village", role=MemberRole.COMMUNITY_LEADER),
        member_add(actor=actor, plan=plan, name="Préfet adjoint", role=MemberRole.LOCAL_AUTHORITY, validates=True),
    ]


__all__ = ["Role"]
