"""Rules for the ids people type or are given, shared by the API's validation and the admin command."""

from __future__ import annotations

import re

# A facility id as the office registers it and the authorizer passes it on: lowercase letters, digits and
# hyphens, 2-63 characters, starting with a letter or a digit ("rsud-raden-mattaher").
FACILITY_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,62}")
