"""factory_boy factories shared by every test module."""

from types import SimpleNamespace

import factory
from django.utils import timezone

from organisations import services
from organisations.models import Officer, PoliceService, Unit, User


class PoliceServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PoliceService
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"PS{n}")
    name = factory.LazyAttribute(lambda o: f"{o.code} National Police")
    country = "Numara"
    area_level_names = ["Region", "District"]


class UnitFactory(factory.Factory):
    """Units go through ``services.unit_create`` so that their paths are right."""

    class Meta:
        model = Unit

    service = factory.Maybe(
        "parent",
        yes_declaration=factory.SelfAttribute("parent.service"),
        no_declaration=factory.SubFactory(PoliceServiceFactory),
    )
    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.LazyAttribute(lambda o: f"Unit {o.code}")
    unit_type = Unit.Type.STATION
    parent = None

    @classmethod
    def _create(cls, model_class, **kwargs):
        return services.unit_create(**kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("Correct-Horse-9")


class OfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Officer

    unit = factory.SubFactory(UnitFactory)
    service = factory.LazyAttribute(lambda o: o.unit.service)
    service_number = factory.Sequence(lambda n: f"NP-{n:05d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    sex = Officer.Sex.FEMALE
    rank = "Constable"
    vetting_status = Officer.VettingStatus.FINALLY_CERTIFIED
    created_at = factory.LazyFunction(timezone.now)


def tree_build() -> SimpleNamespace:
    """A small service: nation -> two regions (North, South) -> a district each -> a
    station each, without officers."""
    t = SimpleNamespace()
    t.service = PoliceServiceFactory(code="NNP", name="Numara National Police")
    t.nation = UnitFactory(service=t.service, code="HQ", name="National Headquarters", unit_type=Unit.Type.NATIONAL)
    t.north = UnitFactory(parent=t.nation, code="N", name="Northern Region", unit_type=Unit.Type.AREA)
    t.south = UnitFactory(parent=t.nation, code="S", name="Southern Region", unit_type=Unit.Type.AREA)
    t.north_district = UnitFactory(parent=t.north, code="N1", name="Kora District", unit_type=Unit.Type.AREA)
    t.south_district = UnitFactory(parent=t.south, code="S1", name="Talu District", unit_type=Unit.Type.AREA)
    t.north_station = UnitFactory(parent=t.north_district, code="N1-ST", name="Kora Central Station")
    t.south_station = UnitFactory(parent=t.south_district, code="S1-ST", name="Talu Central Station")
    return t
