"""The access matrix: every page and every API operation, as every demo login, on records inside
and outside the login's organisation, areas and programmes.

The reference scenario is loaded once. For each route the table below says who may use it on
which record; everyone else gets "not found" (404) for a record outside their scope, or
"permission denied" (403) for a record they may see but not act on. Personal fields (names,
phones, identity numbers, exact dates of birth, marital status, disabilities, pregnancy,
documents) appear for the logins that may see them and for no one else. Refused writes and
downloads change nothing.

A route that is not in the table fails :func:`test_every_route_is_in_the_matrix`: a new page
joins the matrix the day it is written (see docs/development.md, "The access matrix test").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone, translation

from abri.access.models import DataSharingAgreement, Organisation
from abri.access.services import agreement_create
from abri.assistance.models import (
    Distribution,
    DistributionKits,
    Entitlement,
    Handover,
    HandoverConflict,
    IdempotencyKey,
    Witness,
)
from abri.config.api import api
from abri.core import crypto
from abri.dedup.lists import storage as lists_storage
from abri.dedup.merges.services import household_merge
from abri.dedup.models import DeduplicationRun, ListRun, ListRunStatus, MatchCandidate, RunStatus
from abri.dedup.tests.factories import ListRunFactory
from abri.grievances.models import Grievance
from abri.intake.models import ImportBatch
from abri.intake.selectors import batch_scope_fields
from abri.registry.models import BirthDatePrecision, Household, HouseholdMerge, HouseholdStatus, Individual
from abri.registry.normalise import phone_shown
from abri.shelter.models import Allocation, PopulationCount, Relocation, ShelterUnit, StatusChange
from abri.stock.models import Kit, KitVersion, StockMovement, Warehouse
from abri.synth.demo import LOGINS, demo_load
from abri.targeting.models import CommitteeDecision, CommitteeSession, PublishedList, TargetingPlan, TargetingRun

ADMIN = "admin.abri"
REG_MENAKA = "registration.menaka"
REG_BANDIAGARA = "registration.bandiagara"
TARGETING = "targeting.menaka"
COMMITTEE = "committee.menaka"
DISTRIBUTION = "distribution.menaka"
WAREHOUSE = "warehouse.menaka"
SHELTER = "shelter.bandiagara"
IM = "im.mali"
PARTNER = "partner.unhcr"
AUDITOR = "auditor.iom"
USERS = [login[0] for login in LOGINS]

# --- who may do what, written out by hand from the roles and the demo memberships -----------------
# Every demo household is IOM's. IOM shares the figures of its Ménaka households with UNHCR (a data
# sharing agreement, "figures only"): UNHCR's partner viewer counts and lists them, opens their pages,
# never reads a name, changes nothing; IOM's Bandiagara households are not shared.

SEES = {
    "menaka": {ADMIN, REG_MENAKA, TARGETING, COMMITTEE, DISTRIBUTION, IM, AUDITOR, PARTNER},
    "bandiagara": {ADMIN, REG_BANDIAGARA, SHELTER, IM, AUDITOR},
}
# The auditor counts, never names; nor does UNHCR's viewer (its role, and the agreement's level).
PERSONAL = {area: users - {AUDITOR, PARTNER} for area, users in SEES.items()}
CHANGES = {"menaka": {ADMIN, REG_MENAKA}, "bandiagara": {ADMIN, REG_BANDIAGARA}}
AUDIT = {"menaka": {ADMIN, AUDITOR}, "bandiagara": {ADMIN, AUDITOR}}
MERGES = CHANGES  # change the household and review duplicates, in its scope
ERASES = {"menaka": {ADMIN}, "bandiagara": {ADMIN}}  # a person's request to delete: administrators only
IMPORTERS = {ADMIN, REG_MENAKA, REG_BANDIAGARA, IM}
REVIEWERS = {ADMIN, REG_MENAKA, REG_BANDIAGARA, IM}
CREATORS = {ADMIN, REG_MENAKA, REG_BANDIAGARA}
LIST_USERS = {ADMIN, IM}
# A batch uploaded in Ménaka, its problems report (an export of personal data), a pair of Ménaka
# registrations, a partner list uploaded by the information management officer.
BATCH = {ADMIN, REG_MENAKA, IM}
BATCH_REPORT = {ADMIN, IM}
PAIR = {ADMIN, REG_MENAKA, IM}
LIST_RUN = {IM}  # the uploader only, administrators included
# The Ménaka distribution (IOM, ML1001, programme MLI-MNK-NFI-2022, closed): seen by those who view
# distributions there; its handover point, cards and lists (heads' names) for those who record
# handovers or manage it; nobody of Bandiagara, and no one of the registry alone.
DISTRIBUTION_CODE = "MNK-NFI-2022-12"
DISTRIBUTION_SEES = {ADMIN, DISTRIBUTION, WAREHOUSE, IM, AUDITOR}
DISTRIBUTION_RUNS = {ADMIN, DISTRIBUTION}
DISPATCHERS = {ADMIN, WAREHOUSE}  # move the stock of IOM's Ménaka warehouse
STOCK_SEES = {ADMIN, DISTRIBUTION, WAREHOUSE, IM, AUDITOR}  # IOM's Ménaka warehouse and its ledger
STOCK_VIEWERS = STOCK_SEES | {SHELTER}  # the kits: every role that sees some stock
KIT_PLANNERS = {ADMIN, DISTRIBUTION}  # change what a kit holds (a new version)
# Targeting of the Ménaka NFI programme: who sees the plan, builds it, does the committee's work, exports.
TARGETING_VIEW = {ADMIN, TARGETING, COMMITTEE, DISTRIBUTION, IM, AUDITOR}
PLANNERS = {ADMIN, TARGETING}
SECRETARIES = {ADMIN, COMMITTEE}
LIST_EXPORT = {ADMIN, IM}
GRIEVANCE_VIEW = {ADMIN, TARGETING, COMMITTEE, IM, AUDITOR}
GRIEVANCE_MANAGE = {ADMIN, COMMITTEE}  # receive, review, answer, close, send back to the committee
# Shelter in Bandiagara (IOM, ML0501): the sites and shelters for those who view shelter there; the
# lifecycle, materials, allocations and relocations for those who manage it.
SHELTER_VIEW = {ADMIN, SHELTER, IM, AUDITOR}
SHELTER_RUNS = {ADMIN, SHELTER}
BANDIAGARA = ("bandiagara",)
REPORTS = {ADMIN, DISTRIBUTION, IM, AUDITOR}  # 5W, indicators, the operation dashboard (counts only)
ACTIVITY_IMPORTERS = {ADMIN, IM}  # partners' 5W rows
# Data sharing agreements: IOM's with UNHCR is read by both sides (IOM's information management
# officer and auditor, UNHCR's viewer); only IOM's administrator records or revokes one. IOM's
# agreement with UNICEF (made for the matrix, revoked by it) is nothing to UNHCR.
AGREEMENT_VIEW = {ADMIN, IM, AUDITOR, PARTNER}
AUDIT_VIEWERS = {ADMIN, AUDITOR}  # core.view_audit: the audit log of their organisation's users
AGREEMENT_MANAGERS = {ADMIN}

EVERYONE = set(USERS)
OK = "ok"


@dataclass(frozen=True)
class Records:
    menaka: Household
    bandiagara: Household
    merged_menaka: HouseholdMerge
    batch: ImportBatch
    pair: MatchCandidate
    list_run: ListRun
    done_run: ListRun
    others: dict[str, Household]  # another household of the same area, to merge with
    counts: dict[str, int]
    plan: TargetingPlan
    session: CommitteeSession  # published: every write on it is refused with a reason
    published: PublishedList
    grievance: Grievance  # an ordinary (not sensitive) grievance of Ménaka
    agreement: DataSharingAgreement  # the demo's: IOM shares the figures of Ménaka with UNHCR
    spare_agreement: DataSharingAgreement  # IOM's with UNICEF, for the revocation


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), namespace + (pattern.name or "")


def routes() -> set[str]:
    """Every named page outside the admin, and every API operation as ``METHOD /path``."""
    schema = api.get_openapi_schema()["paths"]
    operations = {f"{method.upper()} {path}" for path, methods in schema.items() for method in methods}
    pages = {
        name
        for route, name in _walk(get_resolver().url_patterns)
        if not route.startswith("admin/") and "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route) not in schema
    }
    return pages | operations


# --- the demo, loaded once -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def records(django_db_setup, django_db_blocker) -> Iterator[Records]:
    """The reference scenario and a few records of each kind, rolled back after the module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with translation.override("fr"):
                demo_load(today=timezone.localdate())
            found = _records()
            yield found
        finally:
            if "found" in locals():
                lists_storage.remove(found.done_run)
                lists_storage.remove(found.list_run)
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _head_with_everything(area: str) -> Household:
    """A household of ``area`` whose members carry every kind of personal field."""
    households = Household.objects.filter(admin_area__pk__startswith=area, status=HouseholdStatus.REGISTERED)
    for household in households.exclude(phone_encrypted="").prefetch_related("members").order_by("id"):
        members = list(household.members.all())
        head = next(member for member in members if member.relationship == "head")
        if (
            head.birth_date_precision == BirthDatePrecision.EXACT
            and head.id_number_encrypted
            and head.marital_status
            and any(member.wg_walking or member.wg_seeing for member in members)
        ):
            return household
    raise AssertionError(f"no household in {area} carries every personal field")


