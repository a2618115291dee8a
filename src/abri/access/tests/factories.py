"""Factories for organisations, users and memberships."""

import datetime

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from abri.access.models import Membership, Organisation, Role


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("acronym",)

    acronym = factory.Sequence(lambda n: f"ORG{n}")
    name = factory.LazyAttribute(lambda o: f"Organisation {o.acronym}")
    kind = Organisation.Kind.INTERNATIONAL_NGO


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "a-long-test-password")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805 -- factory_boy hook signature
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.REGISTRATION_OFFICER
    all_areas = False

    @factory.post_generation
    def areas(obj, create, extracted, **kwargs):  # noqa: N805 -- factory_boy hook signature
        if create and extracted:
            obj.admin_areas.set(extracted)

    @factory.post_generation
    def programme_list(obj, create, extracted, **kwargs):  # noqa: N805 -- factory_boy hook signature
        if create and extracted:
            obj.programmes.set(extracted)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    """A programme a grant may be limited to. Named by its label, as `Membership.programmes` names it:
    programmes belong to assistance, a later stage that access and the apps below it never import."""

    class Meta:
        model = "assistance.Programme"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"PROG-{n}")
    name = factory.LazyAttribute(lambda o: f"Programme {o.code}")
    organisation = factory.SubFactory(OrganisationFactory)


class AgreementFactory(factory.django.DjangoModelFactory):
    """A data sharing agreement in force today (figures only, all programmes); ``areas`` sets its admin areas."""

    class Meta:
        model = "access.DataSharingAgreement"
        skip_postgeneration_save = True

    providing_organisation = factory.SubFactory(OrganisationFactory)
    receiving_organisation = factory.SubFactory(OrganisationFactory)
    level = "figures"
    purpose = "Coordination"
    all_programmes = True
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    valid_to = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    signed_by = "A. Signatory; B. Signatory"

    @factory.post_generation
    def areas(obj, create, extracted, **kwargs):  # noqa: N805 -- factory_boy hook signature
        if create and extracted:
            obj.admin_areas.set(extracted)
