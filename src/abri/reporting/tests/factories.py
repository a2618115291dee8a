"""A Ménaka distribution whose handed-over households have known members, for reporting tests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User

from abri.access.models import Role
from abri.access.selectors import scope_for
from abri.access.tests.factories import MembershipFactory, UserFactory
from abri.assistance.models import Handover
from abri.assistance.services import distribution_households_add, handover_cancel, handover_record
from abri.assistance.tests.factories import FIRST_DAY, Setting, on_day, setting
from abri.registry.models import Household
from abri.registry.tests.factories import household_saved, member_input

TURNS_18 = datetime.date(2004, 12, 2)  # 18 on the distribution's first day: an adult


@dataclass
class Reached:
    setting: Setting
    im_officer: User
    reached: list[Household]
    absent: Household


def reached_setting() -> Reached:
    """Three entitled households of the Ménaka distribution, two of which received their kit:

    - a widow born 1980 (adult) with a girl born 2015 and a boy who turns 18 on the first day;
    - an elderly man born 1950 who cannot walk (a disability) and a woman born 1955;
    - an absent household (entitled, no handover), and a handover recorded then cancelled for it.
    """
    base = setting(households=0, kits=3)
    iom = base.iom
    first = household_saved(
        organisation=iom,
        members=[
            member_input(given_names="Aminata", family_name="Touré", marital_status="widowed"),
            member_input(
                given_names="Awa", family_name="Touré", relationship="child", birth_date=datetime.date(2015, 1, 9)
            ),
            member_input(
                given_names="Ousmane", family_name="Touré", sex="male", relationship="child", birth_date=TURNS_18
            ),
        ],
    )
    second = household_saved(
        organisation=iom,
        members=[
            member_input(
                given_names="Hamadoun",
                family_name="Dicko",
                sex="male",
                birth_date=datetime.date(1950, 5, 1),
                wg_walking="cannot_do_at_all",
            ),
            member_input(
                given_names="Kadidia", family_name="Dicko", relationship="spouse", birth_date=datetime.date(1955, 7, 1)
            ),
        ],
    )
    absent = household_saved(organisation=iom, members=[member_input(given_names="Mariam", family_name="Sidibé")])
    scope = scope_for(user=base.officer)
    entitlements = distribution_households_add(
        actor=base.officer, scope=scope, distribution=base.distribution, households=[first, second, absent]
    )
    token = {entitlement.household_id: entitlement.token for entitlement in entitlements}
    for household in (first, second):
        handover_record(actor=base.officer, scope=scope, token=token[household.pk], at=on_day(FIRST_DAY))
    mistaken = handover_record(actor=base.officer, scope=scope, token=token[absent.pk], at=on_day(FIRST_DAY, 11))
    handover_cancel(actor=base.officer, scope=scope, handover=Handover.objects.get(pk=mistaken.pk), reason="wrong card")
    im_officer = UserFactory(username="im.mali")
    MembershipFactory(
        user=im_officer, organisation=iom, role=Role.INFORMATION_MANAGEMENT_OFFICER, all_areas=True, all_programmes=True
    )
    base.distribution.refresh_from_db()
    return Reached(setting=base, im_officer=im_officer, reached=[first, second], absent=absent)
