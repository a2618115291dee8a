"""Data sharing agreements: what they grant, when, to whom; who records and revokes them; their pages."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from abri.access.models import DataSharingAgreement, Role
from abri.access.roles import CHANGE_HOUSEHOLD, EXPORT_PERSONAL_DATA, VIEW_HOUSEHOLD, VIEW_PERSONAL_DATA
from abri.access.selectors import scope_for
from abri.access.services import agreement_create, agreement_revoke
from abri.access.tests.factories import (
    AgreementFactory,
    MembershipFactory,
    OrganisationFactory,
    ProgrammeFactory,
    UserFactory,
)
from abri.core.errors import PermissionDenied, ValidationFailed
from abri.core.models import AuditEntry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


@pytest.fixture
def viewer(areas, unhcr):
    """UNHCR's partner viewer in the Ménaka region."""
    return MembershipFactory(
        user=UserFactory(username="viewer"), organisation=unhcr, role=Role.PARTNER_VIEWER, areas=[areas["ML10"]]
    ).user


@pytest.fixture
def analyst(areas, unhcr):
    """UNHCR's information management officer in the Ménaka region."""
    return MembershipFactory(
        user=UserFactory(username="analyst"),
        organisation=unhcr,
        role=Role.INFORMATION_MANAGEMENT_OFFICER,
        areas=[areas["ML10"]],
        all_programmes=True,
    ).user


@pytest.fixture
def iom_admin(iom):
    return MembershipFactory(
        user=UserFactory(username="iom.admin"), organisation=iom, role=Role.ADMINISTRATOR, all_areas=True
    ).user


def reads(user, permission=VIEW_HOUSEHOLD, *, organisation, area="ML1001") -> bool:
    return scope_for(user=user).covers(permission, organisation_id=organisation.pk, area_pcode=area)


def shared(iom, unhcr, areas, **kwargs) -> DataSharingAgreement:
    kwargs.setdefault("areas", [areas["ML10"]])
    return AgreementFactory(providing_organisation=iom, receiving_organisation=unhcr, **kwargs)


# --- what an agreement grants ------------------------------------------------------------------


def test_without_an_agreement_the_partner_sees_nothing_of_another_organisation(viewer, iom):
    assert not reads(viewer, organisation=iom)


def test_figures_let_the_partner_count_the_shared_areas_and_nothing_more(viewer, iom, unhcr, areas):
    shared(iom, unhcr, areas)
    assert reads(viewer, organisation=iom, area="ML1001")
    assert reads(viewer, organisation=iom, area="ML1002")
    assert not reads(viewer, organisation=iom, area="ML0501")  # not shared
    for permission in (VIEW_PERSONAL_DATA, CHANGE_HOUSEHOLD, EXPORT_PERSONAL_DATA):
        assert not reads(viewer, permission, organisation=iom)


@pytest.mark.parametrize(
    "dates",
    [
        (-30, -1, False),  # ended yesterday
        (1, 30, False),  # starts tomorrow
        (-30, 0, True),  # its last day, included
        (0, 30, True),  # its first day, included
    ],
)
def test_an_agreement_grants_only_between_its_dates(viewer, iom, unhcr, areas, dates):
    start, end, grants = dates
    shared(iom, unhcr, areas, valid_from=TODAY() + start * DAY, valid_to=TODAY() + end * DAY)
    assert reads(viewer, organisation=iom) is grants


def test_a_revoked_agreement_grants_nothing_and_stays_on_record(viewer, iom, unhcr, areas, iom_admin):
    agreement = shared(iom, unhcr, areas)
    agreement_revoke(actor=iom_admin, agreement=agreement, reason="Fin de la coordination")
    assert not reads(viewer, organisation=iom)
    agreement.refresh_from_db()
    assert agreement.revoked_at is not None
    assert (agreement.revoked_by, agreement.revocation_reason) == (iom_admin, "Fin de la coordination")


def test_an_inactive_providing_organisation_shares_nothing(viewer, iom, unhcr, areas):
    shared(iom, unhcr, areas)
    iom.is_active = False
    iom.save()
    assert not reads(viewer, organisation=iom)


