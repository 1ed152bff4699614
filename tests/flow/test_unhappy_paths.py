"""The SOP's bad days on the real ASL in the sandbox — rejections, timeouts and escalation,
SLA reminders, faults, delivery failures, a tampered certificate, concurrent submits — and afterwards a
scan of every sink for the personal data those flows carried.

Each path is played once by the module fixture (so the scan at the end sees them all); each test then
checks one path. Only the paths that expect a timeout get short timeouts.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from datetime import datetime, timedelta, timezone

import boto3
import pytest
import requests

from akta.domain.calendar import load_calendar
from sandbox import samples, scenarios
from sandbox.aws import DEMO_FACILITY
from sandbox.lambdas import Fault

SHORT = 2  # seconds: the outer limit for the waits that are meant to time out


@contextlib.contextmanager
def office_timeouts(world, **seconds):
    """The office's configured outer limits, for the submissions made inside this block."""
    with world.sandbox.router.settings_changed("intake_api", WAIT_TIMEOUTS=json.dumps(seconds)):
        yield


def submitted(world, **payload_args) -> tuple[str, dict]:
    payload = samples.application(**payload_args)
    draft = world.hospital.create(payload)
    application_id = draft["application_id"]
    world.hospital.upload(application_id, samples.documents_for([d["kind"] for d in draft["required_documents"]]))
    world.hospital.submit(application_id)
    return application_id, payload


def approve_all(world, application_id, payload, nth=0):
    world.operator.register(application_id, payload, nth)
    assert world.verifier.decide(world.verifier.link_for(application_id, nth), decision="approve").status_code == 200
    assert world.head.decide(world.head.link_for(application_id, nth), decision="approve").status_code == 200


def history(application_id: str, world) -> list[dict]:
    sfn = boto3.client("stepfunctions")
    return sfn.get_execution_history(executionArn=world.sandbox.execution(application_id), maxResults=1000)["events"]


def entered(events) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")]


def outcomes(status) -> list[tuple[str, str]]:
    return [(r["sop_step"], r["outcome"]) for r in status["timeline"]]


# -- the paths ---------------------------------------------------------------------------------------------

def rejections(world) -> dict:
    """Verifier rejects -> back to the hospital; fixed and resubmitted; head rejects -> back to the verifier."""
    application_id, payload = submitted(world)
    world.operator.register(application_id, payload)
    link = world.verifier.link_for(application_id)
    rejected = world.verifier.decide(link, decision="reject", reason_code="data_tidak_sesuai",
                                     note="Tanggal lahir ibu pada KK berbeda dengan surat keterangan lahir.")
    assert rejected.status_code == 200
    returned = world.hospital.wait_for_status(application_id, "RETURNED")
    world.hospital.update(application_id, payload)  # the hospital corrects the data
    world.hospital.resubmit(application_id)
    world.operator.register(application_id, payload, nth=1)
    world.verifier.decide(world.verifier.link_for(application_id, 1), decision="approve").raise_for_status()
    head_link = world.head.link_for(application_id)
    world.head.decide(head_link, decision="reject", reason_code="dokumen_tidak_terbaca",
                      note="Scan buku nikah buram; mohon diperiksa ulang.").raise_for_status()
    back_at_verifier = world.hospital.wait_for_status(application_id, "VERIFICATION")
    verifier_page = world.verifier.open(world.verifier.link_for(application_id, 2)).text
    world.verifier.decide(world.verifier.link_for(application_id, 2), decision="approve").raise_for_status()
    world.head.decide(world.head.link_for(application_id, 1), decision="approve").raise_for_status()
    final = world.hospital.wait_for_status(application_id, "COMPLETED", "FAILED")
    return {"id": application_id, "returned": returned, "back_at_verifier": back_at_verifier,
            "verifier_page": verifier_page, "final": final}