def _records() -> Records:
    iom = Organisation.objects.get(acronym="IOM")
    users = {user.username: user for user in User.objects.all()}
    menaka = _head_with_everything("ML10")
    bandiagara = _head_with_everything("ML05")
    # Two Ménaka registrations merged, for the page that undoes a merge.
    kept, absorbed = (
        Household.objects.filter(admin_area__pk__startswith="ML10", status=HouseholdStatus.REGISTERED)
        .exclude(pk=menaka.pk)
        .order_by("-id")[:2]
    )
    merge = household_merge(actor=users[ADMIN], keep=kept, absorb=absorbed, reason="Matrice d'accès")
    batch = ImportBatch.objects.create(
        organisation=iom,
        created_by=users[REG_MENAKA],
        file_name="menaka.xlsx",
        **batch_scope_fields(actor=users[REG_MENAKA], organisation=iom),  # as an upload records it
    )
    run = DeduplicationRun.objects.create(started_by=users[ADMIN], status=RunStatus.DONE, threshold=0.8)
    first, second = sorted(
        Household.objects.filter(admin_area__pk__startswith="ML10", status=HouseholdStatus.REGISTERED)
        .exclude(pk__in=[kept.pk, menaka.pk])
        .order_by("id")[:2],
        key=lambda household: household.pk,
    )
    individual_a, individual_b = first.members.order_by("id")[0], second.members.order_by("id")[0]
    pair = MatchCandidate.objects.create(
        individual_a=individual_a,
        individual_b=individual_b,
        household_a=first,
        household_b=second,
        match_probability=0.97,
        match_weight=12.0,
        fingerprint="matrix",
        run=run,
    )
    list_run = ListRunFactory(owner=users[IM], status=ListRunStatus.UPLOADED)
    lists_storage.write(
        list_run,
        lists_storage.source_name(0),
        "id,prénom,nom\r\nA1,Moussa,Ag Mohamed\r\nA2,Fadimata,Walet\r\n".encode(),
    )
    done_run = ListRunFactory(owner=users[IM], status=ListRunStatus.DONE)
    lists_storage.write(done_run, lists_storage.PAIRS, b"id_a,id_b,match_probability\r\nA1,B1,0.99\r\n")
    lists_storage.write(done_run, lists_storage.CLUSTERS, b"record_id,cluster,cluster_size\r\nA1,1,2\r\n")
    others = {
        variant: Household.objects.filter(
            admin_area__pk__startswith=area, status=HouseholdStatus.REGISTERED, organisation=iom
        )
        .exclude(pk__in=[household.pk, kept.pk, absorbed.pk, first.pk, second.pk])
        .order_by("id")
        .first()
        for variant, area, household in (("menaka", "ML10", menaka), ("bandiagara", "ML05", bandiagara))
    }
    registered = Household.objects.exclude(status=HouseholdStatus.MERGED)
    counts = {
        "menaka": registered.filter(admin_area__pk__startswith="ML10").count(),
        "bandiagara": registered.filter(admin_area__pk__startswith="ML05").count(),
    }
    plan = TargetingPlan.objects.get(programme__code="MLI-MNK-NFI-2022")
    session = plan.sessions.order_by("id").first()
    published = plan.lists.get(version=1)
    grievance = Grievance.objects.filter(sensitive=False, admin_area_id="ML1001").order_by("id").first()
    agreement = DataSharingAgreement.objects.get(receiving_organisation__acronym="UNHCR")
    spare_agreement = agreement_create(
        actor=None,
        providing_organisation=iom,
        receiving_organisation=Organisation.objects.get(acronym="UNICEF"),
        level="figures",
        purpose="Matrice",
        valid_from=agreement.valid_from,
        valid_to=agreement.valid_to,
        signed_by="Matrice",
        all_areas=True,
    )
    return Records(
        menaka,
        bandiagara,
        merge,
        batch,
        pair,
        list_run,
        done_run,
        others,
        counts,
        plan,
        session,
        published,
        grievance,
        agreement,
        spare_agreement,
    )


