"""cdk-nag's AwsSolutions checks: nothing unsuppressed, and every suppression a known kind with its reason."""

from __future__ import annotations

import csv

import pytest
from test_synth import synthesized

from infra.cdk_app import nag_findings

# The kinds of findings the stack accepts, each with its reasons in infra/stack.py (suppress_findings).
ACCEPTED_RULES = {
    "AwsSolutions-IAM4",  # API Gateway's account-level CloudWatch role uses AWS's managed push-to-logs policy
    "AwsSolutions-IAM5",  # X-Ray / log delivery '*', object ARNs under the declared buckets, this machine's executions
    "AwsSolutions-L1",  # Python 3.13: the runtime the layers are built and tested for
    "AwsSolutions-APIG4",  # routes authenticated by their handlers (links, counter key, PIN) or public by design
    "AwsSolutions-COG4",  # no Cognito user pool: facility keys, staff links
}


@pytest.fixture(scope="module")
def synth():
    return synthesized()


@pytest.fixture(scope="module")
def report(synth) -> list[dict]:
    (path,) = synth.directory.glob("AwsSolutions-*-NagReport.csv")
    with path.open() as f:
        return list(csv.DictReader(f))


def test_no_unsuppressed_errors_or_warnings(synth):
    assembly = synth.app.synth()  # already synthesized: the same assembly, with cdk-nag's annotations
    assert nag_findings(assembly, "error") == []
    assert nag_findings(assembly, "warning") == []


def test_the_report_has_no_non_compliant_rule(report):
    assert report, "cdk-nag wrote no report"
    assert [r for r in report if r["Compliance"] == "Non-Compliant"] == []


def test_every_suppression_is_an_accepted_kind_with_a_reason(report):
    suppressed = [r for r in report if r["Compliance"] == "Suppressed"]
    assert {r["Rule ID"] for r in suppressed} <= ACCEPTED_RULES
    for row in suppressed:
        assert len(row["Exception Reason"]) >= 60, row


def test_only_the_expected_resources_carry_suppressions(report, synth):
    from infra.declaration import FUNCTIONS, ROUTES

    by_rule: dict[str, set[str]] = {}
    for row in report:
        if row["Compliance"] == "Suppressed":
            by_rule.setdefault(row["Rule ID"], set()).add(row["Resource ID"])
    assert len(by_rule.get("AwsSolutions-L1", ())) == len(FUNCTIONS)
    assert len(by_rule.get("AwsSolutions-APIG4", ())) == sum(1 for r in ROUTES if not r.authorizer)
    assert len(by_rule.get("AwsSolutions-COG4", ())) == len(ROUTES)
    assert by_rule.get("AwsSolutions-IAM4", set()) == {f"{synth.stack.node.id}/Api/CloudWatchRole/Resource"}
