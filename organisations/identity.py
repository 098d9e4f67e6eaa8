"""Who an officer is: the one rule for service numbers, and for the text around them.

A service number names one officer within a police service, however it was typed:

- surrounding white space (Unicode spaces included: a no-break space pasted from a word
  processor) does not count;
- invisible direction marks (``DIRECTION_MARKS``) do not count anywhere in the number:
  phones and spreadsheets working in Arabic insert them around Latin text;
- case does not count: ``ft-0502`` and ``FT-0502`` are one officer.

A number is stored cleaned (``text_clean``) but in the case first written, and compared
by ``service_number_key`` (Python) or ``service_number_key_expression`` (SQL). The
database holds the rule with a unique constraint per service on the SQL key
(``Officer.Meta.constraints``), so no write path can create a second officer.

The SQL key folds only the case the database folds: every letter on PostgreSQL with a
Unicode locale, ASCII letters on SQLite and under the C locale. The Python key folds
every letter, so a roster import never creates a second officer whose number differs
in the case of a non-ASCII letter, even where the constraint would let it through.
"""

import unicodedata

from django.db.models import Func
from django.db.models.functions import Trim, Upper

# Left-to-right and right-to-left marks, embeddings, overrides and isolates. Zero-width
# joiner and non-joiner (U+200C, U+200D) are not among them: they shape Arabic and
# Persian words and must stay.
DIRECTION_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_WITHOUT_DIRECTION_MARKS = str.maketrans(dict.fromkeys(DIRECTION_MARKS))


def text_clean(value: str) -> str:
    """``value`` in Unicode NFC, without direction marks and without surrounding white
    space: how service numbers, names and every roster cell are stored."""
    return unicodedata.normalize("NFC", value).translate(_WITHOUT_DIRECTION_MARKS).strip()


def service_number_key(value: str) -> str:
    """What two service numbers must share to name one officer (see the module docstring)."""
    return text_clean(value).upper()


def service_number_key_expression(prefix: str = "") -> Func:
    """The database's side of ``service_number_key``, on ``<prefix>service_number`` (e.g.
    ``"officer__"``). Stored numbers are already clean, so case is all it has to fold;
    trimming spaces as well keeps a raw write with a stray space from passing the
    constraint. The unique constraint's index serves lookups that use it."""
    return Upper(Trim(f"{prefix}service_number"))
