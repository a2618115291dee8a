import pytest

from abri.access.tests.factories import MembershipFactory, OrganisationFactory
from abri.geo.tests.factories import mali_areas


@pytest.fixture
def areas(db):
    return mali_areas()


@pytest.fixture
def iom(db):
    return OrganisationFactory(acronym="IOM", name="International Organization for Migration")


@pytest.fixture
def officer(iom):
    return MembershipFactory(organisation=iom, all_areas=True, user__username="officer").user
