"""CI runs hypothesis derandomized, so a red build always reproduces; local runs keep exploring."""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
