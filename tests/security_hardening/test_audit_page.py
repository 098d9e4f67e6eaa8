"""The audit trail page: admins only, newest first, filtered, paginated, readable changes."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from lms.audit.actions import ACTION_LABELS
from lms.audit.models import AuditEntry
from lms.audit.selectors import FieldChange, entry_changes
from organisations.models import Officer, RoleGrant, User
from readiness import services as readiness_services
from readiness.models import RequirementProfile

pytestmark = pytest.mark.django_db


def entry(*, action="certificate.revoke", actor=None, minutes_ago=0, **fields) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        actor=actor,
        target_type=fields.pop("target_type", "certificates.certificate"),
        target_id=fields.pop("target_id", "1"),
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
        **fields,
    )


def listed_actions(html: str) -> list[str]:
    return re.findall(r'<td data-action="([^"]+)">', html)


def row_of(html: str, text: str) -> str:
    rows = [row for row in re.findall(r"<tr>.*?</tr>", html, re.DOTALL) if text in row]
    assert len(rows) == 1, rows
    return " ".join(rows[0].split())


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 302), ("trainee", 403), ("trainer_north", 403), ("leader", 403), ("admin", 200)],
)
def test_only_admins_see_the_audit_trail(client, people, who, status):
    entry(reason="Issued in error")
    if who:
        client.force_login(getattr(people, who))

    response = client.get("/audit/")

    assert response.status_code == status
    if who is None:
        assert response["Location"] == "/accounts/login/?next=/audit/"
    assert ("Issued in error" in response.content.decode()) is (status == 200)


@pytest.mark.parametrize(("who", "linked"), [("admin", True), ("trainer_north", False), ("leader", False)])
def test_the_navigation_links_the_audit_trail_for_admins_only(client, people, who, linked):
    client.force_login(getattr(people, who))

    html = client.get("/").content.decode()

    assert ('<a href="/audit/">Audit trail</a>' in html) is linked


def test_a_revocation_shows_who_what_when_before_after_and_why(client, people):
    people.admin.first_name, people.admin.last_name = "Ama", "Owusu"
    people.admin.save()
    revoked = entry(
        actor=people.admin,
        target_id="42",
        target_label="MWQW-G2F4-2EGZ-DJKF8",
        before={"status": "valid", "reason": ""},
        after={"status": "revoked"},
        reason="Issued in error: the attendance sheet was corrected.",
    )
    client.force_login(people.admin)

    html = client.get("/audit/").content.decode()

    row = row_of(html, "MWQW-G2F4-2EGZ-DJKF8")
    assert f'<time datetime="{timezone.localtime(revoked.created_at).isoformat()}">' in row
    assert '<span dir="auto">Ama Owusu</span> <bdi class="muted">admin</bdi>' in row
    assert '<td data-action="certificate.revoke">Certificate revoked</td>' in row
    assert "certificate <bdi>#42</bdi>" in row
    assert (
        '<dt><code>status</code></dt> <dd> <span class="visually-hidden">before:</span> <del dir="auto">valid</del> '
        '<span aria-hidden="true">→</span> <span class="visually-hidden">after:</span> <ins dir="auto">revoked</ins> '
        "</dd>"
    ) in row
    assert (
        '<dt><code>reason</code></dt> <dd> <span class="visually-hidden">before:</span> <del dir="auto"></del> </dd>'
    ) in row
    assert '<span dir="auto">Issued in error: the attendance sheet was corrected.</span>' in row


def test_changes_read_field_by_field_whatever_was_recorded():
    recorded = AuditEntry(
        before={"target": "0.80", "is_gate": False, "weight": "1.00", "units": [3, 4]},
        after={"target": "0.90", "is_gate": False, "weight": "1.00", "units": [3], "limits": {"b": 2, "a": 1}},
    )

    assert entry_changes(recorded) == [
        FieldChange("is_gate", "no", "no"),
        FieldChange("limits", None, '{"a": 1, "b": 2}'),
        FieldChange("target", "0.80", "0.90"),
        FieldChange("units", "3, 4", "3"),
        FieldChange("weight", "1.00", "1.00"),
    ]
    assert [change.is_unchanged for change in entry_changes(recorded)] == [True, False, False, False, True]
    assert entry_changes(AuditEntry(before=None, after={"points": None})) == [FieldChange("points", None, "(none)")]
    assert entry_changes(AuditEntry(before=None, after=None)) == []


def test_entries_come_newest_first_fifty_a_page_keeping_the_filters(client, people):
    for minutes_ago in range(60):
        entry(action="assessment.graded", target_id=str(minutes_ago), minutes_ago=minutes_ago)
    entry(action="certificate.revoke", minutes_ago=0)
    client.force_login(people.admin)

    first = client.get("/audit/", {"action": "assessment.graded"}).content.decode()
    second = client.get("/audit/", {"action": "assessment.graded", "page": 2}).content.decode()

    assert re.findall(r"<bdi>#(\d+)</bdi>", first) == [str(n) for n in range(50)]
    assert re.findall(r"<bdi>#(\d+)</bdi>", second) == [str(n) for n in range(50, 60)]
    assert '<a href="?action=assessment.graded&amp;page=2" rel="next">Next</a>' in first
    assert "Page 2 of 2" in second
    assert "60 entries" in first


def test_filters_by_action_actor_kind_and_record(client, people):
    AuditEntry.objects.all().delete()  # the fixture's role grants
    entry(action="certificate.revoke", actor=people.admin, target_id="7", target_label="MWQW-7")
    entry(action="assessment.graded", actor=people.trainer_north, target_type="assessments.answer", target_id="8")
    entry(action="roster.officer_updated", target_type="organisations.officer", target_id="9", target_label="Awa Ba")
    client.force_login(people.admin)

    def actions(**filters) -> list[str]:
        return listed_actions(client.get("/audit/", filters).content.decode())

    assert actions() == ["roster.officer_updated", "assessment.graded", "certificate.revoke"]
    assert actions(action="assessment.graded") == ["assessment.graded"]
    assert actions(actor="TRAINER.north") == ["assessment.graded"]
    assert actions(target_type="organisations.officer") == ["roster.officer_updated"]
    assert actions(target="7") == ["certificate.revoke"]
    assert actions(target="awa") == ["roster.officer_updated"]
    assert actions(actor="nobody") == []


def test_a_filter_naming_no_known_action_is_an_error_not_every_entry(client, people):
    entry(action="certificate.revoke", reason="Issued in error")
    client.force_login(people.admin)

    response = client.get("/audit/", {"action": "certificate.delete"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice. certificate.delete is not one of the available choices." in html
    assert "Issued in error" not in html


def test_the_page_runs_a_fixed_number_of_queries_and_no_script(client, people, django_assert_max_num_queries):
    # Session, user, roles, unread notifications; the actions and kinds for the filters;
    # the count and the page of entries with their actors.
    client.force_login(people.admin)
    entry(actor=people.admin, before={"status": "valid"}, after={"status": "revoked"})
    # The names of the records: one query per kind (certificates and the fixture's role grants).
    with django_assert_max_num_queries(10):
        small = client.get("/audit/")
    for number in range(80):
        entry(actor=people.trainer_north if number % 2 else people.admin, target_id=str(number))

    with django_assert_max_num_queries(10):
        large = client.get("/audit/")

    assert small.status_code == large.status_code == 200
    assert listed_actions(large.content.decode()) == ["certificate.revoke"] * 50
    assert "<script" not in large.content.decode()


def test_each_audited_kind_of_change_reaches_the_page(client, seeded):
    """Grades, roster changes and revocations are audited by the demo's own seeding; a
    requirement change is made here through the readiness service."""
    admin = User.objects.get(username="demo.admin")
    profile = RequirementProfile.objects.filter(requirements__isnull=False).order_by("pk").first()
    requirement = profile.requirements.order_by("pk").first()
    readiness_services.requirement_set(
        profile=profile,
        competency=requirement.competency_id,
        population=requirement.population,
        position=requirement.position,
        target=Decimal("0.95") if requirement.target != Decimal("0.95") else Decimal("0.90"),
        is_gate=requirement.is_gate,
        weight=requirement.weight,
        actor=admin,
    )
    client.force_login(admin)
    officer = Officer.objects.get(service_number="NP-000639")

    def first_row(**filters) -> str:
        html = client.get("/audit/", filters).content.decode()
        return " ".join(re.search(r"<tbody>\s*(<tr>.*?</tr>)", html, re.DOTALL).group(1).split())

    grade = first_row(action="assessment.graded")
    roster = first_row(action="roster.officer_updated", target=officer.service_number)
    requirement_change = first_row(action="readiness.requirement_set")
    revocation = first_row(action="certificate.revoke")

    assert (
        '<dt><code>points</code></dt> <dd> <span class="visually-hidden">before:</span> <del dir="auto">(none)</del>'
        in (grade)
    )
    assert '<del dir="auto">screened</del>' in roster
    assert '<ins dir="auto">finally_certified</ins>' in roster
    assert "roster file: knp-roster-vetting-board-results.csv" in roster
    assert f'<ins dir="auto">{profile.requirements.get(pk=requirement.pk).target}</ins>' in requirement_change
    assert '<bdi class="muted">demo.admin</bdi>' in requirement_change
    assert '<ins dir="auto">revoked</ins>' in revocation
    assert "Issued in error" in revocation


def record_cell(html: str) -> list[str]:
    """The text of each row's record cell (the fourth), whitespace collapsed."""
    rows = re.findall(r"<tr>\s*<td>.*?</tr>", html, re.DOTALL)
    return [
        " ".join(re.sub(r"<[^>]+>", " ", re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)[3]).split()) for row in rows
    ]


