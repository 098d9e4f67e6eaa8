"""Roster import: the officers of one police service from a CSV file, all or nothing.

The file
    UTF-8 with or without a byte order mark; comma, semicolon (French Excel) or tab
    separated, detected from the header line; the header on line 1. Header names match
    ignoring case, surrounding spaces, inner spaces and hyphens ("Service Number" is
    ``service_number``). Columns: ``REQUIRED_COLUMNS`` and any of ``OPTIONAL_COLUMNS``;
    any other named column is an error (a misspelt optional column must not be ignored
    silently), while columns with an empty header (trailing separators left by
    spreadsheets) are ignored as long as they hold no value. Every value is normalised to
    Unicode NFC, loses the invisible direction marks that right-to-left editing leaves
    and is stripped (``organisations.identity.text_clean``), so names in any script are
    stored as written; the joiners that shape Arabic and Persian words stay.
    Yes/no columns (``BOOLEAN_COLUMNS``) take any of ``BOOLEAN_WORDS`` in any case.
    An empty cell in an optional column keeps the officer's current value and a new
    officer gets the default: a blank never erases anything (to clear a command, write
    ``no``).

Service numbers
    Compared as ``organisations.identity`` says: case, surrounding spaces and direction
    marks do not count. Two rows naming one officer refuse the file (the later row names
    the earlier one); a row naming an existing officer, however typed, updates them and
    keeps their number as stored.

Errors
    Every problem is collected and raised at once as ``RosterImportError(errors)``, each
    error a dict ``{"row", "field", "message"}``:

    - ``row`` is the row number in the spreadsheet, the header being row 1: a record
      whose quoted cell holds a line break is one row, and an empty line is a row too;
      ``field`` is the column name, or None when the problem concerns the whole row;
    - problems with the file as a whole (too large, empty, binary, not UTF-8, a header but
      no officer rows) have row 0 and field None; they stop the reading at once;
    - problems with the header (missing, unknown or repeated columns) have row 1 and the
      column as field, so that the caller can say which column; they stop the reading
      before the rows;
    - everything else is a row error, and all rows are checked, including against the
      database (unknown unit, unit or officer outside the caller's scope, a change of who
      commands a unit that the caller may not make).

Who commands a unit
    Leadership of a unit is derived from commanding it, so a row that changes who commands
    a unit is a grant or a withdrawal of a role: only admins, the system (the management
    command) and a caller whose *granted* leadership covers the unit may make it
    (``organisations.permissions``; a trainer who only commands a unit himself may not).
    An officer commands their unit while active and flagged ``is_commander``; a row
    changes that by setting the flag on someone who is not a commander or clearing it on
    someone who is, by creating an officer as commander, by moving a commander to another
    unit (which changes who commands both units: the flag follows the officer), and by
    bringing back as commander an officer who left as one. Each such row is refused with
    its row and field named; a row that leaves the command as it is passes.

Applying
    Upsert by service number within the service: new officers are created, existing ones
    updated only in the fields that differ, so re-importing a file changes nothing and
    writes nothing but the ``RosterImport`` record. A unit change is a ``Transfer``
    effective today; a reappearing officer who had left is reactivated. Active officers
    missing from the file (within the caller's scope) are reported, never deactivated.
    Every write is a bulk statement: the work is a fixed number of queries plus one per
    batch.
"""

import codecs
import csv
import dataclasses
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.audit.services import Change, audit_record_many
from organisations.events import (
    OFFICER_COMMAND_CHANGED,
    OFFICER_JOINED,
    OFFICER_TRANSFERRED,
    OFFICER_VETTING_CHANGED,
    OfficerUnit,
)
from organisations.identity import service_number_key, text_clean
from organisations.models import Officer, PoliceService, Role, RosterImport, Transfer, Unit, User
from organisations.permissions import command_changes_refused, command_roots, commanded_unit
from organisations.selectors import scope_covers, scope_units
from organisations.services import transfer_payload

REQUIRED_COLUMNS = ("service_number", "given_name", "family_name", "sex", "rank", "unit_code")
OPTIONAL_COLUMNS = ("position", "is_commander", "vetting_status", "email", "phone")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

FILE_ROW = 0
HEADER_ROW = 1
BATCH_SIZE = 1000
DELIMITERS = (",", ";", "\t")

