"""The JSON parser of shopcore views: every malformed body is a 400 without Python internals."""

import json

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class ShopcoreJSONParser(JSONParser):
    """DRF's JSON parser, made safe for any body a client sends.

    DRF lets RecursionError (``[`` nested a thousand times) escape as a 500,
    and puts any ValueError's text in the message, e.g. Python's advice to
    call ``sys.set_int_max_str_digits`` for a 5000-digit number.
    """

    # Messages for the errors that are not a JSON syntax error (those keep DRF's text,
    # which names the line and column).
    too_deep_message = _("JSON parse error - arrays or objects are nested too deeply.")
    not_text_message = _("JSON parse error - the body is not valid text in its charset.")
    unreadable_value_message = _(
        "JSON parse error - a value cannot be read (e.g. a number with too many digits)."
    )

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(self.too_deep_message) from None
        except ParseError as exc:
            # DRF raises ParseError while handling the ValueError, its context.
            cause = exc.__context__
            if cause is None or isinstance(cause, json.JSONDecodeError):
                raise
            if isinstance(cause, UnicodeDecodeError):
                raise ParseError(self.not_text_message) from None
            raise ParseError(self.unreadable_value_message) from None