def escalation(world) -> dict:
    """The operator does not act within the outer limit: supervisor told, fresh link, old link dead."""
    with office_timeouts(world, operator=SHORT):
        application_id, payload = submitted(world)
    old_link = world.operator.link_for(application_id)
    world.sandbox.mailbox.wait_for("supervisor@sandbox.disdukcapil.test", application_id, timeout=30)
    new_link = world.operator.link_for(application_id, 1)
    before = world.hospital.status(application_id)
    old_get = world.operator.open(old_link)
    old_post = world.operator.post(old_link, {"form_token": "x", "registration_number": "1571-LU-01012026-0001"})
    after_old = world.hospital.status(application_id)
    world.operator.register(application_id, payload, nth=1)
    world.verifier.decide(world.verifier.link_for(application_id), decision="approve").raise_for_status()
    world.head.decide(world.head.link_for(application_id), decision="approve").raise_for_status()
    final = world.hospital.wait_for_status(application_id, "COMPLETED", "FAILED")
    return {"id": application_id, "old_link": old_link, "new_link": new_link, "old_get": old_get, "old_post": old_post,
            "before": before, "after_old": after_old, "final": final}


def sla_reminder(world) -> dict:
    """The sweeper reminds once for a task past its SOP target (operator: 3 minutes), never for one within it."""
    application_id, _ = submitted(world)
    world.operator.link_for(application_id)  # the operator's task is waiting
    calendar, now = load_calendar(), datetime.now(timezone.utc)

    def sweep(office_minutes):
        # The sweep runs at the instant when that much office time has passed (whatever the hour now).
        at = calendar.add_office_time(now, timedelta(minutes=office_minutes))
        world.sandbox.router.invoke("sla_sweeper", {"source": "aws.events", "time": at.isoformat()})
        return [m for m in world.sandbox.mailbox.to("operator@sandbox.disdukcapil.test")
                if application_id in m.subject and "Pengingat" in m.subject]

    within, past, again = sweep(1), sweep(4), sweep(6)
    return {"id": application_id, "within": within, "past": past, "again": again, "status": world.hospital.status(application_id)}


def transient_fault(world) -> dict:
    world.sandbox.router.inject("issue_certificate", Fault("service", times=1))
    application_id, payload = submitted(world)
    approve_all(world, application_id, payload)
    return {"id": application_id, "final": world.hospital.wait_for_status(application_id, "COMPLETED", "FAILED")}


def permanent_fault(world) -> dict:
    world.sandbox.router.inject("issue_certificate", Fault("crash", times=1, error_type="InjectedPermanentFault"))
    application_id, payload = submitted(world)
    approve_all(world, application_id, payload)
    return {"id": application_id, "final": world.hospital.wait_for_status(application_id, "FAILED", "COMPLETED")}


def delivery(world, kind: str) -> dict:
    """The email does not get through (no confirmation, rejected at send time, no address): Drive-Thru."""
    whatsapp = {"no_confirmation": "0812-2222-0001", "rejected": "0812-2222-0002", "no_email": "0812-2222-0003"}[kind]
    email = {"no_confirmation": "warga.tanpa.kabar@example.com", "rejected": "belum.terverifikasi@example.com", "no_email": None}[kind]
    if kind == "rejected":
        world.sandbox.mailbox.rejecting.add(email)
    with office_timeouts(world, delivery=SHORT) if kind == "no_confirmation" else contextlib.nullcontext():
        application_id, payload = submitted(world, email=email, whatsapp=whatsapp)
    approve_all(world, application_id, payload)
    world.hospital.wait_for_status(application_id, "DRIVE_THRU")
    code = scenarios.pickup_code(world, "+62" + whatsapp.replace("-", "")[1:], application_id)
    world.counter.hand_over(code).raise_for_status()
    return {"id": application_id, "final": world.hospital.wait_for_status(application_id, "COMPLETED", "FAILED"),
            "delivery_outcome": world.sandbox.adapters.records.get(application_id)["delivery_outcome"]}


def drive_thru_escalation(world) -> dict:
    """Nobody comes to the counter within the outer limit: escalated, a fresh pickup code, the old one dead."""
    whatsapp, number = "0812-2222-0005", "+6281222220005"
    with office_timeouts(world, drive_thru=SHORT):
        application_id, payload = submitted(world, email="bounce@simulator.amazonses.com", whatsapp=whatsapp)
    approve_all(world, application_id, payload)
    deadline = time.monotonic() + 30
    while len(codes := [m.parameters[1] for m in world.sandbox.whatsapp.to(number) if m.template == "akta_kelahiran_drive_thru"]) < 2:
        assert time.monotonic() < deadline, "no fresh pickup code"
        time.sleep(0.1)
    old = world.counter.person.post(f"{world.gateway.url}/counter/lookup", {"counter_key": world.sandbox.counter_key, "pickup_code": codes[0]})
    world.counter.hand_over(codes[-1]).raise_for_status()
    return {"id": application_id, "old": old, "final": world.hospital.wait_for_status(application_id, "COMPLETED", "FAILED")}


