"""The course report: enrolments by unit and sex within the user's scope, counted by the
database in a fixed number of queries whatever the number of units or enrolments."""

from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Exists, OuterRef, When
from django.db.models.functions import Substr

from courses.models import Course, Enrollment, LessonProgress
from organisations.models import Officer, Unit, User
from organisations.selectors import scope_units, subtree_q


@dataclass
class ReportCounts:
    not_started: int = 0
    in_progress: int = 0
    completed: int = 0

    @property
    def enrolled(self) -> int:
        return self.not_started + self.in_progress + self.completed

    @property
    def completed_percent(self) -> int | None:
        return self.completed * 100 // self.enrolled if self.enrolled else None

    def __add__(self, other: "ReportCounts") -> "ReportCounts":
        return ReportCounts(
            self.not_started + other.not_started, self.in_progress + other.in_progress, self.completed + other.completed
        )


@dataclass
class ReportRow:
    """One line of the course report: a unit's whole subtree (``is_direct``: the officers of
    ``unit`` itself, outside its children), or the total (``unit`` None)."""

    unit: Unit | None
    is_direct: bool = False
    women: ReportCounts = field(default_factory=ReportCounts)
    men: ReportCounts = field(default_factory=ReportCounts)

    @property
    def everyone(self) -> ReportCounts:
        return self.women + self.men


@dataclass
class CourseReport:
    roots: list[Unit]
    rows: list[ReportRow]
    total: ReportRow


def _path_segment_length(unit: Unit) -> int:
    """The length of one segment of the materialised path ("0000042/")."""
    return len(unit.path.split("/")[-2]) + 1


def course_report(*, user: User, course: Course, unit: Unit | None = None) -> CourseReport:
    """Enrolments in the course by unit and sex, within the user's scope (trainer or
    leadership; admins everything).

    The rows are the children of the scope's roots (of ``unit`` when given; the caller
    checks it is in scope), each counting its whole subtree through the materialised path,
    plus a row for the officers placed directly in a root. A fixed number of queries (at
    most three) whatever the number of units or enrolments: the database groups the
    enrolments by the child-level prefix of their unit's path, sex and state.
    """
    roots: list[Unit]
    if unit is not None:
        roots = [unit]
    else:
        scoped = scope_units(user)
        roots = scoped if scoped is not None else list(Unit.objects.filter(parent__isnull=True).order_by("path"))
    children = list(Unit.objects.filter(parent__in=roots).order_by("path")) if roots else []
    rows: dict[str, ReportRow] = {}
    for root in roots:
        for child in children:
            if child.parent_id == root.pk:
                rows[child.path] = ReportRow(unit=child)
        rows[root.path] = ReportRow(unit=root, is_direct=True)
    total = ReportRow(unit=None)
    if roots:
        # Every enrolment's unit lies under exactly one root (the roots are disjoint); its
        # bucket is the path cut one level below that root: a child's path, or the root's own.
        bucket = Case(
            *(
                When(
                    officer__unit__path__startswith=root.path,
                    then=Substr("officer__unit__path", 1, len(root.path) + _path_segment_length(root)),
                )
                for root in roots
            ),
            output_field=CharField(),
        )
        started = Exists(LessonProgress.objects.filter(enrollment=OuterRef("pk")))
        groups = (
            Enrollment.objects.filter(subtree_q(roots, prefix="officer__unit__"), course=course)
            .annotate(bucket=bucket, is_started=started)
            .values("bucket", "officer__sex", "status", "is_started")
            .annotate(count=Count("pk"))
            .order_by()
        )
        for group in groups:
            row = rows.get(group["bucket"])
            for target in (row, total) if row is not None else (total,):
                counts = target.women if group["officer__sex"] == Officer.Sex.FEMALE else target.men
                if group["status"] == Enrollment.Status.COMPLETED:
                    counts.completed += group["count"]
                elif group["is_started"]:
                    counts.in_progress += group["count"]
                else:
                    counts.not_started += group["count"]
    shown = [row for row in rows.values() if not row.is_direct or row.everyone.enrolled]
    return CourseReport(roots=roots, rows=shown, total=total)
