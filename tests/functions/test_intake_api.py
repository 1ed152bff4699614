"""SOP 1-2: the hospital's API. Authenticated by facility key, field-level Indonesian errors, nothing lost,
another facility's application never visible, uploads checked for what actually landed, idempotent submit."""

from __future__ import annotations

import base64
import json
import threading
import uuid

import boto3
import pytest
import requests

from akta.adapters.archive import upload_key
from akta.domain.documents import MAX_DOCUMENT_BYTES
from sandbox import samples
from sandbox.actors import HttpError
from sandbox.lambdas import AwsFault, Fault


def headers(key, **extra):
    return {"Authorization": f"Bearer {key}", **extra}


@pytest.fixture(scope="module")
def api(world):
    return world.gateway.url + "/v1/applications"


@pytest.fixture(scope="module")
def key(world):
    return world.sandbox.facility_key


@pytest.fixture(scope="module")
def other_key(world):
    from akta.service import facilities

    facilities.register(world.sandbox.adapters, "klinik-lain", "Klinik Lain", "clinic", "admin@klinik-lain.test")
    return facilities.issue_key(world.sandbox.adapters, "klinik-lain")[1]


def create(api, key, payload=None) -> str:
    response = requests.post(api, json=payload or samples.application(), headers=headers(key), timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["application_id"]


def test_sop2_a_valid_draft_is_created_with_its_required_documents(api, key):
    response = requests.post(api, json=samples.application(), headers=headers(key), timeout=30)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "DRAFT"
    assert [d["kind"] for d in body["required_documents"]] == [
        "surat_keterangan_lahir", "kartu_keluarga", "buku_nikah", "ktp_ibu", "ktp_ayah"]


@pytest.mark.parametrize("authorization", [None, "Bearer akf_not-a-real-key", "Basic abc", "Bearer "])
def test_a_request_without_a_valid_facility_key_is_refused_in_the_error_shape(api, authorization):
    response = requests.post(api, json=samples.application(), headers={"Authorization": authorization} if authorization else {}, timeout=30)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_a_revoked_key_no_longer_opens_the_api(api, world):
    from akta.service import facilities

    facilities.register(world.sandbox.adapters, "bidan-uji", "Bidan Uji", "midwife", "bidan@uji.test")
    key_id, key = facilities.issue_key(world.sandbox.adapters, "bidan-uji")
    assert requests.get(api, headers=headers(key), timeout=30).status_code == 200
    assert facilities.revoke_key(world.sandbox.adapters, key_id)
    assert requests.get(api, headers=headers(key), timeout=30).status_code == 401


def test_a_facility_id_in_the_body_is_refused_not_trusted(api, key):
    payload = {**samples.application(), "facility_id": "rs-lain"}
    response = requests.post(api, json=payload, headers=headers(key), timeout=30)
    assert response.status_code == 422
    assert ("facility_id", "unknown_field") in [(f["field"], f["code"]) for f in response.json()["error"]["fields"]]


def test_sop2_invalid_data_gets_every_field_error_in_indonesian_without_echoing_values(api, key):
    payload = samples.application()
    payload["mother"]["nik"] = "1571019999990001"  # impossible date in the NIK
    payload["kk_number"] = "3273010101200001"  # a KK outside Kota Jambi
    payload["contact"]["whatsapp"] = "12345"
    response = requests.post(api, json=payload, headers=headers(key), timeout=30)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    fields = {f["field"]: f for f in error["fields"]}
    assert {"mother.nik", "kk_number", "contact.whatsapp"} <= set(fields)
    assert fields["kk_number"]["code"] == "outside_jurisdiction"
    for value in ("1571019999990001", "3273010101200001", "12345"):
        assert value not in response.text


def test_structural_errors_from_the_contract_are_field_level_indonesian_too(api, key):
    payload = samples.application()
    payload["child"]["weight_grams"] = "berat"
    del payload["father"]
    response = requests.post(api, json=payload, headers=headers(key), timeout=30)
    assert response.status_code == 422
    fields = {f["field"]: f for f in response.json()["error"]["fields"]}
    assert fields["father"]["code"] == "required" and "ayah" in fields["father"]["message"].lower()
    assert fields["child.weight_grams"]["code"] in ("invalid_integer", "invalid_number")
    assert "berat" not in json.dumps([f["message"] for f in fields.values()])


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"", b"null", b'"text"'])
def test_a_malformed_body_is_a_400_in_the_error_shape(api, key, body):
    response = requests.post(api, data=body, headers=headers(key, **{"Content-Type": "application/json"}), timeout=30)
    assert response.status_code in (400, 422)
    assert response.json()["error"]["code"] in ("malformed_request", "validation_failed")


