"""Lesson attachments.

The type is told by the file's first bytes, never by its name or the type the browser
claims. PDF documents and PNG, JPEG and WebP images are enough for lessons (office
documents are zip containers whose content cannot be told by a signature; authors export
them to PDF). The stored name is random (``courses.models._attachment_path``); the
uploader's name is kept only to be shown and offered when downloading.
"""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from courses.models import Lesson, LessonAttachment
from lms.audit.services import audit_record
from organisations.models import User

ATTACHMENT_SIGNATURES = (
    # (kind, content type, extension, bytes at offset 0, (offset, bytes) also required)
    (LessonAttachment.Kind.IMAGE, "image/png", ".png", b"\x89PNG\r\n\x1a\n", None),
    (LessonAttachment.Kind.IMAGE, "image/jpeg", ".jpg", b"\xff\xd8\xff", None),
    (LessonAttachment.Kind.IMAGE, "image/webp", ".webp", b"RIFF", (8, b"WEBP")),
    (LessonAttachment.Kind.FILE, "application/pdf", ".pdf", b"%PDF-", None),
)


def attachment_type_detect(head: bytes) -> tuple[str, str, str] | None:
    """``(kind, content type, extension)`` for the first bytes of a file, or None if not accepted."""
    for kind, content_type, extension, prefix, also in ATTACHMENT_SIGNATURES:
        if head.startswith(prefix) and (also is None or head[also[0] : also[0] + len(also[1])] == also[1]):
            return kind, content_type, extension
    return None


def _shown_filename(name: str | None, extension: str) -> str:
    name = "".join(character for character in os.path.basename(name or "") if character.isprintable()).strip()
    return name[:255] or f"attachment{extension}"


@transaction.atomic
def lesson_attachment_create(
    *, lesson: Lesson, uploaded_file: UploadedFile, title: str, actor: User
) -> LessonAttachment:
    """Store an image or a document for the lesson; ``ValidationError`` on ``file`` when it is
    empty, larger than ``settings.LESSON_ATTACHMENT_MAX_BYTES`` or not of an accepted type.
    An empty title becomes a document's file name; an image needs one (``ValidationError`` on
    ``title``): it is the description read out in its place. Audited.
    """
    limit = settings.LESSON_ATTACHMENT_MAX_BYTES
    size = uploaded_file.size or 0
    if size == 0:
        raise ValidationError({"file": ValidationError(_("The file is empty."), code="empty")})
    if size > limit:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("The file is %(size)s; the largest accepted is %(limit)s."),
                    code="too_big",
                    params={"size": filesizeformat(size), "limit": filesizeformat(limit)},
                )
            }
        )
    uploaded_file.seek(0)
    detected = attachment_type_detect(uploaded_file.read(16))
    uploaded_file.seek(0)
    if detected is None:
        raise ValidationError(
            {
                "file": ValidationError(
                    _(
                        "Only PDF documents and PNG, JPEG or WebP images are accepted, and this file is none "
                        "of them (its content was checked, not its name)."
                    ),
                    code="unsupported_type",
                )
            }
        )
    kind, content_type, extension = detected
    if kind == LessonAttachment.Kind.IMAGE and not (title or "").strip():
        raise ValidationError(
            {
                "title": ValidationError(
                    _("Describe the image for people who cannot see it: its title is read out in its place."),
                    code="image_without_alt",
                )
            }
        )
    filename = _shown_filename(uploaded_file.name, extension)
    attachment = LessonAttachment(
        lesson=lesson,
        kind=kind,
        title=(title or "").strip() or filename[:200],
        filename=filename,
        content_type=content_type,
        extension=extension,
        size=size,
        uploaded_by=actor,
    )
    attachment.full_clean(exclude=["file"])
    attachment.file.save(filename, uploaded_file, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)
        raise
    audit_record(
        actor=actor,
        action="lesson.attachment_add",
        target=lesson,
        after={"attachment": attachment.pk, "title": attachment.title, "content_type": content_type, "size": size},
    )
    return attachment


@transaction.atomic
def lesson_attachment_delete(*, attachment: LessonAttachment, actor: User) -> None:
    """Delete the attachment; its file is removed from storage once the deletion is committed."""
    storage, name = attachment.file.storage, attachment.file.name
    audit_record(
        actor=actor,
        action="lesson.attachment_delete",
        target=attachment.lesson,
        before={"attachment": attachment.pk, "title": attachment.title, "filename": attachment.filename},
    )
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))
