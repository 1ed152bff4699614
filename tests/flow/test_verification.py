"""The QR code's target: anyone can check a certificate without logging in, and learns nothing personal."""

from __future__ import annotations

from datetime import date

import requests

from akta.domain.dates import date_id

from akta.certificate.layout import read_embedded_record
from sandbox import scenarios


def test_the_qr_target_shows_valid_the_number_and_a_masked_name_and_compares_an_uploaded_pdf_and_nothing_else(world):
    outcome = scenarios.complete_file(world)
    (mail,) = [m for m in world.sandbox.mailbox.to("success@simulator.amazonses.com") if outcome.application_id in m.text]
    (pdf,) = mail.attachments.values()
    assert outcome.application_id in mail.html  # the HTML alternative beside the text, and the PDF attached
    url = read_embedded_record(pdf)["verification_url"]  # what the QR code carries

    page = requests.get(url, timeout=30)
    assert page.status_code == 200
    assert "Akta Kelahiran ini sah" in page.text and outcome.status["registration_number"] in page.text
    application = outcome.status["application"]
    for personal in (application["child"]["name"], application["mother"]["name"], application["mother"]["nik"],
                     application["father"]["name"], application["kk_number"]):
        assert personal not in page.text
    assert application["child"]["name"].split()[0][0] + "*" in page.text  # the masked name

    same = requests.post(url, files={"pdf": ("akta.pdf", pdf, "application/pdf")}, timeout=30)
    assert "SAMA PERSIS" in same.text
    changed = bytearray(pdf)
    changed[64] ^= 1
    different = requests.post(url, files={"pdf": ("akta.pdf", bytes(changed), "application/pdf")}, timeout=30)
    assert "BERBEDA" in different.text
    assert date_id(date.fromisoformat(read_embedded_record(pdf)["issued_on"])) in page.text

    # What is not one certificate PDF in the form's `pdf` field is refused with the reason and compares nothing.
    nothing = requests.post(url, data={"x": "y"}, timeout=30)
    assert nothing.status_code == 422 and "Pilih berkas PDF" in nothing.text
    for files in ({"berkas": ("akta.pdf", pdf, "application/pdf")}, {"pdf": ("akta.pdf", b"", "application/pdf")}):
        wrong = requests.post(url, files=files, timeout=30)
        assert wrong.status_code == 422 and "Pilih berkas PDF" in wrong.text
    broken = requests.post(url, data=b"--other\r\nnot a part at all", timeout=30,
                           headers={"Content-Type": "multipart/form-data; boundary=expected"})
    assert broken.status_code == 422 and "Pilih berkas PDF" in broken.text
    large = requests.post(url, files={"pdf": ("akta.pdf", pdf + b" " * (2 * 1024 * 1024), "application/pdf")}, timeout=30)
    assert large.status_code == 413 and "lebih besar dari 2 MB" in large.text


def test_an_unknown_certificate_id_is_unknown(world):
    page = requests.get(f"{world.gateway.url}/verify/tidak-ada-akta-ini", timeout=30)
    assert page.status_code == 404 and "Akta tidak dikenal" in page.text


def test_a_revoked_certificate_shows_revoked_and_the_archive_keeps_the_document_and_the_record(world, office_environment):
    import json

    import boto3

    from infra import admin

    outcome = scenarios.complete_file(world)
    (mail,) = [m for m in world.sandbox.mailbox.to("success@simulator.amazonses.com") if outcome.application_id in m.text]
    (pdf,) = mail.attachments.values()
    record = read_embedded_record(pdf)
    certificate_id = record["verification_url"].rsplit("/", 1)[1]

    assert admin.main(["certificate", "revoke", certificate_id, "data_salah", "Nama ayah salah ketik", "--by", "rina"]) == 2  # not a supervisor
    assert admin.main(["certificate", "revoke", certificate_id, "data_salah", "Nama ayah salah ketik", "--by", "sari"]) == 0
    page = requests.get(record["verification_url"], timeout=30)
    assert "DICABUT" in page.text and outcome.status["registration_number"] in page.text
    assert admin.main(["certificate", "revoke", certificate_id, "data_salah", "lagi", "--by", "sari"]) == 2  # once

    s3 = boto3.client("s3")
    bucket = world.sandbox.buckets["ARCHIVE"]
    prefix = f"applications/{outcome.application_id}/akta-kelahiran"
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]}
    assert keys == {prefix + ".pdf", prefix + ".revocation.json"}
    assert s3.get_object(Bucket=bucket, Key=prefix + ".pdf")["Body"].read() == pdf
    revocation = json.loads(s3.get_object(Bucket=bucket, Key=prefix + ".revocation.json")["Body"].read())
    assert (revocation["reason"], revocation["by"]) == ("data_salah", "sari")


def test_sop6_the_signed_pdf_is_archived_under_object_lock_with_its_sha256_recorded(world):
    import hashlib
    from datetime import datetime, timedelta, timezone

    import boto3
    import pytest
    from botocore.exceptions import ClientError

    from akta.adapters.archive import certificate_key
    from infra.declaration import Settings

    outcome = scenarios.complete_file(world)
    s3, bucket, key = boto3.client("s3"), world.sandbox.buckets["ARCHIVE"], certificate_key(outcome.application_id)
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ObjectLockMode"] == Settings.archive_retention_mode
    assert head["ObjectLockRetainUntilDate"] > datetime.now(timezone.utc) + timedelta(days=Settings.archive_retention_days - 1)
    pdf = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert world.sandbox.adapters.records.get(outcome.application_id)["certificate"]["sha256"] == hashlib.sha256(pdf).hexdigest()
    with pytest.raises(ClientError):  # no one deletes a locked version of a signed certificate
        s3.delete_object(Bucket=bucket, Key=key, VersionId=head["VersionId"])
    assert s3.get_object(Bucket=bucket, Key=key, VersionId=head["VersionId"])["Body"].read() == pdf
