"""The per-username limit on failed logins, whatever address they come from."""

import hashlib
from typing import cast

from django.contrib.auth import get_user_model

from ..core.throttling import ShopcoreFixedScopeThrottle
from .normalization import normalize_identifier


class FailedLoginThrottle(ShopcoreFixedScopeThrottle):
    """Counts failed logins per normalized username (scope ``login_username``).

    Only failures are recorded (:meth:`record_failure`), so a user logging in
    often is never limited; once the budget is spent, every login for that
    name gets 429 until the oldest failure leaves the window, so rotating
    client addresses does not buy an attacker more guesses.
    """

    # Rates come from SHOPCORE['THROTTLE_RATES'][scope].
    scope = "login_username"
    # Set by SimpleRateThrottle.__init__ (the stubs leave it out); None when the rate is.
    duration: int | None

    def get_cache_key(self, request, view):
        data = request.data
        username = data.get(get_user_model().USERNAME_FIELD) if isinstance(data, dict) else None
        if not isinstance(username, str) or not username:
            return None
        # Hashed: any string a client sends becomes a short, safe cache key.
        ident = hashlib.sha256(normalize_identifier(username).encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def throttle_success(self):
        # Checking does not count: only record_failure() does.
        return True

    def record_failure(self, request, view):
        """Count one failed login for the username in ``request``."""
        if self.rate is None:
            return
        key = self.get_cache_key(request, view)
        if key is None:
            return
        # SimpleRateThrottle.__init__ parsed it from the rate, which is set.
        duration = cast(int, self.duration)
        now = self.timer()
        history = [moment for moment in self.cache.get(key, []) if moment > now - duration]
        self.cache.set(key, [now, *history], duration)