def tampered_certificate(world) -> dict:
    """Someone changes the archived PDF between signing and release: nothing is sent."""
    def tamper(event):
        archive = world.sandbox.adapters.archive
        pdf = bytearray(archive.certificate(event["application_id"]))
        pdf[64] ^= 0x01  # one byte inside the signed range (the signature's own padding would not count)
        archive.put_certificate(event["application_id"], bytes(pdf))

    world.sandbox.router.inject("issue_certificate", Fault("after", times=1, after=tamper))
    application_id, payload = submitted(world, whatsapp="0812-2222-0004")
    approve_all(world, application_id, payload)
    return {"id": application_id, "final": world.hospital.wait_for_status(application_id, "FAILED", "COMPLETED")}


def concurrent_submits(world) -> dict:
    """Two submits at once (the service itself, not serialized by the sandbox): one execution."""
    from akta.domain.errors import Conflict
    from akta.service import intake

    draft = world.hospital.create(samples.application())
    application_id = draft["application_id"]
    barrier, answers = threading.Barrier(2), []

    def submit():
        barrier.wait()
        try:
            answers.append(intake.submit(world.sandbox.adapters, application_id, facility_id=DEMO_FACILITY)["execution"])
        except Conflict as conflict:
            answers.append(conflict.code)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sfn = boto3.client("stepfunctions")
    names = [e["name"] for e in sfn.list_executions(stateMachineArn=world.sandbox.state_machine_arn)["executions"]
             if e["name"].startswith(application_id)]
    return {"id": application_id, "answers": answers, "executions": names}


def _twice_while_checking(world, application_id: str, action: str) -> dict:
    """`action` (submit or resubmit) goes through; the same again, with another Idempotency-Key, arrives while the
    completeness check still runs: Lambda fails once for the check, so it is retrying then."""
    world.sandbox.router.inject("completeness_check", Fault("service", times=1))
    getattr(world.hospital, action)(application_id)
    second = requests.post(f"{world.gateway.url}/v1/applications/{application_id}/{action}",
                           headers={**world.hospital.headers, "Idempotency-Key": f"another-{action}"}, timeout=30)
    return {"id": application_id, "second": second, "after": world.hospital.wait_for_status(application_id, "SIAK_ENTRY")}


def resubmit_while_checking(world) -> dict:
    """A returned file is resubmitted twice; the second arrives while the check runs and is refused."""
    draft = world.hospital.create(samples.application())
    application_id = draft["application_id"]
    world.hospital.submit(application_id)  # no documents: returned
    world.hospital.wait_for_status(application_id, "RETURNED")
    world.hospital.upload(application_id, samples.documents_for([d["kind"] for d in draft["required_documents"]]))
    return _twice_while_checking(world, application_id, "resubmit")


def submit_while_checking(world) -> dict:
    """A second submit (another Idempotency-Key) while the first one's check is still running is refused."""
    draft = world.hospital.create(samples.application())
    application_id = draft["application_id"]
    world.hospital.upload(application_id, samples.documents_for([d["kind"] for d in draft["required_documents"]]))
    return _twice_while_checking(world, application_id, "submit")


PATHS = {
    "rejections": rejections, "escalation": escalation, "sla_reminder": sla_reminder,
    "transient_fault": transient_fault, "permanent_fault": permanent_fault,
    "no_confirmation": lambda w: delivery(w, "no_confirmation"), "rejected": lambda w: delivery(w, "rejected"),
    "no_email": lambda w: delivery(w, "no_email"), "drive_thru_escalation": drive_thru_escalation,
    "tampered_certificate": tampered_certificate,
    "concurrent_submits": concurrent_submits, "resubmit_while_checking": resubmit_while_checking,
    "submit_while_checking": submit_while_checking,
    "happy_a": scenarios.complete_file, "happy_b": scenarios.missing_document, "happy_c": scenarios.email_bounces,
}


@pytest.fixture(scope="module")
def played(world):
    """Every path once; a path that raised keeps its exception for its own test."""
    results = {}
    for name, path in PATHS.items():
        try:
            results[name] = path(world)
        except Exception as error:  # noqa: BLE001 - reported by the path's own test
            results[name] = error
    return results


