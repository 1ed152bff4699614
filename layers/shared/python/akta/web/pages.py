"""Server-rendered pages for registry staff, the Drive-Thru counter and the public (Bahasa Indonesia, no
JavaScript), from the templates in akta/templates; forms POST back to the same function with a one-time
form token."""

from __future__ import annotations

from akta import rendering


def _render(template: str, title: str, errors: list | None = None, signed_in: dict | None = None, **context) -> str:
    """A page in the base layout, with its field errors (none unless given) above the content, and who is
    signed in (with the way out) on a staff page."""
    return rendering.page(template, title=title, errors=errors or [], signed_in=signed_in, **context)


def message_page(title: str, message: str, errors: list | None = None, signed_in: dict | None = None) -> str:
    return _render("message.html", title=title, message=message, errors=errors, signed_in=signed_in)


def continue_page(title: str, target: str, message: str, *, automatic: bool = True, link_text: str = "Lanjutkan",
                  errors: list | None = None, signed_in: dict | None = None) -> str:
    """A message and a link on (followed by the page itself when `automatic`): the sign-in's steps, a refusal."""
    return _render("continue.html", title=title, target=target, message=message, automatic=automatic,
                   link_text=link_text, errors=errors, signed_in=signed_in)


def sign_in_needed_page(sign_in_url: str) -> str:
    return continue_page("Sesi Anda sudah berakhir", sign_in_url,
                         "Tidak ada yang berubah. Masuk lagi, lalu buka kembali halaman ini.", automatic=False,
                         link_text="Masuk")


TOTP_ISSUER = "Disdukcapil Kota Jambi"


def totp_page(staff_id: str, secret: str, errors: list | None = None) -> str:
    """TOTP enrolment: the new secret as an otpauth QR code (inline SVG) and as text, and the code's form."""
    from urllib.parse import quote

    import segno

    uri = f"otpauth://totp/{quote(TOTP_ISSUER)}:{quote(staff_id)}?secret={secret}&issuer={quote(TOTP_ISSUER)}"
    return _render("totp.html", title="Aktifkan verifikasi dua langkah (TOTP)", errors=errors, secret=secret,
                   qr_svg=segno.make(uri, error="m").svg_inline(scale=4, title="Kode QR TOTP"))


def not_found_page() -> str:
    return message_page("Halaman tidak ditemukan", "Alamat ini tidak dikenal.")


def task_page(page, errors: list | None = None, signed_in: dict | None = None) -> str:
    """The page behind a staff link: the file, its documents, the SOP target, and the decision form."""
    return _render("task.html", title="Tugas: " + page.role_label, page=page, errors=errors, signed_in=signed_in)


def counter_page(errors: list | None = None, signed_in: dict | None = None) -> str:
    return _render("counter.html", title="Loket Drive Thru", errors=errors, signed_in=signed_in)


def handover_page(found: dict, errors: list | None = None, signed_in: dict | None = None) -> str:
    return _render("handover.html", title="Serah terima Akta Kelahiran", found=found, errors=errors, signed_in=signed_in)


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


def supervisor_page(console, errors: list | None = None, signed_in: dict | None = None) -> str:
    """Waiting staff tasks with a reassignment form each, and certificate revocation."""
    from akta.service.staff import REASSIGN_REASONS
    from akta.service.verification import REVOCATION_REASONS

    return _render("supervisor.html", title="Konsol supervisor", console=console, errors=errors, signed_in=signed_in,
                   reassign_reasons=[(k, v.capitalize()) for k, v in REASSIGN_REASONS.items()],
                   revocation_reasons=[(k, v.capitalize()) for k, v in REVOCATION_REASONS.items()])
