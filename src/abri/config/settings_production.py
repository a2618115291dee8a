"""Production profile: the default settings hardened for a server behind HTTPS.

Use with DJANGO_SETTINGS_MODULE=abri.config.settings_production; passes `abri check --deploy`.
"""

from abri.config.env import env
from abri.config.settings import *  # noqa: F403 -- a profile extends the base settings

DEBUG = False
_secure: bool = env("ABRI_SECURE_COOKIES")
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
SECURE_SSL_REDIRECT = _secure
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if _secure else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _secure
SECURE_HSTS_PRELOAD = _secure
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