def test_records_are_named_as_they_are_now_and_deleted_ones_as_they_were(client, tree, people):
    AuditEntry.objects.all().delete()
    officer = tree.north_officers[0]
    entry(action="roster.officer_updated", target_type="organisations.officer", target_id=str(officer.pk))
    entry(action="unit.moved", target_type="organisations.unit", target_id=str(tree.north_station.pk), minutes_ago=1)
    entry(target_id="999999", target_label="MWQW-GONE", minutes_ago=2)  # a certificate since deleted
    entry(target_type="gone.model", target_id="5", target_label="Old thing", minutes_ago=3)
    client.force_login(people.admin)

    html = client.get("/audit/").content.decode()

    assert record_cell(html) == [
        f"{officer.full_name} ({officer.service_number}) officer #{officer.pk}",
        f"{tree.north_station} unit #{tree.north_station.pk}",
        "MWQW-GONE certificate #999999",
        "Old thing gone.model #5",
    ]


def test_names_cost_one_query_per_kind_whatever_the_number_of_rows(client, tree, people, django_assert_num_queries):
    # Role names read the user and the unit: joined, not one query each per row.
    AuditEntry.objects.all().delete()
    officers = [*tree.north_officers, *tree.south_officers]
    roles = list(RoleGrant.objects.order_by("pk"))
    client.force_login(people.admin)

    def add(count: int) -> None:
        for number in range(count):
            officer = officers[number % len(officers)]
            entry(action="roster.officer_updated", target_type="organisations.officer", target_id=str(officer.pk))
            role = roles[number % len(roles)]
            entry(action="role.granted", target_type="organisations.rolegrant", target_id=str(role.pk))

    add(1)
    with django_assert_num_queries(10) as one:
        client.get("/audit/")
    add(30)
    with django_assert_num_queries(10) as many:
        html = client.get("/audit/").content.decode()

    assert len(one.captured_queries) == len(many.captured_queries)
    assert record_cell(html).count(f"{officers[1].full_name} ({officers[1].service_number}) officer #{officers[1].pk}")
    assert all(str(role) in html for role in roles)


