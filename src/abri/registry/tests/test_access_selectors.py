"""The scope filter: organisation × admin areas, an area covering its descendants."""

import pytest

from abri.access import roles
from abri.access.models import Role
from abri.access.selectors import scope_q
from abri.access.tests.factories import MembershipFactory, OrganisationFactory
from abri.geo.tests.factories import mali_areas
from abri.registry.models import Household
from abri.registry.tests.factories import household_saved

pytestmark = pytest.mark.django_db


def test_scope_keeps_the_organisation_households_in_the_area_and_below():
    areas = mali_areas()
    iom = OrganisationFactory(acronym="IOM")
    other = OrganisationFactory(acronym="NRC")
    in_cercle = household_saved(organisation=iom, admin_area="ML1001")
    in_region = household_saved(organisation=iom, admin_area="ML10", origin_area="")
    elsewhere = household_saved(organisation=iom, admin_area="ML0501", origin_area="")
    other_organisation = household_saved(organisation=other, admin_area="ML1001")
    membership = MembershipFactory(organisation=iom, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]])

    visible = Household.objects.filter(scope_q(user=membership.user, permission=roles.VIEW_HOUSEHOLD))

    assert set(visible) == {in_cercle, in_region}
    assert elsewhere not in visible
    assert other_organisation not in visible
