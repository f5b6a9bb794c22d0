"""The project's settings for the stress suite's servers, with static files collected into a temp folder.

Production settings (DEBUG off) serve static files from a collected manifest; the suite collects
them where `NEWSROOM_STRESS_STATIC_ROOT` says, never into the shared working tree, and skips the
Brotli/gzip pre-compression (50 s on 2 cores, and not what these tests are about).
"""

import os

from newsroom.settings import *  # noqa: F403
from newsroom.settings import STORAGES

STATIC_ROOT = os.environ["NEWSROOM_STRESS_STATIC_ROOT"]
STORAGES = STORAGES | {
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}
}
