"""The hospital API keeps its published contract. Schemathesis reads the OpenAPI document the API serves and
sends what it generates from it (boundary cases, then valid and invalid data) with the seeded facility's key:
every answer must be a documented status code, in the documented content type and schema, and never a 5xx."""

from __future__ import annotations

import base64
import json
import time
from collections import Counter, defaultdict

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import EnvironBuilder

from akta.domain.documents import ACCEPTED_CONTENT_TYPES, DOCUMENT_KINDS
from sandbox import samples

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Fuzzing examples per operation, after schemathesis's own boundary cases (its coverage phase).
FUZZ_POSITIVE, FUZZ_NEGATIVE = 50, 30
ON_DRAFTS = 30  # operations on one application: valid data aimed at the test's own drafts, not random ids
VALID = 15  # bodies the API accepts (a valid application, requested documents), so the 2xx schemas get checked
MIN_REQUESTS = 1000


@pytest.fixture(scope="module")
def schema(world):
    return schemathesis.openapi.from_url(world.gateway.url + "/v1/openapi.json", timeout=30)


@pytest.fixture(scope="module")
def auth(world):
    return {"Authorization": f"Bearer {world.sandbox.facility_key}"}


@pytest.fixture(scope="module")
def drafts(world, auth):
    api = world.gateway.url + "/v1/applications"
    return [requests.post(api, json=samples.application(), headers=auth, timeout=30).json()["application_id"]
            for _ in range(2)]


class Sender:
    """Sends each case, validates the answer with schemathesis's checks, and counts (failures are collected)."""

    def __init__(self, base_url: str, auth: dict):
        self.base_url, self.auth = base_url, auth
        self.session = requests.Session()
        self.sent: dict[str, Counter[str]] = defaultdict(Counter)  # operation -> phase -> requests
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
        self.failures: list[str] = []

    def __call__(self, case, phase: str) -> None:
        label = case.operation.label
        response = case.call(base_url=self.base_url, session=self.session, headers=self.auth, timeout=60)
        self.sent[label][phase] += 1
        self.statuses[label][response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=self.auth)
        except (FailureGroup, Exception) as failure:  # noqa: BLE001 - collected and reported together
            self.failures.append(f"{label} ({phase}): {failure}")


def test_every_generated_request_gets_a_documented_answer_and_never_a_server_error(world, schema, auth, drafts):
    send = Sender(world.gateway.url, auth)
    access_log = world.gateway.gateway.urls
    log_start = len(access_log)
    started = time.monotonic()
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            generation = schema.config.generation_for(operation=operation, phase="coverage")
            for case in schema.iter_coverage_cases(operation, generation_modes=list(GenerationMode),
                                                   generation_config=generation):
                send(case, "coverage")
            for name, strategy, examples in fuzzing(operation, drafts):
                explore(strategy, examples, lambda case, phase=name: send(case, phase))
    finally:
        # Other tests read the sandbox gateway's access log for application ids; these random ones are not theirs.
        del access_log[log_start:]
    elapsed = time.monotonic() - started

    for label in sorted(send.sent):
        phases = ", ".join(f"{phase} {n}" for phase, n in send.sent[label].items())
        print(f"{label}: {send.sent[label].total()} requests ({phases}); statuses {dict(sorted(send.statuses[label].items()))}")
    total = sum(c.total() for c in send.sent.values())
    print(f"total: {total} requests in {elapsed:.1f}s, {len(send.failures)} failed checks")
    assert not send.failures, "\n\n".join(send.failures[:10])
    assert total >= MIN_REQUESTS


def fuzzing(operation, drafts: list[str]):
    """(phase name, strategy, examples) for one operation."""
    yield "positive", operation.as_strategy(GenerationMode.POSITIVE), FUZZ_POSITIVE
    yield "negative", operation.as_strategy(GenerationMode.NEGATIVE), FUZZ_NEGATIVE
    on_draft = "{application_id}" in operation.path
    if on_draft:
        yield "on drafts", st.sampled_from(drafts).flatmap(
            lambda draft: operation.as_strategy(path_parameters={"application_id": draft})), ON_DRAFTS
    bodies = VALID_BODIES.get(operation.label)
    if bodies is not None:
        ids = st.sampled_from(drafts) if on_draft else st.none()
        yield "valid", st.tuples(ids, bodies).flatmap(lambda pair: operation.as_strategy(
            path_parameters={"application_id": pair[0]} if pair[0] else None, body=pair[1])), VALID