SEX_VALUES = {
    "f": Officer.Sex.FEMALE,
    "female": Officer.Sex.FEMALE,
    "m": Officer.Sex.MALE,
    "male": Officer.Sex.MALE,
}
# Yes and no in the roster's languages (English, French, Arabic), as (yes, no) pairs.
BOOLEAN_WORDS = (("yes", "no"), ("true", "false"), ("1", "0"), ("oui", "non"), ("vrai", "faux"), ("نعم", "لا"))
BOOLEAN_VALUES = {word: value for pair in BOOLEAN_WORDS for word, value in zip(pair, (True, False), strict=True)}
BOOLEAN_COLUMNS = ("is_commander",)

# Text columns checked against the model's max_length (``unit_code`` against Unit.code).
TEXT_COLUMNS = ("service_number", "given_name", "family_name", "rank", "position", "email", "phone")

# Officer fields a roster sets, in audit order; "unit" is audited as the unit id.
OFFICER_FIELDS = (
    "given_name",
    "family_name",
    "sex",
    "rank",
    "unit",
    "position",
    "is_commander",
    "vetting_status",
    "email",
    "phone",
    "is_active",
    "left_on",
)


class RosterImportError(Exception):
    """The file was refused; ``errors`` lists every problem as ``{"row", "field", "message"}``."""

    def __init__(self, errors: list[dict[str, Any]]):
        self.errors = errors
        super().__init__(f"{len(errors)} error(s) in the roster file; the first: {errors[0]['message']}")


@dataclass(frozen=True)
class RosterRow:
    """One officer line. ``values`` holds the officer fields the line sets (unit aside):
    optional cells left empty, and cells with an error, are absent."""

    line: int
    service_number: str
    unit_code: str
    values: dict[str, Any]


@dataclass(frozen=True)
class RosterParse:
    rows: list[RosterRow]
    errors: list[dict[str, Any]]


@dataclass(frozen=True)
class RosterImportResult:
    import_id: int | None  # None for a dry run
    rows: int
    created: int
    updated: int  # existing officers with any change, transfers and reactivations included
    transferred: int
    unchanged: int
    missing: list[str]  # service numbers of active officers in scope absent from the file


