"""System checks of the catalog's configuration: the response cache, the facet settings."""

from decimal import Decimal, InvalidOperation
from itertools import pairwise

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.caches)
def check_response_cache_is_shared(app_configs, **kwargs):
    """A per-process cache would serve other workers' stale catalog responses."""
    from django.core.cache import caches

    from ..core.cache import is_shared
    from ..core.settings import setting_is_a_dict, shopcore_settings

    if not setting_is_a_dict() or shopcore_settings.CACHE_ALIAS not in settings.CACHES:
        return []  # shopcore.E002 or shopcore.E006 says why.
    if shopcore_settings.CACHE_RESPONSES and not is_shared(caches[shopcore_settings.CACHE_ALIAS]):
        return [
            Warning(
                f"SHOPCORE['CACHE_RESPONSES'] is on but the {shopcore_settings.CACHE_ALIAS!r} "
                "cache is local to each process: a write seen by one worker leaves the "
                "others serving stale responses.",
                hint="Point SHOPCORE['CACHE_ALIAS'] at a shared cache such as django-redis.",
                id="shopcore.W001",
            )
        ]
    return []


@register(Tags.compatibility)
def check_facet_settings(app_configs, **kwargs):
    """The facets' price edges make buckets from 0 up; the sample reads at least one row."""
    from ..core.settings import setting_is_a_dict, shopcore_settings

    if not setting_is_a_dict():
        return []  # shopcore.E002 says why.
    errors = []
    edges = shopcore_settings.FACET_PRICE_EDGES
    if not valid_price_edges(edges):
        errors.append(
            Error(
                f"SHOPCORE['FACET_PRICE_EDGES'] is {edges!r}: it must be a list of increasing "
                "prices (decimals with at most 2 places, as strings or numbers) starting at 0.",
                hint='For instance ["0", "10", "20", "50", "100"].',
                id="shopcore_catalog.E001",
            )
        )
    rows = shopcore_settings.FACET_SAMPLE_ROWS
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        errors.append(
            Error(
                f"SHOPCORE['FACET_SAMPLE_ROWS'] must be a whole number >= 1, not {rows!r}.",
                id="shopcore_catalog.E002",
            )
        )
    return errors


# Prices are DecimalField(max_digits=10, decimal_places=2).
MAX_PRICE = Decimal("99999999.99")


def valid_price_edges(edges):
    if not isinstance(edges, (list, tuple)) or not edges or len(edges) > 50:
        return False
    try:
        values = [Decimal(str(edge)) for edge in edges if not isinstance(edge, bool)]
    except InvalidOperation:
        return False
    return (
        len(values) == len(edges)
        and values[0] == 0
        and all(value.is_finite() and value == round(value, 2) for value in values)
        and all(low < high for low, high in pairwise(values))
        and values[-1] <= MAX_PRICE
    )
