"""A file imported again after two of its households were merged must not undo the merge's moves."""

import pytest

from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.core.models import AuditEntry
from abri.dedup.merges.services import household_merge, household_merge_undo
from abri.geo.tests.factories import mali_areas
from abri.intake.models import ImportedSubmission
from abri.intake.tests.factories import family, household_row, kobo_workbook, submission_uuid
from abri.intake.tests.test_services import _committed, _validated

pytestmark = pytest.mark.django_db


@pytest.fixture
def iom():
    mali_areas()
    return OrganisationFactory(acronym="IOM")


@pytest.fixture
def officer(iom):
    return MembershipFactory(organisation=iom, all_areas=True, user__username="officer").user


def test_a_reimport_leaves_merged_households_as_they_are(tmp_path, iom, officer):
    path = kobo_workbook(tmp_path / "export.xlsx", [household_row(1), household_row(2)], family(1) + family(2))
    _committed(officer, _validated(officer, iom, path))
    one = ImportedSubmission.objects.get(submission_id=submission_uuid(1)).household
    two = ImportedSubmission.objects.get(submission_id=submission_uuid(2)).household
    root = UserFactory(username="root", is_superuser=True)
    merge = household_merge(actor=root, keep=one, absorb=two, reason="Registered twice")
    members = sorted(one.members.values_list("pk", flat=True))
    assert len(members) == 6

    batch = _committed(officer, _validated(officer, iom, path))

    assert sorted(one.members.values_list("pk", flat=True)) == members
    assert AuditEntry.objects.filter(action="household.reimport_skipped", target_id=str(one.pk)).count() == 2
    assert batch.households_updated == 0
    assert (batch.households_skipped_merged, batch.households_unchanged) == (2, 0)  # the clerk is told
    household_merge_undo(actor=root, merge=merge, reason="Two families")  # still possible: nothing was lost
    assert two.members.count() == 3