@dataclass
class _OfficerChange:
    officer: Officer
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass
class RosterPlan:
    """What an import would do; ``errors`` are the row problems found against the database."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    created: list[Officer] = field(default_factory=list)
    changes: list[_OfficerChange] = field(default_factory=list)
    unchanged: int = 0
    missing: list[str] = field(default_factory=list)


def _error(row: int, column: str | None, message: str) -> dict[str, Any]:
    return {"row": row, "field": column, "message": message}


def _file_error(message: str) -> RosterImportError:
    return RosterImportError([_error(FILE_ROW, None, message)])


def boolean_parse(value: str) -> bool | None:
    """True or False for one of ``BOOLEAN_WORDS`` in any case, else None.

    Precondition: ``value`` is a cleaned cell (``text_clean``). Compatibility forms are
    folded first (NFKC), so the Arabic ligature U+FEFB and full-width digits count.
    """
    return BOOLEAN_VALUES.get(unicodedata.normalize("NFKC", value).casefold())


def _column_name(header_cell: str) -> str:
    return re.sub(r"[\s\-]+", "_", text_clean(header_cell).lower())


def _max_length(column: str) -> int:
    """The length limit of a text column (``TEXT_COLUMNS`` and the unit code)."""
    field = Unit._meta.get_field("code") if column == "unit_code" else Officer._meta.get_field(column)
    # Every text column is stored in a CharField, which Django requires to have a max_length.
    assert isinstance(field, models.CharField), column
    assert field.max_length is not None, column
    return field.max_length


# Reading ---------------------------------------------------------------------------------


def roster_decode(data: bytes) -> str:
    """The file's text, or ``RosterImportError`` with one file-level error.

    The size is checked first, so that an oversized upload is refused unread.
    """
    limit = settings.ROSTER_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise _file_error(
            _("The file is larger than %(limit)s. Split it into smaller files.") % {"limit": filesizeformat(limit)}
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _file_error(_("The file is UTF-16 text. In the spreadsheet, save it as “CSV UTF-8”."))
    if b"\x00" in data:
        raise _file_error(_("The file holds binary data: it is not a CSV text file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise _file_error(
            _("The file is not UTF-8 text (first wrong byte on line %(line)s). Save it as “CSV UTF-8”.")
            % {"line": line}
        ) from error
    if not text.strip():
        raise _file_error(_("The file is empty."))
    return text


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return max(DELIMITERS, key=header.count)


def _read_header(cells: list[str]) -> tuple[dict[str, int], list[int]]:
    """Column name -> position, and the positions of unnamed columns."""
    errors: list[dict[str, Any]] = []
    positions: dict[str, int] = {}
    unnamed: list[int] = []
    for index, cell in enumerate(cells):
        name = _column_name(cell)
        if not name:
            unnamed.append(index)
        elif name not in COLUMNS:
            errors.append(
                _error(
                    HEADER_ROW,
                    text_clean(cell)[:100],
                    _("Unknown column. The columns are: %(columns)s.") % {"columns": ", ".join(COLUMNS)},
                )
            )
        elif name in positions:
            errors.append(_error(HEADER_ROW, name, _("This column appears twice.")))
        else:
            positions[name] = index
    errors.extend(
        _error(HEADER_ROW, name, _("This required column is missing."))
        for name in REQUIRED_COLUMNS
        if name not in positions
    )
    if errors:
        raise RosterImportError(errors)
    return positions, unnamed


def _read_row(
    line: int, cells: list[str], positions: dict[str, int], unnamed: list[int], width: int
) -> tuple[RosterRow | None, list[dict[str, Any]]]:
    if len(cells) != width:
        message = _("This line has %(count)s values but the header has %(width)s columns.") % {
            "count": len(cells),
            "width": width,
        }
        return None, [_error(line, None, message)]
    errors: list[dict[str, Any]] = [
        _error(line, None, _("Column %(position)s has a value but no name in the header.") % {"position": index + 1})
        for index in unnamed
        if text_clean(cells[index])
    ]
    raw = {name: text_clean(cells[index]) for name, index in positions.items()}
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if not value:
            if name in REQUIRED_COLUMNS:
                errors.append(_error(line, name, _("This value is required.")))
            continue
        if name in (*TEXT_COLUMNS, "unit_code") and len(value) > _max_length(name):
            errors.append(
                _error(
                    line,
                    name,
                    _("At most %(limit)s characters; this value has %(length)s.")
                    % {"limit": _max_length(name), "length": len(value)},
                )
            )
            continue
        if name == "sex":
            if value.lower() not in SEX_VALUES:
                errors.append(_error(line, name, _("Write F or M (female or male).")))
                continue
            value = SEX_VALUES[value.lower()]
        elif name in BOOLEAN_COLUMNS:
            answer = boolean_parse(value)
            if answer is None:
                words = ", ".join("/".join(pair) for pair in BOOLEAN_WORDS)
                errors.append(
                    _error(line, name, _("Write yes or no, or leave empty. Accepted: %(words)s.") % {"words": words})
                )
                continue
            values[name] = answer
            continue
        elif name == "vetting_status":
            value = re.sub(r"[\s\-]+", "_", value.lower())
            if value not in Officer.VettingStatus.values:
                errors.append(
                    _error(
                        line,
                        name,
                        _("Unknown vetting status. Write one of: %(values)s.")
                        % {"values": ", ".join(Officer.VettingStatus.values)},
                    )
                )
                continue
        elif name == "email":
            try:
                validate_email(value)
            except ValidationError:
                errors.append(_error(line, name, _("This is not a valid e-mail address.")))
                continue
        values[name] = value
    service_number = values.pop("service_number", "")
    unit_code = values.pop("unit_code", "")
    if not service_number:
        return None, errors
    return RosterRow(line=line, service_number=service_number, unit_code=unit_code, values=values), errors


def _duplicate_error(row: RosterRow, first: RosterRow) -> dict[str, Any]:
    """The error for ``row``, whose officer ``first`` (an earlier row) already named."""
    if row.service_number == first.service_number:
        message = _("Service number %(number)s already appears on row %(first)s.")
    else:
        message = _(
            "Service number %(number)s already appears on row %(first)s as %(first_number)s: "
            "case and spaces do not count, so both rows name one officer."
        )
    params = {"number": row.service_number, "first": first.line, "first_number": first.service_number}
    return _error(row.line, "service_number", message % params)


def roster_parse(data: bytes) -> RosterParse:
    """Read and check a roster file without the database.

    Raises ``RosterImportError`` for file-level and header problems; row problems are
    returned in ``errors`` beside the rows (a row with an error may still be in ``rows``
    with the wrong fields left out, so that its unit can be checked too).
    """
    text = roster_decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[RosterRow] = []
    errors: list[dict[str, Any]] = []
    first_rows: dict[str, RosterRow] = {}
    # Rows are counted as the spreadsheet counts them, one per record: reader.line_num
    # counts physical lines, one more for every line break inside a quoted cell.
    line = FILE_ROW
    try:
        header = next(reader)
        line = HEADER_ROW
        positions, unnamed = _read_header(header)
        for cells in reader:
            line += 1
            if not any(text_clean(cell) for cell in cells):
                continue
            row, row_errors = _read_row(line, cells, positions, unnamed, len(header))
            errors.extend(row_errors)
            if row is None:
                continue
            first = first_rows.setdefault(service_number_key(row.service_number), row)
            if first is not row:
                errors.append(_duplicate_error(row, first))
                continue
            rows.append(row)
    except csv.Error as error:
        errors.append(_error(line + 1, None, _("This line cannot be read as CSV: %(reason)s.") % {"reason": error}))
    if not rows and not errors:
        raise _file_error(_("The file has a header but no officer rows."))
    return RosterParse(rows=rows, errors=errors)


# Planning and applying -----------------------------------------------------------------------


def _in_scope(unit: Unit | None, roots: list[Unit] | None) -> bool:
    return roots is None or (unit is not None and scope_covers(roots, unit))


def _officer_value(officer: Officer, name: str) -> Any:
    return officer.unit_id if name == "unit" else getattr(officer, name)


def _audit_value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _command_error(
    *, row: RosterRow, officer: Officer | None, unit: Unit, current_unit: Unit | None, roots: list[Unit] | None
) -> dict[str, Any] | None:
    """The row's error if it changes who commands a unit outside ``roots``
    (``command_roots``), else None. ``unit`` is where the row puts the officer (it
    reactivates them), ``current_unit`` where they serve now."""
    was_commander = officer is not None and officer.is_commander
    is_commander = row.values.get("is_commander", was_commander)
    before = (
        None
        if officer is None
        else commanded_unit(unit=current_unit, is_active=officer.is_active, is_commander=was_commander)
    )
    after = commanded_unit(unit=unit, is_active=True, is_commander=is_commander)
    if not command_changes_refused(roots=roots, before=before, after=after):
        return None
    if is_commander and not was_commander:
        message = _(
            "Only an administrator, or a leader whose scope covers unit %(unit)s, may make an officer its commander."
        )
        return _error(row.line, "is_commander", message % {"unit": unit.code})
    if before is not None and not is_commander:
        message = _("Only an administrator, or a leader whose scope covers unit %(unit)s, may remove its commander.")
        return _error(row.line, "is_commander", message % {"unit": before.code})
    if before is not None:
        message = _(
            "This officer commands unit %(from)s: moving them to %(to)s changes who commands both units, "
            "which only an administrator or a leader whose scope covers both may do."
        )
        return _error(row.line, "unit_code", message % {"from": before.code, "to": unit.code})
    message = _(
        "This officer left the service as commander of unit %(unit)s: bringing them back makes them its "
        "commander again, which only an administrator or a leader whose scope covers the unit may do. "
        "Write “no” in is_commander to bring them back without the command."
    )
    return _error(row.line, None, message % {"unit": unit.code})


def roster_plan(*, service: PoliceService, rows: list[RosterRow], actor: User | None) -> RosterPlan:
    """Compare the rows with the database: what to create and change, and the row errors
    that need the database: the units and the officers of the service (locked until the
    end of the transaction), plus the actor's roles, whatever the number of rows.

    A row matches the officer whose service number has the same ``service_number_key``;
    the stored number is never rewritten.

    Preconditions: inside the import's transaction, after the service row is locked; no
    two rows share a key (``roster_parse`` refuses them).
    """
    plan = RosterPlan()
    roots = None if actor is None else scope_units(actor, roles=(Role.TRAINER,))
    commanders_roots = command_roots(actor)
    units = {unit.code: unit for unit in Unit.objects.filter(service=service)}
    units_by_id = {unit.pk: unit for unit in units.values()}
    officers = {
        service_number_key(officer.service_number): officer
        for officer in Officer.objects.select_for_update().filter(service=service)
    }
    for row in rows:
        errors_before_row = len(plan.errors)
        unit = units.get(row.unit_code) if row.unit_code else None
        if row.unit_code and unit is None:
            plan.errors.append(_error(row.line, "unit_code", _("No unit has this code in the police service.")))
        elif unit is not None and not unit.is_active:
            plan.errors.append(_error(row.line, "unit_code", _("This unit is closed.")))
        elif unit is not None and not _in_scope(unit, roots):
            plan.errors.append(_error(row.line, "unit_code", _("This unit is outside your scope.")))
        officer = officers.get(service_number_key(row.service_number))
        if officer is not None and not _in_scope(units_by_id.get(officer.unit_id), roots):
            plan.errors.append(
                _error(row.line, "service_number", _("This officer serves in a unit outside your scope."))
            )
        if unit is not None and len(plan.errors) == errors_before_row:
            command_error = _command_error(
                row=row,
                officer=officer,
                unit=unit,
                current_unit=None if officer is None else units_by_id.get(officer.unit_id),
                roots=commanders_roots,
            )
            if command_error is not None:
                plan.errors.append(command_error)
        if plan.errors or unit is None:
            continue  # an invalid file is refused whole: only the errors matter now
        if officer is None:
            plan.created.append(Officer(service=service, service_number=row.service_number, unit=unit, **row.values))
            continue
        wanted = dict(row.values, unit=unit.pk)
        if not officer.is_active:
            wanted.update(is_active=True, left_on=None)
        changed = [name for name in OFFICER_FIELDS if name in wanted and _officer_value(officer, name) != wanted[name]]
        if changed:
            plan.changes.append(
                _OfficerChange(
                    officer=officer,
                    before={name: _officer_value(officer, name) for name in changed},
                    after={name: wanted[name] for name in changed},
                )
            )
        else:
            plan.unchanged += 1
    in_file = {service_number_key(row.service_number) for row in rows}
    plan.missing = sorted(
        officer.service_number
        for key, officer in officers.items()
        if officer.is_active and key not in in_file and _in_scope(units_by_id.get(officer.unit_id), roots)
    )
    return plan


def _roster_apply(*, plan: RosterPlan, actor: User | None, file_name: str) -> list[Transfer]:
    """Write the plan in bulk: officers, transfers, events, audit entries."""
    now, today = timezone.now(), timezone.localdate()
    note = f"Roster import: {file_name}"[:255]
    Officer.objects.bulk_create(plan.created, batch_size=BATCH_SIZE)
    updated_fields = {"updated_at"}
    for change in plan.changes:
        for name, value in change.after.items():
            setattr(change.officer, "unit_id" if name == "unit" else name, value)
            updated_fields.add(name)
        change.officer.updated_at = now
    Officer.objects.bulk_update(
        [change.officer for change in plan.changes], sorted(updated_fields), batch_size=BATCH_SIZE
    )
    transfers = Transfer.objects.bulk_create(
        [
            Transfer(
                officer=change.officer,
                from_unit_id=change.before["unit"],
                to_unit_id=change.after["unit"],
                effective_on=today,
                recorded_by=actor,
                recorded_at=now,
                note=note,
            )
            for change in plan.changes
            if "unit" in change.after
        ],
        batch_size=BATCH_SIZE,
    )
    joined: list[OfficerUnit] = [{"officer_id": officer.pk, "unit_id": officer.unit_id} for officer in plan.created]
    joined += [
        {"officer_id": change.officer.pk, "unit_id": change.officer.unit_id}
        for change in plan.changes
        if change.after.get("is_active")
    ]
    OFFICER_JOINED.record_many(joined)
    OFFICER_TRANSFERRED.record_many([transfer_payload(transfer) for transfer in transfers])
    OFFICER_VETTING_CHANGED.record_many(
        [{"officer_id": change.officer.pk} for change in plan.changes if "vetting_status" in change.after]
    )
    OFFICER_COMMAND_CHANGED.record_many(
        [
            {"officer_id": change.officer.pk, "unit_id": change.officer.unit_id}
            for change in plan.changes
            if "is_commander" in change.after
        ]
    )
    reason = f"roster file: {file_name}"
    if plan.created:
        audit_record_many(
            actor=actor,
            action="roster.officer_created",
            changes=[
                Change(
                    officer,
                    None,
                    {"service_number": officer.service_number}
                    | {
                        name: _audit_value(_officer_value(officer, name))
                        for name in OFFICER_FIELDS
                        if name not in ("is_active", "left_on")
                    },
                )
                for officer in plan.created
            ],
            reason=reason,
        )
    if plan.changes:
        audit_record_many(
            actor=actor,
            action="roster.officer_updated",
            changes=[
                Change(
                    change.officer,
                    {name: _audit_value(value) for name, value in change.before.items()},
                    {name: _audit_value(value) for name, value in change.after.items()},
                )
                for change in plan.changes
            ],
            reason=reason,
        )
    return transfers


def roster_import(
    *, service: PoliceService, data: bytes, file_name: str, actor: User | None, dry_run: bool = False
) -> RosterImportResult:
    """Import a roster file into ``service``, all or nothing; see the module docstring.

    ``actor`` None means the system (management command): no scope limit. A trainer may
    only touch units, and officers serving in units, of their trainer subtree; missing
    officers are counted within that subtree only; and may change who commands a unit
    only where they also hold granted leadership (see "Who commands a unit" above).
    Raises ``RosterImportError``.

    The file is read outside the transaction. The transaction locks the service row, which
    serialises imports into one service, then the service's officers, so that an edit
    made meanwhile (a transfer) waits instead of being overwritten; lock order: service,
    then officers. ``dry_run`` checks and counts, and writes nothing.
    """
    parsed = roster_parse(data)
    file_name = PurePath(file_name).name[:255] or "roster.csv"
    with transaction.atomic():
        PoliceService.objects.select_for_update().get(pk=service.pk)
        plan = roster_plan(service=service, rows=parsed.rows, actor=actor)
        errors = parsed.errors + plan.errors
        if errors:
            order = {name: index for index, name in enumerate(COLUMNS)}
            raise RosterImportError(sorted(errors, key=lambda e: (e["row"], order.get(e["field"], -1))))
        transfers = [] if dry_run else _roster_apply(plan=plan, actor=actor, file_name=file_name)
        result = RosterImportResult(
            import_id=None,
            rows=len(parsed.rows),
            created=len(plan.created),
            updated=len(plan.changes),
            transferred=sum("unit" in change.after for change in plan.changes),
            unchanged=plan.unchanged,
            missing=plan.missing,
        )
        if dry_run:
            return result
        record = RosterImport.objects.create(
            service=service,
            file_name=file_name,
            imported_by=actor,
            rows=result.rows,
            created=result.created,
            updated=result.updated,
            transferred=len(transfers),
            unchanged=result.unchanged,
            missing=len(result.missing),
        )
    return dataclasses.replace(result, import_id=record.pk)


# Entry points' helpers -------------------------------------------------------------------------


def roster_services(*, user: User | None) -> QuerySet[PoliceService]:
    """The police services ``user`` may import into: all for an admin or the system,
    else those of their trainer subtrees."""
    roots = None if user is None else scope_units(user, roles=(Role.TRAINER,))
    queryset = PoliceService.objects.order_by("name")
    if roots is None:
        return queryset
    return queryset.filter(pk__in={unit.service_id for unit in roots})


def roster_service_resolve(*, user: User | None, service_id: int | None = None) -> PoliceService:
    """The service an import goes to: the one named, else the caller's only one.

    Raises ``django.core.exceptions.ValidationError`` with a message for the caller.
    """
    services = roster_services(user=user)
    if service_id is not None:
        service = services.filter(pk=service_id).first()
        if service is None:
            raise ValidationError(_("No police service with this id within your scope."))
        return service
    candidates = list(services[:2])
    if not candidates:
        raise ValidationError(_("There is no police service to import into."))
    if len(candidates) > 1:
        raise ValidationError(_("Several police services are within your scope: name one."))
    return candidates[0]


def roster_upload_read(upload) -> bytes:
    """The bytes of an uploaded file, reading at most one byte past the size limit, so
    that ``roster_import`` refuses an oversized file without holding all of it."""
    upload.seek(0)
    return upload.read(settings.ROSTER_IMPORT_MAX_BYTES + 1)
