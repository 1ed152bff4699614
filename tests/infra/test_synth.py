"""The production stack is synthesized from the same declaration and ASL file the sandbox runs."""

from __future__ import annotations

import json
import os

import pytest

from infra.declaration import ASL_PATH, FUNCTIONS, GATEWAY_RESPONSES, ROUTES, placeholders

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    from aws_cdk.assertions import Template

    from infra.cdk_app import build_app

    app = build_app(str(tmp_path_factory.mktemp("cdk.out")))
    (stack,) = [c for c in app.node.children if c.node.id == "AktaKelahiran"]
    return Template.from_stack(stack).to_json()


def resources(template, kind):
    return {k: v["Properties"] for k, v in template["Resources"].items() if v["Type"] == kind}


def test_every_declared_function_is_one_lambda_with_its_memory_timeout_and_layers(template):
    functions = resources(template, "AWS::Lambda::Function")
    by_description = {p.get("Description"): p for p in functions.values()}
    for f in FUNCTIONS:
        props = by_description[f.summary]
        assert props["Handler"] == "app.handler"
        assert props["Runtime"] == "python3.13" and props["Architectures"] == ["arm64"]
        assert (props["MemorySize"], props["Timeout"]) == (f.memory_mb, f.timeout_s)
        assert len(props["Layers"]) == (2 if f.pdf_layer else 1)


def test_the_state_machine_is_the_asl_file_with_every_placeholder_bound(template):
    (machine,) = resources(template, "AWS::StepFunctions::StateMachine").values()
    assert machine["DefinitionString"] == ASL_PATH.read_text()
    assert set(machine["DefinitionSubstitutions"]) == set(placeholders())
    assert machine["StateMachineType"] == "STANDARD"
    assert machine["LoggingConfiguration"]["IncludeExecutionData"] is False
    assert machine["TracingConfiguration"]["Enabled"] is True


def test_every_declared_route_reaches_its_function_and_facility_routes_need_a_key(template):
    paths = {p["PathPart"] for p in resources(template, "AWS::ApiGateway::Resource").values()}
    for route in ROUTES:
        assert route.path.rstrip("/").split("/")[-1] in paths
    methods = list(resources(template, "AWS::ApiGateway::Method").values())
    assert len(methods) == len(ROUTES)
    assert sum(m["AuthorizationType"] == "CUSTOM" for m in methods) == sum(1 for r in ROUTES if r.authorizer)
    (authorizer,) = resources(template, "AWS::ApiGateway::Authorizer").values()
    assert authorizer["Type"] == "TOKEN" and authorizer["IdentitySource"] == "method.request.header.Authorization"


def test_the_gateways_own_refusals_use_the_apis_error_shape(template):
    responses = {r["ResponseType"]: r for r in resources(template, "AWS::ApiGateway::GatewayResponse").values()}
    assert set(responses) == set(GATEWAY_RESPONSES)
    body = json.loads(responses["UNAUTHORIZED"]["ResponseTemplates"]["application/json"])
    assert body["error"]["code"] == "unauthenticated"


def test_the_archive_is_versioned_with_object_lock_and_uploads_expire(template):
    buckets = list(resources(template, "AWS::S3::Bucket").values())
    archive = [b for b in buckets if b.get("ObjectLockEnabled")]
    assert len(archive) == 1 and archive[0]["VersioningConfiguration"]["Status"] == "Enabled"
    uploads = [b for b in buckets if "LifecycleConfiguration" in b]
    assert uploads[0]["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 7
    assert all(b["PublicAccessBlockConfiguration"]["BlockPublicAcls"] for b in buckets)
    assert json.dumps(template).count("aws:SecureTransport") == len(buckets)


def test_scheduled_functions_run_on_their_declared_rate(template):
    rules = [r for r in resources(template, "AWS::Events::Rule").values() if "ScheduleExpression" in r]
    declared = [f for f in FUNCTIONS if f.schedule_minutes]
    assert sorted(r["ScheduleExpression"] for r in rules) == sorted(f"rate({f.schedule_minutes} minutes)" for f in declared)


def test_the_public_verification_route_is_throttled(template):
    (stage,) = resources(template, "AWS::ApiGateway::Stage").values()
    throttled = {s["ResourcePath"]: s["ThrottlingRateLimit"] for s in stage["MethodSettings"]}
    declared = {r.path: r.rate_limit for r in ROUTES if r.rate_limit}
    assert len(throttled) == len(declared) and set(throttled.values()) == set(declared.values())