def test_another_facilitys_application_is_404_for_every_operation_and_reveals_nothing(api, key, other_key, world):
    payload = samples.application()
    application_id = create(api, key, payload)
    theirs = headers(other_key, **{"Idempotency-Key": str(uuid.uuid4())})
    calls = [
        requests.get(f"{api}/{application_id}", headers=theirs, timeout=30),
        requests.put(f"{api}/{application_id}", json=payload, headers=theirs, timeout=30),
        requests.post(f"{api}/{application_id}/uploads", json={"documents": {"kartu_keluarga": "application/pdf"}}, headers=theirs, timeout=30),
        requests.post(f"{api}/{application_id}/uploads/confirm", headers=theirs, timeout=30),
        requests.post(f"{api}/{application_id}/submit", headers=theirs, timeout=30),
        requests.post(f"{api}/{application_id}/resubmit", headers=theirs, timeout=30),
    ]
    for response in calls:
        assert response.status_code == 404, response.request.method + " " + response.url
        assert response.json()["error"]["code"] == "not_found"
        for value in (payload["mother"]["name"], payload["mother"]["nik"], payload["child"]["name"]):
            assert value not in response.text
    listing = requests.get(api, headers=headers(other_key), timeout=30).json()
    assert application_id not in json.dumps(listing)
    assert world.hospital.status(application_id)["status"] == "DRAFT"  # nothing changed


def test_the_facility_lists_its_own_applications_newest_first_paginated_and_by_status(api, world):
    from akta.service import facilities

    facilities.register(world.sandbox.adapters, "bidan-daftar", "Bidan Daftar", "midwife", "bidan@daftar.test")
    _, key = facilities.issue_key(world.sandbox.adapters, "bidan-daftar")
    ids = [create(api, key) for _ in range(3)]
    first = requests.get(api, params={"limit": 2}, headers=headers(key), timeout=30).json()
    second = requests.get(api, params={"limit": 2, "next": first["next"]}, headers=headers(key), timeout=30).json()
    assert [i["application_id"] for i in first["items"] + second["items"]] == ids[::-1]
    assert second["next"] is None
    drafts = requests.get(api, params={"status": "DRAFT"}, headers=headers(key), timeout=30).json()
    assert len(drafts["items"]) == 3
    submitted = requests.get(api, params={"status": "SUBMITTED"}, headers=headers(key), timeout=30).json()
    assert submitted["items"] == []
    bad = requests.get(api, params={"limit": 0}, headers=headers(key), timeout=30)
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "limit"
    forged = requests.get(api, params={"next": "bm90LWpzb24"}, headers=headers(key), timeout=30)
    assert forged.status_code == 400


def test_upload_slots_are_presigned_posts_limited_to_one_key_type_and_the_size_cap(api, key):
    application_id = create(api, key)
    response = requests.post(f"{api}/{application_id}/uploads", json={"documents": {"kartu_keluarga": "application/pdf"}},
                             headers=headers(key), timeout=30)
    assert response.status_code == 200
    (slot,) = response.json()["uploads"]
    assert slot["fields"]["key"] == f"applications/{application_id}/kartu_keluarga"
    assert slot["expires_in"] <= 15 * 60
    # The signed policy document itself (the sandbox refuses what breaks it as S3 does: tests/flow/test_upload_policy.py).
    policy = json.loads(base64.b64decode(slot["fields"]["policy"]))
    conditions = policy["conditions"]
    assert ["content-length-range", 1, MAX_DOCUMENT_BYTES] in conditions
    assert {"Content-Type": "application/pdf"} in conditions
    assert {"key": f"applications/{application_id}/kartu_keluarga"} in conditions


