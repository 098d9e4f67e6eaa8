"""Publishing: what a new release will ask of learners.

``services.course_publish`` writes the release (required lessons, attendance, practicals);
later apps take part through the steps listed in ``settings.COURSE_PUBLISH_STEPS``, so
courses never imports them. Each step offers a plan (a read, shown to authors before they
publish) and a run (inside the publish's transaction), both decided by the app's own rule,
so what the page announces is what publishing does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.module_loading import import_string

from courses.models import Lesson

if TYPE_CHECKING:
    from courses.selectors.authoring import AuthoringCourse


@dataclass(frozen=True)
class ReleaseItem:
    """One thing of a later app (an assessment) in the next release, with its ``state``."""

    PUBLISHED = "published"  # already open to learners
    WILL_PUBLISH = "will_publish"  # a ready draft, published with the course
    BLOCKED = "blocked"  # a required draft that is not ready: publishing is refused
    STAYS_DRAFT = "stays_draft"  # an optional draft that is not ready: left out, still a draft

    label: str  # as learners will read it ("Pass the assessment: Final test")
    state: str
    is_required: bool
    kind: str = ""  # what it is, as authors call it ("Final assessment")
    problems: tuple[str, ...] = ()  # why it cannot be published, each naming it


@dataclass(frozen=True)
class PublishStep:
    """A later app's part in publishing a course (``settings.COURSE_PUBLISH_STEPS``).

    ``plan(*, course) -> list[ReleaseItem]``: a read, for the authoring page.
    ``run(*, course, release, actor)``: called by ``services.course_publish`` inside its
    transaction, the course row locked, once the release row is written; it raises
    ``ValidationError`` (one message per problem) to refuse the whole publish.
    """

    plan: Callable[..., list[ReleaseItem]]
    run: Callable[..., object]


def publish_steps() -> list[PublishStep]:
    return [import_string(path) for path in settings.COURSE_PUBLISH_STEPS]


@dataclass
class ReleasePlan:
    """What an officer enrolling on the next release will be required to do, and the state
    of the later apps' items (``ReleaseItem``)."""

    lessons: list[Lesson]
    requires_attendance: bool
    practicals: list[str]
    items: list[ReleaseItem]

    @property
    def required_items(self) -> list[ReleaseItem]:
        return [item for item in self.items if item.is_required]

    @property
    def optional_items(self) -> list[ReleaseItem]:
        return [item for item in self.items if not item.is_required]

    @property
    def problems(self) -> list[str]:
        """Why publishing would be refused now (empty: it would not)."""
        return [problem for item in self.items if item.state == ReleaseItem.BLOCKED for problem in item.problems]


def course_release_plan(*, course: AuthoringCourse) -> ReleasePlan:
    """The next release of ``course`` as ``course_authoring_get`` returns it: the required
    lessons come from its prefetched ``all_modules`` (no query), the rest from the publish
    steps' plans (assessments: at most three queries whatever their number)."""
    lessons = [
        lesson
        for module in course.all_modules
        if not module.is_archived
        for lesson in module.all_lessons
        if not lesson.is_archived and lesson.is_required
    ]
    return ReleasePlan(
        lessons=lessons,
        requires_attendance=course.requires_attendance,
        practicals=list(course.required_practicals),
        items=[item for step in publish_steps() for item in step.plan(course=course)],
    )
