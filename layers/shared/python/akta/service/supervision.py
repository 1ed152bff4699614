"""The supervisor's console: who holds each waiting staff task, reassignment, and revocation.

The supervisor signs in with the office's identity provider (akta.web.staff_session). Every rendered console
carries a one-time form token bound to that supervisor, so each action is one POST by the signed-in
supervisor who rendered it; nothing acts on GET.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from akta.domain import sop
from akta.domain.calendar import load_calendar
from akta.domain.errors import Conflict, FieldError, InvalidInput, NotFound, Refused
from akta.domain.waits import STAFF_ROLES
from akta.service import directory, staff, verification
from akta.service.common import now
from akta.service.ports import Adapters

SUBJECT = "SUPERVISOR#"


class ConsoleStale(Refused):
    """The console's form token is used, expired, or another supervisor's; `errors` says so (Bahasa Indonesia)."""

    code = "console_stale"


@dataclass
class WaitingTask:
    application_id: str
    state: str
    sop_step: int
    role: str
    role_label: str
    assignee_id: str
    assignee_name: str
    sent_at: str  # when the link was sent (ISO, UTC)
    office_minutes: int
    target_minutes: int


@dataclass
class Console:
    supervisor: dict
    tasks: list[WaitingTask]
    people: dict[str, list[dict]]  # role -> active staff who can take over its tasks
    form_token: str
    done: str | None = None  # what the last action did (shown once)


def waiting_tasks(adapters: Adapters, at: datetime) -> list[WaitingTask]:
    calendar = load_calendar()
    found = []
    for link in adapters.tasks.open_links():
        if int(link["expires_at"]) <= at.timestamp():
            continue
        step = int(link["sop_step"])
        waited = calendar.office_time(datetime.fromisoformat(link["created_at"]), at)
        found.append(WaitingTask(
            application_id=link["application_id"], state=link["state"], sop_step=step, role=link["role"],
            role_label=sop.ACTOR_LABELS[link["role"]], assignee_id=link["assignee"]["staff_id"],
            assignee_name=link["assignee"]["name"], sent_at=link["created_at"], office_minutes=int(waited.total_seconds() // 60),
            target_minutes=int(sop.target(step).total_seconds() // 60),
        ))
    return sorted(found, key=lambda t: (-t.office_minutes / max(t.target_minutes, 1), t.application_id))


def console(adapters: Adapters, supervisor: dict, at: datetime, done: str | None = None) -> Console:
    people: dict[str, list[dict]] = {role: [] for role in STAFF_ROLES}
    for person in directory.listing(adapters):  # one read of the directory for every role
        if person["active"] and person["role"] in people:
            people[person["role"]].append(person)
    token = adapters.tasks.issue_form_token("supervisor_action", SUBJECT + supervisor["staff_id"], at)
    return Console(supervisor=supervisor, tasks=waiting_tasks(adapters, at), people=people, form_token=token, done=done)


def _check_form_token(adapters: Adapters, form: dict[str, str], supervisor: dict, at: datetime) -> None:
    """The form token was rendered for this supervisor's console; it works once."""
    stale = ConsoleStale(errors=[FieldError("form_token", "form_token", "Halaman ini sudah tidak berlaku. Buka kembali konsol supervisor.")])
    try:
        adapters.tasks.use_form_token(form.get("form_token", ""), "supervisor_action", at, subject=SUBJECT + supervisor["staff_id"])
    except Refused:  # unknown, expired, used, another form's or another supervisor's
        raise stale from None


def act(adapters: Adapters, action: str, form: dict[str, str], supervisor: dict) -> tuple[Console, list[FieldError]]:
    """One action of the signed-in `supervisor` from the console. The token is used first; the answer is a fresh
    console (with the errors, if the action was refused) so the supervisor can correct and try again."""
    at = now()
    _check_form_token(adapters, form, supervisor, at)
    done, errors = {"reassign": _reassign, "revoke": _revoke}[action](adapters, form, supervisor["staff_id"])
    return console(adapters, supervisor, at, done=done), errors


def _reassign(adapters: Adapters, form: dict[str, str], by: str) -> tuple[str | None, list[FieldError]]:
    to_staff_id, reason = form.get("staff_id", ""), form.get("reason", "")
    errors = []
    if reason not in staff.REASSIGN_REASONS:
        errors.append(FieldError("reason", "reason_required", "Pilih alasan pengalihan."))
    if not to_staff_id:
        errors.append(FieldError("staff_id", "staff_required", "Pilih petugas pengganti."))
    if errors:
        return None, errors
    try:
        moved = staff.reassign(adapters, form.get("application_id", ""), form.get("state", ""), to_staff_id, reason, by=by)
    except (NotFound, Conflict, InvalidInput):
        return None, [FieldError("staff_id", "reassign_refused",
                                 "Tugas ini tidak dapat dialihkan kepada petugas tersebut: tugas sudah diputuskan, "
                                 "atau petugas itu bukan petugas aktif lain dengan peran yang sama.")]
    return (f"Tugas permohonan {moved['application_id']} dialihkan dari {moved['from']} kepada {moved['to']}; "
            "tautan baru telah dikirim kepadanya."), []


def _revoke(adapters: Adapters, form: dict[str, str], by: str) -> tuple[str | None, list[FieldError]]:
    certificate_id, reason, note = form.get("certificate_id", "").strip(), form.get("reason", ""), form.get("note", "").strip()
    errors = []
    if not certificate_id:
        errors.append(FieldError("certificate_id", "certificate_required", "Isi kode akta (dari QR code atau alamat verifikasi)."))
    if reason not in verification.REVOCATION_REASONS:
        errors.append(FieldError("reason", "reason_required", "Pilih alasan pencabutan."))
    if not note or len(note) > 500:
        errors.append(FieldError("note", "note_required", "Catatan pencabutan wajib diisi (paling banyak 500 karakter)."))
    if errors:
        return None, errors
    try:
        verification.revoke(adapters, certificate_id, reason, note, by)
    except NotFound:
        return None, [FieldError("certificate_id", "certificate_unknown", "Tidak ada akta dengan kode ini.")]
    except Conflict:
        return None, [FieldError("certificate_id", "already_revoked", "Akta ini sudah dicabut sebelumnya.")]
    return f"Akta {certificate_id} telah dicabut; verifikasi publik kini menampilkan DICABUT.", []
