"""The example project's settings for the multi-host run: quick replica checks, few logins."""

from demo.settings import *  # noqa: F403
from demo.settings import SHOPCORE

from e2e.multihost import config

# Plain HTTP on the loopback interface: no redirect to HTTPS.
SECURE_SSL_REDIRECT = False

SHOPCORE = {
    **SHOPCORE,
    "REPLICA_CHECK_INTERVAL": config.REPLICA_CHECK_INTERVAL,
    "REPLICA_MAX_LAG_SECONDS": config.REPLICA_MAX_LAG_SECONDS,
    "READ_YOUR_WRITES_SECONDS": config.READ_YOUR_WRITES_SECONDS,
    "THROTTLE_RATES": {"login": f"{config.LOGIN_LIMIT}/min"},
    # The run replays a just-rotated refresh token on the other host to show that
    # reuse detection spans hosts; two tabs' grace window would hide it.
    "REFRESH_REUSE_GRACE_SECONDS": 0,
}