def result(played, name):
    value = played[name]
    if isinstance(value, Exception):
        raise value
    return value


# -- the tests ---------------------------------------------------------------------------------------------

def test_sop5_verifier_reject_returns_the_file_to_the_hospital_with_the_reason(played):
    run = result(played, "rejections")
    (reason,) = run["returned"]["reasons"]
    assert (reason["field"], reason["code"]) == ("verifikasi", "data_tidak_sesuai")
    assert "Tanggal lahir ibu pada KK berbeda" in reason["message"]
    assert ("5", "reject:data_tidak_sesuai") in outcomes(run["returned"])


def test_sop6_head_reject_returns_the_file_to_the_verifier_with_the_reason(played, world):
    run = result(played, "rejections")
    assert run["back_at_verifier"]["reasons"][0]["code"] == "dokumen_tidak_terbaca"
    assert ("6", "reject:dokumen_tidak_terbaca") in outcomes(run["back_at_verifier"])
    assert "Dikembalikan oleh Kepala Dinas" in run["verifier_page"] and "Scan buku nikah buram" in run["verifier_page"]
    assert run["final"]["status"] == "COMPLETED"
    steps = outcomes(run["final"])
    assert steps.index(("1-2", "resubmitted")) < steps.index(("6", "reject:dokumen_tidak_terbaca")) < steps.index(("6", "signed"))
    names = entered(history(run["id"], world))
    assert names.count("ReturnToHospital") == 1 and names.count("VerifyApplication") == 3


def test_a_human_task_past_its_outer_limit_escalates_and_waits_again_with_a_fresh_link(played, world):
    run = result(played, "escalation")
    supervisor = world.sandbox.mailbox.wait_for("supervisor@sandbox.disdukcapil.test", run["id"])
    assert "Eskalasi" in supervisor.subject
    assert run["new_link"] != run["old_link"]
    assert run["old_get"].status_code == 410 and "sudah diganti" in run["old_get"].text
    assert run["old_post"].status_code == 410
    assert run["after_old"]["timeline"] == run["before"]["timeline"]  # the old link changed nothing
    assert ("4", "timeout_escalated:EnterIntoSiak") in outcomes(run["final"])
    assert run["final"]["status"] == "COMPLETED"
    assert "EscalateEnterIntoSiak" in entered(history(run["id"], world))


def test_sla_sweeper_reminds_once_past_the_sop_target_and_never_within_it(played):
    run = result(played, "sla_reminder")
    assert run["within"] == []
    assert len(run["past"]) == 1 and len(run["again"]) == 1
    operator_row = [r for r in run["status"]["timeline"] if r["sop_step"] == "4"][-1]
    assert operator_row["notes"] == ["sla_reminder"] and operator_row["finished"] is None


def test_a_transient_lambda_fault_is_retried_and_the_flow_recovers(played, world):
    run = result(played, "transient_fault")
    assert run["final"]["status"] == "COMPLETED"
    events = history(run["id"], world)
    failures = [e["taskFailedEventDetails"]["error"] for e in events if e["type"] == "TaskFailed"]
    assert failures == ["Lambda.ServiceException"]
    assert entered(events).count("IssueCertificate") == 1


def test_a_permanent_fault_ends_in_the_recorded_failure_with_the_application_and_documents_intact(played, world):
    run = result(played, "permanent_fault")
    assert run["final"]["status"] == "FAILED"
    current = world.sandbox.adapters.records.get(run["id"])
    assert current["failure"]["error"] == "InjectedPermanentFault"
    assert run["final"]["failure"]["error"] == "InjectedPermanentFault"  # visible to the hospital
    assert run["final"]["application"]["child"]["name"]  # the data is still there
    assert sorted(world.sandbox.adapters.archive.archived_documents(run["id"])) == sorted(
        ["surat_keterangan_lahir", "kartu_keluarga", "buku_nikah", "ktp_ibu", "ktp_ayah"])
    assert outcomes(run["final"])[-1] == ("-", "failed:InjectedPermanentFault")
    sfn = boto3.client("stepfunctions")
    assert sfn.describe_execution(executionArn=world.sandbox.execution(run["id"]))["status"] == "FAILED"


