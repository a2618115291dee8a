"""The Ménaka distribution of the reference scenario: NFI kits handed to 335 households from 2 to 5
December 2022, before the prefect, the mayor and community leaders, then reconciled and closed.

Loaded through the services, as the officers would have done it: planned by the distribution
officer, its households taken from version 2 of the Ménaka plan's published list, kits
dispatched by the warehouse officer, each handover recorded once, closed with the kits left
returned to the warehouse. Idempotent: a distribution already there is kept.
"""

from __future__ import annotations

import datetime
from typing import Protocol

import numpy as np
from django.contrib.auth.models import User
from django.utils import timezone

from abri.access.models import Organisation
from abri.access.selectors import scope_for
from abri.assistance.models import ConflictResolution, Distribution, HandoverConflict, Programme, WitnessKind
from abri.assistance.services import (
    distribution_close,
    distribution_dispatch,
    distribution_households_from_list,
    distribution_open,
    distribution_plan,
    distribution_witness_add,
    handover_record,
)
from abri.assistance.sync import QueuedHandover, conflict_resolve, offline_sync
from abri.geo.models import AdminArea, Site
from abri.stock.demo import stock_demo_load
from abri.stock.models import Kit, Warehouse
from abri.targeting.demo import PLAN_NAME
from abri.targeting.models import PublishedList

CODE = "MNK-NFI-2022-12"
FIRST_DAY = datetime.date(2022, 12, 2)
DAYS = 4
ENTITLED = 335
HANDED_OVER_PER_DAY = (92, 88, 81, 68)  # 329 of 335: six households did not come
SEED = 20221202
POINTS = ("Point 1 — Site de déplacés Ménaka Nord", "Point 2 — Site de déplacés Ménaka Est")
# name, kind, title, present on (None: every day); the people are invented for the demo
WITNESSES = (
    ("Abdoulaye Maïga", WitnessKind.AUTHORITY, "Préfet du cercle de Ménaka", None),
    ("Aminata Walet Intallah", WitnessKind.AUTHORITY, "Adjointe au maire de Ménaka", FIRST_DAY),
    ("Hamadoun Ag Mohamed", WitnessKind.COMMUNITY_LEADER, "Chef de quartier, Ménaka Nord", None),
    ("Fatimata Walet Assaleh", WitnessKind.COMMUNITY_LEADER, "Présidente des femmes déplacées", None),
    ("Ousmane Ag Ahmed", WitnessKind.AUTHORITY, "DRDSES de Ménaka", FIRST_DAY + datetime.timedelta(days=3)),
)


class Counter(Protocol):
    def count(self, name: str, *, created: int, kept: int) -> None: ...


def distribution_demo_load(*, result: Counter, organisations: dict[str, Organisation]) -> None:
    """The stock, then the Ménaka distribution with its entitlements, handovers, witnesses and closing."""
    created, kept = stock_demo_load(iom=organisations["IOM"], donor=organisations["OCHA"])
    result.count("stock records", created=created, kept=kept)
    if Distribution.objects.filter(code=CODE).exists():
        result.count("distributions", created=0, kept=1)
        return
    officer = User.objects.get(username="distribution.menaka")
    keeper = User.objects.get(username="warehouse.menaka")
    scope = scope_for(user=officer)
    distribution = distribution_plan(
        actor=officer,
        scope=scope,
        code=CODE,
        name="Kits ANA aux ménages déplacés de Ménaka",
        programme=Programme.objects.get(code="MLI-MNK-NFI-2022"),
        admin_area=AdminArea.objects.get(pk="ML1001"),
        starts_on=FIRST_DAY,
        ends_on=FIRST_DAY + datetime.timedelta(days=DAYS - 1),
        kit=Kit.objects.get(code="NFI"),
        warehouse=Warehouse.objects.get(code="MNK-01"),
        points=POINTS,
        site=Site.objects.filter(name="Site de déplacés Ménaka Nord").first(),
        staff=[officer, keeper],
    )
    for name, kind, title, present_on in WITNESSES:
        distribution_witness_add(
            actor=officer,
            scope=scope,
            distribution=distribution,
            name=name,
            kind=kind,
            title=title,
            present_on=present_on,
        )
    # The 335 households the committee included in version 2 of the Ménaka plan's list.
    entitlements = distribution_households_from_list(
        actor=officer,
        scope=scope,
        distribution=distribution,
        published_list=PublishedList.objects.get(plan__name=PLAN_NAME, version=2),
    )
    distribution_dispatch(
        actor=keeper,
        scope=scope_for(user=keeper),
        distribution=distribution,
        kits=ENTITLED,
        occurred_on=FIRST_DAY - datetime.timedelta(days=1),
    )
    distribution_open(actor=officer, scope=scope, distribution=distribution)
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(entitlements)).tolist()
    position = 0
    for offset, count in enumerate(HANDED_OVER_PER_DAY):
        day = FIRST_DAY + datetime.timedelta(days=offset)
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 0)))
        for number in range(count):
            entitlement = entitlements[order[position]]
            position += 1
            proxy = number % 9 == 4
            handover_record(
                actor=officer,
                scope=scope,
                token=entitlement.token,
                receiver="proxy" if proxy else "head",
                proxy_name="Proche désigné par le chef de ménage" if proxy else "",
                proxy_relationship=("fils", "épouse", "frère", "voisine")[number % 4] if proxy else "",
                photo_consent=number % 3 != 0,
                point=POINTS[number % 2],
                distribution=distribution,
                at=start + datetime.timedelta(minutes=4 * number),
            )
    # A tablet at the second point worked offline and synced late: it had handed over a kit
    # recorded already at the first point. The first stands; the supervisor resolves the conflict.
    twice = entitlements[order[0]]
    offline_sync(
        actor=officer,
        scope=scope,
        distribution=distribution,
        items=[
            QueuedHandover(
                key="demo-offline-0001",
                token=twice.token,
                at=(start + datetime.timedelta(minutes=30)).isoformat(),
                point=POINTS[1],
                device="tablette-2",
            )
        ],
    )
    # The supervisor went to the household with the site's leader: the second kit came back.
    conflict_resolve(
        actor=officer,
        scope=scope,
        conflict=HandoverConflict.objects.get(distribution=distribution, key="demo-offline-0001"),
        resolution=ConflictResolution.SECOND_KIT_RECOVERED,
        note="Vérifié avec le chef de site le 3 décembre : le second kit a été rendu au point 1.",
    )
    distribution_close(actor=officer, scope=scope, distribution=distribution)
    result.count("distributions", created=1, kept=0)
    result.count("entitlements", created=len(entitlements), kept=0)
    result.count("handovers", created=sum(HANDED_OVER_PER_DAY), kept=0)
