"""factory_boy factories shared by every test module."""

import factory
from django.contrib.auth import get_user_model

from motcua.accounts.models import Agency, Role, StaffRole, Unit

DEFAULT_TEST_PASSWORD = "Mk-test-2026!"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"H56.{n + 10:02d}")
    name = factory.Sequence(lambda n: f"Sở Nông nghiệp và Môi trường số {n}")
    kind = Agency.Kind.DEPARTMENT


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    agency = factory.SubFactory(AgencyFactory)
    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"Phòng chuyên môn {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.vn")
    kind = get_user_model().Kind.CITIZEN
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_TEST_PASSWORD)

    @factory.post_generation
    def _save(user, create, extracted, **kwargs):
        if create:
            user.save()


class StaffFactory(UserFactory):
    kind = get_user_model().Kind.STAFF
    agency = factory.SubFactory(AgencyFactory)

    @factory.post_generation
    def role(user, create, extracted, **kwargs):
        """StaffFactory(role=Role.SPECIALIST) gives the user that role in a unit of the agency."""
        if create and extracted:
            unit = kwargs.get("unit") or UnitFactory(agency=user.agency)
            StaffRole.objects.create(user=user, unit=unit, role=extracted)


__all__ = ["AgencyFactory", "Role", "StaffFactory", "UnitFactory", "UserFactory"]