@pytest.mark.parametrize("kind", ["no_confirmation", "rejected", "no_email"])
def test_sop8_an_email_that_does_not_get_through_sends_the_applicant_to_the_drive_thru(played, world, kind):
    run = result(played, kind)
    assert run["delivery_outcome"] == kind
    assert run["final"]["status"] == "COMPLETED"
    assert outcomes(run["final"])[-2:] == [("8", "handed_over:loket-1"), ("9", "diterima_di_drive_thru")]
    timed_out = [e for e in history(run["id"], world) if e["type"] == "TaskTimedOut"]
    assert len(timed_out) == (1 if kind == "no_confirmation" else 0)


def test_sop8_a_pickup_past_its_outer_limit_escalates_with_a_fresh_code_and_the_old_code_refused(played, world):
    run = result(played, "drive_thru_escalation")
    assert run["old"].status_code == 410 and "sudah diganti" in run["old"].text
    assert run["final"]["status"] == "COMPLETED"
    assert ("8", "timeout_escalated:CollectAtDriveThru") in outcomes(run["final"])
    assert "EscalateCollectAtDriveThru" in entered(history(run["id"], world))


def test_sop7_a_tampered_certificate_is_never_sent_and_the_failure_is_recorded(played, world):
    run = result(played, "tampered_certificate")
    assert run["final"]["status"] == "FAILED"
    assert world.sandbox.adapters.records.get(run["id"])["failure"]["error"] == "ReleaseCheckFailed"
    assert ("7", "release_refused:signature_invalid") in outcomes(run["final"])
    assert not [m for m in world.sandbox.mailbox.sent() if run["id"] in m.text and m.attachments]
    assert world.sandbox.whatsapp.to("+6281222220004") == []
    assert "NotifyApplicant" not in entered(history(run["id"], world))


def test_two_concurrent_submits_start_one_execution(played):
    run = result(played, "concurrent_submits")
    assert run["executions"] == [f"{run['id']}-1"]
    assert sorted(run["answers"]) in ([f"{run['id']}-1"] * 2, sorted([f"{run['id']}-1", "already_submitted"]))


def test_a_resubmission_while_the_check_runs_is_refused_with_a_clear_message(played):
    run = result(played, "resubmit_while_checking")
    assert run["second"].status_code == 409
    error = run["second"].json()["error"]
    assert error["code"] == "already_submitted" and "sedang diperiksa" in error["message"]
    assert run["after"]["status"] == "SIAK_ENTRY"  # the first resubmission went through


def test_a_second_submit_while_the_check_runs_is_refused_and_the_first_goes_through(played):
    run = result(played, "submit_while_checking")
    assert run["second"].status_code == 409
    assert run["second"].json()["error"]["code"] == "already_submitted"
    assert run["after"]["status"] == "SIAK_ENTRY"


# -- personal data: none of it in any sink, and each sink shown to hold the ids ---------------------------

def personal_data(world) -> set[str]:
    values = set()
    for payload in world.hospital.sent:
        for person in ("child", "mother", "father"):
            values.add(payload[person]["name"])
        values |= {payload["mother"]["nik"], payload["father"]["nik"], payload["kk_number"]}
        for witness in payload.get("witnesses", []):
            values |= {witness["name"], witness["nik"]}
    return values


