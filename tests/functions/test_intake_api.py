"""SOP 1-2: the hospital's API answers bad input with field-level Indonesian messages and loses nothing."""

from __future__ import annotations

import base64
import json

import pytest
import requests

from akta.adapters.archive import Archive
from akta.domain.documents import MAX_DOCUMENT_BYTES
from sandbox import samples


@pytest.fixture
def api(world):
    return world.gateway.url + "/v1/applications"


def headers(facility="rs-uji"):
    return {"X-Facility-Id": facility}


def test_sop2_a_valid_draft_is_created_with_its_required_documents(api):
    response = requests.post(api, json=samples.application(), headers=headers())
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "DRAFT"
    assert [d["kind"] for d in body["required_documents"]] == [
        "surat_keterangan_lahir", "kartu_keluarga", "buku_nikah", "ktp_ibu", "ktp_ayah"]


def test_sop2_invalid_data_gets_every_field_error_in_indonesian_without_echoing_values(api):
    payload = samples.application()
    payload["mother"]["nik"] = "1571019999990001"  # impossible date in the NIK
    payload["kk_number"] = "3273010101200001"  # a KK outside Kota Jambi
    payload["contact"]["whatsapp"] = "12345"
    response = requests.post(api, json=payload, headers=headers())
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    fields = {f["field"]: f for f in error["fields"]}
    assert {"mother.nik", "kk_number", "contact.whatsapp"} <= set(fields)
    assert fields["kk_number"]["code"] == "outside_jurisdiction"
    for value in ("1571019999990001", "3273010101200001", "12345"):
        assert value not in response.text


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b""])
def test_a_malformed_body_is_a_400_in_the_error_shape(api, body):
    response = requests.post(api, data=body, headers={**headers(), "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_a_request_without_a_facility_is_refused(api):
    response = requests.post(api, json=samples.application())
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_another_facilitys_application_is_404_never_its_data(api):
    payload = samples.application()
    created = requests.post(api, json=payload, headers=headers("rs-a")).json()
    response = requests.get(f"{api}/{created['application_id']}", headers=headers("rs-b"))
    assert response.status_code == 404
    assert payload["mother"]["name"] not in response.text


def test_upload_slots_are_presigned_posts_limited_to_one_key_type_and_the_size_cap(api):
    created = requests.post(api, json=samples.application(), headers=headers()).json()
    application_id = created["application_id"]
    response = requests.post(f"{api}/{application_id}/uploads", json={"documents": {"kartu_keluarga": "application/pdf"}},
                             headers=headers())
    assert response.status_code == 200
    (slot,) = response.json()["uploads"]
    assert slot["fields"]["key"] == f"applications/{application_id}/kartu_keluarga"
    # moto does not enforce POST policies: check the signed policy document itself.
    policy = json.loads(base64.b64decode(slot["fields"]["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, MAX_DOCUMENT_BYTES] in conditions
    assert {"Content-Type": "application/pdf"} in conditions
    assert {"key": f"applications/{application_id}/kartu_keluarga"} in conditions


@pytest.mark.parametrize("documents, field, code", [
    ({"surat_nikah_palsu": "application/pdf"}, "documents.surat_nikah_palsu", "document_not_required"),
    ({"kartu_keluarga": "application/zip"}, "documents.kartu_keluarga", "document_type"),
    ({}, "documents", "required"),
])
def test_upload_slots_are_refused_for_unknown_kinds_and_types(api, documents, field, code):
    application_id = requests.post(api, json=samples.application(), headers=headers()).json()["application_id"]
    response = requests.post(f"{api}/{application_id}/uploads", json={"documents": documents}, headers=headers())
    assert response.status_code == 422
    assert [(f["field"], f["code"]) for f in response.json()["error"]["fields"]] == [(field, code)]


def test_sop3_the_completeness_check_returns_every_reason_at_once(world, api):
    hospital = world.hospital
    draft = hospital.create(samples.application())
    application_id = draft["application_id"]
    hospital.upload(application_id, {
        "surat_keterangan_lahir": (samples.pdf_document(), "application/pdf"),
        "buku_nikah": (samples.pdf_document(), "application/pdf"),
        "ktp_ibu": (b"this is not a PDF", "application/pdf"),  # wrong magic bytes
        "ktp_ayah": (b"", "image/jpeg"),  # empty
    })  # kartu_keluarga missing
    hospital.submit(application_id)
    returned = hospital.wait_for_status(application_id, "RETURNED")
    reasons = {(r["field"], r["code"]) for r in returned["reasons"]}
    assert reasons == {("documents.kartu_keluarga", "document_missing"), ("documents.ktp_ibu", "document_type"),
                       ("documents.ktp_ayah", "document_empty")}
    assert all(r["message"] for r in returned["reasons"])
    # Nothing incomplete reaches the archive.
    assert Archive().archived_documents(application_id) == []


def test_a_submitted_application_cannot_be_changed_or_uploaded_to(world, api):
    draft = world.hospital.create(samples.application())
    application_id = draft["application_id"]
    world.hospital.submit(application_id)
    response = requests.post(f"{api}/{application_id}/uploads", json={"documents": {"kartu_keluarga": "application/pdf"}},
                             headers={"X-Facility-Id": world.hospital.facility_id})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "status_conflict"


def test_a_second_submit_while_the_file_is_checked_is_refused_and_starts_nothing(world, sfn):
    draft = world.hospital.create(samples.application())
    application_id = draft["application_id"]
    first = world.hospital.submit(application_id)
    assert first["execution"] == f"{application_id}-1"
    again = requests.post(f"{world.gateway.url}/v1/applications/{application_id}/submit",
                          headers={"X-Facility-Id": world.hospital.facility_id}, timeout=30)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_submitted"
    assert "sedang diperiksa" in again.json()["error"]["message"]
    executions = sfn.list_executions(stateMachineArn=world.sandbox.state_machine_arn)["executions"]
    assert [e["name"] for e in executions if e["name"].startswith(application_id)] == [f"{application_id}-1"]
