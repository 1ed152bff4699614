"""Measure 6: lay out and sign one certificate (what IssueCertificate does), and check it (CheckRelease)."""

from __future__ import annotations

import statistics
import time
from datetime import date


def render_and_sign(runs: int) -> dict:
    from akta.certificate.layout import CertificateData, render_pdf
    from sandbox.pki import create_local_pki
    from akta.certificate.signing import Pkcs12Signer, check_signature

    pki = create_local_pki("Kepala Dinas Bench")
    signer = Pkcs12Signer(pki.signer_p12, pki.passphrase)
    data = CertificateData(
        registration_number="1571-LU-01112026-0001", child_name="Putri Anak Contoh Bench", child_sex="P",
        birth_place="RSUD Raden Mattaher Jambi", birth_date=date(2026, 11, 1), birth_order=1,
        mother_name="Siti Ibu Contoh Bench", father_name="Ahmad Ayah Contoh Bench", issued_on=date(2026, 11, 5),
        issued_place="Jambi", office_name="Dinas Kependudukan dan Pencatatan Sipil Kota Jambi",
        head_name="Kepala Dinas Bench", head_nip="197001012000031001",
        verification_url="https://akta.disdukcapil.jambikota.go.id/verify/AbCdEfGhIjKlMnOpQrStUv",
    )
    render_s, sign_s, check_s = [], [], []
    for i in range(runs + 1):  # the first round loads fonts and caches: a warm-up, not counted
        started = time.perf_counter()
        pdf = render_pdf(data)
        rendered = time.perf_counter()
        signed = signer.sign(pdf)
        signed_at = time.perf_counter()
        valid = check_signature(signed, [pki.ca_cert_pem]).valid
        checked = time.perf_counter()
        if not valid:
            raise RuntimeError("the signed certificate does not verify")
        if i:
            render_s.append(rendered - started)
            sign_s.append(signed_at - rendered)
            check_s.append(checked - signed_at)
    return {
        "runs": runs,
        "render_s": round(statistics.median(render_s), 4),
        "sign_s": round(statistics.median(sign_s), 4),
        "render_and_sign_s": round(statistics.median(r + s for r, s in zip(render_s, sign_s)), 4),
        "check_s": round(statistics.median(check_s), 4),
        "unsigned_bytes": len(pdf),
        "pdf_bytes": len(signed),
    }