@pytest.fixture
def as_user(records, db) -> Callable[[str], Client]:
    def login(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    return login


# --- the table -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One route: how to call it on a record, and who may."""

    method: str
    path: Callable[[Records, str], str]
    allowed: Callable[[str], set[str]]  # record variant → logins allowed
    visible: Callable[[str], set[str]] | None = None  # logins who may see the record (403, not 404)
    variants: tuple[str, ...] = ("menaka", "bandiagara")
    data: Callable[[Records, str], Any] | None = None
    json_body: bool = False
    ok: frozenset[int] = frozenset({200})  # what an allowed login gets
    round_trip: bool = False  # the body is what GET answers at the same address
    public: bool = False  # answers everyone, logged in or not

    def expected(self, username: str, variant: str) -> str:
        if username in self.allowed(variant):
            return OK
        if self.visible is not None and username in self.visible(variant):
            return "403"
        return "404"


def number(records: Records, variant: str) -> str:
    return getattr(records, variant).registration_number


def member_id(records: Records, variant: str) -> int:
    return getattr(records, variant).members.order_by("id").first().pk


def each(users: set[str]) -> Callable[[str], set[str]]:
    return lambda _variant: users


def by_area(table: dict[str, set[str]]) -> Callable[[str], set[str]]:
    return lambda variant: table[variant]


ONE = ("menaka",)  # the records that exist once (a batch, a pair, a list, a merge): Ménaka's

MATRIX: dict[str, Case] = {
    # Home, API index and document: every logged-in user; no record.
    "dashboard:home": Case("GET", lambda r, v: "/", each(EVERYONE), variants=ONE),
    "agreements:agreement_list": Case("GET", lambda r, v: "/access/agreements/", each(AGREEMENT_VIEW), variants=ONE),
    "audit:audit_log": Case("GET", lambda r, v: "/audit/", each(AUDIT_VIEWERS), variants=ONE),
    "agreements:agreement_detail": Case(
        "GET", lambda r, v: f"/access/agreements/{r.agreement.pk}/", each(AGREEMENT_VIEW), variants=ONE
    ),
    "agreements:agreement_create": Case(
        "GET", lambda r, v: "/access/agreements/new/", each(AGREEMENT_MANAGERS), visible=each(EVERYONE), variants=ONE
    ),
    "agreements:agreement_revoke": Case(
        "POST",
        lambda r, v: f"/access/agreements/{r.spare_agreement.pk}/revoke/",
        each(AGREEMENT_MANAGERS),
        visible=each(AGREEMENT_VIEW - {PARTNER}),  # IOM's side reads it; UNHCR's does not
        variants=ONE,
        data=lambda r, v: {"reason": "Matrice"},
        ok=frozenset({302}),
    ),
    "api:api-root": Case("GET", lambda r, v: "/api/v1/", each(set()), variants=ONE, public=True),  # ninja: 404
    "api:openapi-json": Case("GET", lambda r, v: "/api/v1/openapi.json", each(EVERYONE), variants=ONE, public=True),
    "api:openapi-view": Case("GET", lambda r, v: "/api/v1/docs", each(EVERYONE), variants=ONE, public=True),
    "set_language": Case(
        "POST", lambda r, v: "/i18n/setlang/", each(EVERYONE), variants=ONE, public=True, ok=frozenset({302})
    ),
    "access:login": Case("GET", lambda r, v: "/accounts/login/", each(EVERYONE), variants=ONE, public=True),
    "access:logout": Case(
        "POST", lambda r, v: "/accounts/logout/", each(EVERYONE), variants=ONE, public=True, ok=frozenset({302})
    ),
    "access:verify": Case("GET", lambda r, v: "/accounts/verify/", each(EVERYONE), variants=ONE, ok=frozenset({302})),
    # Households: lists keep the scope (see test_lists_hold_exactly_the_scope), records answer by area.
    "registry:household_list": Case("GET", lambda r, v: "/households/", each(EVERYONE), variants=ONE),
    "registry:household_create": Case(
        "GET", lambda r, v: "/households/new/", each(CREATORS), visible=each(EVERYONE), variants=ONE
    ),
    "registry:location_fields": Case("GET", lambda r, v: "/households/-/location/", each(EVERYONE), variants=ONE),
    "live:household_live_check": Case(
        "POST", lambda r, v: "/households/-/live-check/", each(CREATORS), visible=each(EVERYONE), variants=ONE
    ),
    "registry:household_detail": Case("GET", lambda r, v: f"/households/{number(r, v)}/", by_area(SEES)),
    "registry:household_edit": Case(
        "GET", lambda r, v: f"/households/{number(r, v)}/edit/", by_area(CHANGES), visible=by_area(SEES)
    ),
    "registry:household_erase": Case(
        "GET", lambda r, v: f"/households/{number(r, v)}/erase/", by_area(ERASES), visible=by_area(SEES)
    ),
    "merges:household_merge": Case(
        "GET",
        lambda r, v: f"/households/{number(r, v)}/merge/?with={r.others[v].registration_number}",
        by_area(MERGES),
        visible=by_area(SEES),
    ),
    "merges:household_merge_undo": Case(
        "POST",
        lambda r, v: f"/households/{r.merged_menaka.kept.registration_number}/merges/{r.merged_menaka.pk}/undo/",
        by_area(MERGES),
        visible=by_area(SEES),
        variants=ONE,
        data=lambda r, v: {"reason": ""},  # no reason: refused with a message, nothing undone
        ok=frozenset({302}),
    ),
    # Imports: the batch of Ménaka belongs to Ménaka's importers.
    "intake:batch_list": Case("GET", lambda r, v: "/imports/", each(IMPORTERS), variants=ONE),
    "intake:mapping_list": Case("GET", lambda r, v: "/imports/mappings/", each(IMPORTERS), variants=ONE),
    "intake:batch_pull_kobo": Case(
        "POST", lambda r, v: "/imports/kobo/", each(IMPORTERS), variants=ONE, ok=frozenset({200, 302})
    ),
    "intake:batch_pull_odk": Case(
        "POST", lambda r, v: "/imports/odk/", each(IMPORTERS), variants=ONE, ok=frozenset({200, 302})
    ),
    "intake:batch_detail": Case("GET", lambda r, v: f"/imports/{r.batch.pk}/", each(BATCH), variants=ONE),
    "intake:batch_add": Case(
        "POST", lambda r, v: f"/imports/{r.batch.pk}/add/", each(BATCH), variants=ONE, ok=frozenset({200, 302})
    ),
    "intake:batch_remap": Case(
        "POST", lambda r, v: f"/imports/{r.batch.pk}/mapping/", each(BATCH), variants=ONE, ok=frozenset({302})
    ),
    "intake:batch_commit": Case(
        "POST", lambda r, v: f"/imports/{r.batch.pk}/commit/", each(BATCH), variants=ONE, ok=frozenset({302})
    ),
    "intake:batch_discard": Case(
        "POST", lambda r, v: f"/imports/{r.batch.pk}/discard/", each(BATCH), variants=ONE, ok=frozenset({302})
    ),
    "intake:batch_report": Case(
        "GET",
        lambda r, v: f"/imports/{r.batch.pk}/problems.xlsx",
        each(BATCH_REPORT),
        visible=each(BATCH),
        variants=ONE,
    ),
    # Duplicates of the registry, and partner lists.
    "dedup:overview": Case("GET", lambda r, v: "/duplicates/", each(REVIEWERS), variants=ONE),
    "dedup:run_start": Case(
        "POST", lambda r, v: "/duplicates/runs/", each(REVIEWERS), variants=ONE, ok=frozenset({200, 302})
    ),
    "dedup:queue": Case("GET", lambda r, v: "/duplicates/queue/", each(REVIEWERS), variants=ONE),
    "dedup:clusters": Case("GET", lambda r, v: "/duplicates/clusters/", each(REVIEWERS), variants=ONE),
    "dedup:pair_detail": Case("GET", lambda r, v: f"/duplicates/pairs/{r.pair.pk}/", each(PAIR), variants=ONE),
    "lists:home": Case("GET", lambda r, v: "/lists/", each(LIST_USERS), variants=ONE),
    "lists:detail": Case(
        "GET", lambda r, v: f"/lists/{r.list_run.uuid}/", each(LIST_RUN), variants=ONE, ok=frozenset({302})
    ),  # columns still to map: the page sends its owner to the map
    "lists:map": Case("GET", lambda r, v: f"/lists/{r.list_run.uuid}/map/", each(LIST_RUN), variants=ONE),
    "lists:pairs": Case("GET", lambda r, v: f"/lists/{r.done_run.uuid}/pairs.csv", each(LIST_RUN), variants=ONE),
    "lists:clusters": Case("GET", lambda r, v: f"/lists/{r.done_run.uuid}/clusters.csv", each(LIST_RUN), variants=ONE),
    "lists:delete": Case(
        "POST", lambda r, v: f"/lists/{r.list_run.uuid}/delete/", each(LIST_RUN), variants=ONE, ok=frozenset({302})
    ),
    # Reporting: aggregates in the viewer's scope; the import of partners' 5W rows.
    "reporting:activity_list": Case("GET", lambda r, v: "/reporting/", each(REPORTS), variants=ONE),
    "reporting:activity_csv": Case("GET", lambda r, v: "/reporting/5w.csv", each(REPORTS), variants=ONE),
    "reporting:activity_xlsx": Case("GET", lambda r, v: "/reporting/5w.xlsx", each(REPORTS), variants=ONE),
    "reporting:indicator_csv": Case("GET", lambda r, v: "/reporting/indicators.csv", each(REPORTS), variants=ONE),
    "reporting:indicator_xlsx": Case("GET", lambda r, v: "/reporting/indicators.xlsx", each(REPORTS), variants=ONE),
    "reporting:microdata_xlsx": Case(
        "GET", lambda r, v: "/reporting/microdata.xlsx?area=ML10", each(REPORTS), variants=ONE
    ),
    "reporting:dashboard": Case("GET", lambda r, v: "/reporting/dashboard/?area=ML10", each(REPORTS), variants=ONE),
    "reporting:situation_report": Case(
        "GET", lambda r, v: "/reporting/sitrep.pdf?lang=en", each(REPORTS), variants=ONE
    ),
    "reporting:activity_import": Case(
        "POST", lambda r, v: "/reporting/import/", each(ACTIVITY_IMPORTERS), variants=ONE, data=lambda r, v: {}
    ),
    # Distributions and stock (lists keep the scope).
    "assistance:distribution_list": Case("GET", lambda r, v: "/distributions/", each(EVERYONE), variants=ONE),
    "stock:warehouse_list": Case("GET", lambda r, v: "/stock/", each(EVERYONE), variants=ONE),
    "stock:receipt_create": Case(
        "POST",
        lambda r, v: "/stock/receipts/new/",
        each(DISPATCHERS),
        visible=each(EVERYONE),
        variants=ONE,
        data=lambda r, v: {"consignment": "MATRICE"},  # no items: refused on the form, nothing received
    ),
    "stock:warehouse_detail": Case(
        "GET", lambda r, v: f"/stock/warehouses/{_warehouse().pk}/", each(STOCK_SEES), variants=ONE
    ),
    **{
        f"stock:{name}": Case(
            "POST",
            lambda r, v, path=path: path,
            each(DISPATCHERS),
            visible=each(EVERYONE),
            variants=ONE,
            data=lambda r, v: {"reason": "Matrice"},  # no warehouse, no items: refused on the form, nothing moved
        )
        for name, path in (
            ("transfer_create", "/stock/transfers/new/"),
            ("loss_create", "/stock/losses/new/"),
            ("adjustment_create", "/stock/adjustments/new/"),
        )
    },
    "stock:kit_list": Case(
        "GET", lambda r, v: "/stock/kits/", each(STOCK_VIEWERS), visible=each(EVERYONE), variants=ONE
    ),
    "stock:kit_edit": Case(
        "POST",
        lambda r, v: f"/stock/kits/{_kit().pk}/edit/",
        each(KIT_PLANNERS),
        visible=each(EVERYONE),
        variants=ONE,
        data=lambda r, v: {"lines": "", "note": "Matrice"},  # no contents: refused on the form, no new version
    ),
    # Shelter: the site list keeps the scope; the planned site of Bandiagara and its shelter S-A-01.
    "shelter:site_list": Case("GET", lambda r, v: "/shelter/", each(EVERYONE), variants=ONE),
    "shelter:site_detail": Case(
        "GET", lambda r, v: f"/shelter/sites/{_semi_hard().site_id}/", each(SHELTER_VIEW), variants=BANDIAGARA
    ),
    "shelter:unit_detail": Case(
        "GET", lambda r, v: f"/shelter/units/{_semi_hard().pk}/", each(SHELTER_VIEW), variants=BANDIAGARA
    ),
    "shelter:unit_status": Case(
        "POST",
        lambda r, v: f"/shelter/units/{_semi_hard().pk}/status/",
        each(SHELTER_RUNS),
        visible=each(SHELTER_VIEW),
        variants=BANDIAGARA,
        data=lambda r, v: {"status": "planned", "on": "2022-12-01", "reason": ""},  # back without a reason: refused
        ok=frozenset({302}),
    ),
    "shelter:unit_materials": Case(
        "POST",
        lambda r, v: f"/shelter/units/{_semi_hard().pk}/materials/",
        each(SHELTER_RUNS),
        visible=each(SHELTER_VIEW),
        variants=BANDIAGARA,
        ok=frozenset({302}),  # no item: refused with a message, nothing issued
    ),
    "shelter:unit_allocate": Case(
        "POST",
        lambda r, v: f"/shelter/units/{_semi_hard().pk}/allocation/",
        each(SHELTER_RUNS),
        visible=each(SHELTER_VIEW),
        variants=BANDIAGARA,
        data=lambda r, v: {"household": r.bandiagara.registration_number, "on": "2022-12-01"},  # occupied: refused
        ok=frozenset({302}),
    ),
    "shelter:allocation_end": Case(
        "POST",
        lambda r, v: f"/shelter/units/{_semi_hard().pk}/allocation/end/",
        each(SHELTER_RUNS),
        visible=each(SHELTER_VIEW),
        variants=BANDIAGARA,
        data=lambda r, v: {"reason": "", "on": "2022-12-01"},  # no reason: refused with a message, nothing ended
        ok=frozenset({302}),
    ),
    "shelter:relocation_create": Case(
        "GET", lambda r, v: "/shelter/relocations/new/", each(SHELTER_RUNS), visible=each(EVERYONE), variants=ONE
    ),
    "assistance:distribution_detail": Case(
        "GET", lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/", each(DISTRIBUTION_SEES), variants=ONE
    ),
    "assistance:distribution_create": Case(
        "GET", lambda r, v: "/distributions/new/", each(DISTRIBUTION_RUNS), visible=each(EVERYONE), variants=ONE
    ),
    "assistance:distribution_witness": Case(
        "POST",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/witnesses/",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
        ok=frozenset({302}),  # no name: refused with a message, nothing added
    ),
    "assistance:distribution_dispatch": Case(
        "POST",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/dispatch/",
        each(DISPATCHERS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
        ok=frozenset({302}),  # no number of kits: refused with a message, nothing moved
    ),
    "assistance:distribution_open": Case(
        "POST",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/open/",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
        ok=frozenset({302}),  # closed: refused with a message
    ),
    "assistance:handover_cancel": Case(
        "POST",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/handovers/{_first_handover().pk}/cancel/",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
        data=lambda r, v: {"reason": "Matrice d'accès"},  # closed: refused with a message, nothing cancelled
        ok=frozenset({302}),
    ),
    "assistance:distribution_handover": Case(
        "GET",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/handover/",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
    ),
    "assistance:distribution_households": Case(
        "POST",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/households/",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
        data=lambda r, v: {"numbers": ""},  # none given: refused with a message, nothing added
        ok=frozenset({302}),
    ),
    "assistance:distribution_households_list": Case(
        "POST",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/households/from-list/",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
        data=lambda r, v: {"published_list": str(r.published.pk)},  # closed: refused with a message, nothing added
        ok=frozenset({302}),
    ),
    "assistance:distribution_close": Case(
        "POST",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/close/",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
        ok=frozenset({302}),  # closed already: refused with a message, nothing returned
    ),
    "assistance:distribution_cards": Case(
        "GET",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/cards.pdf",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
    ),
    "assistance:distribution_sheet": Case(
        "GET",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/list.pdf",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
    ),
    "assistance:reconciliation_pdf": Case(
        "GET",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/reconciliation.pdf",
        each(DISTRIBUTION_SEES),
        variants=ONE,
    ),
    "assistance:reconciliation_xlsx": Case(
        "GET",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/reconciliation.xlsx",
        each(DISTRIBUTION_SEES),
        variants=ONE,
    ),
    "POST /api/v1/handovers": Case(
        "POST",
        lambda r, v: "/api/v1/handovers",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
        data=lambda r, v: {"token": _redeemed_token()},
        json_body=True,
        ok=frozenset({409}),  # redeemed already: the earlier handover is named, nothing written
    ),
    # Offline distribution: the service worker holds no data (anyone); the points and conflicts
    # pages for those who manage the distribution; the preparation and the sync for those who
    # record its handovers (the demo distribution is closed: nothing to prepare, 422).
    "assistance:offline_sw": Case(
        "GET", lambda r, v: "/distributions/offline-sw.js", each(EVERYONE), variants=ONE, public=True
    ),
    "assistance:distribution_points": Case(
        "GET",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/points/",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
    ),
    "assistance:distribution_bind": Case(
        "POST",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/points/bind/",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
        ok=frozenset({302}),  # closed: refused with a message, nothing bound
    ),
    "assistance:entitlement_move": Case(
        "POST",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/points/move/",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
        ok=frozenset({302}),  # no point chosen: refused with a message, nothing moved
    ),
    "assistance:conflict_list": Case(
        "GET",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/conflicts/",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
    ),
    "assistance:conflict_resolve": Case(
        "POST",
        lambda r, v: f"/distributions/{DISTRIBUTION_CODE}/conflicts/{_first_conflict_id()}/resolve/",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
        ok=frozenset({302}),  # no resolution given: refused with the reasons, nothing resolved
    ),
    "GET /api/v1/distributions/{code}/offline": Case(
        "GET",
        lambda r, v: f"/api/v1/distributions/{DISTRIBUTION_CODE}/offline",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
        ok=frozenset({422}),  # closed: nothing to prepare
    ),
    "GET /api/v1/distributions/{code}/offline/sync": Case(
        "GET",
        lambda r, v: f"/api/v1/distributions/{DISTRIBUTION_CODE}/offline/sync",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
    ),
    "POST /api/v1/distributions/{code}/offline/sync": Case(
        "POST",
        lambda r, v: f"/api/v1/distributions/{DISTRIBUTION_CODE}/offline/sync",
        each(DISTRIBUTION_RUNS),
        visible=each(DISTRIBUTION_SEES),
        variants=ONE,
        data=lambda r, v: {
            "device": "matrix",
            "items": [{"key": "matrix-off-0001", "token": _redeemed_token(), "at": "2022-12-02T10:00:00+00:00"}],
        },
        json_body=True,
        ok=frozenset({200}),  # answered item by item: the distribution is closed, the handover refused
    ),
    # Targeting: the Ménaka plan, its first (published) session and list version 1; grievances.
    "targeting:plan_list": Case("GET", lambda r, v: "/targeting/", each(TARGETING_VIEW), variants=ONE),
    "targeting:plan_create": Case(
        "GET", lambda r, v: "/targeting/new/", each(PLANNERS), visible=each(TARGETING_VIEW), variants=ONE
    ),
    **{
        f"targeting:plan_{action}": Case(
            "POST",
            lambda r, v, path=path: f"/targeting/{r.plan.pk}/{path}/",
            each(SECRETARIES),
            visible=each(TARGETING_VIEW),
            variants=ONE,
            ok=frozenset({302}),  # nothing filled in: refused with the reasons, nothing written
        )
        for action, path in (("member_add", "members"), ("session_open", "sessions"))
    },
    "targeting:plan_detail": Case("GET", lambda r, v: f"/targeting/{r.plan.pk}/", each(TARGETING_VIEW), variants=ONE),
    "targeting:plan_run": Case(
        "POST",
        lambda r, v: f"/targeting/{r.plan.pk}/run/",
        each(PLANNERS),
        visible=each(TARGETING_VIEW),
        variants=ONE,
        ok=frozenset({302}),  # the plan is published: refused with a message, nothing scored
    ),
    "targeting:plan_criteria": Case(
        "POST",
        lambda r, v: f"/targeting/{r.plan.pk}/criteria/",
        each(PLANNERS),
        visible=each(TARGETING_VIEW),
        variants=ONE,
        data=lambda r, v: {"quota": "0"},  # refused on the form, the criteria unchanged
    ),
    "targeting:plan_what_if": Case(
        "POST", lambda r, v: f"/targeting/{r.plan.pk}/what-if/", each(TARGETING_VIEW), variants=ONE
    ),
    "targeting:session_detail": Case(
        "GET", lambda r, v: f"/targeting/{r.plan.pk}/sessions/{r.session.pk}/", each(TARGETING_VIEW), variants=ONE
    ),
    **{
        f"targeting:session_{action}": Case(
            "POST",
            lambda r, v, action=action: f"/targeting/{r.plan.pk}/sessions/{r.session.pk}/{action}/",
            each(SECRETARIES),
            visible=each(TARGETING_VIEW),
            variants=ONE,
            ok=frozenset({302}),  # the session is published: refused with a message, nothing written
        )
        for action in ("decide", "confirm", "validate", "publish")
    },
    "targeting:list_detail": Case(
        "GET", lambda r, v: f"/targeting/lists/{r.published.pk}/", each(TARGETING_VIEW), variants=ONE
    ),
    "targeting:list_pdf": Case(
        "GET", lambda r, v: f"/targeting/lists/{r.published.pk}/list.pdf", each(TARGETING_VIEW), variants=ONE
    ),
    "targeting:list_xlsx": Case(
        "GET",
        lambda r, v: f"/targeting/lists/{r.published.pk}/list.xlsx",
        each(LIST_EXPORT),
        visible=each(TARGETING_VIEW),
        variants=ONE,
    ),
    "grievances:grievance_list": Case("GET", lambda r, v: "/grievances/", each(GRIEVANCE_VIEW), variants=ONE),
    "grievances:grievance_detail": Case(
        "GET", lambda r, v: f"/grievances/{r.grievance.pk}/", each(GRIEVANCE_VIEW), variants=ONE
    ),
    # Handling a grievance, for those who manage grievances there; the demo's exclusion complaint is
    # closed, so each write is refused with its reason and nothing changes.
    "grievances:grievance_create": Case(
        "GET", lambda r, v: "/grievances/new/", each(GRIEVANCE_MANAGE), visible=each(EVERYONE), variants=ONE
    ),
    "grievances:grievance_review": Case(
        "POST",
        lambda r, v: f"/grievances/{r.grievance.pk}/review/",
        each(GRIEVANCE_MANAGE),
        visible=each(GRIEVANCE_VIEW),
        variants=ONE,
        ok=frozenset({302}),  # closed already: refused with a message
    ),
    "grievances:grievance_answer": Case(
        "POST",
        lambda r, v: f"/grievances/{r.grievance.pk}/answer/",
        each(GRIEVANCE_MANAGE),
        visible=each(GRIEVANCE_VIEW),
        variants=ONE,
        ok=frozenset({422}),  # no day given: refused with the form
    ),
    "grievances:grievance_close": Case(
        "POST",
        lambda r, v: f"/grievances/{r.grievance.pk}/close/",
        each(GRIEVANCE_MANAGE),
        visible=each(GRIEVANCE_VIEW),
        variants=ONE,
        ok=frozenset({302}),  # closed already: refused with a message
    ),
    "grievances:grievance_refer": Case(
        "POST",
        lambda r, v: f"/grievances/{r.grievance.pk}/refer/",
        each(GRIEVANCE_MANAGE),
        visible=each(GRIEVANCE_VIEW),
        variants=ONE,
        ok=frozenset({422}),  # no plan chosen: refused with the form
    ),
    "GET /api/v1/targeting/plans": Case("GET", lambda r, v: "/api/v1/targeting/plans", each(EVERYONE), variants=ONE),
    "GET /api/v1/targeting/plans/{plan_id}": Case(
        "GET", lambda r, v: f"/api/v1/targeting/plans/{r.plan.pk}", each(TARGETING_VIEW), variants=ONE
    ),
    "GET /api/v1/targeting/plans/{plan_id}/lists": Case(
        "GET", lambda r, v: f"/api/v1/targeting/plans/{r.plan.pk}/lists", each(TARGETING_VIEW), variants=ONE
    ),
    "GET /api/v1/targeting/lists/{list_id}": Case(
        "GET", lambda r, v: f"/api/v1/targeting/lists/{r.published.pk}", each(TARGETING_VIEW), variants=ONE
    ),
    "POST /api/v1/targeting/plans/{plan_id}/sessions/{session_id}/decisions": Case(
        "POST",
        lambda r, v: f"/api/v1/targeting/plans/{r.plan.pk}/sessions/{r.session.pk}/decisions",
        each(SECRETARIES),
        visible=each(TARGETING_VIEW),
        variants=ONE,
        data=lambda r, v: {"household": number(r, v), "decision": "include", "reason": "Matrice"},
        json_body=True,
        ok=frozenset({201, 422}),  # the session is published: refused with the reason
    ),
    "POST /api/v1/targeting/plans/{plan_id}/sessions/{session_id}/publish": Case(
        "POST",
        lambda r, v: f"/api/v1/targeting/plans/{r.plan.pk}/sessions/{r.session.pk}/publish",
        each(SECRETARIES),
        visible=each(TARGETING_VIEW),
        variants=ONE,
        data=lambda r, v: {"reason": "Matrice"},
        json_body=True,
        ok=frozenset({201, 422}),
    ),
    "GET /api/v1/grievances": Case("GET", lambda r, v: "/api/v1/grievances", each(EVERYONE), variants=ONE),
    "GET /api/v1/grievances/{grievance_id}": Case(
        "GET", lambda r, v: f"/api/v1/grievances/{r.grievance.pk}", each(GRIEVANCE_VIEW), variants=ONE
    ),
    # The API.
    "GET /api/v1/households": Case("GET", lambda r, v: "/api/v1/households", each(EVERYONE), variants=ONE),
    "POST /api/v1/households": Case(
        "POST",
        lambda r, v: "/api/v1/households",
        by_area(CHANGES),
        visible=each(EVERYONE),
        data=lambda r, v: _new_household(v),
        json_body=True,
        ok=frozenset({201}),
    ),
    "GET /api/v1/households/{registration_number}": Case(
        "GET", lambda r, v: f"/api/v1/households/{number(r, v)}", by_area(SEES)
    ),
    "PUT /api/v1/households/{registration_number}": Case(
        "PUT",
        lambda r, v: f"/api/v1/households/{number(r, v)}",
        by_area(CHANGES),
        visible=by_area(SEES),
        json_body=True,
        round_trip=True,  # the household as GET gives it, sent back unchanged
    ),
    "POST /api/v1/households/{registration_number}/status": Case(
        "POST",
        lambda r, v: f"/api/v1/households/{number(r, v)}/status",
        by_area(CHANGES),
        visible=by_area(SEES),
        data=lambda r, v: {"status": "registered"},  # already registered: nothing changes
        json_body=True,
    ),
    "GET /api/v1/households/{registration_number}/audit": Case(
        "GET", lambda r, v: f"/api/v1/households/{number(r, v)}/audit", by_area(AUDIT), visible=by_area(SEES)
    ),
    "GET /api/v1/individuals": Case("GET", lambda r, v: "/api/v1/individuals", each(EVERYONE), variants=ONE),
    "GET /api/v1/individuals/{individual_id}": Case(
        "GET", lambda r, v: f"/api/v1/individuals/{member_id(r, v)}", by_area(SEES)
    ),
}

AREA_OF = {"menaka": "ML1001", "bandiagara": "ML0501"}


def _semi_hard() -> ShelterUnit:
    """The first semi-hard shelter of the Bandiagara planned site (handed over, allocated)."""
    return ShelterUnit.objects.get(code="S-A-01")


def _warehouse() -> Warehouse:
    """IOM's Ménaka warehouse."""
    return Warehouse.objects.get(code="MNK-01")


def _kit() -> Kit:
    """The NFI kit handed over in Ménaka."""
    return Kit.objects.get(code="NFI")


def _first_handover() -> Handover:
    """The first handover of the Ménaka distribution."""
    return Handover.objects.filter(distribution__code=DISTRIBUTION_CODE).order_by("id").first()


def _first_conflict_id() -> int:
    """The demo's conflict of the Ménaka distribution (0 when there is none: "no such conflict")."""
    conflict = HandoverConflict.objects.filter(distribution__code=DISTRIBUTION_CODE).order_by("id").first()
    return conflict.pk if conflict else 0


def _redeemed_token() -> str:
    """The token of the first handover of the Ménaka distribution."""
    return _first_handover().entitlement.token


def _new_household(variant: str) -> dict[str, Any]:
    return {
        "organisation": "IOM",
        "admin_area": AREA_OF[variant],
        "consent": "given",
        "consent_date": "2022-12-01",
        "registered_on": "2022-12-01",
        "arrival_date": "2022-11-20",
        "displacement_cause": "armed_conflict",
        "members": [
            {
                "given_names": "Matrice",
                "family_name": "Accès",
                "sex": "female",
                "relationship": "head",
                "birth_date": "1970-01-01",
            }
        ],
    }


def test_every_route_is_in_the_matrix():
    assert routes() == set(MATRIX), "add the new route to MATRIX (who may use it on which record)"


def _outcome(case: Case, response: Any) -> str:
    code = response.status_code
    if code in case.ok:
        return OK
    if code == 404:
        return "404"
    if code == 403 or (code == 422 and case.method != "GET"):
        return "403"  # refused: not allowed here, or (a write) not in an area the login works in
    return f"unexpected {code}"


CASES = [
    pytest.param(name, username, variant, id=f"{name}|{username}|{variant}")
    for name, case in MATRIX.items()
    for variant in case.variants
    for username in USERS
]


@pytest.mark.parametrize(("name", "username", "variant"), CASES)
def test_who_may_use_each_route(records, as_user, name, username, variant):
    case = MATRIX[name]
    client = as_user(username)
    path = case.path(records, variant)
    data = case.data(records, variant) if case.data else {}
    if case.round_trip:
        data = as_user(ADMIN).get(path).json()
    before = _state(records)
    if case.json_body:
        response = client.generic(
            case.method, path, json.dumps(data), content_type="application/json", HTTP_IDEMPOTENCY_KEY="matrix-key-0001"
        )
    else:
        response = getattr(client, case.method.lower())(path, data)
    expected = case.expected(username, variant)
    assert _outcome(case, response) == expected, (
        f"{case.method} {path} as {username}: {response.status_code} {response.content[:300]!r}"
    )
    if expected != OK:
        assert _state(records) == before, f"a refused {case.method} {path} as {username} changed data"


def _state(records: Records) -> tuple[Any, ...]:
    """What a refused request must leave as it was."""
    batch = ImportBatch.objects.filter(pk=records.batch.pk).values_list("status", "message").first()
    return (
        Household.objects.count(),
        Household.objects.filter(pk__in=[records.menaka.pk, records.bandiagara.pk]).values_list("status").count(),
        list(Household.objects.filter(pk__in=[records.menaka.pk, records.bandiagara.pk]).values_list("updated_at")),
        batch,
        ListRun.objects.filter(pk=records.list_run.pk).exists(),
        HouseholdMerge.objects.filter(pk=records.merged_menaka.pk).values_list("undone_at").first()
        if hasattr(HouseholdMerge, "undone_at")
        else None,
        MatchCandidate.objects.filter(pk=records.pair.pk).values_list("status").first(),
        list(Handover.objects.values_list("pk", "status")),
        list(DistributionKits.objects.values_list("pk", "available", "returned")),
        Entitlement.objects.count(),
        list(Entitlement.objects.order_by("id").values_list("pk", "point_id")),
        list(HandoverConflict.objects.order_by("id").values_list("pk", "status")),
        IdempotencyKey.objects.count(),
        Witness.objects.count(),
        StockMovement.objects.count(),
        KitVersion.objects.count(),
        list(Distribution.objects.values_list("pk", "status", "published_list_id")),
        TargetingRun.objects.count(),
        TargetingPlan.objects.count(),
        CommitteeSession.objects.count(),
        CommitteeDecision.objects.count(),
        PublishedList.objects.count(),
        list(Grievance.objects.order_by("id").values_list("status", "response")),
        list(ShelterUnit.objects.order_by("id").values_list("status", "status_since")),
        list(Allocation.objects.order_by("id").values_list("status", "household_id")),
        StatusChange.objects.count(),
        Relocation.objects.count(),
        PopulationCount.objects.count(),
        list(DataSharingAgreement.objects.order_by("id").values_list("pk", "revoked_at")),
    )


@pytest.mark.parametrize("username", USERS)
def test_the_shelter_menu_only_for_those_who_view_shelter(records, as_user, username):
    page = as_user(username).get("/").content.decode()
    assert ('href="/shelter/"' in page) == (username in SHELTER_VIEW)


def _links(page: str, *, within: str) -> list[str]:
    """The addresses of the links inside the first element whose opening tag has ``within``."""
    start = page.index(within)
    end = page.index("</nav>", start) if "<nav" in within else page.index("</section>", start)
    return re.findall(r'href="(/[^"]*)"', page[start:end])


@pytest.mark.parametrize("username", USERS)
def test_every_link_of_the_menu_and_the_home_page_opens(records, as_user, username):
    """No dead end: what the menu and the home page offer, the role may open."""
    client = as_user(username)
    page = client.get("/").content.decode()
    links = _links(page, within='<nav class="mainnav"') + _links(page, within='<section class="card tasks"')
    assert len(links) >= 2, page[:2000]  # the home page says what the role can do
    for link in sorted(set(links)):
        response = client.get(link)
        assert response.status_code == 200, f"{username}: {link} answers {response.status_code}"


# --- lists: exactly the scope ---------------------------------------------------------------------


@pytest.mark.parametrize("username", USERS)
def test_lists_hold_exactly_the_scope(records, as_user, username):
    client = as_user(username)
    expected = sum(records.counts[area] for area, users in SEES.items() if username in users)
    assert client.get("/api/v1/households?page_size=1").json()["count"] == expected
    people = client.get("/api/v1/individuals?page_size=200").json()
    numbers = {item["household"] for item in people["items"]}
    for area, users in SEES.items():
        if username not in users:
            assert getattr(records, area).registration_number not in numbers


# --- personal fields: in clear for those who may, absent for everyone else --------------------------


WG_FIELDS = ("wg_seeing", "wg_hearing", "wg_walking", "wg_cognition", "wg_self_care", "wg_communication")
SEVERE = {"a_lot_of_difficulty", "cannot_do_at_all"}


def _personal_values(household: Household, *, page: bool) -> dict[str, tuple[str, ...]]:
    """Every personal value of a household, each with the spellings a page (French) or the API gives it."""
    phone = crypto.decrypt(household.phone_encrypted)
    # A page shows a phone as a person reads it (+223 76 12 34 56), the API as stored (+22376123456).
    values: dict[str, tuple[str, ...]] = {"phone": (phone, phone_shown(phone)) if page else (phone,)}
    with translation.override("fr"):
        for member in household.members.order_by("id"):
            label = f"member {member.pk}"
            values[f"{label} family name"] = (member.family_name,)
            values[f"{label} given names"] = (member.given_names,)
            if member.birth_date_precision == BirthDatePrecision.EXACT and member.birth_date:
                values[f"{label} birth date"] = (member.birth_date.isoformat(), member.birth_date.strftime("%d/%m/%Y"))
            if member.id_number_encrypted:
                values[f"{label} id number"] = (crypto.decrypt(member.id_number_encrypted),)
            if member.marital_status in {"widowed", "divorced", "separated"}:
                shown = str(member.get_marital_status_display()) if page else member.marital_status
                values[f"{label} marital status"] = (shown,)
            for field in WG_FIELDS:
                if getattr(member, field) in SEVERE:
                    shown = str(Individual._meta.get_field(field).verbose_name) if page else getattr(member, field)
                    values[f"{label} {field}"] = (shown.capitalize() if page else shown,)
            if member.pregnancy in {"pregnant", "lactating"}:
                values[f"{label} pregnancy"] = (str(member.get_pregnancy_display()) if page else member.pregnancy,)
            if member.id_document_type:
                shown = str(member.get_id_document_type_display()) if page else member.id_document_type
                values[f"{label} document"] = (shown,)
    kept = {name: spellings for name, spellings in values.items() if all(len(value) >= 4 for value in spellings)}
    if page:
        return kept
    # In the API a value is a whole JSON string: "pregnant" is not the flag pregnant_or_lactating_woman.
    return {
        name: tuple(json.dumps(value, ensure_ascii=False) for value in spellings) for name, spellings in kept.items()
    }


def _text(response: Any) -> str:
    body = response.content.decode()
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    body = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))
    return body.replace("&#x27;", "'").replace("&amp;", "&")


