"""Activation slips: the PDF as a reader sees it, and the unit page that issues them."""

import io
import re
from datetime import date

import pytest
from django.conf import settings
from django.utils import translation
from pypdf import PdfReader

from lms.pdf.testing import document_text, glyph_problems, shows_text
from organisations import activation, slips
from organisations.models import ActivationCode
from tests.factories import OfficerFactory

NAMES = [
    ("فاطمة الزهراء", "بن علي"),
    ("Aïcha", "N'Diaye-Kaboré"),
    ("João", "Gonçalves"),
    ("Kɔnɛ", "Ɓello Traoré"),
]
EXPIRES_ON = date(2026, 12, 24)
CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{3}")


@pytest.fixture
def multilingual_officers(tree):
    return [
        OfficerFactory(unit=tree.north_station, given_name=given, family_name=family, service_number=f"NP-7{i:04d}")
        for i, (given, family) in enumerate(NAMES)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_slips_show_each_officers_name_number_unit_and_code(tree, people, multilingual_officers, language):
    issued = activation.activation_codes_issue_for_unit(unit=tree.north_station, actor=people.trainer_north)
    with translation.override(language):
        pdf = slips.activation_slips_pdf(slips=slips.slips_for(issued), title="Activation slips", author=people.admin)

    text = document_text(pdf)
    assert len(issued) == 5  # the four above and tree.north_officers[1]
    for officer, code in issued:
        assert shows_text(text, officer.full_name), officer.full_name
        assert officer.service_number in text
        assert code in text
    assert shows_text(text, "Kora Central Station")
    assert f"{settings.PUBLIC_BASE_URL}/accounts/activate/" in text
    assert glyph_problems(pdf) == []


@pytest.mark.django_db
def test_every_printed_code_activates_its_own_officer(tree, people, multilingual_officers):
    issued = activation.activation_codes_issue_for_unit(unit=tree.north_station, actor=people.trainer_north)
    pdf = slips.activation_slips_pdf(slips=slips.slips_for(issued), title="Activation slips", author=people.admin)
    text = document_text(pdf)

    printed = CODE.findall(text)
    for (officer, _code), code in zip(issued, printed, strict=True):
        user = activation.account_activate(service_number=officer.service_number, code=code, password="Blue-Heron-42")
        officer.refresh_from_db()
        assert officer.user == user


@pytest.mark.parametrize(("count", "pages"), [(1, 1), (8, 1), (9, 2), (16, 2), (17, 3)])
def test_eight_slips_to_a_page(count, pages):
    slip_list = [
        slips.Slip(f"Officer {i}", f"NP-{i:05d}", "Kora Central Station", "7KQ3-XM9P-2DC", EXPIRES_ON)
        for i in range(count)
    ]

    pdf = slips.activation_slips_pdf(slips=slip_list, title="Activation slips", author="Amina Trainer")

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == pages
    assert slips.SLIPS_PER_PAGE == 8
    assert document_text(pdf).count("7KQ3-XM9P-2DC") == count


def test_slips_carry_title_and_author_metadata():
    slip = slips.Slip("Awa Traoré", "NP-00001", "Kora Central Station", "7KQ3-XM9P-2DC", EXPIRES_ON)

    pdf = slips.activation_slips_pdf(slips=[slip], title="Activation slips: Kora", author="Amina Trainer")

    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata.title == "Activation slips: Kora"
    assert metadata.author == "Amina Trainer"
    assert metadata.subject == "Account activation slips"


SLIP_PAGE_ROLES = {"anonymous": 302, "trainee": 403, "leader": 403, "trainer_south": 404, "trainer_north": 200}


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "expected"), SLIP_PAGE_ROLES.items())
def test_unit_slips_page_by_role(client, tree, people, role, expected):
    if role != "anonymous":
        client.force_login(getattr(people, role))

    get = client.get(f"/units/{tree.north.pk}/activation-slips/")
    post = client.post(f"/units/{tree.north.pk}/activation-slips/")

    assert get.status_code == expected
    if expected != 200:
        assert post.status_code == expected
        assert ActivationCode.objects.count() == 0


@pytest.mark.django_db
def test_unit_slips_page_confirms_how_many_codes_it_will_issue(client, tree, people):
    OfficerFactory.create_batch(3, unit=tree.north_station)
    client.force_login(people.trainer_north)

    body = client.get(f"/units/{tree.north.pk}/activation-slips/").content.decode()

    assert "This issues new activation codes for 4 officers of Northern Region" in body
    assert "all 5 active officers instead" in body
    assert ActivationCode.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("include_activated", "expected"), [(False, 4), (True, 5)])
def test_unit_slips_post_downloads_the_pdf(client, tree, people, include_activated, expected):
    OfficerFactory.create_batch(3, unit=tree.north_station)
    client.force_login(people.trainer_north)
    data = {"include_activated": "on"} if include_activated else {}

    response = client.post(f"/units/{tree.north.pk}/activation-slips/", data)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="activation-slips-n.pdf"'
    assert ActivationCode.objects.filter(voided_at__isnull=True).count() == expected
    assert len(CODE.findall(document_text(response.content))) == expected


@pytest.mark.django_db
def test_unit_page_offers_slips_to_trainers_and_links_officers(client, tree, people):
    client.force_login(people.trainer_north)

    body = client.get(f"/units/{tree.north.pk}/").content.decode()

    assert f'href="/units/{tree.north.pk}/activation-slips/"' in body
    assert f'href="/officers/{tree.north_officers[1].pk}/"' in body


@pytest.mark.django_db
def test_unit_page_offers_no_slips_to_a_leader(client, tree, people):
    client.force_login(people.leader)

    body = client.get(f"/units/{tree.north.pk}/").content.decode()

    assert "activation-slips" not in body
