import pytest
from django.contrib import admin
from django.urls import reverse

from lms.audit.models import AuditEntry

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=[model._meta.label for model in MODELS])
def test_every_admin_list_and_search_works(client, people, model):
    client.force_login(people.admin)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    listing = client.get(url)
    searched = client.get(url, {"q": "Kora"})

    assert listing.status_code == 200
    assert searched.status_code == 200


@pytest.mark.django_db
def test_admin_is_closed_to_trainers(client, people):
    client.force_login(people.trainer_north)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_granting_a_role_in_the_admin_goes_through_the_audited_service(client, tree, people):
    client.force_login(people.admin)
    url = reverse("admin:organisations_rolegrant_add")

    response = client.post(url, {"user": people.trainee.pk, "role": "trainer", "unit": tree.north_district.pk})

    assert response.status_code == 302
    assert people.trainee.role_grants.get().unit == tree.north_district
    assert AuditEntry.objects.filter(action="role.granted", target_id=str(people.trainee.pk)).count() == 1
