"""Test settings with an e-mail login user model: ``pytest --ds=tests.settings_custom_user``."""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.custom_user"]
AUTH_USER_MODEL = "custom_user.EmailUser"
