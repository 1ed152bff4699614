"""The hospital operator's web page: one static HTML file (no build step), served by the intake API."""

from __future__ import annotations

import functools
from importlib import resources


@functools.cache
def html() -> str:
    return resources.files("akta.web").joinpath("static/hospital.html").read_text(encoding="utf-8")