PAGES_WITH_PERSONAL_DATA = {
    "household page": lambda r, v: f"/households/{number(r, v)}/",
    "API household": lambda r, v: f"/api/v1/households/{number(r, v)}",
    "API household list": lambda r, v: f"/api/v1/households?admin_area={getattr(r, v).admin_area_id}&page_size=200",
    "API members": lambda r, v: f"/api/v1/individuals?household={number(r, v)}",
}


@pytest.mark.parametrize("page", sorted(PAGES_WITH_PERSONAL_DATA))
@pytest.mark.parametrize("variant", ["menaka", "bandiagara"])
@pytest.mark.parametrize("username", USERS)
def test_personal_fields_appear_only_for_those_who_may_see_them(records, as_user, username, variant, page):
    household = getattr(records, variant)
    response = as_user(username).get(PAGES_WITH_PERSONAL_DATA[page](records, variant))
    if username not in SEES[variant]:
        assert response.status_code == 404 or household.registration_number not in _text(response)
        return
    assert response.status_code == 200
    text = _text(response)
    values = _personal_values(household, page=page == "household page")
    if page == "API members":
        values.pop("phone")  # a household's phone, not a member's
    shown = {name for name, spellings in values.items() if any(value in text for value in spellings)}
    if username in PERSONAL[variant]:
        missing = set(values) - shown
        assert not missing, f"{page} as {username} does not show {sorted(missing)}"
    else:
        assert not shown, f"{page} as {username} shows {sorted(shown)}"


