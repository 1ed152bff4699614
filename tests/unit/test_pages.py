"""The staff, counter, supervisor and verification pages and the four emails, rendered from their templates:
every value escaped, dates as people write them, documents by their labels, and a missing value an error."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

import jinja2
import pytest

from akta import rendering
from akta.domain import sop
from akta.domain.errors import FieldError
from akta.domain.waits import wait
from akta.service.staff import REASON_CODES, TaskPage
from akta.service.supervision import Console, WaitingTask
from akta.web import pages
from sandbox import samples
from sandbox.actors import filled, form_token, form_with, forms

HOSTILE = "<script>alert(1)</script>"


class _Text(HTMLParser):
    """What a person reads: the text outside tags, scripts and styles."""

    def __init__(self):
        super().__init__()
        self.parts, self.elements, self._skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def read(page: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split()), parser.elements


def task_page(**changes) -> TaskPage:
    application = samples.application(seed=7)
    application["child"].update(birth_date="2026-11-05", birth_time="08:15")
    page = TaskPage(
        link_id="L", role="operator", role_label=sop.ACTOR_LABELS["operator"], state="EnterIntoSiak", sop_step=4,
        application_id="AK20261129-ABCDEFGH", application=application, registration_number=None, rejection=None,
        late_registration=False, possible_duplicates=[],
        documents=[{"kind": "kartu_keluarga", "label": "Kartu Keluarga (KK)", "url": "https://s3.example/kk?sig=1"}],
        sent_at="2026-11-29T01:15:00+00:00", target_minutes=15, waited_minutes=3.0, form_token="tok-1",
        reasons=REASON_CODES, answers=wait("EnterIntoSiak").answers,
    )
    return dataclasses.replace(page, **changes)


def test_sop4_the_task_page_shows_dates_as_people_write_them_and_documents_by_their_labels():
    text, _ = read(pages.task_page(task_page()))
    assert "Tugas dikirim 29 November 2026, 08.15 WIB." in text
    assert "5 November 2026, pukul 08.15 WIB" in text  # the birth
    assert "8 Maret 1994" in text  # the mother's birth date (seed 7), in words
    assert "Surat keterangan kelahiran dari rumah sakit/bidan/dokter" in text and "Buku nikah" in text
    assert "Kartu Keluarga (KK)" in text
    for raw in ("surat_keterangan_lahir", "buku_nikah", "kartu_keluarga", "2026-11-05", "2026-11-29", "08:15"):
        assert raw not in text, raw


def test_sop4_every_value_on_the_task_page_is_escaped():
    hostile = task_page()
    hostile.application["child"]["name"] = HOSTILE
    hostile = dataclasses.replace(hostile, rejection={"by_label": "Verifikator", "message": HOSTILE},
                                  possible_duplicates=[{"application_id": HOSTILE, "status": HOSTILE}],
                                  form_token='"><script>x</script>')
    page = pages.task_page(hostile, [FieldError("note", "x", HOSTILE)])
    text, elements = read(page)
    assert "script" not in elements
    assert text.count(HOSTILE) == 5  # shown as typed: the name, the rejection, the duplicate, the error...
    assert form_token(page) == '"><script>x</script>'  # ...and the token survives as a value


def test_sop4_the_decision_form_has_the_fields_each_answer_needs():
    operator = form_with(pages.task_page(task_page()), "form_token")
    assert {"form_token", "decision", "registration_number", "reason_code", "note"} <= operator.controls
    head = form_with(pages.task_page(task_page(state="SignCertificate", role="head", sop_step=6,
                                               answers=wait("SignCertificate").answers)), "form_token")
    assert "pin" in head.controls


def test_the_counter_supervisor_and_verification_pages_escape_what_they_show():
    handover = pages.handover_page({"application_id": "AK1", "registration_number": HOSTILE, "child_name": HOSTILE,
                                    "collectors": [{"role": "Ibu", "name": HOSTILE}], "form_token": "t"})
    task = WaitingTask(application_id="AK1", state="VerifyApplication", sop_step=5, role="verifier", role_label="Verifikator",
                       assignee_id="budi", assignee_name=HOSTILE, sent_at="2026-11-29T01:15:00+00:00",
                       office_minutes=20, target_minutes=15)
    console = pages.supervisor_page(Console(supervisor={"name": HOSTILE, "staff_id": "s"}, tasks=[task], form_token="t",
                                            people={"verifier": [{"staff_id": "wati", "name": HOSTILE}]}, done=HOSTILE),
                                    signed_in={"name": HOSTILE, "staff_id": "s"})
    verify = pages.verification_page({"state": "valid", "registration_number": HOSTILE, "issued_on": "2026-11-29",
                                      "child_name_masked": HOSTILE}, comparison="identical")
    for page, count in ((handover, 3), (console, 4), (verify, 2)):
        text, elements = read(page)
        assert "script" not in elements and text.count(HOSTILE) == count
    assert "29 November 2026, 08.15 WIB" in read(console)[0]
    assert "Tanggal terbit 29 November 2026" in read(verify)[0]


def test_a_value_a_template_needs_but_is_not_given_is_an_error_not_an_empty_page():
    with pytest.raises(jinja2.UndefinedError):
        rendering.page("handover.html", title="x", errors=[], found={"application_id": "AK1"})


def test_every_page_has_the_one_layout():
    rendered = [pages.message_page("Judul", "Pesan"), pages.not_found_page(), pages.counter_page(),
                pages.continue_page("Lanjut", "/supervisor", "Pesan"), pages.totp_page("budi", "JBSWY3DPEHPK3PXP"),
                pages.task_page(task_page())]
    for page in rendered:
        assert page.startswith("<!doctype html>") and "Disdukcapil Kota Jambi &middot; Layanan Akta Kelahiran" in page
        assert '<meta name="robots" content="noindex">' in page


STEP4 = sop.step(4)
EMAILS = {
    "task": dict(name="Ani & Budi <Operator>", application_id="AK1", step=STEP4, target_minutes=15,
                 link="https://akta.example.go.id/staff/tasks/abc"),
    "escalation": dict(name="Ani & Budi <Operator>", application_id="AK1", step=STEP4),
    "reminder": dict(name="Ani & Budi <Operator>", application_id="AK1", step=STEP4, target_minutes=15),
    "certificate": dict(application_id="AK1", registration_number="1571-LU-29112026-0001"),
}


@pytest.mark.parametrize("name", EMAILS)
def test_every_email_has_a_subject_a_text_and_an_escaped_html_part_in_the_one_layout(name):
    mail = rendering.email(name, **EMAILS[name])
    assert mail.subject and "\n" not in mail.subject and ("AK1" in mail.subject or "0001" in mail.subject)
    assert "Dinas Kependudukan dan Pencatatan Sipil Kota Jambi" in mail.text and "mohon tidak membalas" in mail.html
    if "name" in EMAILS[name]:
        assert "Yth. Ani & Budi <Operator>," in mail.text  # text is not HTML: shown as typed
        assert "Ani &amp; Budi &lt;Operator&gt;" in mail.html and "<Operator>" not in mail.html
    else:
        assert "Yth. Bapak/Ibu," in mail.text


def test_sop4_the_task_email_carries_the_link_in_both_parts():
    mail = rendering.email("task", **EMAILS["task"])
    assert "https://akta.example.go.id/staff/tasks/abc" in mail.text
    assert 'href="https://akta.example.go.id/staff/tasks/abc"' in mail.html
    assert mail.subject == f"[Akta Kelahiran] Tugas baru: {STEP4.description} (AK1)"


def test_the_scripted_people_read_forms_by_their_fields_whatever_the_quote_style():
    for page in ("<form method='post' action='/x'><input type='hidden' name='form_token' value='a&amp;b'>"
                 "<input name='pin'></form>",
                 '<form method="post" action="/x"><input name="pin"><input value="a&amp;b" type="hidden" name="form_token"></form>'):
        (form,) = forms(page)
        assert (form.action, form.method, form.hidden, form.controls) == ("/x", "post", {"form_token": "a&b"}, {"form_token", "pin"})
        assert filled(form, pin="1234") == {"form_token": "a&b", "pin": "1234"}
        with pytest.raises(AssertionError, match="no field decision"):
            filled(form, decision="approve")
