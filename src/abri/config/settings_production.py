"""Production profile: the default settings hardened for a server behind HTTPS.

Use with DJANGO_SETTINGS_MODULE=abri.config.settings_production; passes `abri check --deploy`
with no warning (a test runs it). Login lockout (django-axes) stays on whatever the base says.
"""

from abri.config.env import env
from abri.config.settings import *  # noqa: F403 -- a profile extends the base settings

DEBUG = False
AXES_ENABLED = True  # five failed logins lock the account: never off in production

_secure: bool = env("ABRI_SECURE_COOKIES")
SESSION_COOKIE_SECURE = _secure
CSRF_COOKIE_SECURE = _secure
SECURE_SSL_REDIRECT = _secure
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if _secure else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _secure
SECURE_HSTS_PRELOAD = _secure
# Behind a reverse proxy that terminates HTTPS and sets this header (and strips it from clients).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
STORAGES = {
    **STORAGES,  # noqa: F405 -- from the base settings
    # Hashed file names (core/abri.3f2a….css): browsers cache them for a year, a new release changes the name.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
