import pytest

from tests.factories import OfficerFactory

PAGE_QUERY_LIMIT = 12


@pytest.mark.django_db
@pytest.mark.parametrize("extra_officers", [0, 80])
def test_unit_roster_page_runs_a_fixed_number_of_queries(
    client, tree, people, extra_officers, django_assert_max_num_queries
):
    OfficerFactory.create_batch(extra_officers, unit=tree.north_station)
    client.force_login(people.trainer_north)

    with django_assert_max_num_queries(PAGE_QUERY_LIMIT):
        response = client.get(f"/units/{tree.north.pk}/")

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2 + extra_officers


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/units/"])
def test_staff_pages_run_a_fixed_number_of_queries(client, tree, people, path, django_assert_max_num_queries):
    OfficerFactory.create_batch(40, unit=tree.south_station)
    client.force_login(people.leader)

    with django_assert_max_num_queries(PAGE_QUERY_LIMIT):
        response = client.get(path)

    assert response.status_code == 200


@pytest.mark.django_db
def test_home_shows_headcount_by_sex_for_a_leader(client, tree, people):
    OfficerFactory(unit=tree.south_station, sex="M")
    client.force_login(people.leader)

    body = client.get("/").content.decode()

    assert "National Headquarters" in body
    assert [unit.headcount for unit in client.get("/").context["scope_units"]] == [
        {"total": 5, "women": 4, "finally_certified": 5}
    ]
    assert "Kora Central Station" not in body


@pytest.mark.django_db
def test_trainee_home_shows_their_record_and_no_one_elses(client, tree, people):
    client.force_login(people.trainee)

    body = client.get("/").content.decode()

    assert tree.north_officers[0].service_number in body
    assert tree.north_officers[1].service_number not in body
    assert 'href="/units/"' not in body


@pytest.mark.django_db
def test_pages_are_small_and_need_no_javascript(client, tree, people):
    client.force_login(people.trainer_north)

    html = client.get(f"/units/{tree.north.pk}/").content
    css = client.get("/static/css/site.css")

    assert css.status_code == 200
    assert b"<script" not in html
    assert b"style=" not in html
    assert len(html) + len(b"".join(css.streaming_content if css.streaming else [css.content])) < 30_000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Sign in"), ("fr", "Se connecter"), ("ar", "تسجيل الدخول")],
)
def test_sign_in_page_speaks_the_visitors_language(client, language, expected):
    body = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert expected in body
    assert f'<html lang="{language}"' in body
