"""Pages and email bodies from the Jinja2 templates in akta/templates.

HTML is autoescaped (a name like `<b>Ani</b>` shows as typed); every page extends base.html and every email
emails/base.txt and emails/base.html; a value a template names but is not given is an error
(StrictUndefined), never an empty string on a citizen's page. Dates and document kinds have filters, so no
template shows an ISO date or a raw code. Jinja2 is imported on the first render, by the functions that render.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from akta.domain.dates import date_id, datetime_id, time_id

TEMPLATES = Path(__file__).parent / "templates"


def document_label(kind: str) -> str:
    """A document kind as people call it ("Kartu Keluarga (KK)"); an unknown kind stays as it is."""
    from akta.domain.documents import DOCUMENT_KINDS

    return DOCUMENT_KINDS[kind].label if kind in DOCUMENT_KINDS else kind


@functools.cache
def environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates ship with the layer; never re-read them
    )
    env.filters.update(tanggal=date_id, jam=time_id, waktu=datetime_id, dokumen=document_label)
    return env


def page(template: str, /, **context) -> str:
    return environment().get_template(template).render(context)


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


def email(template: str, /, **context) -> Email:
    """emails/<template>.txt and .html; the subject is the text template's `subject` block."""
    env = environment()
    text = env.get_template(f"emails/{template}.txt")
    subject = " ".join("".join(text.blocks["subject"](text.new_context(context))).split())
    return Email(subject=subject, text=text.render(context), html=env.get_template(f"emails/{template}.html").render(context))