# --- nobody logged in ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(name for name, case in MATRIX.items() if not case.public))
def test_without_a_login_nothing_is_answered(records, db, name):
    case = MATRIX[name]
    path = case.path(records, case.variants[0])
    response = getattr(Client(), case.method.lower())(path)
    if path.startswith("/api/"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- targeting: names on the lists for those who may see them, sensitive grievances for the named roles ---


@pytest.mark.parametrize("username", sorted(TARGETING_VIEW))
def test_published_list_names_heads_only_for_those_who_may_see_them(records, as_user, username):
    entry = records.published.entries.select_related("household__head").order_by("position").first()
    head = str(entry.household.head)
    for path in (f"/targeting/lists/{records.published.pk}/", f"/api/v1/targeting/lists/{records.published.pk}"):
        text = _text(as_user(username).get(path))
        assert entry.household.registration_number in text
        assert (head in text) == (username in PERSONAL["menaka"]), f"{path} as {username}"


@pytest.mark.parametrize("username", USERS)
def test_sensitive_grievances_only_for_the_named_roles(records, as_user, username):
    sensitive = Grievance.objects.get(sensitive=True)
    client = as_user(username)
    assert client.get(f"/grievances/{sensitive.pk}/").status_code == (200 if username == ADMIN else 404)
    references = {item["reference"] for item in client.get("/api/v1/grievances").json()}
    assert (sensitive.reference in references) == (username == ADMIN)
