"""A few grievances of the Ménaka response: one exclusion complaint the committee resolved (the
list's version 2), a complaint about a kit, a staff-conduct complaint (sensitive), an SMS.

Idempotent: loaded with the targeting demo only, when the Ménaka plan is first created.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import User

from abri.grievances.services import (
    grievance_answer,
    grievance_close,
    grievance_receive,
    grievance_refer,
    grievance_review,
)
from abri.registry.models import Household
from abri.targeting.demo import PLAN_NAME, second_version_load, targeting_demo_load
from abri.targeting.models import TargetingPlan


def targeting_and_grievances_demo_load() -> dict[str, tuple[int, int]]:
    """Load the Ménaka targeting and its grievances; returns (created, kept) by kind."""
    counts = targeting_demo_load()
    complainant_id = counts.pop("_complainant", (0, 0))[0]
    if not complainant_id:
        return counts
    secretary = User.objects.get(username="committee.menaka")
    plan = TargetingPlan.objects.get(name=PLAN_NAME)
    complainant = Household.objects.get(pk=complainant_id)
    exclusion = grievance_receive(
        actor=secretary,
        channel="help_desk",
        category="exclusion",
        description="La cheffe de ménage dit avoir été oubliée sur la liste des kits ANA alors qu'elle est veuve.",
        received_on=datetime.date(2022, 12, 2),
        household_number=complainant.registration_number,
        plan=plan,
    )
    grievance_refer(actor=secretary, grievance=exclusion, plan=plan)
    second_version_load(complainant=complainant, grievance_reference=exclusion.reference)
    grievance_answer(
        actor=secretary,
        grievance=exclusion,
        response="Le comité du 4 décembre a inclus le ménage (liste version 2) ; kit remis le 5 décembre.",
        on=datetime.date(2022, 12, 4),
    )
    grievance_close(actor=secretary, grievance=exclusion)
    quality = grievance_receive(
        actor=secretary,
        channel="community_meeting",
        category="quality",
        description="Des nattes du kit sont déchirées à la remise.",
        received_on=datetime.date(2022, 12, 3),
        admin_area="ML1001",
    )
    grievance_review(actor=secretary, grievance=quality)
    grievance_answer(
        actor=secretary,
        grievance=quality,
        response="Les nattes abîmées sont remplacées au magasin.",
        on=datetime.date(2022, 12, 5),
    )
    grievance_receive(
        actor=secretary,
        channel="hotline",
        category="staff_conduct",
        description="Un agent aurait demandé de l'argent pour inscrire un ménage.",
        received_on=datetime.date(2022, 12, 3),
        admin_area="ML1001",
    )
    grievance_receive(
        actor=secretary,
        channel="sms",
        category="other",
        description="Demande de la date de la prochaine distribution.",
        received_on=datetime.date(2022, 12, 4),
        admin_area="ML1001",
    )
    counts["committee sessions"] = (2, 0)
    counts["published lists"] = (2, 0)
    counts["grievances"] = (4, 0)
    return counts
