"""The production stack is synthesized from the same declaration and ASL file the sandbox runs.

`synthesized()` synthesizes once per test session (it takes seconds); tests/infra/test_stack*.py,
test_nag*.py and test_cfn_lint*.py import it from here.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.declaration import ASL_PATH, FUNCTIONS, GATEWAY_RESPONSES, ROUTES, placeholders

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")


@dataclass
class Synthesized:
    app: object
    stack: object  # infra.stack.BirthCertificateStack
    directory: Path
    template: dict
    seconds: float

    def resources(self, kind: str) -> dict[str, dict]:
        return {k: v.get("Properties", {}) for k, v in self.template["Resources"].items() if v["Type"] == kind}

    def logical_id(self, construct) -> str:
        """The logical id of a construct (or of its CloudFormation resource) in this template."""
        resource = getattr(construct.node, "default_child", None) or construct
        return self.stack.resolve(self.stack.get_logical_id(resource))


@functools.cache
def synthesized(**context) -> Synthesized:
    """The app of infra/cdk_app.py (cdk.json's context, cdk-nag's checks), synthesized into a temporary folder.

    Assets are not staged (copying the layers is the slow part and not what these tests check).
    """
    from infra.cdk_app import STACK_ID, build_app

    outdir = Path(tempfile.mkdtemp(prefix="akta-cdk-out-"))
    atexit.register(shutil.rmtree, outdir, ignore_errors=True)
    started = time.monotonic()
    app = build_app(str(outdir), context={"aws:cdk:disable-asset-staging": True, **context})
    assembly = app.synth()
    seconds = time.monotonic() - started
    template = json.loads((Path(assembly.directory) / f"{STACK_ID}.template.json").read_text())
    return Synthesized(app, app.node.find_child(STACK_ID), Path(assembly.directory), template, seconds)


@pytest.fixture(scope="module")
def synth() -> Synthesized:
    return synthesized()


def test_the_stack_synthesizes_in_reasonable_time(synth):
    print(f"synth: {synth.seconds:.1f} s")
    assert synth.seconds < 180


def test_the_stack_is_in_the_region_from_context_jakarta_by_default(synth):
    assert synth.stack.region == "ap-southeast-3"


def test_every_declared_function_is_one_lambda_with_its_memory_timeout_and_layers(synth):
    by_description = {p.get("Description"): p for p in synth.resources("AWS::Lambda::Function").values()}
    assert len(by_description) == len(FUNCTIONS)
    for f in FUNCTIONS:
        props = by_description[f.summary]
        assert props["Handler"] == "app.handler"
        assert props["Runtime"] == "python3.13" and props["Architectures"] == ["arm64"]
        assert (props["MemorySize"], props["Timeout"]) == (f.memory_mb, f.timeout_s)
        assert len(props["Layers"]) == 1 + len(f.layers)


def test_the_state_machine_is_the_asl_file_with_every_placeholder_bound(synth):
    (machine,) = synth.resources("AWS::StepFunctions::StateMachine").values()
    assert machine["DefinitionString"] == ASL_PATH.read_text()
    assert set(machine["DefinitionSubstitutions"]) == set(placeholders())
    assert machine["StateMachineType"] == "STANDARD"
    assert machine["LoggingConfiguration"]["IncludeExecutionData"] is False
    assert machine["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["TracingConfiguration"]["Enabled"] is True


def test_every_declared_route_reaches_its_function_and_facility_routes_need_a_key(synth):
    paths = {p["PathPart"] for p in synth.resources("AWS::ApiGateway::Resource").values()}
    for route in ROUTES:
        assert route.path.rstrip("/").split("/")[-1] in paths
    methods = list(synth.resources("AWS::ApiGateway::Method").values())
    assert len(methods) == len(ROUTES)
    assert sum(m["AuthorizationType"] == "CUSTOM" for m in methods) == sum(1 for r in ROUTES if r.authorizer)
    (authorizer,) = synth.resources("AWS::ApiGateway::Authorizer").values()
    assert authorizer["Type"] == "TOKEN" and authorizer["IdentitySource"] == "method.request.header.Authorization"


def test_the_gateways_own_refusals_use_the_apis_error_shape(synth):
    responses = {r["ResponseType"]: r for r in synth.resources("AWS::ApiGateway::GatewayResponse").values()}
    assert set(responses) == set(GATEWAY_RESPONSES)
    for kind, (status, code, _) in GATEWAY_RESPONSES.items():
        assert responses[kind]["StatusCode"] == str(status)
        body = json.loads(responses[kind]["ResponseTemplates"]["application/json"])
        assert body["error"]["code"] == code and body["error"]["fields"] == []


def test_scheduled_functions_run_on_an_eventbridge_scheduler_schedule_at_their_declared_rate(synth):
    schedules = list(synth.resources("AWS::Scheduler::Schedule").values())
    declared = [f for f in FUNCTIONS if f.schedule_minutes]
    assert sorted(s["ScheduleExpression"] for s in schedules) == sorted(f"rate({f.schedule_minutes} minutes)" for f in declared)
    assert not [r for r in synth.resources("AWS::Events::Rule").values() if "ScheduleExpression" in r]
    for schedule in schedules:
        # The handler reads the scheduled instant from "time", as from an EventBridge scheduled event.
        assert json.loads(schedule["Target"]["Input"]) == {"time": "<aws.scheduler.scheduled-time>"}
        assert schedule["State"] == "ENABLED"


def test_the_public_verification_route_has_its_own_tighter_throttle(synth):
    (stage,) = synth.resources("AWS::ApiGateway::Stage").values()
    settings = {s["ResourcePath"]: s for s in stage["MethodSettings"]}
    stage_wide = settings.pop("/*")
    declared = {r.path: r.rate_limit for r in ROUTES if r.rate_limit}
    assert len(settings) == len(declared)
    for setting in settings.values():
        assert setting["ThrottlingRateLimit"] in declared.values()
        assert setting["ThrottlingRateLimit"] < stage_wide["ThrottlingRateLimit"]
        assert setting["LoggingLevel"] == "ERROR" and setting["DataTraceEnabled"] is False
