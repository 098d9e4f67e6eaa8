"""Bulk runs: issue or reissue for a cohort or a session, in chunks through the outbox; the
progress page and its JSON; failures and retry; the management command."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from certificates import handlers, runs, services
from certificates.events import RUN_CHUNK_QUEUED
from certificates.management.commands import issue_certificates
from certificates.models import Certificate, IssueRun, IssueRunItem
from courses import services as course_services
from courses.models import CourseCompletion
from lms.audit.models import AuditEntry
from lms.events import services as event_services
from lms.events.models import Delivery, Event
from lms.events.services import deliveries_run_pending
from tests.courses.sessions_support import lessons_complete, session_at
from tests.factories import OfficerFactory

COMPLETION_HANDLER = "certificates.handlers.certificate_issue_on_completion"
CHUNK_HANDLER = "certificates.handlers.issue_run_chunk"


def completions_of(course, people, officers) -> list[CourseCompletion]:
    """The officers complete the course; as if they had done so before certificates were
    issued automatically, their ``course.completed`` deliveries are settled, so only a bulk
    run issues their certificates."""
    course_services.enrollments_create(course=course, officers=officers, actor=people.admin)
    completions = [CourseCompletion.objects.get(enrollment=lessons_complete(course, officer)) for officer in officers]
    Delivery.objects.filter(handler=COMPLETION_HANDLER, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.DONE
    )
    return completions


@pytest.fixture
def cohort(course, people, tree) -> list[CourseCompletion]:
    """Three officers of the northern station who completed the course, without certificates."""
    return completions_of(course, people, OfficerFactory.create_batch(3, unit=tree.north_station))


def statuses(run) -> list[str]:
    return list(run.items.order_by("pk").values_list("status", flat=True))


def originals_per_completion(completions) -> list[int]:
    return [Certificate.objects.filter(completion=c, replaces__isnull=True).count() for c in completions]


def progress_of(run) -> tuple:
    p = runs.issue_run_progress(run)
    return (p.total, p.done, p.skipped, p.failed, p.pending, p.is_finished)


# Issuing through the outbox


def test_a_run_over_the_cohort_issues_every_missing_certificate_exactly_once(people, course, cohort):
    already = services.certificates_issue(completion_ids=[cohort[0].pk]).issued[cohort[0].pk]

    run = runs.issue_run_create(course=course, actor=people.trainer_north)

    assert run.requested_by == people.trainer_north
    assert statuses(run) == ["skipped", "pending", "pending"]
    assert progress_of(run) == (3, 0, 1, 0, 2, False)
    chunk = Event.objects.get(name="certificate.run_chunk_queued")
    assert chunk.payload == {
        "run_id": run.pk,
        "item_ids": list(run.items.order_by("pk").values_list("pk", flat=True))[1:],
    }
    audit = AuditEntry.objects.get(action="certificate.run_create")
    assert (audit.actor, audit.target_id) == (people.trainer_north, str(run.pk))
    assert audit.after == {"course": "HR-101", "session": None, "kind": "issue", "items": 3, "pending": 2, "chunks": 1}

    deliveries_run_pending()

    run.refresh_from_db()
    assert statuses(run) == ["skipped", "done", "done"]
    assert progress_of(run) == (3, 2, 1, 0, 0, True)
    assert run.finished_at is not None
    assert originals_per_completion(cohort) == [1, 1, 1]
    assert Certificate.objects.count() == 3
    items = list(run.items.order_by("pk").select_related("certificate"))
    assert items[0].certificate == already
    assert [item.certificate.completion_id for item in items] == [c.pk for c in cohort]
    assert Event.objects.filter(name="certificate.issued").count() == 3

    # The same run again (say, started twice by mistake) issues nothing more.
    again = runs.issue_run_create(course=course, actor=people.trainer_north)
    deliveries_run_pending()
    assert statuses(again) == ["skipped", "skipped", "skipped"]
    assert again.finished_at is not None
    assert not Event.objects.filter(name="certificate.run_chunk_queued").exclude(pk=chunk.pk).exists()
    assert Certificate.objects.count() == 3


def test_sixty_completions_make_three_chunks_each_dispatched_on_its_own(
    people, course, tree, monkeypatch, django_capture_on_commit_callbacks
):
    completions = completions_of(course, people, OfficerFactory.create_batch(60, unit=tree.north_station))
    sent: list[tuple] = []
    monkeypatch.setattr(event_services.celery_app, "send_task", lambda name, args, retry: sent.append(args))

    with django_capture_on_commit_callbacks(execute=True):
        run = runs.issue_run_create(course=course, actor=None)

    chunks = list(Event.objects.filter(name="certificate.run_chunk_queued").order_by("pk"))
    assert [len(chunk.payload["item_ids"]) for chunk in chunks] == [25, 25, 10]
    deliveries = list(Delivery.objects.filter(handler=CHUNK_HANDLER).order_by("pk"))
    assert [delivery.event_id for delivery in deliveries] == [chunk.pk for chunk in chunks]
    assert sent == [([delivery.pk],) for delivery in deliveries]
    assert run.requested_by is None

    deliveries_run_pending()

    assert originals_per_completion(completions) == [1] * 60
    assert sorted(Certificate.objects.values_list("serial", flat=True)) == list(range(1, 61))
    assert progress_of(run) == (60, 60, 0, 0, 0, True)
    assert set(Delivery.objects.filter(handler=CHUNK_HANDLER).values_list("status", flat=True)) == {"done"}


def test_a_chunk_delivered_twice_changes_nothing(people, course, cohort):
    run = runs.issue_run_create(course=course, actor=people.trainer_north)
    deliveries_run_pending()
    before = list(run.items.order_by("pk").values_list("status", "certificate_id", "updated_at"))
    issued_events = Event.objects.filter(name="certificate.issued").count()

    handlers.issue_run_chunk(Event.objects.get(name="certificate.run_chunk_queued"))

    assert list(run.items.order_by("pk").values_list("status", "certificate_id", "updated_at")) == before
    assert Certificate.objects.count() == 3
    assert Event.objects.filter(name="certificate.issued").count() == issued_events


def test_a_run_for_a_session_takes_only_the_officers_registered_for_it(people, course, tree):
    session = session_at(tree.north_station, course=course, actor=people.trainer_north)
    registered = OfficerFactory.create_batch(2, unit=tree.north_station)
    course_services.session_register(session=session, officers=registered, actor=people.trainer_north)
    others = OfficerFactory.create_batch(2, unit=tree.north_station)
    inside = completions_of(course, people, registered)
    outside = completions_of(course, people, others)

    run = runs.issue_run_create(course=course, actor=people.trainer_north, session=session)
    deliveries_run_pending()

    assert sorted(run.items.values_list("completion_id", flat=True)) == sorted(c.pk for c in inside)
    assert originals_per_completion(inside) == [1, 1]
    assert originals_per_completion(outside) == [0, 0]
    assert run.session == session


def test_a_session_of_another_course_is_refused(people, course, tree):
    other = course_services.course_create(creator=people.trainer_north, code="FA-1", title="First aid")
    module = course_services.module_create(course=other, title="Basics")
    course_services.lesson_create(module=module, title="Airway", body="Check it.")
    course_services.course_publish(course=other, actor=people.trainer_north)
    session = session_at(tree.north_station, course=other, actor=people.trainer_north)

    with pytest.raises(ValidationError) as error:
        runs.issue_run_create(course=course, actor=people.trainer_north, session=session)

    assert "session" in error.value.message_dict
    assert not IssueRun.objects.exists()


def test_a_reissue_run_supersedes_the_current_certificates(people, course, cohort):
    old = services.certificates_issue(completion_ids=[c.pk for c in cohort]).issued
    services.certificate_revoke(certificate=old[cohort[2].pk], actor=people.admin, reason="Fraud")

    run = runs.issue_run_create(
        course=course, actor=people.trainer_north, kind=IssueRun.Kind.REISSUE, reason="Names corrected"
    )
    deliveries_run_pending()

    assert sorted(run.items.values_list("completion_id", flat=True)) == [cohort[0].pk, cohort[1].pk]
    assert progress_of(run) == (2, 2, 0, 0, 0, True)
    for completion in cohort[:2]:
        previous = Certificate.objects.get(pk=old[completion.pk].pk)
        new = run.items.get(completion=completion).certificate
        assert previous.status == Certificate.Status.SUPERSEDED
        assert previous.status_reason == "Names corrected"
        assert previous.status_changed_by == people.trainer_north
        assert (new.replaces, new.status, new.completion) == (previous, Certificate.Status.VALID, completion)
    assert Certificate.objects.get(pk=old[cohort[2].pk].pk).status == Certificate.Status.REVOKED
    assert Certificate.objects.count() == 5

    # Delivered again, the chunk reissues nothing more.
    handlers.issue_run_chunk(Event.objects.get(name="certificate.run_chunk_queued"))
    assert Certificate.objects.count() == 5


def test_a_reissue_run_needs_a_reason(people, course, cohort):
    with pytest.raises(ValidationError) as error:
        runs.issue_run_create(course=course, actor=people.trainer_north, kind=IssueRun.Kind.REISSUE, reason="  ")

    assert list(error.value.message_dict) == ["reason"]
    assert not IssueRun.objects.exists()
    assert not Event.objects.filter(name="certificate.run_chunk_queued").exists()


def test_a_failing_render_fails_only_its_item_and_retry_issues_it(people, course, cohort, monkeypatch):
    broken_holder = cohort[1].officer.full_name
    render = services.certificate_pdf

    def flaky(certificate, *, logo=None):
        if certificate.holder_name == broken_holder:
            raise OSError("disk full")
        return render(certificate, logo=logo)

    monkeypatch.setattr(services, "certificate_pdf", flaky)
    run = runs.issue_run_create(course=course, actor=people.trainer_north)
    deliveries_run_pending()

    run.refresh_from_db()
    assert statuses(run) == ["done", "failed", "done"]
    failed = run.items.get(status="failed")
    assert failed.error == "OSError: disk full"
    assert failed.certificate is None
    assert progress_of(run) == (3, 2, 0, 1, 0, True)
    assert run.finished_at is not None
    assert Delivery.objects.get(handler=CHUNK_HANDLER).status == Delivery.Status.DONE
    assert originals_per_completion(cohort) == [1, 0, 1]

    monkeypatch.undo()
    assert runs.issue_run_retry(run=run, actor=people.trainer_north) == 1
    run.refresh_from_db()
    assert run.finished_at is None
    assert progress_of(run) == (3, 2, 0, 0, 1, False)
    retry_chunk = Event.objects.filter(name="certificate.run_chunk_queued").latest("pk")
    assert retry_chunk.payload == {"run_id": run.pk, "item_ids": [failed.pk]}

    deliveries_run_pending()

    run.refresh_from_db()
    assert statuses(run) == ["done", "done", "done"]
    assert run.items.get(pk=failed.pk).error == ""
    assert originals_per_completion(cohort) == [1, 1, 1]
    assert run.finished_at is not None
    assert runs.issue_run_retry(run=run, actor=people.trainer_north) == 0


def test_a_trainer_issues_for_the_officers_in_their_scope_only(people, course, tree):
    north = completions_of(course, people, tree.north_officers[1:])
    south = completions_of(course, people, tree.south_officers[1:])

    run = runs.issue_run_create(course=course, actor=people.trainer_south)
    deliveries_run_pending()

    assert list(run.items.values_list("completion_id", flat=True)) == [c.pk for c in south]
    assert originals_per_completion(north) == [0]
    assert originals_per_completion(south) == [1]


@pytest.mark.parametrize("who", ["leader", "trainee", "other_trainee"])
def test_people_who_do_not_issue_certificates_cannot_start_a_run(people, course, cohort, who):
    with pytest.raises(PermissionDenied):
        runs.issue_run_create(course=course, actor=getattr(people, who))

    assert not IssueRun.objects.exists()
    assert not IssueRunItem.objects.exists()


def test_an_empty_run_is_finished_at_once(people, course):
    run = runs.issue_run_create(course=course, actor=people.admin)

    assert run.finished_at is not None
    assert progress_of(run) == (0, 0, 0, 0, 0, True)
    assert runs.issue_run_progress(run).percent == 100
    assert not Event.objects.filter(name="certificate.run_chunk_queued").exists()


# Pages


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|\sstyle=", re.IGNORECASE)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, 302),
        ("trainee", 403),
        ("leader", 403),
        ("trainer_south", 200),
        ("trainer_north", 200),
        ("admin", 200),
    ],
)
def test_who_may_open_the_issue_form(client, people, course, who, expected):
    if who:
        client.force_login(getattr(people, who))

    response = client.get(f"/courses/{course.pk}/certificates/issue/")

    assert response.status_code == expected
    if expected == 200:
        assert b'name="kind"' in response.content
        assert b'name="session"' in response.content


def test_the_issue_form_starts_a_run_and_shows_its_progress(client, people, course, cohort, tree):
    session = session_at(tree.north_station, course=course, actor=people.trainer_north)
    client.force_login(people.trainer_north)

    form = client.get(f"/courses/{course.pk}/certificates/issue/").content.decode()
    response = client.post(f"/courses/{course.pk}/certificates/issue/", {"kind": "issue", "session": "", "reason": ""})

    run = IssueRun.objects.get()
    assert f'<option value="{session.pk}">' in form
    assert response.status_code == 302
    assert response["Location"] == f"/certificate-runs/{run.pk}/"
    assert (run.kind, run.session, run.requested_by) == ("issue", None, people.trainer_north)
    assert run.items.count() == 3


def test_the_issue_form_wants_a_reason_to_reissue(client, people, course, cohort):
    client.force_login(people.trainer_north)

    response = client.post(f"/courses/{course.pk}/certificates/issue/", {"kind": "reissue", "reason": ""})

    assert response.status_code == 200
    assert "Give the reason for reissuing." in response.content.decode()
    assert not IssueRun.objects.exists()


def test_a_trainee_posting_the_form_starts_nothing(client, people, course, cohort):
    client.force_login(people.trainee)

    response = client.post(f"/courses/{course.pk}/certificates/issue/", {"kind": "issue"})

    assert response.status_code == 403
    assert not IssueRun.objects.exists()


@pytest.fixture
def run(people, course, cohort) -> IssueRun:
    """A run requested by the southern trainer (who is not an author of the course)."""
    south = completions_of(course, people, OfficerFactory.create_batch(3, unit=people.other_trainee.officer.unit))
    run = runs.issue_run_create(course=course, actor=people.trainer_south)
    assert run.items.count() == len(south)
    return run


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, 302),
        ("trainee", 404),
        ("leader", 404),
        ("trainer_south", 200),  # requester
        ("trainer_north", 200),  # author of the course
        ("admin", 200),
    ],
)
def test_who_may_see_a_run(client, people, run, who, expected):
    if who:
        client.force_login(getattr(people, who))

    response = client.get(f"/certificate-runs/{run.pk}/")

    assert response.status_code == expected


def test_the_run_page_shows_the_progress_and_refreshes_itself_while_running(client, people, run):
    first = run.items.order_by("pk").first()
    IssueRunItem.objects.filter(pk=first.pk).update(status=IssueRunItem.Status.DONE)
    client.force_login(people.trainer_south)

    html = client.get(f"/certificate-runs/{run.pk}/").content.decode()

    assert '<progress max="100" value="33"' in html
    assert '<span class="progress-value" data-percent data-format="{n}%">33%</span>' in html
    assert '<dd data-count="total">3</dd>' in html
    assert '<dd data-count="done">1</dd>' in html
    assert '<dd data-count="pending">2</dd>' in html
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    assert f'data-url="/api/v1/certificate-runs/{run.pk}/"' in html
    assert '<script src="/static/js/certificate-run.js" defer></script>' in html
    assert INLINE_SCRIPT.findall(html) == []
    assert 'href="?refresh=off"' in html

    stopped = client.get(f"/certificate-runs/{run.pk}/", {"refresh": "off"}).content.decode()
    assert 'http-equiv="refresh"' not in stopped
    assert "<script" not in stopped
    assert '<progress max="100" value="33"' in stopped


def test_a_finished_run_page_neither_refreshes_nor_polls_and_lists_failures_with_a_retry(
    client, people, run, monkeypatch
):
    broken = run.items.order_by("pk").first().completion.officer
    render = services.certificate_pdf

    def flaky(certificate, *, logo=None):
        if certificate.holder_name == broken.full_name:
            raise OSError("disk full")
        return render(certificate, logo=logo)

    monkeypatch.setattr(services, "certificate_pdf", flaky)
    deliveries_run_pending()
    client.force_login(people.trainer_south)

    html = client.get(f"/certificate-runs/{run.pk}/").content.decode()

    assert '<progress max="100" value="100"' in html
    assert '<dd data-count="failed">1</dd>' in html
    assert 'http-equiv="refresh"' not in html
    assert "<script" not in html
    assert "OSError: disk full" in html
    assert broken.service_number in html
    assert f'action="/certificate-runs/{run.pk}/retry/"' in html
    assert "Retry failed" in html
    assert INLINE_SCRIPT.findall(html) == []


def test_a_reissue_run_page_names_what_it_does(client, people, course, cohort):
    services.certificates_issue(completion_ids=[c.pk for c in cohort])
    run = runs.issue_run_create(
        course=course, actor=people.trainer_north, kind=IssueRun.Kind.REISSUE, reason="Names corrected"
    )
    deliveries_run_pending()
    client.force_login(people.trainer_north)

    html = client.get(f"/certificate-runs/{run.pk}/").content.decode()

    assert "<h1>Reissue (supersede) certificates: Human rights in policing</h1>" in html
    assert '<dt>Reissued</dt><dd data-count="done">3</dd>' in html
    assert "Names corrected" in html
    assert "The run is finished." in html


def test_the_progress_script_is_served(client):
    response = client.get("/static/js/certificate-run.js")

    assert response.status_code == 200
    assert b"data-run-progress" in b"".join(response.streaming_content)


def test_retry_from_the_page_queues_the_failed_items_again(client, people, run):
    item = run.items.order_by("pk").first()
    IssueRunItem.objects.filter(run=run).exclude(pk=item.pk).update(status=IssueRunItem.Status.DONE)
    IssueRunItem.objects.filter(pk=item.pk).update(status=IssueRunItem.Status.FAILED, error="OSError: disk full")
    client.force_login(people.trainer_north)

    response = client.post(f"/certificate-runs/{run.pk}/retry/", follow=True)

    item.refresh_from_db()
    assert response.redirect_chain == [(f"/certificate-runs/{run.pk}/", 302)]
    assert "1 certificate queued again." in response.content.decode()
    assert (item.status, item.error) == ("pending", "")


@pytest.mark.parametrize("who", ["leader", "trainee"])
def test_people_who_cannot_see_the_run_cannot_retry_it(client, people, run, who):
    IssueRunItem.objects.filter(run=run).update(status=IssueRunItem.Status.FAILED, error="OSError: disk full")
    chunks = Event.objects.filter(name="certificate.run_chunk_queued").count()
    client.force_login(getattr(people, who))

    response = client.post(f"/certificate-runs/{run.pk}/retry/")

    assert response.status_code == 404
    assert set(run.items.values_list("status", flat=True)) == {"failed"}
    assert Event.objects.filter(name="certificate.run_chunk_queued").count() == chunks


@pytest.mark.parametrize("count", [3, 40])
def test_the_run_page_lists_failures_in_a_fixed_number_of_queries(
    client, people, course, tree, django_assert_max_num_queries, count
):
    completions_of(course, people, OfficerFactory.create_batch(count, unit=tree.north_station))
    run = runs.issue_run_create(course=course, actor=people.trainer_north)
    run.items.update(status=IssueRunItem.Status.FAILED, error="OSError: disk full")
    client.force_login(people.trainer_north)

    with django_assert_max_num_queries(10):
        response = client.get(f"/certificate-runs/{run.pk}/")

    assert response.content.decode().count("OSError: disk full") == count


# What an unfinished run waits for (the run's chunk deliveries and their times)

# 11:02 UTC is 2:02 p.m. in the site's time zone of these tests (Nairobi, UTC+3, no summer time).
STARTED = datetime.datetime(2026, 3, 2, 11, 2, tzinfo=datetime.UTC)
STALL_SENTENCE = (
    "Nothing has moved for {}: the background workers may not be running. An administrator should check"
    " that a worker runs: <code>./dev up</code> starts one on a development machine; in production,"
    " <code>celery -A lms worker</code>, beside one <code>celery -A lms beat</code>."
)


@pytest.fixture
def nairobi(settings):
    settings.TIME_ZONE = "Africa/Nairobi"


def chunk_deliveries(run) -> list[Delivery]:
    return list(Delivery.objects.filter(handler=CHUNK_HANDLER, event__payload__run_id=run.pk).order_by("pk"))


def started_at(run, moment=STARTED) -> None:
    """The run and its chunks as if queued at ``moment``."""
    IssueRun.objects.filter(pk=run.pk).update(created_at=moment)
    Event.objects.filter(name=RUN_CHUNK_QUEUED.name, payload__run_id=run.pk).update(occurred_at=moment)


def run_page(client, run, monkeypatch, *, now) -> str:
    monkeypatch.setattr(timezone, "now", lambda: now)
    html = client.get(f"/certificate-runs/{run.pk}/").content.decode()
    monkeypatch.undo()
    return re.sub(r"[ \t\r\n]+", " ", html)  # not str.split(): it takes no-break spaces too


def test_a_queued_run_says_since_when_it_waits_for_a_worker(client, people, run, nairobi, monkeypatch):
    started_at(run)
    client.force_login(people.trainer_south)

    html = run_page(client, run, monkeypatch, now=STARTED + datetime.timedelta(minutes=1))

    assert (
        '<p>Waiting for a worker since <time datetime="2026-03-02T14:02:00+03:00">14:02</time>'
        " (1\xa0minute): 3 certificates queued.</p>"
    ) in html
    assert "Nothing has moved" not in html
    assert "Issuing" not in html
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    assert 'data-pending="3"' in html


def test_a_run_nothing_moved_for_two_minutes_says_workers_may_not_be_running(client, people, run, nairobi, monkeypatch):
    started_at(run)
    client.force_login(people.trainer_south)

    html = run_page(client, run, monkeypatch, now=STARTED + datetime.timedelta(minutes=3))

    assert "(3\xa0minutes): 3 certificates queued.</p>" in html
    assert '<p class="notice">' + STALL_SENTENCE.format("3\xa0minutes") + "</p>" in html
    assert INLINE_SCRIPT.findall(html) == []


def test_a_run_queued_the_day_before_gives_the_date_too(client, people, run, nairobi, monkeypatch):
    started_at(run)
    client.force_login(people.trainer_south)

    html = run_page(client, run, monkeypatch, now=STARTED + datetime.timedelta(days=1))

    assert (
        '<p>Waiting for a worker since <time datetime="2026-03-02T14:02:00+03:00">2 Mar 2026, 14:02</time>'
        " (1\xa0day): 3 certificates queued.</p>"
    ) in html
    assert STALL_SENTENCE.format("1\xa0day") in html


def test_a_run_under_way_says_how_far_it_got_and_when_it_last_moved(
    client, people, course, cohort, nairobi, monkeypatch
):
    monkeypatch.setattr(runs, "CHUNK_SIZE", 2)
    run = runs.issue_run_create(course=course, actor=people.trainer_north)
    started_at(run)
    first, _second = chunk_deliveries(run)
    done_at = STARTED + datetime.timedelta(minutes=2)
    IssueRunItem.objects.filter(pk__in=first.event.payload["item_ids"]).update(status=IssueRunItem.Status.DONE)
    Delivery.objects.filter(pk=first.pk).update(status=Delivery.Status.DONE, attempts=1, delivered_at=done_at)
    client.force_login(people.trainer_north)

    html = run_page(client, run, monkeypatch, now=STARTED + datetime.timedelta(minutes=3))
    later = run_page(client, run, monkeypatch, now=STARTED + datetime.timedelta(minutes=4, seconds=30))

    assert (
        '<p>Issuing: 2 of 3 done. Last progress at <time datetime="2026-03-02T14:04:00+03:00">14:04</time></p>'
    ) in html
    assert "Waiting for a worker" not in html
    assert "Nothing has moved" not in html
    assert STALL_SENTENCE.format("2\xa0minutes") in later


def test_a_chunk_backing_off_after_a_failure_says_when_it_is_tried_again(client, people, run, nairobi, monkeypatch):
    started_at(run)
    (delivery,) = chunk_deliveries(run)
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=3, last_error="OperationalError", next_attempt_at=STARTED + datetime.timedelta(minutes=6)
    )
    client.force_login(people.trainer_south)

    html = run_page(client, run, monkeypatch, now=STARTED + datetime.timedelta(minutes=5))

    assert "<p>Issuing: 0 of 3 done.</p>" in html
    assert (
        '<p>A part of this run failed; the platform tries it again at <time datetime="2026-03-02T14:08:00+03:00">'
        "14:08</time></p>"
    ) in html
    assert "Nothing has moved" not in html  # the outbox is waiting on purpose


def test_a_chunk_the_outbox_gave_up_on_sends_the_reader_to_an_administrator(
    client, people, run, nairobi, monkeypatch, settings
):
    started_at(run)
    (delivery,) = chunk_deliveries(run)
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED, attempts=settings.OUTBOX_MAX_ATTEMPTS)
    client.force_login(people.trainer_south)

    html = run_page(client, run, monkeypatch, now=STARTED + datetime.timedelta(hours=2))

    assert (
        '<p class="notice">A part of this run failed 8 times and the platform stopped trying it. An administrator'
        " can retry it among the failed deliveries of the administration site.</p>"
    ) in html
    assert "Waiting for a worker" not in html
    assert "Nothing has moved" not in html


def test_after_a_retry_the_run_waits_since_the_retry(client, people, run, nairobi, monkeypatch):
    started_at(run)
    (delivery,) = chunk_deliveries(run)
    IssueRunItem.objects.filter(run=run).update(status=IssueRunItem.Status.FAILED, error="OSError: disk full")
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.DONE, attempts=1, delivered_at=STARTED + datetime.timedelta(minutes=1)
    )
    retried_at = STARTED + datetime.timedelta(minutes=10)
    monkeypatch.setattr(timezone, "now", lambda: retried_at)
    assert runs.issue_run_retry(run=run, actor=people.trainer_south) == 3
    monkeypatch.undo()
    client.force_login(people.trainer_south)

    html = run_page(client, run, monkeypatch, now=retried_at + datetime.timedelta(seconds=30))

    assert (
        '<p>Waiting for a worker since <time datetime="2026-03-02T14:12:00+03:00">14:12</time>'
        " (under a minute): 3 certificates queued.</p>"
    ) in html


def test_an_unfinished_run_page_runs_the_same_queries_for_3_or_60_officers(
    client, people, course, tree, django_assert_max_num_queries
):
    counts = []
    for count in (3, 60):
        completions_of(course, people, OfficerFactory.create_batch(count, unit=tree.north_station))
        run = runs.issue_run_create(course=course, actor=people.trainer_north)
        client.force_login(people.trainer_north)
        # The finished page's budget holds: the chunks' deliveries take one query more.
        with django_assert_max_num_queries(10) as captured:
            response = client.get(f"/certificate-runs/{run.pk}/")
        assert "certificates queued." in response.content.decode()
        counts.append(len(captured))

    assert counts[0] == counts[1]


# The JSON endpoint


def test_the_progress_endpoint_answers_the_counts(api_client, people, run):
    IssueRunItem.objects.filter(pk=run.items.order_by("pk").first().pk).update(status=IssueRunItem.Status.FAILED)
    api_client.force_authenticate(people.trainer_south)

    response = api_client.get(f"/api/v1/certificate-runs/{run.pk}/")

    assert response.status_code == 200
    assert response.json() == {"total": 3, "done": 0, "skipped": 0, "failed": 1, "pending": 2, "is_finished": False}


@pytest.mark.parametrize(("who", "expected"), [(None, 401), ("leader", 404), ("trainee", 404), ("admin", 200)])
def test_the_progress_endpoint_has_the_permissions_of_the_page(api_client, people, run, who, expected):
    if who:
        api_client.force_authenticate(getattr(people, who))

    response = api_client.get(f"/api/v1/certificate-runs/{run.pk}/")

    assert response.status_code == expected


def test_the_progress_endpoint_is_in_the_openapi_schema(tmp_path, db):
    # Warnings are tests/test_api_schema.py's business (the whole schema's).
    output = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--file", str(output))

    schema = output.read_text()
    assert "  /api/v1/certificate-runs/{id}/:" in schema
    assert "CertificateRunProgress:" in schema


# The management command


def test_the_command_starts_a_run_and_waits_for_it(people, course, cohort, capsys, monkeypatch):
    # The workers' part, done in this process while the command waits.
    monkeypatch.setattr(issue_certificates.time, "sleep", lambda seconds: deliveries_run_pending())

    call_command("issue_certificates", "--course", "HR-101", "--wait")

    run = IssueRun.objects.get()
    output = capsys.readouterr().out.splitlines()
    assert output[0] == f"Run {run.pk}: 3 completions, 0 issued, 0 already issued, 0 failed, 3 waiting (0%)"
    assert output[-1] == f"Run {run.pk} finished: 3 completions, 3 issued, 0 already issued, 0 failed, 0 waiting (100%)"
    assert run.requested_by is None
    assert originals_per_completion(cohort) == [1, 1, 1]


def test_the_command_reissues_with_a_reason(people, course, cohort, capsys):
    services.certificates_issue(completion_ids=[c.pk for c in cohort])

    call_command("issue_certificates", "--course", "HR-101", "--reissue", "--reason", "Names corrected")
    deliveries_run_pending()

    run = IssueRun.objects.get()
    assert (run.kind, run.reason) == ("reissue", "Names corrected")
    assert Certificate.objects.filter(status=Certificate.Status.SUPERSEDED).count() == 3
    assert capsys.readouterr().out.startswith(f"Run {run.pk}: 3 completions, 0 issued")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--course", "NOPE-1"], "CommandError: No course has the code 'NOPE-1'."),
        (
            ["--course", "HR-101", "--reissue"],
            "CommandError: --reissue needs --reason: it is recorded on the old certificates.",
        ),
        (
            ["--course", "HR-101", "--session", "999999"],
            "CommandError: Course HR-101 has no session with the id 999999.",
        ),
    ],
)
def test_the_command_refuses_bad_input_with_a_one_line_reason(course, cohort, capsys, monkeypatch, arguments, message):
    # run_from_argv closes the database connections when it ends: not the test's own.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    command = issue_certificates.Command()

    with pytest.raises(SystemExit) as exit_:
        command.run_from_argv(["manage.py", "issue_certificates", *arguments])

    assert exit_.value.code == 1
    assert capsys.readouterr().err.strip() == message
    assert not IssueRun.objects.exists()


def test_the_command_raises_for_call_command_users_too(course):
    with pytest.raises(CommandError, match="No course has the code 'X'"):
        call_command("issue_certificates", "--course", "X")
