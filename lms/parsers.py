"""DRF's parsers as this project configures them (``DEFAULT_PARSER_CLASSES``).

A module of its own, importing nothing of ``rest_framework.views``: DRF reads
``DEFAULT_PARSER_CLASSES`` when ``rest_framework.views`` is first imported, so a parser
defined beside code that imports the views (``lms.api``) could be asked for while its
module was still half-imported (an ImportError in whichever process imported it first).
"""

import codecs
import json

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

from lms.request_body import BoundedJSONDecoder, JSONTooDeep


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (``DEFAULT_PARSER_CLASSES``), with ``BoundedJSONDecoder``: a
    document nested deeper than ``lms.request_body.JSON_MAX_DEPTH`` is a 400 that says so,
    where Python's recursion limit made it a 500 with a traceback."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            return json.loads(text, cls=BoundedJSONDecoder, parse_constant=strict_constant if self.strict else None)
        except JSONTooDeep as error:
            raise ParseError(error.msg) from None
        except ValueError as error:  # as DRF's: malformed JSON, or not in the encoding
            raise ParseError(f"JSON parse error - {error}") from None
