"""Server-rendered pages for registry staff, the Drive-Thru counter and the public (Bahasa Indonesia, no
JavaScript), from the templates in akta/templates; forms POST back to the same function with a one-time
form token."""

from __future__ import annotations

from akta import rendering


def _render(template: str, title: str, errors: list | None = None, **context) -> str:
    """A page in the base layout, with its field errors (none unless given) above the content."""
    return rendering.page(template, title=title, errors=errors or [], **context)


def message_page(title: str, message: str, errors: list | None = None) -> str:
    return _render("message.html", title=title, message=message, errors=errors)


def not_found_page() -> str:
    return message_page("Halaman tidak ditemukan", "Alamat ini tidak dikenal.")


def task_page(page, errors: list | None = None) -> str:
    """The page behind a staff link: the file, its documents, the SOP target, and the decision form."""
    return _render("task.html", title="Tugas: " + page.role_label, page=page, errors=errors)


def counter_page(errors: list | None = None) -> str:
    return _render("counter.html", title="Loket Drive Thru", errors=errors)


def handover_page(found: dict, errors: list | None = None) -> str:
    return _render("handover.html", title="Serah terima Akta Kelahiran", found=found, errors=errors)


_VERIFY_STATES = {
    "valid": ("Akta Kelahiran ini sah", "Dokumen ini diterbitkan dan ditandatangani secara elektronik oleh Disdukcapil Kota Jambi."),
    "revoked": ("Akta Kelahiran ini telah DICABUT", "Dokumen ini tidak berlaku lagi. Hubungi Disdukcapil Kota Jambi."),
    "unknown": ("Akta tidak dikenal", "Tidak ada Akta Kelahiran dengan kode ini di arsip Disdukcapil Kota Jambi."),
}
_COMPARISONS = {
    "identical": "Berkas PDF yang Anda unggah SAMA PERSIS dengan arsip digital.",
    "different": "Berkas PDF yang Anda unggah BERBEDA dari arsip digital: jangan dipercaya.",
    "missing": "Pilih berkas PDF akta (paling besar 2 MB) untuk dibandingkan.",
    "too_large": "Berkas yang Anda unggah lebih besar dari 2 MB; akta asli jauh lebih kecil. Pilih berkas PDF akta.",
}


def verification_page(found: dict, comparison: str | None = None) -> str:
    """The QR code's target: the state, the registration number, the issue date, a masked name; nothing else."""
    title, text = _VERIFY_STATES[found["state"]]
    return _render("verification.html", title=title, text=text, found=found, comparison=comparison,
                   comparison_text=_COMPARISONS.get(comparison, ""))


def supervisor_login_page(errors: list | None = None) -> str:
    return _render("supervisor_login.html", title="Konsol supervisor", errors=errors)


def supervisor_page(console, errors: list | None = None) -> str:
    """Waiting staff tasks with a reassignment form each, and certificate revocation."""
    from akta.service.staff import REASSIGN_REASONS
    from akta.service.verification import REVOCATION_REASONS

    return _render("supervisor.html", title="Konsol supervisor", console=console, errors=errors,
                   reassign_reasons=[(k, v.capitalize()) for k, v in REASSIGN_REASONS.items()],
                   revocation_reasons=[(k, v.capitalize()) for k, v in REVOCATION_REASONS.items()])
