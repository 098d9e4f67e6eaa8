"""``{{ value|plain_number }}``: a stored decimal as people write it in the page's language.

Answers, tolerances and points are stored with four or two decimal places ("50.0000"); shown
as such they read like measurements to the ten-thousandth. This drops the trailing zeros
and uses the active locale's decimal separator ("0.5" in English, "0,5" in French and
Arabic), so "50.0000 (± 5.0000)" reads "50 (± 5)".
"""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils import formats

from assessments.validation import number_text

register = template.Library()


@register.filter
def plain_number(value: object) -> str:
    """The number without trailing zeros, localised; text that is not a number unchanged."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not number.is_finite():
        return str(value)
    return formats.number_format(Decimal(number_text(number)), use_l10n=True)


@register.filter
def is_zero_number(value: object) -> bool:
    """Whether a stored tolerance is zero however it is written ("0", "0.0000", empty)."""
    try:
        return Decimal(str(value or "0")) == 0
    except InvalidOperation:
        return False