@pytest.mark.parametrize("documents, field, code", [
    ({"surat_nikah_palsu": "application/pdf"}, "documents.surat_nikah_palsu", "document_not_required"),
    ({"kartu_keluarga": "application/zip"}, "documents.kartu_keluarga", "document_type"),
])
def test_upload_slots_are_refused_for_unknown_kinds_and_types(api, key, documents, field, code):
    application_id = create(api, key)
    response = requests.post(f"{api}/{application_id}/uploads", json={"documents": documents}, headers=headers(key), timeout=30)
    assert response.status_code == 422
    assert [(f["field"], f["code"]) for f in response.json()["error"]["fields"]] == [(field, code)]


def test_an_empty_upload_request_is_a_field_error(api, key):
    application_id = create(api, key)
    response = requests.post(f"{api}/{application_id}/uploads", json={"documents": {}}, headers=headers(key), timeout=30)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "documents"


def landed_another_way(world, application_id: str, kind: str, data: bytes, content_type: str) -> None:
    """An object in the quarantine that no presigned POST let in (S3 refuses an empty or oversized one):
    the office's own checks must still catch it."""
    boto3.client("s3").put_object(Bucket=world.sandbox.buckets["UPLOADS"], Key=upload_key(application_id, kind), Body=data,
                                  ContentType=content_type)


