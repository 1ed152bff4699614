"""SOP 6-7: the signed Akta Kelahiran is laid out, signed, archived, and checked before release."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

from akta.certificate.layout import CertificateData, read_embedded_record, render_pdf
from akta.certificate.signing import check_signature
from akta.domain.errors import InvalidInput
from akta.domain.models import MarriageProof, jakarta_today
from akta.domain.verification import mask_name
from akta.service import directory
from akta.service.common import SYSTEM, Status, now, record
from akta.service.ports import Adapters

# Permendagri 9/2016 (percepatan peningkatan cakupan kepemilikan akta kelahiran): a certificate issued
# on the spouses' SPTJM carries this phrase after the parents' names.
SPTJM_PASANGAN_REMARK = "yang perkawinannya belum tercatat sesuai dengan ketentuan peraturan perundang-undangan"


def certificate_data(adapters: Adapters, current: dict) -> CertificateData:
    """The certificate's content, from the record alone (the release check rebuilds it the same way)."""
    data, issued = current["data"], current["certificate"]
    head = issued["signer"]  # the head of office who approved, as recorded when the certificate was issued
    return CertificateData(
        registration_number=current["registration_number"],
        child_name=data["child"]["name"],
        child_sex=data["child"]["sex"],
        birth_place=data["child"]["birth_place"],
        birth_date=date.fromisoformat(data["child"]["birth_date"]),
        birth_order=int(data["child"]["birth_order"]),
        mother_name=data["mother"]["name"],
        father_name=data["father"]["name"],
        issued_on=date.fromisoformat(issued["issued_on"]),
        issued_place=adapters.config["OFFICE_CITY"],
        office_name=adapters.config["OFFICE_NAME"],
        head_name=head["name"],
        head_nip=head.get("nip", ""),
        verification_url=f"{adapters.config['PUBLIC_BASE_URL']}/verify/{issued['certificate_id']}",
        remark=SPTJM_PASANGAN_REMARK if data["marriage_proof"] == MarriageProof.SPTJM_PASANGAN else None,
    )


def issue(adapters: Adapters, application_id: str) -> dict:
    records, archive = adapters.records, adapters.archive
    at = now()
    current = records.get(application_id)
    head = directory.person(adapters, current["approved_by"])
    issued = {"certificate_id": secrets.token_urlsafe(16), "issued_on": jakarta_today(at).isoformat(),
              "signer": {"staff_id": head["staff_id"], "name": head["name"], "nip": head.get("nip", "")}}
    current["certificate"] = issued
    pdf = adapters.signer.sign(render_pdf(certificate_data(adapters, current)))
    key = archive.put_certificate(application_id, pdf)
    sha256 = hashlib.sha256(pdf).hexdigest()
    records.update(application_id, status=Status.ISSUED, reasons=[],
                   certificate={**issued, "key": key, "size": len(pdf), "sha256": sha256})
    # What the public verification page may show: nothing personal beyond a masked name.
    records.put_certificate({**issued, "application_id": application_id, "sha256": sha256, "status": "valid",
                             "registration_number": current["registration_number"],
                             "child_name_masked": mask_name(current["data"]["child"]["name"])})
    record(records, application_id, 6, "finished", "head", "signed", at=now())
    return {"certificate_id": issued["certificate_id"]}


def release_check(adapters: Adapters, application_id: str) -> dict:
    """Nothing is sent unless the archived PDF's signature is valid, its content equals the record, and the
    certificate has not been revoked."""
    records, archive = adapters.records, adapters.archive
    record(records, application_id, 7, "started", SYSTEM)
    current = records.get(application_id)
    pdf = archive.certificate(application_id)
    signature = check_signature(pdf, adapters.trust_roots)
    try:
        same_content = read_embedded_record(pdf) == certificate_data(adapters, current).as_record()
    except InvalidInput:  # no readable record in the PDF
        same_content = False
    certificate_id = (current.get("certificate") or {}).get("certificate_id")
    issued = records.certificate(certificate_id) if certificate_id else None
    not_revoked = not issued or issued.get("status") != "revoked"  # revoked before release: never sent
    problems = [name for name, ok in (("signature_invalid", signature.valid), ("content_mismatch", same_content),
                                      ("certificate_revoked", not_revoked)) if not ok]
    if problems:
        record(records, application_id, 7, "finished", SYSTEM, "release_refused:" + ",".join(problems))
    return {"released": not problems, "problems": problems}