def sinks(world) -> dict[str, str]:
    sfn, s3 = boto3.client("stepfunctions"), boto3.client("s3")
    executions = []
    paginator = sfn.get_paginator("list_executions")
    for page in paginator.paginate(stateMachineArn=world.sandbox.state_machine_arn):
        for execution in page["executions"]:
            detail = sfn.describe_execution(executionArn=execution["executionArn"])
            events = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)["events"]
            executions.append(json.dumps([execution["name"], detail.get("input"), detail.get("output"), events], default=str))
    log_lines = [line for path in sorted((world.sandbox.workdir / "logs").glob("*.log")) for line in path.read_text().splitlines()]
    keys = [obj["Key"] for bucket in world.sandbox.buckets.values()
            for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    # Reason codes and step outcomes, each line keyed by the application it belongs to.
    reason_codes = []
    for application_id in _application_ids(world):
        records = world.sandbox.adapters.records
        reason_codes += [f"{application_id} {r['code']}" for r in records.get(application_id).get("reasons", [])]
        reason_codes += [f"{application_id} {e.outcome}" for e in records.events(application_id)]
    return {
        "executions": "\n".join(executions),
        "logs": "\n".join(line for line in log_lines if '"_aws"' not in line),
        "metrics": "\n".join(line for line in log_lines if '"_aws"' in line),
        "s3 keys": "\n".join(keys),
        "urls": "\n".join(world.gateway.gateway.urls + [u for m in world.sandbox.mailbox.sent() for u in re.findall(r"https?://\S+", m.text)]),
        "reason codes": "\n".join(reason_codes),
    }


def _application_ids(world) -> list[str]:
    return sorted({url.split("/v1/applications/")[1].split("/")[0] for url in world.gateway.gateway.urls if "/v1/applications/" in url})


def test_no_name_or_nik_in_any_sink_and_every_sink_holds_the_application_ids(played, world):
    assert not [name for name, value in played.items() if isinstance(value, Exception)], "every path must have run"
    secrets = personal_data(world)
    ids = [run["id"] for run in played.values() if isinstance(run, dict)]
    assert len(secrets) > 50 and ids
    for sink, text in sinks(world).items():
        found = sorted(s for s in secrets if s.lower() in text.lower())
        assert found == [], f"personal data in {sink}: {len(found)} values"
        assert any(application_id in text for application_id in ids), f"{sink}: empty or without ids"


def test_sop7_a_staff_emails_delivery_event_does_not_close_the_applicants_wait(world):
    """Every email about an application carries its id; only the certificate message's delivery id answers
    the delivery wait. A staff email's Delivery, and a Delivery for a message the wait is not for, change
    nothing; the certificate message's Bounce then sends the applicant to the Drive-Thru."""
    from sandbox.outside import ses_event

    application_id, payload = submitted(world, email="warga.diam@example.com", whatsapp="0812-2222-0077")
    approve_all(world, application_id, payload)
    assert world.hospital.wait_for_status(application_id, "SENT")["status"] == "SENT"
    wait = boto3.client("dynamodb").get_item(TableName=world.sandbox.tables["APPLICATIONS"], ConsistentRead=True,
                                             Key={"pk": {"S": f"APP#{application_id}"}, "sk": {"S": "WAIT#delivery"}})["Item"]
    delivery_id = wait["delivery_id"]["S"]
    router = world.sandbox.router
    staff_mail = ses_event(("Delivery", "Email Delivered"), "staff-message", "verifikator@sandbox.disdukcapil.test",
                           {"application_id": [application_id]})
    assert router.invoke("delivery_events", staff_mail) == {"answered": False}
    other = ses_event(("Delivery", "Email Delivered"), "old-message", "warga.diam@example.com",
                      {"application_id": [application_id], "delivery_id": ["another-message"]})
    assert router.invoke("delivery_events", other) == {"answered": False}
    time.sleep(0.5)
    assert world.hospital.status(application_id)["status"] == "SENT"
    bounce = ses_event(("Bounce", "Email Bounced"), "certificate-message", "warga.diam@example.com",
                       {"application_id": [application_id], "delivery_id": [delivery_id]})
    assert router.invoke("delivery_events", bounce) == {"answered": True}
    assert world.hospital.wait_for_status(application_id, "DRIVE_THRU")["status"] == "DRIVE_THRU"


def test_sop7_a_certificate_revoked_between_signing_and_release_is_never_sent(world):
    from akta.service import verification

    def revoke(event):
        records = world.sandbox.adapters.records
        certificate_id = records.get(event["application_id"])["certificate"]["certificate_id"]
        verification.revoke(world.sandbox.adapters, certificate_id, "data_salah", "Tanggal lahir salah", "sari")

    world.sandbox.router.inject("issue_certificate", Fault("after", times=1, after=revoke))
    application_id, payload = submitted(world, email="success@simulator.amazonses.com", whatsapp="0812-2222-0088")
    approve_all(world, application_id, payload)
    final = world.hospital.wait_for_status(application_id, "FAILED", "COMPLETED")
    assert final["status"] == "FAILED"
    assert ("7", "release_refused:certificate_revoked") in outcomes(final)
    assert not [m for m in world.sandbox.mailbox.to("success@simulator.amazonses.com") if application_id in m.text and m.attachments]
    assert not world.sandbox.whatsapp.to("+6281222220088")