def test_confirming_uploads_checks_what_actually_landed(world, api, key):
    hospital = world.hospital
    application_id = hospital.create(samples.application())["application_id"]
    hospital.upload(application_id, {
        "surat_keterangan_lahir": (samples.pdf_document(), "application/pdf"),
        "buku_nikah": (samples.pdf_document(), "application/pdf"),
        "ktp_ibu": (b"this is not a PDF", "application/pdf"),  # S3 takes it: the policy fixes the declared type, not the bytes
    })
    landed_another_way(world, application_id, "ktp_ayah", b"", "image/jpeg")
    response = requests.post(f"{api}/{application_id}/uploads/confirm", headers=headers(key), timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert body["complete"] is False
    assert {d["kind"]: d["status"] for d in body["documents"]} == {
        "surat_keterangan_lahir": "ok", "kartu_keluarga": "missing", "buku_nikah": "ok", "ktp_ibu": "wrong_type", "ktp_ayah": "empty"}


def test_sop3_the_completeness_check_returns_every_reason_at_once(world):
    hospital = world.hospital
    application_id = hospital.create(samples.application())["application_id"]
    hospital.upload(application_id, {
        "surat_keterangan_lahir": (samples.pdf_document(), "application/pdf"),
        "buku_nikah": (samples.pdf_document(), "application/pdf"),
        "ktp_ibu": (b"this is not a PDF", "application/pdf"),  # wrong magic bytes
    })  # kartu_keluarga missing
    landed_another_way(world, application_id, "ktp_ayah", b"", "image/jpeg")  # empty
    hospital.submit(application_id)
    returned = hospital.wait_for_status(application_id, "RETURNED")
    reasons = {(r["field"], r["code"]) for r in returned["reasons"]}
    assert reasons == {("documents.kartu_keluarga", "document_missing"), ("documents.ktp_ibu", "document_type"),
                       ("documents.ktp_ayah", "document_empty")}
    assert all(r["message"] for r in returned["reasons"])
    assert world.sandbox.adapters.archive.archived_documents(application_id) == []  # nothing incomplete reaches the archive


def test_an_application_in_the_registry_cannot_be_changed_or_uploaded_to(world, api, key):
    payload = samples.application()
    draft = world.hospital.create(payload)
    application_id = draft["application_id"]
    world.hospital.upload(application_id, samples.documents_for([d["kind"] for d in draft["required_documents"]]))
    world.hospital.submit(application_id)
    world.hospital.wait_for_status(application_id, "SIAK_ENTRY")  # past the check: only the office acts now
    upload = requests.post(f"{api}/{application_id}/uploads", json={"documents": {"kartu_keluarga": "application/pdf"}},
                           headers=headers(key), timeout=30)
    update = requests.put(f"{api}/{application_id}", json=payload, headers=headers(key), timeout=30)
    for response in (upload, update):
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "status_conflict"


def test_submit_needs_an_idempotency_key(api, key):
    application_id = create(api, key)
    response = requests.post(f"{api}/{application_id}/submit", headers=headers(key), timeout=30)
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "idempotency-key"  # header names are case-insensitive


def overlapped(runs) -> bool:
    """Two intake_api invocations, in two environments, the second started before the first finished."""
    first, second = sorted((r for r in runs if r.function == "intake_api"), key=lambda r: r.started)
    return first.environment != second.environment and second.started < first.finished


def executions(world, application_id: str) -> list[str]:
    sfn = boto3.client("stepfunctions")
    return [e["name"] for e in sfn.list_executions(stateMachineArn=world.sandbox.state_machine_arn)["executions"]
            if e["name"].startswith(application_id)]


def test_the_same_idempotency_key_sent_twice_at_once_starts_one_execution_with_the_same_answer(world, api, key):
    """Both in flight at once, in two environments: the second waits for the first's answer (Powertools'
    idempotency record), it does not submit again."""
    draft = world.hospital.create(samples.application())
    application_id = draft["application_id"]
    # Complete, so the file goes on to the office (not back to the hospital) whatever the timing.
    world.hospital.upload(application_id, samples.documents_for([d["kind"] for d in draft["required_documents"]]))
    idempotency_key = str(uuid.uuid4())
    answers, barrier = [], threading.Barrier(2)
    router = world.sandbox.router
    router.inject("intake_api", Fault("bug", times=2, target="akta.service.intake:submit", replacement="tests.bugs:slow_submit"))
    before = len(router.runs)

    def submit():
        barrier.wait()
        answers.append(requests.post(f"{api}/{application_id}/submit",
                                     headers=headers(key, **{"Idempotency-Key": idempotency_key}), timeout=60))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json() == answers[1].json()
    assert overlapped(router.runs[before:])
    assert executions(world, application_id) == [f"{application_id}-1"]
    # A different key after success is a conflict, not a second execution.
    other = requests.post(f"{api}/{application_id}/submit", headers=headers(key, **{"Idempotency-Key": str(uuid.uuid4())}), timeout=30)
    assert other.status_code == 409 and other.json()["error"]["code"] == "already_submitted"


def test_resubmit_is_only_for_a_returned_application(api, key):
    application_id = create(api, key)
    response = requests.post(f"{api}/{application_id}/resubmit", headers=headers(key, **{"Idempotency-Key": str(uuid.uuid4())}), timeout=30)
    assert response.status_code == 409


def test_the_openapi_contract_is_served_with_the_security_scheme_and_the_error_shape(world):
    spec = requests.get(world.gateway.url + "/v1/openapi.json", timeout=30).json()
    assert spec["components"]["securitySchemes"]["facilityKey"]["scheme"] == "bearer"
    assert "ErrorResponse" in spec["components"]["schemas"]
    paths = spec["paths"]
    assert {"/v1/applications", "/v1/applications/{application_id}", "/v1/applications/{application_id}/uploads",
            "/v1/applications/{application_id}/uploads/confirm", "/v1/applications/{application_id}/submit",
            "/v1/applications/{application_id}/resubmit"} <= set(paths)
    assert "409" in paths["/v1/applications/{application_id}/submit"]["post"]["responses"]


def test_a_file_over_the_size_cap_is_refused_by_s3_and_one_that_landed_another_way_at_confirmation_and_the_check(world, api, key):
    hospital = world.hospital
    draft = hospital.create(samples.application())
    application_id = draft["application_id"]
    kinds = [d["kind"] for d in draft["required_documents"]]
    documents = samples.documents_for(kinds)
    too_large = b"%PDF-1.4\n" + b"0" * MAX_DOCUMENT_BYTES
    with pytest.raises(HttpError) as refused:
        hospital.upload(application_id, {"kartu_keluarga": (too_large, "application/pdf")})
    assert refused.value.response.status_code == 400 and "<Code>EntityTooLarge</Code>" in refused.value.response.text
    hospital.upload(application_id, {kind: document for kind, document in documents.items() if kind != "kartu_keluarga"})
    landed_another_way(world, application_id, "kartu_keluarga", too_large, "application/pdf")
    confirmed = requests.post(f"{api}/{application_id}/uploads/confirm", headers=headers(key), timeout=30).json()
    assert {d["kind"]: d["status"] for d in confirmed["documents"]}["kartu_keluarga"] == "too_large"
    hospital.submit(application_id)
    returned = hospital.wait_for_status(application_id, "RETURNED")
    assert [(r["field"], r["code"]) for r in returned["reasons"]] == [("documents.kartu_keluarga", "document_too_large")]


def test_a_bug_in_a_response_model_is_a_logged_500_not_a_malformed_request(api, key, world):
    """pydantic's ValidationError is a ValueError: a broken answer must not reach the hospital as its own mistake."""
    payload = samples.application()
    application_id = create(api, key, payload)
    world.sandbox.router.inject("intake_api", Fault("bug", target="akta.service.intake:status",
                                                    replacement="tests.bugs:status_not_a_status"))
    log = world.sandbox.workdir / "logs" / "intake_api.log"
    before = log.read_text(encoding="utf-8").count("\n")
    response = requests.get(f"{api}/{application_id}", headers=headers(key), timeout=30)
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error" and response.json()["error"]["fields"] == []
    logged = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()[before:]]
    bug = next(line for line in logged if line["message"] == "unexpected error")
    assert bug["level"] == "ERROR" and bug["error_type"] == "ValidationError" and bug["stack"]
    assert [d["loc"] for d in bug["detail"]] == [["status"]]
    # The log names the field, never the values the model was given (pydantic's own message quotes them).
    new_lines = "\n".join(log.read_text(encoding="utf-8").splitlines()[before:])
    assert "'not'" not in new_lines and payload["mother"]["name"] not in new_lines and payload["mother"]["nik"] not in new_lines