def test_actions_are_named_in_the_reader_s_language_with_the_code_kept(client, people):
    entry(action="certificate.revoke")
    entry(action="made.up_action")
    client.force_login(people.admin)
    client.cookies["django_language"] = "fr"

    html = client.get("/audit/").content.decode()

    assert '<option value="certificate.revoke">Certificat révoqué</option>' in html
    assert '<option value="made.up_action">made.up_action</option>' in html
    assert '<td data-action="certificate.revoke">Certificat révoqué</td>' in html
    assert '<td data-action="made.up_action"><code>made.up_action</code></td>' in html
    assert '<label for="id_date_from">Du</label>' in html
    assert '<label for="id_date_to">Au</label>' in html


def test_every_action_the_services_record_has_a_label():
    literal = r'"([a-z_]+\.[a-z_]+)"'
    patterns = [rf"action={literal}", rf"action=\({literal}", rf"else {literal}", rf"^\s+[A-Za-z.]+: {literal},$"]
    recorded = set()
    for app in ("organisations", "courses", "assessments", "certificates", "readiness"):
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            source = path.read_text()
            for pattern in patterns:
                recorded |= set(re.findall(pattern, source, re.MULTILINE))
    recorded.add("readiness.sync_requested")  # the event's name (readiness.events.SYNC_REQUESTED)

    assert len(recorded) > 60
    assert recorded - ACTION_LABELS.keys() == set()


