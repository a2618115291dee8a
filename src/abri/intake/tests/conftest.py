import pytest
from django.conf import settings
from django.utils import translation

from abri.access.tests.factories import MembershipFactory


@pytest.fixture
def officer(iom):
    return MembershipFactory(organisation=iom, all_areas=True, user__username="officer").user


@pytest.fixture(autouse=True)
def english_batches(request):
    """Service tests compare problems with the English source messages (the catalogs are tested in core).

    Tests marked ``french`` keep Abri's default language, to check what a French clerk reads.
    """
    language = settings.LANGUAGE_CODE if request.node.get_closest_marker("french") else "en"
    with translation.override(language):
        yield
