"""The Ménaka targeting of the reference scenario: the NFI plan (335 households), its selection
committee, the session of 1 December 2022 with its minutes and decisions, the published list, and
a second version after an exclusion complaint the committee found justified.

Loaded through the services, as a targeting officer and the committee secretary would; idempotent:
when the plan exists, nothing is added.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User

from abri.registry.models import Household
from abri.targeting.criteria import menaka_nfi_criteria
from abri.targeting.models import MemberRole, ScoredHousehold, TargetingPlan
from abri.targeting.services import (
    decision_record,
    decisions_confirm_proposals,
    member_add,
    plan_create,
    plan_run,
    programme_for_plan,
    session_open,
    session_publish,
    validation_record,
)

PLAN_NAME = "Ciblage ANA Ménaka — décembre 2022"
PROGRAMME = "MLI-MNK-NFI-2022"
QUOTA = 335
SCORED_ON = datetime.date(2022, 12, 1)
SESSION_ON = datetime.date(2022, 12, 1)
SECOND_SESSION_ON = datetime.date(2022, 12, 4)
RE_REGISTERED_ON = datetime.date(2022, 11, 28)

# name, role, affiliation, validates the list
MEMBERS = (
    ("Agaïchatou Walet Mohamed", MemberRole.IDP_REPRESENTATIVE, "Site de déplacés Ménaka Nord", False),
    ("Alhousseini Ag Intallah", MemberRole.IDP_REPRESENTATIVE, "Site de déplacés Ménaka Est", False),
    ("Fadimata Walet Alhassane", MemberRole.WOMEN_REPRESENTATIVE, "Association des femmes de Ménaka", True),
    ("Moussa Ag Assarid", MemberRole.DISABILITY_REPRESENTATIVE, "Association des personnes handicapées", False),
    ("Hadiza Maïga", MemberRole.HOST_COMMUNITY, "Quartier Ménaka-Ouest", False),
    ("Ibrahim Ag Mohamedoun", MemberRole.LOCAL_AUTHORITY, "Préfecture de Ménaka", True),
    ("Ahmadou Ag Bilal", MemberRole.COMMUNITY_LEADER, "Chefferie de Ménaka", False),
    ("Mohamed Ag Alhassane", MemberRole.AGENCY_STAFF, "OIM", True),
)
MINUTES = (
    "Séance du comité de sélection, mairie de Ménaka, 1er décembre 2022, en présence des autorités et des "
    "leaders communautaires. Le comité a examiné la liste proposée par le score de vulnérabilité (veuves, "
    "personnes âgées, parents seuls, personnes handicapées). Les ménages enregistrés une seconde fois sur un "
    "autre site sont écartés ; des ménages oubliés par le score sont ajoutés sur témoignage des représentants."
)


def targeting_demo_load() -> dict[str, tuple[int, int]]:
    """Load the Ménaka plan, its committee, sessions and published lists; returns (created, kept) by kind."""
    if TargetingPlan.objects.filter(name=PLAN_NAME).exists():
        return {"targeting plans": (0, 1)}
    officer = User.objects.get(username="targeting.menaka")
    secretary = User.objects.get(username="committee.menaka")
    plan = plan_create(
        actor=officer,
        programme=programme_for_plan(actor=officer, code=PROGRAMME),
        name=PLAN_NAME,
        area_pcodes=["ML10"],
        criteria=menaka_nfi_criteria(),
        quota=QUOTA,
    )
    run = plan_run(actor=officer, plan=plan, on=SCORED_ON)
    members = [
        member_add(actor=secretary, plan=plan, name=name, role=role, affiliation=affiliation, validates=validates)
        for name, role, affiliation, validates in MEMBERS
    ]
    session = session_open(
        actor=secretary,
        plan=plan,
        held_on=SESSION_ON,
        place="Mairie de Ménaka",
        attendee_ids=[member.pk for member in members],
        minutes=MINUTES,
    )
    scores = list(
        ScoredHousehold.objects.filter(run=run)
        .select_related("household")
        .order_by("-eligible", "rank", "household_id")
    )
    proposed = [score.household for score in scores if score.proposed]
    others = [
        score.household for score in scores if not score.proposed and score.household.registered_on != RE_REGISTERED_ON
    ]
    twice = [household for household in proposed if household.registered_on == RE_REGISTERED_ON]
    for household in twice:
        decision_record(
            actor=secretary,
            session=session,
            number=household.registration_number,
            decision="exclude",
            reason="Enregistré une seconde fois sur un autre site : le ménage figure déjà sur la liste.",
        )
    if not twice:
        decision_record(
            actor=secretary,
            session=session,
            number=proposed[-1].registration_number,
            decision="wait_list",
            reason="Kit reçu d'un autre partenaire en novembre : liste d'attente.",
        )
    for household in others[: max(0, len(twice) - 1)]:
        decision_record(
            actor=secretary,
            session=session,
            number=household.registration_number,
            decision="include",
            reason="Oublié par le score : personne âgée isolée, confirmé par les représentants des déplacés.",
        )
    decisions_confirm_proposals(
        actor=secretary, session=session, reason="Proposé par le score, confirmé par le comité."
    )
    for member in members:
        if member.validates:
            validation_record(actor=secretary, session=session, member_id=member.pk)
    session_publish(actor=secretary, session=session)
    complainant: Household = others[max(0, len(twice) - 1)]
    return {
        "targeting plans": (1, 0),
        "committee members": (len(members), 0),
        "committee sessions": (1, 0),
        "published lists": (1, 0),
        "_complainant": (complainant.pk, 0),
    }


def second_version_load(*, complainant: Household, grievance_reference: str) -> None:
    """The committee's second session: the household of an exclusion complaint, included; version 2."""
    plan = TargetingPlan.objects.get(name=PLAN_NAME)
    secretary = User.objects.get(username="committee.menaka")
    members = list(plan.members.order_by("id"))
    session = session_open(
        actor=secretary,
        plan=plan,
        held_on=SECOND_SESSION_ON,
        place="Mairie de Ménaka",
        attendee_ids=[member.pk for member in members[:6]] + [members[-1].pk],
        minutes=(
            "Séance du 4 décembre 2022 : examen de la plainte d'exclusion "
            f"{grievance_reference}. Le comité constate que la cheffe de ménage est veuve et inclut le ménage."
        ),
    )
    decision_record(
        actor=secretary,
        session=session,
        number=complainant.registration_number,
        decision="include",
        reason=f"Plainte {grievance_reference} fondée : veuve avec enfants, oubliée lors de l'enregistrement.",
    )
    for member in members:
        if member.validates:
            validation_record(actor=secretary, session=session, member_id=member.pk)
    session_publish(actor=secretary, session=session, reason=f"Plainte d'exclusion {grievance_reference} fondée.")
