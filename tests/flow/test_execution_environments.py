"""Functions run the way Lambda runs them (sandbox/environments.py): each invocation in an execution
environment, a worker process that imported one function with only its own environment; concurrent invocations
in different environments, overlapping in time; idle ones reused warm, INIT once each; past the timeout the
environment is ended and the invocation answered Sandbox.Timedout, which the state machine routes."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import requests

from akta.config import CATALOGUE, DECLARED
from infra.declaration import POWERTOOLS, function
from sandbox import samples
from sandbox.environments import RUNTIME, FunctionError, Pool, Throttled
from sandbox.lambdas import Fault


def status_url(world, application_id: str) -> str:
    return f"{world.gateway.url}/v1/applications/{application_id}"


def at_once(count: int, call) -> list:
    """`count` calls released together, each in its own thread."""
    start, results = threading.Barrier(count), [None] * count

    def one(i):
        start.wait()
        results[i] = call()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_concurrent_invocations_overlap_in_time_in_different_environments(world):
    application_id = world.hospital.create(samples.application())["application_id"]
    router = world.sandbox.router
    router.inject("intake_api", Fault("bug", times=4, target="akta.service.intake:status", replacement="tests.bugs:slow_status"))
    before = len(router.runs)
    answers = at_once(4, lambda: requests.get(status_url(world, application_id), headers=world.hospital.headers, timeout=30))
    assert [a.status_code for a in answers] == [200] * 4
    runs = [r for r in router.runs[before:] if r.function == "intake_api"]
    assert len(runs) == 4 and len({r.environment for r in runs}) == 4
    latest_start, earliest_end = max(r.started for r in runs), min(r.finished for r in runs)
    assert latest_start < earliest_end  # all four were in flight at one instant


def test_an_idle_environment_is_reused_warm_and_its_init_ran_once(world):
    application_id = world.hospital.create(samples.application())["application_id"]
    router = world.sandbox.router
    router.recycle("intake_api")
    before = len(router.runs)
    for _ in range(3):
        assert requests.get(status_url(world, application_id), headers=world.hospital.headers, timeout=30).status_code == 200
    runs = [r for r in router.runs[before:] if r.function == "intake_api"]
    assert len(runs) == 3 and len({r.environment for r in runs}) == 1
    assert runs[0].init_s > 0 and [r.init_s for r in runs[1:]] == [None, None]


def test_an_environment_holds_only_its_functions_settings_and_what_lambdas_runtime_sets(world):
    page = requests.get(f"{world.gateway.url}/verify/AK20261204-NOSUCHID", timeout=30)
    assert page.status_code == 404
    (pid, *_) = world.sandbox.router.environments_of("verify_pages")
    names = {entry.split(b"=", 1)[0].decode() for entry in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") if entry}
    own = set(function("verify_pages").setting_names)
    lambda_runtime = {"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
                      "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_EXECUTION_ENV", "PYTHONUNBUFFERED", "PYTHONPATH"}
    assert names <= own | {DECLARED, *POWERTOOLS, *RUNTIME, *lambda_runtime}
    assert own <= names and not (set(CATALOGUE) - own) & names  # no other function's settings (MAIL_FROM...)


def test_an_invocation_past_its_timeout_is_answered_sandbox_timedout_and_its_environment_ended(world):
    router = world.sandbox.router
    router.inject("verify_pages", Fault("bug", target="functions.verify_pages.app:handler", replacement="tests.bugs:hangs"))
    with router.timeout_changed("verify_pages", 0.5):
        with pytest.raises(FunctionError) as timed_out:
            router.invoke("verify_pages", {"httpMethod": "GET", "path": "/verify/x"})
    assert timed_out.value.error_type == "Sandbox.Timedout" and "Task timed out after 0.50 seconds" in timed_out.value.message
    run = router.runs[-1]
    assert run.outcome == "Sandbox.Timedout" and run.environment not in router.environments_of("verify_pages")
    assert "Task timed out after 0.50 seconds" in (world.sandbox.workdir / "logs" / "verify_pages.log").read_text()


@pytest.mark.parametrize("timeouts, status", [(1, "SIAK_ENTRY"), (2, "FAILED")])
def test_sop3_the_check_past_its_timeout_is_tried_once_more_then_routed_to_record_failure(world, timeouts, status):
    """The completeness check only reads and checks: the state machine tries it once more after a timeout; a
    second timeout ends in RecordFailure."""
    router = world.sandbox.router
    draft = world.hospital.create(samples.application())
    application_id = draft["application_id"]
    world.hospital.upload(application_id, samples.documents_for([d["kind"] for d in draft["required_documents"]]))
    router.inject("completeness_check", Fault("bug", times=timeouts, target="functions.completeness_check.app:check",
                                              replacement="tests.bugs:hangs"))
    with router.timeout_changed("completeness_check", 0.5):
        world.hospital.submit(application_id)
        reached = world.hospital.wait_for_status(application_id, status)
    router.faults["completeness_check"].clear()
    if status == "FAILED":
        assert reached["failure"]["error"] == "Sandbox.Timedout"


def test_a_function_with_every_environment_busy_is_throttled():
    pool = Pool("intake_api", limit=1)
    taken = pool.take()
    with pytest.raises(Throttled):
        pool.take()
    pool.give_back(*taken, healthy=False)
    assert pool.take() == (None, 0)


def test_a_process_that_dies_is_answered_runtime_exit_error_and_a_result_over_6_mb_is_refused(world):
    router = world.sandbox.router
    event = {"httpMethod": "GET", "path": "/verify/x"}
    router.inject("verify_pages", Fault("bug", target="functions.verify_pages.app:handler", replacement="tests.bugs:exits"))
    with pytest.raises(FunctionError) as died:
        router.invoke("verify_pages", event)
    assert died.value.error_type == "Runtime.ExitError" and "exit status 3" in died.value.message
    assert router.runs[-1].environment not in router.environments_of("verify_pages")
    router.inject("verify_pages", Fault("bug", target="functions.verify_pages.app:handler",
                                        replacement="tests.bugs:answers_seven_megabytes"))
    with pytest.raises(FunctionError) as too_large:
        router.invoke("verify_pages", event)
    assert too_large.value.error_type == "Function.ResponseSizeTooLarge"


def test_an_aws_fault_is_answered_no_more_often_than_asked_by_overlapping_invocations(world):
    """Three throttles for intake_api: two status requests in flight at once answer them between them, once
    each attempt of boto3's three (one request ends 503, the other finds the table answering)."""
    from sandbox.lambdas import AwsFault

    application_id = world.hospital.create(samples.application())["application_id"]
    router = world.sandbox.router
    router.inject("intake_api", Fault("bug", times=2, target="akta.service.intake:status", replacement="tests.bugs:slow_status"))
    fault = router.inject_aws(AwsFault("dynamodb:GetItem", "ThrottlingException", times=3, function="intake_api",
                                       application_id=None))
    answers = at_once(2, lambda: requests.get(status_url(world, application_id), headers=world.hospital.headers, timeout=30))
    assert sorted(a.status_code for a in answers) == [200, 503]
    assert (fault.served, fault.times) == (3, 0)


