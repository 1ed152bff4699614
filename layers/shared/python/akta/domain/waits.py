"""Every state where the SOP waits for someone (`.waitForTaskToken` in the ASL), in one catalogue.

Each entry says who is waited for, which SOP step the wait belongs to, the status the hospital sees meanwhile,
the outer time limit, the answers the wait accepts and where each goes next, and the labels pages and emails
use. The ASL (statemachine/birth_certificate.asl.json) stays the one description of the flow; a static test
holds the two against each other both ways. Every field is required: an entry that leaves one out fails at
import, not at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

_DAY = 24 * 3600


class Status(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"  # the completeness check runs
    RETURNED = "RETURNED"  # back with the hospital, with reasons
    SIAK_ENTRY = "SIAK_ENTRY"
    VERIFICATION = "VERIFICATION"
    SIGNATURE = "SIGNATURE"
    ISSUED = "ISSUED"
    SENT = "SENT"  # email and WhatsApp notice sent, waiting for the delivery outcome
    DRIVE_THRU = "DRIVE_THRU"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class Party(StrEnum):
    """Who answers the wait, and through which door."""

    STAFF = "staff"  # a named staff member, through an emailed link
    HOSPITAL = "hospital"  # the hospital's operator, through the intake API
    DELIVERY = "delivery"  # the mail system's delivery event
    COUNTER = "counter"  # the Drive-Thru counter's handover form


@dataclass(frozen=True)
class Answer:
    value: str  # what the task's output carries in the wait's answer field
    next: str  # the state the flow goes to on this answer
    label: str  # the button or outcome label (Bahasa Indonesia)
    rejects: bool = False  # a rejection: a reason code and a note are asked, the file goes back
    needs: tuple[str, ...] = ()  # form fields this answer needs besides the decision


@dataclass(frozen=True, kw_only=True)
class Wait:
    state: str  # the ASL state's name
    party: Party
    role: str  # the staff role or outside party that answers
    role_label: str  # as staff and citizens call them
    sop_step: int  # the SOP step the wait belongs to (its timeline line and mutu baku)
    status: Status  # the application's status while it waits
    timeout_key: str  # $.timeouts.<key> in the execution input (TimeoutSecondsPath)
    default_timeout: int  # seconds; WAIT_TIMEOUTS overrides per key
    on_timeout: str  # the state its States.Timeout catch goes to
    result_path: str  # where the ASL puts the answer
    answer_field: str  # the field of the answer the next Choice reads ("" when the wait has one way on)
    answers: tuple[Answer, ...]
    rejection_field: str | None  # the reason's field shown to the hospital when this step rejects
    title: str  # the task's subject in emails and pages


_REJECT_TO_HOSPITAL = Answer("reject", "ReturnToHospital", "Tolak", rejects=True)

WAITS: tuple[Wait, ...] = (
    Wait(
        state="ReturnToHospital", party=Party.HOSPITAL, role="hospital", role_label="Operator Bidan/RS", sop_step=2,
        status=Status.RETURNED, timeout_key="hospital", default_timeout=14 * _DAY,
        on_timeout="EscalateReturnToHospital", result_path="$.resubmission", answer_field="",
        answers=(Answer("resubmitted", "CheckCompleteness", "Dikirim ulang"),),
        rejection_field=None, title="Berkas dikembalikan kepada bidan/rumah sakit",
    ),
    Wait(
        state="EnterIntoSiak", party=Party.STAFF, role="operator", role_label="Operator", sop_step=4,
        status=Status.SIAK_ENTRY, timeout_key="operator", default_timeout=_DAY,
        on_timeout="EscalateEnterIntoSiak", result_path="$.siak_entry", answer_field="decision",
        answers=(Answer("registered", "VerifyApplication", "Simpan dan teruskan ke verifikator",
                        needs=("registration_number",)), _REJECT_TO_HOSPITAL),
        rejection_field="penginputan", title="Penginputan ke SIAK",
    ),
    Wait(
        state="VerifyApplication", party=Party.STAFF, role="verifier", role_label="Verifikator Dafduk", sop_step=5,
        status=Status.VERIFICATION, timeout_key="verifier", default_timeout=_DAY,
        on_timeout="EscalateVerifyApplication", result_path="$.verification", answer_field="decision",
        answers=(Answer("approve", "SignCertificate", "Setujui dan ajukan TTE"), _REJECT_TO_HOSPITAL),
        rejection_field="verifikasi", title="Verifikasi data SIAK dan arsip digital",
    ),
    Wait(
        state="SignCertificate", party=Party.STAFF, role="head", role_label="Kepala Dinas", sop_step=6,
        status=Status.SIGNATURE, timeout_key="head", default_timeout=_DAY,
        on_timeout="EscalateSignCertificate", result_path="$.signature", answer_field="decision",
        # The head's rejection goes back to the verifier, not to the hospital.
        answers=(Answer("approve", "IssueCertificate", "Tandatangani secara elektronik (TTE)", needs=("pin",)),
                 Answer("reject", "VerifyApplication", "Tolak", rejects=True)),
        rejection_field="tte", title="Penandatanganan elektronik (TTE) Akta Kelahiran",
    ),
    Wait(
        state="NotifyApplicant", party=Party.DELIVERY, role="delivery", role_label="Pengiriman email", sop_step=7,
        status=Status.SENT, timeout_key="delivery", default_timeout=3600,
        on_timeout="NoDeliveryConfirmation", result_path="$.delivery", answer_field="outcome",
        answers=(Answer("delivered", "CompleteApplication", "Terkirim"),
                 Answer("bounced", "CollectAtDriveThru", "Tidak terkirim"),
                 Answer("rejected", "CollectAtDriveThru", "Ditolak server email")),
        rejection_field=None, title="Pengiriman akta kepada pemohon",
    ),
    Wait(
        state="CollectAtDriveThru", party=Party.COUNTER, role="drive_thru", role_label="Petugas Drive Thru", sop_step=8,
        status=Status.DRIVE_THRU, timeout_key="drive_thru", default_timeout=30 * _DAY,
        on_timeout="EscalateCollectAtDriveThru", result_path="$.handover", answer_field="",
        answers=(Answer("handed_over", "CompleteApplication", "Diserahkan di loket"),),
        rejection_field=None, title="Pengambilan akta di layanan Drive Thru",
    ),
)

_BY_STATE = {w.state: w for w in WAITS}


def wait(state: str) -> Wait:
    return _BY_STATE[state]


def staff_waits() -> tuple[Wait, ...]:
    """The waits a named staff member answers through an emailed link."""
    return tuple(w for w in WAITS if w.party is Party.STAFF)


def answer(w: Wait, value: str) -> Answer | None:
    return next((a for a in w.answers if a.value == value), None)


# The roles whose tasks wait behind emailed links, in SOP order.
STAFF_ROLES = tuple(w.role for w in staff_waits())
# The office's people who answer waits (emailed links and the counter); the directory adds the supervisor.
OFFICE_ROLES = tuple(w.role for w in WAITS if w.party in (Party.STAFF, Party.COUNTER))
DEFAULT_TIMEOUTS = {w.timeout_key: w.default_timeout for w in WAITS}
ROLE_LABELS = {w.role: w.role_label for w in WAITS}