VALID_BODIES = {
    "POST /v1/applications": st.integers(10_000, 10**6).map(lambda n: samples.application(seed=n)),
    "PUT /v1/applications/{application_id}": st.integers(10_000, 10**6).map(lambda n: samples.application(seed=n)),
    "POST /v1/applications/{application_id}/uploads": st.dictionaries(
        st.sampled_from(sorted(DOCUMENT_KINDS)), st.sampled_from(sorted(ACCEPTED_CONTENT_TYPES)), min_size=1, max_size=5,
    ).map(lambda documents: {"documents": documents}),
}


def explore(strategy, examples: int, send) -> None:
    @given(case=strategy)
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def each(case):
        send(case)

    each()


# -- what the generated requests cannot reach through the sandbox's gateway ---------------------------------

@pytest.mark.parametrize("base64_encoded", [True, False], ids=["as binary", "as text"])
@pytest.mark.parametrize("method, path", [("POST", ""), ("PUT", "/{draft}"), ("POST", "/{draft}/uploads")])
def test_a_body_that_is_not_utf8_is_a_400_in_the_error_shape(world, auth, drafts, method, path, base64_encoded):
    """As API Gateway would hand it to the Lambda: base64 (a binary media type) or text with replaced bytes."""
    gateway = world.gateway.gateway
    path = "/v1/applications" + path.format(draft=drafts[0])
    request = EnvironBuilder(path=path, method=method, headers=auth, content_type="application/json", data=b"{}").get_request()
    route, match = next((route, pattern.match(path)) for route, pattern in gateway.routes
                        if pattern.match(path) and route.method in ("ANY", method))
    event = gateway.event(request, route, match.groupdict())
    event["requestContext"]["authorizer"] = gateway.authorize(route, request)
    raw = b'\xff\xfe{"child": \x80}'
    event["body"] = base64.b64encode(raw).decode() if base64_encoded else raw.decode("utf-8", errors="replace")
    event["isBase64Encoded"] = base64_encoded
    result = world.sandbox.router.invoke(route.function, event)
    assert result["statusCode"] == 400
    assert json.loads(result["body"])["error"]["code"] == "malformed_request"


@pytest.mark.parametrize("content_type, body, status", [
    ("application/x-www-form-urlencoded", "child=Putri", {"POST": 400, "PUT": 400, "uploads": 422}),
    ("multipart/form-data; boundary=akta", '--akta\r\nContent-Disposition: form-data; name="child"\r\n\r\nPutri\r\n--akta--\r\n',
     {"POST": 400, "PUT": 400, "uploads": 422}),
    ("multipart/form-data", "--akta--\r\n", {"POST": 400, "PUT": 400, "uploads": 400}),  # no boundary
    ("text/plain", "{}", {"POST": 415, "PUT": 415, "uploads": 415}),
    ("application/xml", "<child/>", {"POST": 415, "PUT": 415, "uploads": 415}),
])
def test_a_body_that_is_not_json_gets_a_documented_answer(world, schema, auth, drafts, content_type, body, status):
    """Schemathesis sends only the declared media type (and one probe): the others by hand, checked the same way."""
    api = world.gateway.url + "/v1/applications"
    for kind, method, url, operation in [("POST", "POST", api, schema["/v1/applications"]["POST"]),
                                         ("PUT", "PUT", f"{api}/{drafts[1]}", schema["/v1/applications/{application_id}"]["PUT"]),
                                         ("uploads", "POST", f"{api}/{drafts[1]}/uploads",
                                          schema["/v1/applications/{application_id}/uploads"]["POST"])]:
        response = requests.request(method, url, data=body.encode(), headers={**auth, "Content-Type": content_type}, timeout=30)
        case = operation.Case(path_parameters={"application_id": drafts[1]} if "{application_id}" in operation.path else None)
        case.validate_response(response, checks=CHECKS, headers=auth)
        assert response.status_code == status[kind], f"{kind}: {response.text}"
