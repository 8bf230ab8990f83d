"""What an id in a request may look like, and the integer bounds of the database columns."""

# The largest values of PostgreSQL's integer and bigint columns.
MAX_INT32 = 2**31 - 1
MAX_BIGINT = 2**63 - 1
# The most digits an id the database assigns can have (a bigint's).
BIGINT_MAX_DIGITS = len(str(MAX_BIGINT))
# Ids in requests (URLs, filters, bodies) have at most this many digits: every
# such number fits a bigint, so no id from a client can overflow a query.
ID_MAX_DIGITS = 18


def is_digits(value):
    """Whether ``value`` is ASCII digits only: no sign, space or other script's digit."""
    return value.isascii() and value.isdigit()


def is_id(value):
    """Whether the string ``value`` can name a row by id: 1 to ``ID_MAX_DIGITS`` ASCII digits."""
    return is_digits(value) and len(value) <= ID_MAX_DIGITS
