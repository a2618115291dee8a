"""The merge page, the merge history on a household's page, the undo button, and tombstones."""

from datetime import date

import pytest
from django.test import Client

from abri.access.models import Role
from abri.access.selectors import scope_for
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.dedup.models import CandidateStatus, MatchCandidate
from abri.registry.models import Household, HouseholdMerge, HouseholdStatus, Individual
from abri.registry.selectors import household_counts
from abri.registry.tests.factories import household_saved, member_input

pytestmark = pytest.mark.django_db

KEPT, ABSORBED = "IOM-22-000001", "IOM-22-000002"


@pytest.fixture
def pair(areas, iom):
    kept = household_saved(organisation=iom, registration_number=KEPT)
    absorbed = household_saved(
        organisation=iom,
        registration_number=ABSORBED,
        members=[
            member_input(),
            member_input(given_names="Oumar", sex="male", relationship="child", birth_date=date(2019, 5, 1)),
        ],
    )
    return kept, absorbed


def _client(role, organisation, areas, username) -> Client:
    membership = MembershipFactory(
        user=UserFactory(username=username), organisation=organisation, role=role, areas=[areas["ML10"]]
    )
    client = Client()
    client.force_login(membership.user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def clerk(iom, areas) -> Client:
    return _client(Role.REGISTRATION_OFFICER, iom, areas, "clerk")


def _head(household: Household) -> Individual:
    return household.members.get(relationship="head")


def test_the_page_shows_both_households_and_fills_in_the_pairs_the_engine_proposed(clerk, pair):
    kept, absorbed = pair
    first, second = sorted((_head(kept), _head(absorbed)), key=lambda member: member.pk)
    MatchCandidate.objects.create(
        individual_a=first,
        individual_b=second,
        household_a_id=first.household_id,
        household_b_id=second.household_id,
        match_probability=0.98,
        match_weight=13.0,
        fingerprint="fp",
    )
    response = clerk.get(f"/households/{KEPT}/merge/?with={ABSORBED}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Merge two registrations of one household" in body
    assert body.count("Fatoumata Maïga") >= 2  # this officer may read names: in both columns
    suggested = f'<option value="{_head(absorbed).pk}" selected>'
    assert f'name="pair_{_head(kept).pk}"' in body
    assert suggested in body
    assert 'name="keep" value="IOM-22-000001"' in body


def test_merging_from_the_page_keeps_the_chosen_household_and_the_tombstone_leads_to_it(clerk, pair):
    kept, absorbed = pair
    response = clerk.post(
        f"/households/{ABSORBED}/merge/",
        {
            "with": KEPT,
            "keep": KEPT,
            f"pair_{_head(absorbed).pk}": str(_head(kept).pk),
            "reason": "Registered twice",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/households/{KEPT}/"
    merge = HouseholdMerge.objects.get()
    assert (merge.kept_id, merge.absorbed_id) == (kept.pk, absorbed.pk)
    assert merge.moved["folded"] == {str(_head(absorbed).pk): _head(kept).pk}
    assert Individual.objects.get(given_names="Oumar").household_id == kept.pk

    tombstone = clerk.get(f"/households/{ABSORBED}/")
    assert tombstone.status_code == 302
    assert tombstone["Location"] == f"/households/{KEPT}/"
    page = clerk.get(tombstone["Location"]).content.decode()
    assert "Household IOM-22-000002 was merged into household IOM-22-000001." in page
    assert "Registered twice" in page
    assert "Members moved: 1 · Recorded as the same person: 1 · Other records moved: 0" in page
    assert f'action="/households/{KEPT}/merges/{merge.pk}/undo/"' in page


def test_a_merge_without_a_reason_shows_the_form_again_and_merges_nothing(clerk, pair):
    response = clerk.post(f"/households/{KEPT}/merge/", {"with": ABSORBED, "keep": KEPT, "reason": ""})
    assert response.status_code == 200
    assert "Nothing was merged" in response.content.decode()
    assert not HouseholdMerge.objects.exists()


def test_one_person_paired_twice_is_refused_on_the_form(clerk, pair):
    kept, absorbed = pair
    head = str(_head(absorbed).pk)
    data = {"with": ABSORBED, "keep": KEPT, "reason": "Twice"}
    data.update({f"pair_{member.pk}": head for member in kept.members.all()})
    response = clerk.post(f"/households/{KEPT}/merge/", data)
    assert response.status_code == 200
    assert "already paired with another member" in response.content.decode()
    assert not HouseholdMerge.objects.exists()


def test_roles_without_the_rights_to_merge_get_403_and_outsiders_404(pair, iom, areas):
    viewer = _client(Role.PARTNER_VIEWER, iom, areas, "viewer")
    assert viewer.get(f"/households/{KEPT}/merge/?with={ABSORBED}").status_code == 403
    assert viewer.post(f"/households/{KEPT}/merge/", {"with": ABSORBED, "keep": KEPT, "reason": "x"}).status_code == 403
    assert 'id="h-merges"' not in viewer.get(f"/households/{KEPT}/").content.decode()
    other = _client(Role.REGISTRATION_OFFICER, OrganisationFactory(acronym="NRC"), areas, "nrc-clerk")
    assert other.get(f"/households/{KEPT}/merge/?with={ABSORBED}").status_code == 404
    assert not HouseholdMerge.objects.exists()


def test_undo_from_the_kept_household_page(clerk, pair):
    _kept, absorbed = pair
    clerk.post(f"/households/{KEPT}/merge/", {"with": ABSORBED, "keep": KEPT, "reason": "Registered twice"})
    merge = HouseholdMerge.objects.get()
    assert clerk.post(f"/households/{KEPT}/merges/{merge.pk}/undo/", {"reason": ""}).status_code == 302
    merge.refresh_from_db()
    assert merge.undone_at is None  # no reason, no undo

    response = clerk.post(f"/households/{KEPT}/merges/{merge.pk}/undo/", {"reason": "Two families"}, follow=True)
    body = response.content.decode()
    assert "The merge is undone: household IOM-22-000002 is registered again." in body
    assert "Undone" in body
    absorbed.refresh_from_db()
    assert absorbed.status == HouseholdStatus.REGISTERED
    assert clerk.get(f"/households/{ABSORBED}/").status_code == 200


def test_an_unsafe_undo_says_why(clerk, pair):
    clerk.post(f"/households/{KEPT}/merge/", {"with": ABSORBED, "keep": KEPT, "reason": "Registered twice"})
    merge = HouseholdMerge.objects.get()
    Individual.objects.filter(given_names="Oumar").delete()
    body = clerk.post(f"/households/{KEPT}/merges/{merge.pk}/undo/", {"reason": "Oops"}, follow=True).content.decode()
    assert "has since left household IOM-22-000001 or been removed from it" in body
    merge.refresh_from_db()
    assert merge.undone_at is None


def test_a_tombstone_whose_kept_household_is_out_of_sight_shows_a_banner(clerk, pair, iom, areas):
    kept, _absorbed = pair
    clerk.post(
        f"/households/{ABSORBED}/merge/", {"with": KEPT, "keep": KEPT, "reason": "Registered twice"}, follow=True
    )
    Household.objects.filter(pk=kept.pk).update(admin_area_id="ML0501")  # moved to Bandiagara, outside Ménaka
    response = clerk.get(f"/households/{ABSORBED}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "was merged into another household, which you may not see" in body
    assert KEPT not in body
    assert f"/households/{ABSORBED}/edit/" not in body


def test_a_merged_household_cannot_be_merged_again_from_the_page(clerk, pair, iom):
    household_saved(organisation=iom, registration_number="IOM-22-000003")
    clerk.post(f"/households/{KEPT}/merge/", {"with": ABSORBED, "keep": KEPT, "reason": "Registered twice"})
    response = clerk.get(f"/households/IOM-22-000003/merge/?with={ABSORBED}", follow=True)
    assert "IOM-22-000002 has already been merged into another household." in response.content.decode()
    assert MatchCandidate.objects.filter(status=CandidateStatus.SAME).count() == 0
    assert HouseholdMerge.objects.count() == 1


def test_lists_and_counts_leave_the_merged_household_out_unless_asked_for(clerk, pair):
    clerk.post(
        f"/households/{ABSORBED}/merge/", {"with": KEPT, "keep": KEPT, "reason": "Registered twice"}, follow=True
    )
    listed = clerk.get("/households/").content.decode()
    assert f"/households/{KEPT}/" in listed
    assert f"/households/{ABSORBED}/" not in listed
    assert f"/households/{ABSORBED}/" in clerk.get("/households/?status=merged").content.decode()
    counts = household_counts(scope=scope_for(user=UserFactory(username="root", is_superuser=True)))
    assert (counts.totals.households, counts.totals.individuals) == (1, 5)


def test_merge_page_query_count_does_not_grow_with_members(clerk, pair, iom, django_assert_num_queries):
    # session, user, has an authenticator?, scope (memberships, areas, programmes), both
    # households, the members of each, the audit entry of the view, the candidate pairs between
    # them, current membership.
    with django_assert_num_queries(13):
        assert clerk.get(f"/households/{KEPT}/merge/?with={ABSORBED}").status_code == 200
    household_saved(
        organisation=iom,
        registration_number="IOM-22-000004",
        members=[member_input(), *(member_input(given_names=f"Enfant {n}", relationship="child") for n in range(8))],
    )
    with django_assert_num_queries(13):
        assert clerk.get(f"/households/{KEPT}/merge/?with=IOM-22-000004").status_code == 200


def test_the_kept_household_history_carries_the_merged_one_until_the_undo(clerk, pair, iom, areas):
    auditor = _client(Role.AUDITOR, iom, areas, "auditor")
    merged_note = f"recorded on household {ABSORBED}, merged into this one"
    assert merged_note not in auditor.get(f"/households/{KEPT}/").content.decode()

    clerk.post(f"/households/{KEPT}/merge/", {"with": ABSORBED, "keep": KEPT, "reason": "Registered twice"})
    page = auditor.get(f"/households/{KEPT}/").content.decode()
    assert merged_note in page  # the registration of the absorbed household, and its side of the merge

    merge = HouseholdMerge.objects.get()
    clerk.post(f"/households/{KEPT}/merges/{merge.pk}/undo/", {"reason": "Two families"})
    assert merged_note not in auditor.get(f"/households/{KEPT}/").content.decode()