def test_personal_data_reaches_only_a_role_that_reads_personal_data(viewer, analyst, iom, unhcr, areas):
    shared(iom, unhcr, areas, level="personal")
    assert reads(analyst, VIEW_PERSONAL_DATA, organisation=iom)
    assert reads(viewer, organisation=iom)
    assert not reads(viewer, VIEW_PERSONAL_DATA, organisation=iom)  # the viewer's role never reads a name
    assert not reads(analyst, CHANGE_HOUSEHOLD, organisation=iom)
    assert not reads(analyst, EXPORT_PERSONAL_DATA, organisation=iom)  # the level reads, never exports


def test_roles_that_act_on_records_receive_nothing(iom, unhcr, areas):
    shared(iom, unhcr, areas, level="personal")
    for role in (Role.REGISTRATION_OFFICER, Role.ADMINISTRATOR, Role.AUDITOR, Role.DISTRIBUTION_OFFICER):
        user = MembershipFactory(organisation=unhcr, role=role, areas=[areas["ML10"]]).user
        assert not reads(user, organisation=iom), role


def test_the_agreement_never_widens_the_members_areas_nor_they_the_agreements(iom, unhcr, areas):
    shared(iom, unhcr, areas)  # the Ménaka region
    cercle = MembershipFactory(organisation=unhcr, role=Role.PARTNER_VIEWER, areas=[areas["ML1001"]]).user
    assert reads(cercle, organisation=iom, area="ML1001")
    assert not reads(cercle, organisation=iom, area="ML1002")
    everywhere = MembershipFactory(organisation=unhcr, role=Role.PARTNER_VIEWER, all_areas=True).user
    assert reads(everywhere, organisation=iom, area="ML1002")
    assert not reads(everywhere, organisation=iom, area="ML0501")
    bandiagara = MembershipFactory(organisation=unhcr, role=Role.PARTNER_VIEWER, areas=[areas["ML05"]]).user
    assert not reads(bandiagara, organisation=iom, area="ML1001")
    assert not reads(bandiagara, organisation=iom, area="ML0501")


def test_programmes_shared_are_those_both_cover(analyst, iom, unhcr, areas):
    nfi, shelter = ProgrammeFactory(organisation=iom), ProgrammeFactory(organisation=iom)
    agreement = shared(iom, unhcr, areas, all_programmes=False)
    agreement.programmes.set([nfi])
    scope = scope_for(user=analyst)

    def covers(programme):
        return scope.covers(
            VIEW_HOUSEHOLD,
            organisation_id=iom.pk,
            area_pcode="ML1001",
            programme_id=programme.pk,
            programme_bound=True,
        )

    assert covers(nfi)
    assert not covers(shelter)


def test_another_organisations_agreement_grants_nothing_to_this_one(viewer, iom, areas):
    unicef = OrganisationFactory(acronym="UNICEF")
    AgreementFactory(providing_organisation=iom, receiving_organisation=unicef, areas=[areas["ML10"]])
    assert not reads(viewer, organisation=iom)


def test_scope_reads_agreements_in_one_more_query_and_only_for_receiving_roles(
    django_assert_num_queries, viewer, iom, unhcr, areas
):
    shared(iom, unhcr, areas)
    AgreementFactory(
        providing_organisation=OrganisationFactory(), receiving_organisation=unhcr, areas=[areas["ML1002"]]
    )
    AgreementFactory(providing_organisation=OrganisationFactory(), receiving_organisation=unhcr, areas=[areas["ML05"]])
    with django_assert_num_queries(4):  # memberships, their areas, their programmes, the agreements
        scope = scope_for(user=viewer)
    assert len(scope.grants) == 3  # the membership, and two of the three agreements (one is outside ML10)
    clerk = MembershipFactory(organisation=unhcr, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]]).user
    with django_assert_num_queries(3):
        scope_for(user=clerk)


# --- the record: checks in the database, the services -----------------------------------------------