def test_sop7_what_an_invocation_sent_before_it_timed_out_is_in_the_outbox(world):
    """A notice sent, then a hang past the timeout: the WhatsApp message and the email were sent, and the router
    knows it (the environment tells each as it happens, not with its answer, which never comes)."""
    from sandbox import scenarios

    completed = scenarios.complete_file(world).application_id
    router, outbox = world.sandbox.router, world.sandbox.whatsapp
    sent_before, calls_before = len(outbox.messages), router.call_counts["notify_applicant"]["ses:SendEmail"]
    router.inject("notify_applicant", Fault("bug", target="functions.notify_applicant.app:notify",
                                            replacement="tests.bugs:notifies_then_hangs"))
    with router.timeout_changed("notify_applicant", 2.5):  # warm: the notice and the email take a fraction of it
        with pytest.raises(FunctionError) as timed_out:
            router.invoke("notify_applicant", {"application_id": completed, "task_token": "t"})
    assert timed_out.value.error_type == "Sandbox.Timedout"
    assert [m.parameters[0] for m in outbox.messages[sent_before:]] == [completed]
    assert router.call_counts["notify_applicant"]["ses:SendEmail"] == calls_before + 1


def test_through_the_gateway_a_throttled_function_is_a_500_and_a_failed_authorizer_a_500_not_a_401(world):
    """As API Gateway answers them: Lambda's 429 is an integration failure (500); an authorizer that fails other
    than with "Unauthorized" is AUTHORIZER_FAILURE (500), so a valid key is never told it is unknown."""
    router = world.sandbox.router
    router.inject("facility_authorizer", Fault("bug", target="functions.facility_authorizer.app:handler",
                                               replacement="tests.bugs:exits"))
    failed = requests.get(f"{world.gateway.url}/v1/applications", headers=world.hospital.headers, timeout=30)
    assert failed.status_code == 500
    unknown = requests.get(f"{world.gateway.url}/v1/applications", headers={"Authorization": "Bearer nope"}, timeout=30)
    assert unknown.status_code == 401
    requests.get(f"{world.gateway.url}/verify/AK20261204-NOSUCHID", timeout=30)
    pool = router.pools["verify_pages"]
    limit, pool.limit = pool.limit, 0  # as a reserved concurrency of 0: every invocation is throttled
    try:
        throttled = requests.get(f"{world.gateway.url}/verify/AK20261204-NOSUCHID", timeout=30)
    finally:
        pool.limit = limit
    assert throttled.status_code == 500
