"""Least privilege, proven against the sandbox.

Each function's IAM policy is built from its declaration (infra/declaration.py): `actions` on its `tables` and
`buckets`, plus `implicit` actions, each with its reason. The sandbox's Lambda router records the IAM actions
every handler really called, and on which tables and buckets, while the flow tests (tests/flow) ran on the
session's sandbox. These tests compare the two:

- a called action that is not declared, or a table or bucket touched that is not declared, fails at once;
- a declared action never called (and not implicit), a declared function never invoked, or a declared table
  or bucket never touched fails only when the whole of tests/flow ran and passed in this session (the record
  is complete then); otherwise these tests skip, or fail under CI=true.

They run after every other test (marker `after_flow`, ordered in tests/conftest.py), so a full run's record also
includes what tests/functions and tests/browser made the handlers call: that can only add calls.
"""

from __future__ import annotations

import os
import re

import pytest

from infra.declaration import BUCKETS, FUNCTIONS, TABLES

pytestmark = pytest.mark.after_flow

KINDS = {"table": ("tables", {t.key for t in TABLES}), "bucket": ("buckets", {b.key for b in BUCKETS})}
IAM_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9]+$")  # one action, no wildcard


@pytest.fixture(scope="module")
def router(world):
    return world.sandbox.router


@pytest.fixture(scope="module")
def keys(world) -> dict[tuple[str, str], str]:
    """The sandbox's table and bucket names, back to their declaration keys."""
    return {("table", name): key for key, name in world.sandbox.tables.items()} | \
           {("bucket", name): key for key, name in world.sandbox.buckets.items()}


@pytest.fixture(scope="module")
def complete(flow_run, request):
    """Checks of what was *not* called need the whole flow's record."""
    reason = flow_run.incomplete(request.config)
    if reason:
        reason = f"the record of calls is incomplete: {reason}; run tests/flow with this test"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def report(problems: list[str]) -> str:
    return f"{len(problems)} problem(s) with infra/declaration.py FUNCTIONS:\n  " + "\n  ".join(problems)


def test_the_declaration_is_well_formed():
    problems = []
    for f in FUNCTIONS:
        for kind, (field, known) in KINDS.items():
            problems += [f"{f.name}: {field} names {key!r}, which is not a declared {kind}"
                         for key in getattr(f, field) if key not in known]
        problems += [f"{f.name}: {action} is implicit without a reason" for action, why in f.implicit if not why.strip()]
        granted = list(f.actions) + [action for action, _ in f.implicit]
        problems += [f"{f.name}: {action!r} is not one IAM action" for action in granted if not IAM_ACTION.match(action)]
        problems += [f"{f.name}: {action} is listed twice in actions and implicit"
                     for action in sorted({a for a in granted if granted.count(a) > 1})]
    assert not problems, report(problems)


def test_every_action_a_function_called_is_declared(router):
    problems = []
    for f in FUNCTIONS:
        implicit = {action for action, _ in f.implicit}
        for action in sorted(router.called_actions.get(f.name, ())):
            if action in implicit:
                problems.append(f"{f.name}: {action} was called, so it belongs in actions, not implicit")
            elif action not in f.actions:
                problems.append(f"{f.name}: called {action}, which is not granted (add it to actions)")
    assert not problems, report(problems)


def test_every_table_and_bucket_a_function_touched_is_declared(router, keys):
    problems = []
    for f in FUNCTIONS:
        for resource in sorted(router.touched(f.name)):
            kind, name = resource
            field = KINDS[kind][0]
            key = keys.get(resource)
            if key is None:
                problems.append(f"{f.name}: touched the {kind} {name!r}, which the sandbox did not create from the declaration")
            elif key not in getattr(f, field):
                actions = sorted(a for a, on in router.called_on[f.name].items() if resource in on)
                problems.append(f"{f.name}: called {', '.join(actions)} on the {kind} {key}, which is not in its {field}")
    assert not problems, report(problems)


def test_every_declared_function_was_invoked_by_the_flow(router, complete):
    never = [f.name for f in FUNCTIONS if not router.invocations.get(f.name)]
    assert not never, report([f"{name}: never invoked, so its policy is unproven (add a flow test that runs it)"
                              for name in never])


def test_every_granted_action_was_called_or_is_implicit_with_its_reason(router, complete):
    problems = [f"{f.name}: {action} is granted but the flow never called it (exercise it in "
                "tests/flow, remove it, or declare it implicit with why)"
                for f in FUNCTIONS if router.invocations.get(f.name)
                for action in f.actions if action not in router.called_actions.get(f.name, ())]
    assert not problems, report(problems)


def test_every_declared_table_and_bucket_was_touched(router, keys, complete):
    problems = []
    for f in FUNCTIONS:
        if not router.invocations.get(f.name):
            continue  # reported by the invocation test
        touched = {keys.get(resource) for resource in router.touched(f.name)}
        implicit_services = {action.split(":")[0] for action, _ in f.implicit}
        for kind, (field, _) in KINDS.items():
            service = "dynamodb" if kind == "table" else "s3"
            problems += [f"{f.name}: {field} declares {key}, but no call touched it and no implicit {service} action "
                         "explains it" for key in getattr(f, field) if key not in touched and service not in implicit_services]
    assert not problems, report(problems)