def test_the_database_refuses_an_end_before_the_start_and_sharing_with_oneself(iom, unhcr):
    common = {"level": "figures", "purpose": "x", "signed_by": "x", "all_areas": True}
    with pytest.raises(IntegrityError), transaction.atomic():
        DataSharingAgreement.objects.create(
            providing_organisation=iom,
            receiving_organisation=unhcr,
            valid_from=TODAY(),
            valid_to=TODAY() - DAY,
            **common,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        DataSharingAgreement.objects.create(
            providing_organisation=iom, receiving_organisation=iom, valid_from=TODAY(), valid_to=TODAY(), **common
        )


def _create(actor, iom, unhcr, areas, **overrides):
    values = {
        "providing_organisation": iom,
        "receiving_organisation": unhcr,
        "level": "figures",
        "purpose": "Coordination à Ménaka",
        "valid_from": TODAY(),
        "valid_to": TODAY() + 365 * DAY,
        "signed_by": "Chef de mission OIM ; Représentant HCR",
        "admin_areas": [areas["ML10"]],
    }
    values.update(overrides)
    return agreement_create(actor=actor, **values)


def test_the_providing_administrator_records_an_agreement_audited(iom_admin, iom, unhcr, areas, viewer):
    agreement = _create(iom_admin, iom, unhcr, areas)
    assert agreement.created_by == iom_admin
    assert list(agreement.admin_areas.values_list("pk", flat=True)) == ["ML10"]
    entry = AuditEntry.objects.get(action="agreement.create")
    assert (entry.actor, entry.target_id) == (iom_admin, str(agreement.pk))
    assert entry.changes["level"] == "figures"
    assert reads(viewer, organisation=iom)


def test_only_the_providing_organisations_administrators_record_or_revoke(iom, unhcr, areas, iom_admin):
    unhcr_admin = MembershipFactory(organisation=unhcr, role=Role.ADMINISTRATOR, all_areas=True).user
    iom_clerk = MembershipFactory(organisation=iom, role=Role.REGISTRATION_OFFICER, all_areas=True).user
    for actor in (unhcr_admin, iom_clerk):
        with pytest.raises(PermissionDenied):
            _create(actor, iom, unhcr, areas)
    menaka_admin = MembershipFactory(organisation=iom, role=Role.ADMINISTRATOR, areas=[areas["ML10"]]).user
    with pytest.raises(PermissionDenied):  # may not share Bandiagara, which it does not administer
        _create(menaka_admin, iom, unhcr, areas, admin_areas=[areas["ML05"]])
    assert not DataSharingAgreement.objects.exists()
    agreement = _create(iom_admin, iom, unhcr, areas)
    for actor in (unhcr_admin, iom_clerk):
        with pytest.raises(PermissionDenied):
            agreement_revoke(actor=actor, agreement=agreement, reason="Non")
    agreement.refresh_from_db()
    assert agreement.revoked_at is None


@pytest.mark.parametrize(
    "refused_input",
    [
        ({"valid_to": datetime.date(2020, 1, 1)}, "valid_to"),
        ({"purpose": "   "}, "purpose"),
        ({"signed_by": ""}, "signed_by"),
        ({"level": "everything"}, "level"),
        ({"admin_areas": []}, "admin_areas"),
    ],
)
def test_an_incomplete_agreement_is_refused(iom_admin, iom, unhcr, areas, refused_input):
    overrides, field = refused_input
    with pytest.raises(ValidationFailed) as refused:
        _create(iom_admin, iom, unhcr, areas, **overrides)
    assert field in refused.value.errors
    assert not DataSharingAgreement.objects.exists()


def test_only_the_providers_own_programmes_are_shared(iom_admin, iom, unhcr, areas):
    theirs = ProgrammeFactory(organisation=unhcr)
    with pytest.raises(ValidationFailed) as refused:
        _create(iom_admin, iom, unhcr, areas, all_programmes=False, programmes=[theirs])
    assert "programmes" in refused.value.errors


def test_revoking_needs_a_reason_and_happens_once(iom_admin, iom, unhcr, areas):
    agreement = _create(iom_admin, iom, unhcr, areas)
    with pytest.raises(ValidationFailed):
        agreement_revoke(actor=iom_admin, agreement=agreement, reason=" ")
    agreement_revoke(actor=iom_admin, agreement=agreement, reason="Fin")
    first = DataSharingAgreement.objects.get().revoked_at
    with pytest.raises(ValidationFailed):
        agreement_revoke(actor=iom_admin, agreement=agreement, reason="Encore")
    assert DataSharingAgreement.objects.get().revoked_at == first
    assert AuditEntry.objects.filter(action="agreement.revoke").count() == 1


# --- the pages ---------------------------------------------------------------------------------------


def logged(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_both_sides_see_the_agreement_and_only_the_provider_may_revoke_it(viewer, iom_admin, iom, unhcr, areas):
    agreement = shared(iom, unhcr, areas)
    for user, may_revoke in ((viewer, False), (iom_admin, True)):
        listed = logged(user).get("/access/agreements/").content.decode()
        assert f'href="/access/agreements/{agreement.pk}/"' in listed
        page = logged(user).get(f"/access/agreements/{agreement.pk}/").content.decode()
        assert "Coordination" in page
        assert ("/revoke/" in page) is may_revoke


def test_another_organisations_agreement_is_not_found(viewer, iom, areas):
    unicef = OrganisationFactory(acronym="UNICEF")
    theirs = AgreementFactory(providing_organisation=iom, receiving_organisation=unicef, areas=[areas["ML10"]])
    client = logged(viewer)
    assert client.get(f"/access/agreements/{theirs.pk}/").status_code == 404
    assert client.post(f"/access/agreements/{theirs.pk}/revoke/", {"reason": "x"}).status_code == 404
    assert client.get("/access/agreements/999999/").status_code == 404
    assert f"/access/agreements/{theirs.pk}/" not in client.get("/access/agreements/").content.decode()


def test_the_receiving_side_may_not_revoke_nor_record(viewer, iom, unhcr, areas):
    agreement = shared(iom, unhcr, areas)
    client = logged(viewer)
    assert client.post(f"/access/agreements/{agreement.pk}/revoke/", {"reason": "x"}).status_code == 403
    assert client.get("/access/agreements/new/").status_code == 403
    agreement.refresh_from_db()
    assert agreement.revoked_at is None


def test_a_role_without_agreements_finds_no_page(iom, areas):
    keeper = MembershipFactory(organisation=iom, role=Role.WAREHOUSE_OFFICER, all_areas=True).user
    assert logged(keeper).get("/access/agreements/").status_code == 404


def test_the_administrator_records_then_revokes_on_the_pages(iom_admin, iom, unhcr, areas, viewer):
    client = logged(iom_admin)
    response = client.post(
        "/access/agreements/new/",
        {
            "providing_organisation": iom.pk,
            "receiving_organisation": unhcr.pk,
            "level": "figures",
            "purpose": "<script>alert(1)</script> Coordination",
            "admin_areas": ["ML10"],
            "all_programmes": "on",
            "valid_from": TODAY().isoformat(),
            "valid_to": (TODAY() + 90 * DAY).isoformat(),
            "signed_by": "Chef de mission ; Représentant",
        },
    )
    agreement = DataSharingAgreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/access/agreements/{agreement.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert reads(viewer, organisation=iom)
    response = client.post(f"/access/agreements/{agreement.pk}/revoke/", {"reason": "Fin de la coordination"})
    assert response.status_code == 302
    assert not reads(viewer, organisation=iom)


def test_an_end_before_the_start_is_refused_on_the_page(iom_admin, iom, unhcr, areas):
    response = logged(iom_admin).post(
        "/access/agreements/new/",
        {
            "providing_organisation": iom.pk,
            "receiving_organisation": unhcr.pk,
            "level": "figures",
            "purpose": "Coordination",
            "all_areas": "on",
            "all_programmes": "on",
            "valid_from": TODAY().isoformat(),
            "valid_to": (TODAY() - DAY).isoformat(),
            "signed_by": "Chef de mission",
        },
    )
    assert response.status_code == 200
    assert "The agreement cannot end before it starts." in response.content.decode()
    assert not DataSharingAgreement.objects.exists()
