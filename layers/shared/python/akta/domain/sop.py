"""The SOP's nine steps (SOP PD.06.00/62.17/2024), each with its actor and mutu-baku target.

This one catalogue names the state machine's states, labels the timeline and drives the demo's
report. Targets are the SOP's "waktu" column; step 2 has none in the SOP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from akta.domain.waits import ROLE_LABELS


@dataclass(frozen=True)
class SopStep:
    number: int
    actor: str  # as the SOP names it
    description: str  # Bahasa Indonesia, short
    target: timedelta | None  # mutu baku
    output: str
    states: tuple[str, ...] = ()  # states of statemachine/birth_certificate.asl.json that carry this step out


SOP_STEPS: tuple[SopStep, ...] = (
    SopStep(1, "Pemohon", "Pemohon menyerahkan berkas kepada bidan/rumah sakit", timedelta(minutes=5), "Berkas"),
    SopStep(2, "Operator Bidan/RS", "Operator bidan/RS mengirim berkas melalui aplikasi", None, "Berkas"),
    SopStep(
        3,
        "OPS Peduli Sehat",
        "Pemeriksaan kelengkapan berkas; berkas tidak lengkap dikembalikan",
        timedelta(minutes=5),
        "Berkas",
        ("CheckCompleteness", "ReturnToHospital"),
    ),
    SopStep(
        4, "Operator", "Penginputan ke SIAK dan pengajuan ke verifikator", timedelta(minutes=3), "Berkas", ("EnterIntoSiak",)
    ),
    SopStep(
        5,
        "Verifikator Dafduk",
        "Verifikasi data SIAK dan arsip digital, pengajuan TTE",
        timedelta(minutes=3),
        "Berkas yang telah diteliti dan diajukan TTE",
        ("VerifyApplication",),
    ),
    SopStep(
        6,
        "Kepala Dinas",
        "Penandatanganan elektronik (TTE) Akta Kelahiran",
        timedelta(minutes=2),
        "Akta Kelahiran",
        ("SignCertificate", "IssueCertificate"),
    ),
    SopStep(
        7,
        "Operator",
        "Pengecekan akta ber-TTE dan pemberitahuan kepada pemohon (email dan WhatsApp)",
        timedelta(minutes=2),
        "Akta Kelahiran",
        ("CheckRelease", "NotifyApplicant"),
    ),
    SopStep(
        8,
        "Petugas Drive Thru",
        "Akta tidak terkirim ke email: pemohon datang ke layanan Drive Thru",
        timedelta(minutes=2),
        "Akta Kelahiran",
        ("CollectAtDriveThru",),
    ),
    SopStep(9, "Pemohon", "Pemohon menerima dokumen", timedelta(minutes=2), "Akta Kelahiran", ("CompleteApplication",)),
)

# Who acted on a timeline line, as staff and citizens call them.
ACTOR_LABELS = {**ROLE_LABELS, "sistem": "Sistem", "supervisor": "Supervisor", "pemohon": "Pemohon"}

# The timeline keeps SOP steps 1 and 2 as one line, from the draft to its submission: the system
# only sees the hospital's work, not the hand-over before it. Its target is step 1's.
INTAKE_STEP = 2


def step(number: int) -> SopStep:
    return SOP_STEPS[number - 1]



def label(number: int) -> str:
    """Timeline label; 0 marks events outside the SOP's steps (a recorded failure)."""
    if number == 0:
        return "-"
    return "1-2" if number == INTAKE_STEP else str(number)


def actor(number: int) -> str:
    """The SOP's actor for a timeline line (steps 1-2 are the applicant and the hospital together)."""
    if not 1 <= number <= len(SOP_STEPS):
        return "-"
    return f"{step(1).actor} / {step(2).actor}" if number == INTAKE_STEP else step(number).actor


def target(number: int) -> timedelta | None:
    if not 1 <= number <= len(SOP_STEPS):
        return None
    return step(1).target if number == INTAKE_STEP else step(number).target
