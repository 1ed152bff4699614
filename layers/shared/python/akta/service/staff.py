"""SOP steps 4-6: a link per human task, emailed to a named person; GET shows, only POST decides.

The task token stays in the tasks table under the link's hash. A decision needs the one-time form token
that the page's GET rendered, and the link is used at most once (conditional write).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from akta import rendering
from akta.adapters.tasks import digest
from akta.domain import sop
from akta.domain.documents import DOCUMENT_KINDS
from akta.domain.errors import Conflict, FieldError, InvalidInput, NotFound, Refused
from akta.domain.waits import Answer, Wait, answer, wait
from akta.service import directory
from akta.service.common import now, record
from akta.service.ports import Adapters

LINK_LIFETIME = timedelta(days=7)
# SIAK registration numbers: region code, LU (umum) or LT (terlambat), DDMMYYYY, sequence.
REGISTRATION_NUMBER = re.compile(r"^\d{4}-L[UT]-\d{8}-\d{4}$")
REASON_CODES = {
    "data_tidak_sesuai": "Data tidak sesuai dengan dokumen",
    "dokumen_tidak_terbaca": "Dokumen tidak terbaca",
    "dokumen_tidak_sah": "Dokumen tidak sah atau tidak lengkap",
    "duplikat": "Permohonan ganda: akta untuk anak ini sudah diajukan",
    "lainnya": "Alasan lain (lihat catatan)",
}
NOTE_MAX = 500


def start_task(adapters: Adapters, *, application_id: str, task_token: str, state: str) -> Wait:
    """The staff wait `state` starts: its role, SOP step and status come from the waits catalogue."""
    step = wait(state)
    role, sop_step = step.role, step.sop_step
    records, tasks = adapters.records, adapters.tasks
    at = now()
    assignee = directory.assignee(adapters, role)
    link_id, key = tasks.create_link(role=role, application_id=application_id, state=state, sop_step=sop_step,
                                     task_token=task_token, assignee=assignee, at=at, ttl=LINK_LIFETIME)
    replaced = records.replace_open_task(application_id, state, key)
    if replaced:  # the task waits again (escalation): the old link must no longer decide
        tasks.supersede(replaced, at)
    records.update(application_id, status=step.status)
    record(records, application_id, sop_step, "started", role, at=at)
    _email_task(adapters, assignee, application_id, sop_step, link_id)
    return step


def _email_task(adapters: Adapters, assignee: dict, application_id: str, sop_step: int, link_id: str) -> None:
    """One link to one named person."""
    step = sop.step(sop_step)
    message = rendering.email("task", name=assignee["name"], application_id=application_id, step=step,
                              target_minutes=int(step.target.total_seconds() // 60), link=link_url(adapters, link_id))
    adapters.mail.send(to=assignee["email"], message=message, application_id=application_id)


REASSIGN_REASONS = {"cuti": "cuti", "sakit": "sakit", "dinas_luar": "dinas luar", "beban_kerja": "pembagian beban kerja"}


def reassign(adapters: Adapters, application_id: str, state: str, to_staff_id: str, reason: str, *, by: str) -> dict:
    """A supervisor hands a waiting task to another active person of the same role (leave, illness).

    The waiting task token moves to a fresh link for the new person; the old link is superseded.
    """
    if reason not in REASSIGN_REASONS:
        raise InvalidInput([FieldError("reason", "reason_unknown", f"reason must be one of {', '.join(REASSIGN_REASONS)}")])
    records, tasks = adapters.records, adapters.tasks
    at = now()
    old_key = records.get(application_id).get("open_tasks", {}).get(state)
    if not old_key:
        raise NotFound("task_not_waiting", application_id, state)
    try:
        old = tasks.open_link_at(old_key, at)
    except Refused as refused:
        raise Conflict("task_not_waiting", application_id, state, refused.code) from None
    person = directory.person(adapters, to_staff_id)
    if person["role"] != old["role"] or not person["active"] or person["staff_id"] == old["assignee"]["staff_id"]:
        raise InvalidInput([FieldError("staff_id", "not_same_role", f"{to_staff_id} is not another active {old['role']}")])
    step = int(old["sop_step"])
    link_id, key = tasks.create_link(role=old["role"], application_id=application_id, state=state, sop_step=step,
                                     task_token=old["task_token"], assignee=person, at=at, ttl=LINK_LIFETIME)
    # The old link closes only if it is still open: a decision made on it meanwhile wins, and the fresh link
    # never goes out (one live link at most, never one for a task already answered).
    if not tasks.supersede(old_key, at):
        tasks.supersede(key, at)
        raise Conflict("task_not_waiting", application_id, state, "decided")
    records.replace_open_task(application_id, state, key)
    record(records, application_id, step, "note", "supervisor",
           f"reassigned:{old['assignee']['staff_id']}->{person['staff_id']}:{reason}:by:{by}", at=at)
    _email_task(adapters, person, application_id, step, link_id)
    return {"application_id": application_id, "state": state, "from": old["assignee"]["staff_id"], "to": person["staff_id"]}


def link_url(adapters: Adapters, link_id: str) -> str:
    return f"{adapters.config['PUBLIC_BASE_URL']}/staff/tasks/{link_id}"


@dataclass
class TaskPage:
    link_id: str
    role: str
    role_label: str
    state: str
    sop_step: int
    application_id: str
    application: dict
    registration_number: str | None
    rejection: dict | None  # the last rejection (the head's, when the file came back to the verifier)
    late_registration: bool  # more than 60 days after the birth (judged in WIB)
    possible_duplicates: list[dict]  # other applications for the same child: id and status only
    documents: list[dict]
    sent_at: str  # when the link was sent (ISO, UTC)
    target_minutes: int
    waited_minutes: float
    form_token: str
    reasons: dict[str, str]
    answers: tuple[Answer, ...]  # the decisions this wait accepts, in the order the page offers them


class NotYours(Refused):
    """The signed-in person may not act on this link: it is another person's task (or another role's)."""

    code = "not_yours"


def _may_act(adapters: Adapters, link: dict, viewer: dict) -> None:
    """The link points, the sign-in authenticates: only its assignee acts on it, or, where the office sets
    TASK_ACCESS=role, anyone active in its role."""
    if adapters.config.optional("TASK_ACCESS") == "role":
        if viewer["role"] != link["role"]:
            raise NotYours(None, link["application_id"])
    elif viewer["staff_id"] != link["assignee"]["staff_id"]:
        raise NotYours(None, link["application_id"])


def open_page(adapters: Adapters, link_id: str, viewer: dict) -> TaskPage:
    """What a GET shows the signed-in `viewer`. Changes nothing about the task: it only issues a form token for
    this page."""
    tasks, records, archive = adapters.tasks, adapters.records, adapters.archive
    at = now()
    link = tasks.link(link_id, at)
    _may_act(adapters, link, viewer)
    current = records.get(link["application_id"])
    waited = at - datetime.fromisoformat(link["created_at"])
    return TaskPage(
        link_id=link_id,
        role=link["role"],
        role_label=sop.ACTOR_LABELS[link["role"]],
        state=link["state"],
        sop_step=int(link["sop_step"]),
        application_id=link["application_id"],
        application=current["data"],
        registration_number=current.get("registration_number"),
        rejection=_last_rejection(current),
        late_registration=bool(current.get("late_registration")),
        possible_duplicates=[{"application_id": other, "status": records.get(other)["status"]}
                             for other in current.get("possible_duplicates") or []],
        documents=[
            {"kind": kind, "label": DOCUMENT_KINDS[kind].label if kind in DOCUMENT_KINDS else kind,
             "url": archive.preview_url(link["application_id"], kind)}
            for kind in archive.archived_documents(link["application_id"])
        ],
        sent_at=link["created_at"],
        target_minutes=int(sop.target(int(link["sop_step"])).total_seconds() // 60),
        waited_minutes=round(waited.total_seconds() / 60, 1),
        form_token=tasks.issue_form_token("staff_decision", link["pk"], at),
        reasons=REASON_CODES,
        answers=wait(link["state"]).answers,
    )


def _last_rejection(current: dict) -> dict | None:
    """A staff member's rejection still on the file (the head's, when it came back to the verifier)."""
    by_staff = [reason for reason in current.get("reasons") or [] if reason.get("by")]
    if not by_staff:
        return None
    return {**by_staff[-1], "by_label": sop.ACTOR_LABELS[by_staff[-1]["by"]]}


class FormInvalid(InvalidInput):
    """The decision form has field errors; the page is shown again with them."""

    code = "form_invalid"


def decide(adapters: Adapters, link_id: str, form: dict[str, str], viewer: dict) -> dict:
    """A POST from the page by the signed-in `viewer`: validate, use the form token and the link once, record,
    answer the task."""
    tasks, records = adapters.tasks, adapters.records
    at = now()
    link = tasks.link(link_id, at)  # unknown, expired or used links stop here, before anything changes
    _may_act(adapters, link, viewer)
    waiting = wait(link["state"])
    decision, payload = _validated(waiting, form)
    chosen = answer(waiting, decision)
    if "pin" in chosen.needs and viewer["staff_id"] != link["assignee"]["staff_id"]:
        # The signature is the head of office's own, whatever TASK_ACCESS lets others see: only the assignee signs.
        raise NotYours(None, link["application_id"])
    tasks.use_form_token(form.get("form_token", ""), "staff_decision", at, subject=f"LINK#{digest(link_id)}")
    if "pin" in chosen.needs:
        # The signing PIN: a forwarded or stolen link alone cannot sign. A wrong PIN uses up the page's form
        # token (the head reopens the page), so guesses cannot be replayed against one rendered form.
        try:
            directory.check_pin(adapters, viewer["staff_id"], form.get("pin", ""), at)
        except directory.PinRefused as refused:
            raise FormInvalid([directory.pin_error(refused, name="PIN penandatanganan", ask="hubungi supervisor")]) from None
    link = tasks.decide_link(link_id, decision, at)
    application_id, role, step = link["application_id"], link["role"], int(link["sop_step"])
    # What the next step needs is stored before the state machine moves on.
    if "registration_number" in payload:
        records.update(application_id, registration_number=payload["registration_number"])
    elif "pin" in chosen.needs:  # the signing approval names its approver
        records.update(application_id, approved_by=viewer["staff_id"])
    elif chosen.rejects:
        # Free text stays here, in DynamoDB; the state machine only sees the reason code.
        reason = {"field": waiting.rejection_field, "code": payload["reason_code"], "by": role,
                  "message": f"{REASON_CODES[payload['reason_code']]}: {payload['note']}"}
        records.update(application_id, reasons=[reason])
    adapters.callbacks.answer(link["task_token"], {"decision": decision, "reason_code": payload.get("reason_code")})  # TaskGone if it waits no more
    if not (link["state"] == "SignCertificate" and decision == "approve"):
        # The head's approval finishes step 6 only when the signed certificate exists (issue step).
        outcome = f"reject:{payload['reason_code']}" if chosen.rejects else decision
        record(records, application_id, step, "finished", role, outcome, at=at)
    return {"application_id": application_id, "decision": decision, "role": role}


def _validated(step: Wait, form: dict[str, str]) -> tuple[str, dict]:
    """The decision must be one of the wait's answers, with the fields that answer needs."""
    errors: list[FieldError] = []
    decision = form.get("decision", "")
    chosen = answer(step, decision)
    payload = {}
    if chosen is None:
        errors.append(FieldError("decision", "decision_required",
                                 "Pilih salah satu: " + " atau ".join(a.label for a in step.answers) + "."))
    elif chosen.rejects:
        code, note = form.get("reason_code", ""), form.get("note", "").strip()
        if code not in REASON_CODES:
            errors.append(FieldError("reason_code", "reason_required", "Pilih alasan penolakan."))
        if not note or len(note) > NOTE_MAX:
            errors.append(FieldError("note", "note_required", f"Catatan penolakan wajib diisi (paling banyak {NOTE_MAX} karakter)."))
        payload = {"reason_code": code, "note": note}
    elif "registration_number" in chosen.needs:
        number = form.get("registration_number", "").strip().upper()
        if not REGISTRATION_NUMBER.match(number):
            errors.append(FieldError("registration_number", "registration_number_format",
                                     "Nomor registrasi SIAK harus berbentuk 1571-LU-DDMMYYYY-NNNN."))
        payload = {"registration_number": number}
    if errors:
        raise FormInvalid(errors)
    return decision, payload
