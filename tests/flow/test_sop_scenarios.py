"""The whole SOP on the real ASL (moto's interpreter) with the real handlers behind it: the demo's scenarios."""

from __future__ import annotations

import json

import requests

from akta.certificate.layout import read_embedded_record
from akta.certificate.signing import check_signature
from sandbox import scenarios


def history(sfn, execution_arn: str) -> list[dict]:
    return sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]


def entered(events: list[dict]) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")]


def rows(status: dict) -> list[tuple[str, str]]:
    return [(r["sop_step"], r["outcome"]) for r in status["timeline"]]


def test_scenario_a_complete_file_runs_all_steps_and_emails_the_signed_certificate(world, sfn):
    outcome = scenarios.complete_file(world)
    assert outcome.status["status"] == "COMPLETED"
    application_id = outcome.application_id
    execution = sfn.describe_execution(executionArn=world.sandbox.execution(application_id))
    assert execution["status"] == "SUCCEEDED"
    assert entered(history(sfn, execution["executionArn"])) == [
        "CheckCompleteness", "IsComplete", "EnterIntoSiak", "SiakEntryDecision", "VerifyApplication",
        "VerifierDecision", "SignCertificate", "HeadDecision", "IssueCertificate", "CheckRelease", "Releasable",
        "NotifyApplicant", "DeliveryOutcome", "CompleteApplication", "Done",
    ]
    assert rows(outcome.status) == [
        ("1-2", "submitted"), ("3", "complete"), ("4", "registered"), ("5", "approve"), ("6", "signed"),
        ("7", "notices_sent"), ("9", "diterima_lewat_email"),
    ]
    assert all(r["within_target"] for r in outcome.status["timeline"])

    # SOP 7: the applicant's email carries the signed PDF, valid and equal to the record.
    (mail,) = [m for m in world.sandbox.mailbox.to("success@simulator.amazonses.com") if application_id in m.text]
    (pdf,) = mail.attachments.values()
    assert check_signature(pdf, [world.sandbox.pki.ca_cert_pem]).valid
    record = read_embedded_record(pdf)
    assert record["registration_number"] == outcome.status["registration_number"]
    assert record["child_name"] == outcome.status["application"]["child"]["name"]
    # ...and the WhatsApp notice went out through the template.
    notices = [m for m in world.sandbox.whatsapp.to("+6281211110001") if m.parameters[0] == application_id]
    assert [m.template for m in notices] == ["akta_kelahiran_terbit"]


def test_scenario_b_missing_document_is_returned_with_reasons_then_fixed_and_resubmitted(world, sfn):
    outcome = scenarios.missing_document(world)
    assert outcome.status["status"] == "COMPLETED"
    assert rows(outcome.status)[:4] == [("1-2", "submitted"), ("3", "incomplete"), ("1-2", "resubmitted"), ("3", "complete")]
    names = entered(history(sfn, world.sandbox.execution(outcome.application_id)))
    assert names[:4] == ["CheckCompleteness", "IsComplete", "ReturnToHospital", "CheckCompleteness"]
    assert names[-1] == "Done"
    assert outcome.status["reasons"] == []  # cleared once the file was complete


def test_scenario_c_bounced_email_goes_to_the_drive_thru_and_is_handed_over_at_the_counter(world, sfn):
    outcome = scenarios.email_bounces(world)
    assert outcome.status["status"] == "COMPLETED"
    events = history(sfn, world.sandbox.execution(outcome.application_id))
    assert entered(events)[-4:] == ["DeliveryOutcome", "CollectAtDriveThru", "CompleteApplication", "Done"]
    # The reason is the bounce itself, not a timeout that happened to fire.
    delivery = [json.loads(e["taskSucceededEventDetails"]["output"]) for e in events
                if e["type"] == "TaskSucceeded" and "outcome" in e["taskSucceededEventDetails"]["output"]]
    assert delivery == [{"outcome": "bounced"}]
    assert not any(e["type"] == "TaskTimedOut" for e in events)
    assert ("8", "handed_over:loket-1") in rows(outcome.status)
    assert rows(outcome.status)[-1] == ("9", "diterima_di_drive_thru")
    # The pickup code worked once: a second lookup at the counter is refused.
    code = scenarios.pickup_code(world, "+6281211110003", outcome.application_id)
    again = world.counter.person.post(f"{world.gateway.url}/counter/lookup", {"counter_key": world.sandbox.counter_key, "pickup_code": code})
    assert again.status_code == 410 and "sudah diserahkan" in again.text