def test_aws_throttling_that_outlives_boto3s_retries_is_a_503_with_retry_after(api, key, world):
    application_id = create(api, key)
    world.sandbox.router.inject_aws(AwsFault("dynamodb:GetItem", "ThrottlingException", times=3, function="intake_api",
                                             application_id=None))
    busy = requests.get(f"{api}/{application_id}", headers=headers(key), timeout=30)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
    assert busy.json()["error"]["code"] == "temporarily_unavailable"
    assert requests.get(f"{api}/{application_id}", headers=headers(key), timeout=30).status_code == 200


@pytest.mark.parametrize("action", ["submit", "resubmit"])
def test_two_submissions_with_different_keys_at_once_start_one_execution(world, api, key, action):
    """Both in flight at once in two environments (the service's own race: a conditional write decides). The one
    that loses either learns the execution the other started or is told the file is already submitted."""
    hospital, router = world.hospital, world.sandbox.router
    draft = hospital.create(samples.application())
    application_id = draft["application_id"]
    if action == "resubmit":
        hospital.submit(application_id)  # no documents yet: returned
        hospital.wait_for_status(application_id, "RETURNED")
    hospital.upload(application_id, samples.documents_for([d["kind"] for d in draft["required_documents"]]))
    router.inject("intake_api", Fault("bug", times=2, target=f"akta.service.intake:{action}",
                                      replacement=f"tests.bugs:slow_{action}"))
    before, start, answers = len(router.runs), threading.Barrier(2), []

    def send():
        start.wait()
        answers.append(requests.post(f"{api}/{application_id}/{action}",
                                     headers=headers(key, **{"Idempotency-Key": str(uuid.uuid4())}), timeout=60))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    router.faults["intake_api"].clear()
    assert overlapped(router.runs[before:])
    assert executions(world, application_id) == [f"{application_id}-1"]
    assert sorted(a.status_code for a in answers) in ([202, 202], [202, 409])
    for answer in answers:
        if answer.status_code == 202:
            assert answer.json()["execution"] == f"{application_id}-1"
        else:
            assert answer.json()["error"]["code"] == "already_submitted"


def test_another_facility_replaying_a_submit_with_its_idempotency_key_gets_404_not_the_cached_answer(world, api, key, other_key):
    """The idempotency record belongs to the facility that made it: another facility sending the same
    application id and key is asking about an application it cannot see."""
    draft = world.hospital.create(samples.application())
    application_id = draft["application_id"]
    world.hospital.upload(application_id, samples.documents_for([d["kind"] for d in draft["required_documents"]]))
    idempotency_key = str(uuid.uuid4())
    mine = requests.post(f"{api}/{application_id}/submit", headers=headers(key, **{"Idempotency-Key": idempotency_key}), timeout=30)
    assert mine.status_code == 202
    theirs = requests.post(f"{api}/{application_id}/submit", headers=headers(other_key, **{"Idempotency-Key": idempotency_key}),
                           timeout=30)
    assert theirs.status_code == 404 and application_id not in theirs.text
