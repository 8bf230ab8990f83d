"""One rule for comparing usernames and e-mail addresses: NFKC, then case folding."""

import unicodedata


def normalize_identifier(value):
    """The form in which names compare: ``Alice``, ``alice`` and a fullwidth ``alice`` agree."""
    return unicodedata.normalize("NFKC", value).casefold()
