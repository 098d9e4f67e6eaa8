"""Filters for showing lesson bodies."""

from django import template

from courses.services.markup import attachment_ids_shown

register = template.Library()


@register.filter
def attachments_shown(body_html: str) -> frozenset[int]:
    """Ids of the attachments the lesson's rendered body already shows as images (no query)."""
    return attachment_ids_shown(body_html or "")
