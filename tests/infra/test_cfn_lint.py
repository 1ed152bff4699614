"""cfn-lint on the synthesized template: no error, and no warning outside the one CDK always causes."""

from __future__ import annotations

import pytest
from test_synth import synthesized

# W3005: CDK adds a DependsOn on a function's role beside the GetAtt that already orders them; harmless.
ACCEPTED_WARNINGS = {"W3005"}


@pytest.fixture(scope="module")
def matches():
    from cfnlint.api import ManualArgs, lint

    synth = synthesized()
    template = (synth.directory / f"{synth.stack.node.id}.template.json").read_text()
    return lint(template, config=ManualArgs(regions=[synth.stack.region]))


def test_no_cfn_lint_errors(matches):
    errors = [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches if m.rule.id.startswith("E")]
    assert errors == []


def test_no_unexpected_cfn_lint_warnings(matches):
    warnings = [f"{m.rule.id} {m.message}" for m in matches
                if m.rule.id.startswith("W") and m.rule.id not in ACCEPTED_WARNINGS]
    assert warnings == []
