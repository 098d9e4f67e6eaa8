import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_course_endpoints_are_in_the_openapi_schema(tmp_path):
    output = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(output))

    schema = output.read_text()
    for path in [
        "/api/v1/courses/",
        "/api/v1/courses/{id}/",
        "/api/v1/courses/{id}/modules/",
        "/api/v1/courses/{id}/publish/",
        "/api/v1/modules/{id}/lessons/",
        "/api/v1/lessons/{id}/",
    ]:
        assert f"  {path}:" in schema
