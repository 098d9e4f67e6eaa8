"""Numbers, percentages and learning outcomes as each language writes them.

``{% load lms_format %}``, then:

- ``{{ value|number }}``: a decimal without trailing zeros, with the language's decimal
  separator ("50.0000" -> "50", "2.5000" -> "2,5" in French);
- ``{{ value|percent }}`` (or ``|percent:1`` for one decimal): a value already in percent
  rounded down to a fixed number of decimals (a 79.6 % score is never shown as a passing
  80 %), with the language's separator and sign ("82 %" in French, with a no-break space
  so the sign never starts a line);
- ``{{ text|outcomes }}``: learning outcomes written one a line (a leading "- ", "* " or
  "• " is the author's bullet, not text) as a ``<ul>``.

An empty or unreadable value renders as "" (add ``|default:"—"`` where a dash helps).
"""

from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from django import template
from django.utils import formats, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

# How the percent sign follows the number, by language: French puts a no-break space
# before it; English and Arabic (as Django's ar locale writes numbers) none.
PERCENT_PATTERNS = {"fr": "{}\u00a0%"}
PERCENT_PATTERN = "{}%"
BULLETS = ("- ", "* ", "\u2022 ", "\u2013 ")  # hyphen, asterisk, bullet, en dash


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@register.filter
def number(value: object) -> str:
    """``value`` without trailing zeros, with the active language's decimal separator."""
    decimal = _decimal(value)
    if decimal is None:
        return ""
    # normalize() writes 50 as 5E+1: "f" gives the digits back.
    plain = Decimal(format(decimal.normalize(), "f"))
    return formats.number_format(plain, use_l10n=True)


@register.filter
def percent(value: object, decimals: int = 0) -> str:
    """``value`` (already in percent) rounded down to ``decimals`` places, with the sign."""
    decimal = _decimal(value)
    if decimal is None:
        return ""
    places = int(decimals)
    rounded = decimal.quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR)
    shown = formats.number_format(rounded, decimal_pos=places, use_l10n=True)
    pattern = PERCENT_PATTERNS.get(translation.get_language() or "", PERCENT_PATTERN)
    return pattern.format(shown)


@register.filter
def outcomes(text: object) -> SafeString | str:
    """Learning outcomes, one a line, as an escaped ``<ul class="outcomes">``."""
    items = []
    for line in str(text or "").splitlines():
        item = line.strip()
        for bullet in BULLETS:
            if item.startswith(bullet):
                item = item[len(bullet) :].strip()
                break
        if item:
            items.append((item,))
    if not items:
        return ""
    return format_html('<ul class="outcomes">{}</ul>', format_html_join("", "<li>{}</li>", items))