def test_a_date_range_keeps_the_entries_of_those_days_both_included(client, people):
    AuditEntry.objects.all().delete()
    today = timezone.localdate()
    for days_ago in (0, 1, 2, 3):
        entry(target_id=str(days_ago), minutes_ago=days_ago * 24 * 60)
    client.force_login(people.admin)

    def shown(**filters) -> list[str]:
        return re.findall(r"<bdi>#(\d+)</bdi>", client.get("/audit/", filters).content.decode())

    day = lambda days_ago: (today - timedelta(days=days_ago)).isoformat()  # noqa: E731
    assert shown(date_from=day(2), date_to=day(1)) == ["1", "2"]
    assert shown(date_from=day(1)) == ["0", "1"]
    assert shown(date_to=day(3)) == ["3"]


def test_a_period_ending_before_it_starts_is_an_error_not_every_entry(client, people):
    entry(reason="Issued in error")
    client.force_login(people.admin)

    html = client.get("/audit/", {"date_from": "2026-05-02", "date_to": "2026-05-01"}).content.decode()

    assert "The end of the period comes before its start." in html
    assert "Issued in error" not in html
    html = client.get("/audit/", {"date_from": "2 May"}).content.decode()
    assert "Enter a valid date." in html


def test_the_csv_holds_the_filtered_entries_named_and_guarded_against_formulas(client, tree, people):
    AuditEntry.objects.all().delete()
    officer = tree.north_officers[0]
    entry(
        action="roster.officer_updated",
        actor=people.admin,
        target_type="organisations.officer",
        target_id=str(officer.pk),
        before={"rank": "=HYPERLINK(1)"},
        after={"rank": "Inspector"},
        reason="=1+1",
    )
    entry(action="certificate.revoke", minutes_ago=5)
    client.force_login(people.admin)

    response = client.get("/audit/entries.csv", {"action": "roster.officer_updated"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="audit-trail.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        *("When", "User name", "Who", "Action", "Action code"),
        *("Kind of record", "Record id", "Record", "Changes", "Reason"),
    ]
    assert len(rows) == 2
    assert rows[1][1:] == [
        "admin",
        "admin",
        "Officer's record changed",
        "roster.officer_updated",
        "officer",
        str(officer.pk),
        f"{officer.full_name} ({officer.service_number})",
        "rank: =HYPERLINK(1) → Inspector",
        "'=1+1",
    ]


@pytest.mark.parametrize("who", ["trainee", "leader"])
def test_only_admins_download_the_csv(client, people, who):
    entry(reason="Issued in error")
    client.force_login(getattr(people, who))

    response = client.get("/audit/entries.csv")

    assert response.status_code == 403
    assert "Issued in error" not in response.content.decode()


def test_the_page_links_the_csv_with_its_filters(client, people):
    entry()
    client.force_login(people.admin)

    html = client.get("/audit/", {"action": "certificate.revoke"}).content.decode()

    assert '<a href="/audit/entries.csv?action=certificate.revoke" download>' in html


def test_the_admin_index_names_unit_readiness_in_the_plural_correctly(client, people):
    client.force_login(people.admin)

    html = client.get("/admin/").content.decode()

    assert ">Unit readiness</a>" in html
    assert "readinesss" not in html
