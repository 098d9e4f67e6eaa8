"""Who an officer is (``organisations.identity``): service numbers compared however typed,
the database constraint that holds the rule, the migration that brought it, and the other
doors that look an officer up by number (search, admin)."""

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.urls import reverse

from organisations.identity import service_number_key, text_clean
from organisations.models import Officer
from tests.factories import OfficerFactory, UnitFactory

MIGRATION = importlib.import_module("organisations.migrations.0002_service_number_ignores_case_and_spaces")
# The marks the issue names: LRM, RLM, the embeddings and overrides, the isolates.
MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZWNJ, ZWJ = "\u200c", "\u200d"
TAKEN = "An officer of this police service already has this service number (case does not count)."


def numbers() -> list[str]:
    return list(Officer.objects.order_by("pk").values_list("service_number", flat=True))


# The rule ------------------------------------------------------------------------------------


def test_text_clean_drops_every_direction_mark_and_keeps_joiners_and_accents():
    typed = f"\u00a0 {MARKS}Jose\u0301 خانه{ZWNJ}ای {ZWJ}{MARKS}\u3000"

    assert text_clean(typed) == f"Jos\u00e9 خانه{ZWNJ}ای {ZWJ}"


@pytest.mark.parametrize(
    "typed", ["FT-0502", "ft-0502", " Ft-0502\t", "\u00a0fT-0502\u2003", f"{MARKS[0]}FT{MARKS[5]}-0502{MARKS[-1]}"]
)
def test_service_numbers_typed_differently_share_one_key(typed):
    assert service_number_key(typed) == "FT-0502"


@pytest.mark.parametrize("other", ["FT 0502", "FT-502", "FT_0502", "FT-05020"])
def test_service_numbers_that_differ_in_more_than_case_and_spaces_are_two(other):
    assert service_number_key(other) != service_number_key("FT-0502")


# The database ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("second", ["ft-0502", "Ft-0502", " FT-0502 ", "fT-0502  "])
def test_the_database_refuses_a_second_officer_differing_only_by_case_or_spaces(second):
    first = OfficerFactory(service_number="FT-0502")

    with pytest.raises(IntegrityError), transaction.atomic():
        Officer.objects.create(
            service=first.service,
            service_number=second,
            given_name="Awa",
            family_name="Ba",
            sex=Officer.Sex.FEMALE,
            rank="Constable",
            unit=first.unit,
        )

    assert numbers() == ["FT-0502"]
    elsewhere = OfficerFactory(unit=UnitFactory(code="OTHER-HQ"), service_number=second)  # another police service
    assert (elsewhere.service != first.service, numbers()) == (True, ["FT-0502", second])


# The migration -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_migration_stores_every_number_cleaned_in_its_own_case():
    unit = UnitFactory()
    for number in ("\u200eNP-7\u00a0", " np-8\u2069", "NP-9", f"{MARKS}Kp-10{MARKS}"):
        OfficerFactory(unit=unit, service_number=number)

    MIGRATION.service_numbers_clean(apps, None)

    assert numbers() == ["NP-7", "np-8", "NP-9", "Kp-10"]


@pytest.mark.django_db
def test_the_migration_refuses_officers_of_one_service_who_become_one_and_changes_nothing():
    first = OfficerFactory(service_number="NP-1")
    second = OfficerFactory(unit=first.unit, service_number="\u200fnp-1")
    OfficerFactory(unit=first.unit, service_number=" NP-2\u200e")
    OfficerFactory(unit=UnitFactory(code="OTHER-HQ"), service_number="np-1")  # another service
    before = numbers()

    with pytest.raises(RuntimeError) as refused:
        MIGRATION.service_numbers_clean(apps, None)

    assert str(refused.value) == (
        "These officers of one police service have the same service number once case, surrounding spaces and "
        "direction marks are ignored. Give all but one of each group another service number (or merge them), "
        f"then migrate again:\npolice service id {first.service_id}: officer id {first.pk} 'NP-1', "
        f"officer id {second.pk} '\\u200fnp-1'"
    )
    assert numbers() == before


# Other doors ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_officer_search_finds_a_service_number_however_typed(api_client, tree, people):
    officer = tree.north_officers[0]
    api_client.force_authenticate(people.admin)

    response = api_client.get("/api/v1/officers/", {"search": f"\u2066 {officer.service_number.lower()}\u2069"})

    assert [found["id"] for found in response.json()["results"]] == [officer.pk]


def _admin_form(tree, service_number: str) -> dict:
    return {
        "service": tree.service.pk,
        "service_number": service_number,
        "given_name": "\u200fAwa",
        "family_name": f"Ba{ZWNJ}\u200e",
        "sex": "F",
        "rank": "Constable",
        "unit": tree.north_station.pk,
        "vetting_status": "unknown",
        "is_active": "on",
        "transfers-TOTAL_FORMS": "0",
        "transfers-INITIAL_FORMS": "0",
    }


@pytest.mark.django_db
def test_the_admin_refuses_a_second_officer_however_typed(client, tree, people):
    existing = tree.north_officers[0]
    client.force_login(people.admin)
    before = numbers()

    response = client.post(
        reverse("admin:organisations_officer_add"), _admin_form(tree, f"\u200f{existing.service_number.lower()} ")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [TAKEN]
    assert numbers() == before


@pytest.mark.django_db
def test_the_admin_stores_the_number_and_names_cleaned(client, tree, people):
    client.force_login(people.admin)

    response = client.post(reverse("admin:organisations_officer_add"), _admin_form(tree, "\u2066Np-77\u2069\u00a0"))

    assert response.status_code == 302
    assert Officer.objects.filter(unit=tree.north_station).order_by("-pk").values_list(
        "service_number", "given_name", "family_name"
    ).first() == ("Np-77", "Awa", f"Ba{ZWNJ}")
