"""The site's layout and partials: error pages, the menu, form errors (issue 17, 7, 15, 18)."""

import pytest
from django import forms
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation
from django.views.defaults import server_error


@pytest.mark.django_db
def test_404_page_has_the_layout_translated_and_a_way_back(client):
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert 'class="site-header"' in html
    assert "<h1>Page introuvable</h1>" in html
    assert '<a href="/">Retour à la page d\'accueil</a>' in html


@pytest.mark.django_db
def test_404_page_in_arabic_is_right_to_left(client):
    html = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in html


def test_500_page_needs_no_database_and_no_request_context():
    """Rendered as Django does (no context processors) when the database may be what failed:
    without the ``db`` fixture, any query would raise."""
    request = RequestFactory().get("/")
    with translation.override("fr"):
        response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="fr" dir="ltr">' in html
    assert "<h1>Une erreur s\u2019est produite</h1>" in html
    assert '<a href="/">Retour à la page d\'accueil</a>' in html
    assert "nav-menu" not in html


@pytest.mark.django_db
def test_403_page_has_the_layout_and_a_way_back(client, people):
    client.force_login(people.trainee)
    response = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert '<a href="/">Retour à la page d\'accueil</a>' in html


@pytest.mark.django_db
def test_signed_in_menu_is_a_details_disclosure_without_javascript(client, people):
    """Issue 17, 7: one row on a phone; <summary> opens it by keyboard, no script needed."""
    client.force_login(people.trainee)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<details class="nav-menu">\n<summary>Menu</summary>\n<nav aria-label="Main">' in html
    assert "<script" not in html


@pytest.mark.django_db
def test_signed_out_page_has_a_plain_sign_in_link(client):
    html = client.get("/accounts/login/").content.decode()
    assert "nav-menu" not in html
    assert '<nav aria-label="Main">' in html


class ExampleForm(forms.Form):
    code = forms.CharField(label="Code", help_text="On the paper.")


def test_form_errors_summary_links_to_each_marked_field():
    """Issue 17, 15: a summary at the top linking to the field, the field marked."""
    form = ExampleForm(data={"code": ""})
    assert not form.is_valid()
    summary = render_to_string("partials/form_errors.html", {"form": form})
    field = render_to_string("partials/field.html", {"field": form["code"]})
    assert '<li><a href="#id_code">Code: This field is required.</a></li>' in summary
    assert '<ul class="errorlist field-error" id="id_code_error"><li>This field is required.</li></ul>' in field
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="id_code_helptext id_code_error"' in field


def test_a_valid_field_is_not_marked():
    form = ExampleForm(data={"code": "X"})
    assert form.is_valid()
    field = render_to_string("partials/field.html", {"field": form["code"]})
    assert "aria-invalid" not in field
    assert "field-error" not in field
