"""Faults at the AWS calls and in a step: transient ones reach the state machine's Retry, permanent ones end in
RecordFailure with nothing lost, and a bug leaves its type for the ASL but none of the values it quoted.

Faults are injected at the HTTP level (sandbox.lambdas.AwsFault): boto3's own three attempts see them first,
then the adapters (akta.adapters.aws) decide what is left, as they would on AWS.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from akta.adapters import aws
from akta.domain.errors import TransientError
from sandbox import samples
from sandbox.environments import FunctionError
from sandbox.lambdas import AwsFault, Fault

BOTO_ATTEMPTS = 3  # standard retry mode, akta.adapters.aws.RETRIES


def draft(world) -> tuple[str, dict, dict]:
    payload = samples.application()
    created = world.hospital.create(payload)
    return created["application_id"], payload, created


def submit(world, application_id: str, created: dict) -> None:
    world.hospital.upload(application_id, samples.documents_for([d["kind"] for d in created["required_documents"]]))
    world.hospital.submit(application_id)


def history(world, application_id: str) -> list[dict]:
    sfn = boto3.client("stepfunctions")
    return sfn.get_execution_history(executionArn=world.sandbox.execution(application_id), maxResults=1000)["events"]


def test_sop4_a_dynamodb_throttle_that_outlives_boto3s_retries_is_retried_by_the_state_machine_and_completes(world):
    application_id, payload, created = draft(world)
    # One more throttled answer than boto3 has attempts: the first invocation fails, the ASL's Retry runs it again.
    burst = world.sandbox.router.inject_aws(AwsFault("dynamodb:Query", "ProvisionedThroughputExceededException",
                                                     times=BOTO_ATTEMPTS + 1, function="human_task",
                                                     application_id=application_id))
    submit(world, application_id, created)
    world.operator.register(application_id, payload)
    assert world.verifier.decide(world.verifier.link_for(application_id), decision="approve").status_code == 200
    assert world.head.decide(world.head.link_for(application_id), decision="approve").status_code == 200
    assert world.hospital.wait_for_status(application_id, "COMPLETED", "FAILED")["status"] == "COMPLETED"

    assert burst.served == BOTO_ATTEMPTS + 1 and burst.times == 0
    events = history(world, application_id)
    failed = [e["taskFailedEventDetails"] for e in events if e["type"] == "TaskFailed"]
    # One failed invocation, after boto3's three attempts, named so that the ASL's Retry matches it.
    assert [(f["error"], json.loads(f["cause"])["errorMessage"]) for f in failed] == [
        ("TransientError", "aws_unavailable: dynamodb:Query: ProvisionedThroughputExceededException")]
    human_tasks = [e for e in events if e["type"] == "TaskScheduled"
                   and "function:human_task" in e["taskScheduledEventDetails"]["parameters"]]
    assert len(human_tasks) == 3 + 1  # the operator's task twice (the Retry), the verifier's, the head's
    log = (world.sandbox.workdir / "logs" / "human_task.log").read_text(encoding="utf-8").splitlines()
    stopped = [line for line in map(json.loads, log) if line.get("correlation_id") == application_id
               and line["message"] == "step stopped"]
    assert [(line["level"], line["error_type"], line["code"]) for line in stopped] == [("WARNING", "TransientError", "aws_unavailable")]


def test_a_permanent_aws_fault_ends_in_record_failure_with_the_application_and_its_documents_intact(world):
    application_id, payload, created = draft(world)
    denied = world.sandbox.router.inject_aws(AwsFault("dynamodb:Query", "AccessDeniedException", times=50,
                                                      function="human_task", application_id=application_id))
    submit(world, application_id, created)
    final = world.hospital.wait_for_status(application_id, "FAILED", "COMPLETED")
    assert final["status"] == "FAILED" and final["failure"]["error"] == "ClientError"
    assert denied.served == 1  # not retried: by boto3 or by the state machine
    assert final["application"]["child"]["name"] == payload["child"]["name"]
    assert sorted(world.sandbox.adapters.archive.archived_documents(application_id)) == sorted(d["kind"] for d in created["required_documents"])
    assert "RecordFailure" in [e["stateEnteredEventDetails"]["name"] for e in history(world, application_id)
                               if e["type"].endswith("StateEntered")]


@pytest.mark.parametrize("operation, call, code, status", [
    ("dynamodb:GetItem", lambda: aws.table("a-table").get_item(Key={"pk": "APP#x", "sk": "META"}),
     "ThrottlingException", 400),
    ("dynamodb:Query", lambda: aws.table("a-table").query(KeyConditionExpression="pk = :p",
                                                                      ExpressionAttributeValues={":p": "STAFF"}),
     "RequestLimitExceeded", 400),
    ("s3:ListObjectsV2", lambda: aws.client("s3").list_objects_v2(Bucket="any"), "SlowDown", 503),
    ("sesv2:GetAccount", lambda: aws.client("sesv2").get_account(), "TooManyRequestsException", 429),
    ("kms:ListKeys", lambda: aws.client("kms").list_keys(), "ThrottlingException", 400),
    ("sfn:ListStateMachines", lambda: aws.client("stepfunctions").list_state_machines(), "ThrottlingException", 400),
    ("s3:ListObjectsV2", lambda: aws.client("s3").list_objects_v2(Bucket="any"), "InternalError", 500),
], ids=lambda v: v if isinstance(v, str) else None)
def test_adapters_raise_transient_error_when_throttling_or_5xx_outlives_boto3s_attempts(world, operation, call, code, status):
    fault = world.sandbox.router.inject_aws(AwsFault(operation, code, status=status, times=BOTO_ATTEMPTS))
    with pytest.raises(TransientError) as raised:
        call()
    assert fault.served == BOTO_ATTEMPTS
    assert raised.value.ids == (operation, code)


def test_adapters_pass_a_throttle_that_boto3s_retries_absorbed_and_leave_a_permanent_error_a_client_error(world):
    absorbed = world.sandbox.router.inject_aws(AwsFault("kms:ListKeys", "ThrottlingException", times=BOTO_ATTEMPTS - 1))
    assert "Keys" in aws.client("kms").list_keys()
    assert absorbed.served == BOTO_ATTEMPTS - 1
    denied = world.sandbox.router.inject_aws(AwsFault("kms:ListKeys", "AccessDeniedException", times=BOTO_ATTEMPTS))
    with pytest.raises(ClientError) as raised:
        aws.client("kms").list_keys()
    assert not isinstance(raised.value, TransientError) and denied.served == 1
    denied.times = 0


def test_a_bug_in_a_step_leaves_its_type_for_the_asl_but_not_the_values_pydantic_quotes(world):
    """A step's message reaches the execution's `cause`: an unexpected pydantic error must not carry its input."""
    from tests.bugs import MALFORMED_NIK as nik

    world.sandbox.router.inject("escalate", Fault("bug", target="functions.escalate.app:escalate",
                                                  replacement="tests.bugs:validation_error_quoting_a_nik"))
    with pytest.raises(FunctionError) as raised:
        world.sandbox.router.invoke("escalate", {"application_id": "AK20261202-BUGBUG00", "state": "EnterIntoSiak"})
    assert raised.value.error_type == "ValidationError" and nik not in str(raised.value)
    log = (world.sandbox.workdir / "logs" / "escalate.log").read_text(encoding="utf-8")
    bugs = [line for line in map(json.loads, log.splitlines()) if line.get("message") == "unexpected error"]
    assert [(b["error_type"], b["detail"]) for b in bugs] == [("ValidationError", [{"loc": ["nik"], "type": "int_parsing"}])]
    assert nik not in log


@pytest.mark.parametrize("code", ["BadRequestException", "MailFromDomainNotVerifiedException", "SendingPausedException"])
def test_sop7_8_an_ses_refusal_at_send_time_sends_the_applicant_to_the_drive_thru_never_to_failed(world, code):
    """The certificate is signed and archived: an address SES will not take (InvalidParameterValue, answered
    as BadRequestException), an unverified sender domain or a paused account must not fail the file. The
    applicant gets a pickup code by WhatsApp and collects the akta at the counter."""
    from sandbox import scenarios

    whatsapp = {"BadRequestException": "0812-3333-0001", "MailFromDomainNotVerifiedException": "0812-3333-0002",
                "SendingPausedException": "0812-3333-0003"}[code]
    payload = samples.application(whatsapp=whatsapp)
    created = world.hospital.create(payload)
    application_id = created["application_id"]
    world.sandbox.router.inject_aws(AwsFault("sesv2:SendEmail", code, times=1, function="notify_applicant",
                                             application_id=application_id))
    world.hospital.upload(application_id, samples.documents_for([d["kind"] for d in created["required_documents"]]))
    world.hospital.submit(application_id)
    world.operator.register(application_id, payload)
    world.verifier.decide(world.verifier.link_for(application_id), decision="approve").raise_for_status()
    world.head.decide(world.head.link_for(application_id), decision="approve").raise_for_status()
    assert world.hospital.wait_for_status(application_id, "DRIVE_THRU", "FAILED")["status"] == "DRIVE_THRU"
    assert world.sandbox.adapters.records.get(application_id)["delivery_outcome"] == "rejected"
    code_sent = scenarios.pickup_code(world, "+62" + whatsapp.replace("-", "")[1:], application_id)
    world.counter.hand_over(code_sent).raise_for_status()
    assert world.hospital.wait_for_status(application_id, "COMPLETED", "FAILED")["status"] == "COMPLETED"
