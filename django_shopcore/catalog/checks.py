"""System checks of the catalog's configuration: the response cache."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
