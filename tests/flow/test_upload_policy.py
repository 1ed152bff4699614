"""SOP 1-2: the hospital's files go straight to S3 through presigned POSTs, and the sandbox refuses a form
that breaks the signed policy exactly where S3 does (sandbox/s3_post.py), with S3's status and error code.
Nothing refused lands in the quarantine."""

from __future__ import annotations

import base64
import json

import boto3
import pytest
import requests

from akta.adapters.archive import upload_key
from akta.domain.documents import MAX_DOCUMENT_BYTES
from sandbox import samples


@pytest.fixture
def draft(world):
    """An application drafted by the hospital, with one presigned POST for its birth letter."""
    created = world.hospital.create(samples.application())
    application_id = created["application_id"]
    answer = requests.post(f"{world.hospital.base_url}/v1/applications/{application_id}/uploads",
                           json={"documents": {"surat_keterangan_lahir": "application/pdf"}},
                           headers=world.hospital.headers, timeout=30)
    assert answer.status_code == 200, answer.text
    (slot,) = answer.json()["uploads"]
    return application_id, slot


def post(slot: dict, data: bytes = b"%PDF-1.7 letter", fields: dict | None = None, drop: tuple = (), **headers):
    form = {name: value for name, value in {**slot["fields"], **(fields or {})}.items() if name not in drop}
    return requests.post(slot["url"], data=form, files={"file": ("letter.pdf", data, "application/pdf")},
                         headers=headers, timeout=30)


def error(answer: requests.Response) -> tuple[int, str, str]:
    code = answer.text.split("<Code>")[1].split("</Code>")[0]
    message = answer.text.split("<Message>")[1].split("</Message>")[0]
    return answer.status_code, code, message


def landed(world, application_id: str) -> list[str]:
    listing = boto3.client("s3").list_objects_v2(Bucket=world.sandbox.buckets["UPLOADS"], Prefix=upload_key(application_id, ""))
    return [obj["Key"] for obj in listing.get("Contents", [])]


def test_sop1_2_the_form_as_given_uploads_and_the_file_lands_under_its_key(world, draft):
    application_id, slot = draft
    assert post(slot).status_code == 204
    assert landed(world, application_id) == [upload_key(application_id, "surat_keterangan_lahir")]


def test_sop1_2_a_key_rewritten_to_another_applications_prefix_is_refused_403_and_lands_nowhere(world, draft):
    application_id, slot = draft
    other = world.hospital.create(samples.application())["application_id"]
    answer = post(slot, fields={"key": upload_key(other, "surat_keterangan_lahir")})
    status, code, message = error(answer)
    assert (status, code) == (403, "AccessDenied")
    assert message.startswith("Invalid according to Policy: Policy Condition failed") and '"key"' in message
    assert landed(world, other) == [] and landed(world, application_id) == []


def test_sop1_2_a_file_over_the_size_cap_is_refused_400_entity_too_large(world, draft):
    application_id, slot = draft
    assert error(post(slot, data=b"%PDF" + b"0" * MAX_DOCUMENT_BYTES))[:2] == (400, "EntityTooLarge")
    assert error(post(slot, data=b""))[:2] == (400, "EntityTooSmall")
    assert landed(world, application_id) == []


def test_sop1_2_a_content_type_other_than_the_slots_is_refused_403(world, draft):
    application_id, slot = draft
    status, code, message = error(post(slot, fields={"Content-Type": "text/html"}))
    assert (status, code) == (403, "AccessDenied") and "Content-Type" in message
    assert landed(world, application_id) == []


def test_sop1_2_a_widened_policy_a_missing_signature_or_an_extra_field_is_refused(world, draft):
    application_id, slot = draft
    policy = json.loads(base64.b64decode(slot["fields"]["policy"]))
    policy["conditions"] = [c for c in policy["conditions"] if not (isinstance(c, dict) and "key" in c)]
    widened = base64.b64encode(json.dumps(policy).encode()).decode()
    assert error(post(slot, fields={"policy": widened, "key": "applications/elsewhere"}))[:2] == (403, "SignatureDoesNotMatch")
    assert error(post(slot, drop=("x-amz-signature",)))[:2] == (403, "AccessDenied")
    status, code, message = error(post(slot, fields={"x-amz-meta-owner": "rs-lain"}))
    assert (status, code, message) == (403, "AccessDenied", "Invalid according to Policy: Extra input fields: x-amz-meta-owner")
    assert landed(world, application_id) == []


def test_sop1_2_an_expired_upload_permission_is_refused_403(world, draft):
    application_id, _ = draft
    key = upload_key(application_id, "surat_keterangan_lahir")
    expired = boto3.client("s3").generate_presigned_post(
        world.sandbox.buckets["UPLOADS"], key, Fields={"Content-Type": "application/pdf"},
        Conditions=[{"Content-Type": "application/pdf"}, ["content-length-range", 1, MAX_DOCUMENT_BYTES]], ExpiresIn=-60)
    assert error(post(expired)) == (403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    assert landed(world, application_id) == []


def test_sop1_2_the_hospital_page_can_read_a_refusal_its_origin_is_allowed_to_see(world, draft):
    _, slot = draft
    allowed = post(slot, fields={"Content-Type": "text/html"}, Origin=world.sandbox.public_base_url)
    assert allowed.status_code == 403 and allowed.headers["Access-Control-Allow-Origin"] == world.sandbox.public_base_url
    elsewhere = post(slot, fields={"Content-Type": "text/html"}, Origin="https://elsewhere.example")
    assert elsewhere.status_code == 403 and "Access-Control-Allow-Origin" not in elsewhere.headers
