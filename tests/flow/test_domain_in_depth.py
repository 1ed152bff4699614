"""The domain rules on the real flow: late registrations, one child one certificate, SPTJM certificates,
office-time timelines and per-step metrics."""

from __future__ import annotations

import copy
import json
from datetime import date

import requests

from akta.certificate.layout import read_embedded_record
from sandbox import samples


def submit(world, payload) -> str:
    draft = world.hospital.create(payload)
    application_id = draft["application_id"]
    world.hospital.upload(application_id, samples.documents_for([d["kind"] for d in draft["required_documents"]]))
    world.hospital.submit(application_id)
    return application_id


def notes(status, step):
    return [note for row in status["timeline"] if row["sop_step"] == step for note in row["notes"]]


def test_late_registration_is_flagged_on_the_application_the_timeline_and_the_operator_page(world):
    payload = samples.application(days_old=90)
    application_id = submit(world, payload)
    page = world.operator.open(world.operator.link_for(application_id)).text
    assert "Pelaporan terlambat" in page
    status = world.hospital.status(application_id)
    assert status["late_registration"] is True
    assert notes(status, "3") == ["late_registration"]
    # SIAK numbers a late registration LT; the scripted operator types what SIAK gave.
    assert "-LT-" in world.operator.register(application_id, payload)


def test_a_birth_within_60_days_is_not_late(world):
    application_id = submit(world, samples.application(days_old=60))
    world.operator.link_for(application_id)
    status = world.hospital.status(application_id)
    assert status["late_registration"] is False and notes(status, "3") == []


def test_one_child_one_certificate_a_second_application_is_flagged_and_the_operator_decides(world):
    first_payload = samples.application()
    first = submit(world, first_payload)
    world.operator.link_for(first)
    second_payload = copy.deepcopy(first_payload)
    second_payload["child"]["name"] = "  " + first_payload["child"]["name"].upper() + " "  # same child, typed differently
    second_payload["contact"]["whatsapp"] = "0813-0000-1111"
    second = submit(world, second_payload)
    link = world.operator.link_for(second)
    page = world.operator.open(link).text
    assert f"Kemungkinan permohonan ganda: permohonan {first}" in page
    assert notes(world.hospital.status(second), "3") == ["possible_duplicates"]
    # The operator decides: this one is a duplicate, back to the hospital with the reason.
    response = world.operator.decide(link, decision="reject", reason_code="duplikat", note="Sudah diajukan sebelumnya.")
    assert response.status_code == 200
    returned = world.hospital.wait_for_status(second, "RETURNED")
    assert returned["reasons"][0]["code"] == "duplikat"
    assert ("4", "reject:duplikat") in [(r["sop_step"], r["outcome"]) for r in returned["timeline"]]


def test_twins_same_mother_and_date_but_another_birth_order_are_not_duplicates(world):
    first_payload = samples.application()
    first = submit(world, first_payload)
    twin = copy.deepcopy(first_payload)
    twin["child"]["birth_order"] = 2
    twin["child"]["name"] = "Kembar Kedua Contoh"
    second = submit(world, twin)
    page = world.operator.open(world.operator.link_for(second)).text
    assert "permohonan ganda" not in page
    assert world.operator.link_for(first)


def test_each_finished_step_emits_office_minutes_and_an_sla_breach_count_with_the_id_as_a_property_only(world):
    payload = samples.application()
    application_id = submit(world, payload)
    world.operator.register(application_id, payload)
    world.hospital.wait_for_status(application_id, "VERIFICATION")
    lines = [json.loads(line) for path in (world.sandbox.workdir / "logs").glob("*.log")
             for line in path.read_text().splitlines() if '"_aws"' in line]
    mine = [line for line in lines if line.get("application_id") == application_id]
    measured = {(line["sop_step"], name) for line in mine for name in ("StepOfficeMinutes", "SlaBreaches") if name in line}
    assert {("1-2", "StepOfficeMinutes"), ("3", "SlaBreaches"), ("4", "StepOfficeMinutes")} <= measured
    for line in lines:
        for directive in line["_aws"]["CloudWatchMetrics"]:
            assert all("application_id" not in dimensions for dimensions in directive["Dimensions"])


def test_the_timeline_measures_steps_in_office_time_never_more_than_wall_time(world):
    payload = samples.application()
    application_id = submit(world, payload)
    world.operator.register(application_id, payload)
    status = world.hospital.wait_for_status(application_id, "VERIFICATION")
    finished = [row for row in status["timeline"] if row["finished"]]
    assert finished and all(row["office_time"] for row in finished)
    assert all(row["actual_seconds"] <= row["wall_seconds"] for row in finished)


def test_sptjm_spouses_certificate_carries_the_required_remark_and_the_witnesses_reach_the_operator(world):
    payload = samples.application()
    payload["marriage_proof"] = "sptjm_pasangan"
    payload["witnesses"] = [
        {"name": "Hendra Saksi Contoh", "nik": samples.nik("157103", date(1985, 8, 12), female=False, sequence=4)},
        {"name": "Rahma Saksi Contoh", "nik": samples.nik("157103", date(1988, 11, 15), female=True, sequence=5)},
    ]
    draft = world.hospital.create(payload)
    application_id = draft["application_id"]
    kinds = [d["kind"] for d in draft["required_documents"]]
    assert "sptjm_pasangan" in kinds and "buku_nikah" not in kinds
    world.hospital.upload(application_id, samples.documents_for(kinds))
    world.hospital.submit(application_id)
    page = world.operator.open(world.operator.link_for(application_id)).text
    assert "Hendra Saksi Contoh" in page and "NIK saksi ke-2" in page
    world.operator.register(application_id, payload)
    world.verifier.decide(world.verifier.link_for(application_id), decision="approve").raise_for_status()
    world.head.decide(world.head.link_for(application_id), decision="approve").raise_for_status()
    world.hospital.wait_for_status(application_id, "COMPLETED")
    record = read_embedded_record(world.sandbox.adapters.archive.certificate(application_id))
    assert record["remark"] == "yang perkawinannya belum tercatat sesuai dengan ketentuan peraturan perundang-undangan"
