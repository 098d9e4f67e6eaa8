import re

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_schema_generates_without_warnings(tmp_path):
    output = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(output))

    schema = output.read_text()
    for path in ["/api/v1/me/", "/api/v1/units/", "/api/v1/officers/", "/api/v1/auth/token/"]:
        assert f"  {path}:" in schema


@pytest.mark.django_db
def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert docs.status_code == 200
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', docs.content.decode())
    assert external == []


@pytest.mark.django_db
def test_page_size_is_capped_at_500(api_client, tree, people):
    api_client.force_authenticate(people.admin)

    response = api_client.get("/api/v1/units/", {"page_size": 100000})

    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 7
