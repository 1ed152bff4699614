"""Shared fixtures. The sandbox (moto's server, the Lambda router, the gateway) starts once per session,
only for the tests that ask for it; every test makes its own applications, so they do not interfere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The functions run in this process, and Powertools' Logger and Metrics read these once, when akta.observability
# is first imported: whichever test imports it first (a unit test importing a service, before the sandbox set
# the declared environment) must not leave the metrics without their namespace. The values are those
# infra/declaration.py gives every function.
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "akta-kelahiran")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "AktaKelahiran")

FLOW_DIR = Path(__file__).parent / "flow"


class FlowRun:
    """What this session ran of tests/flow. The least-privilege test reads the calls the flow tests made
    through the session's sandbox; "granted but never called" only means something after all of them passed."""

    def __init__(self):
        self.collected: set[str] = set()
        self.deselected: list[str] = []
        self.not_passed: dict[str, str] = {}  # nodeid -> failed | skipped

    def incomplete(self, config) -> str | None:
        """Why the flow tests' record is not the whole flow, or None when it is."""
        files = {p.name for p in FLOW_DIR.glob("test_*.py")}
        missing = sorted(files - {nodeid.split("::")[0].rsplit("/", 1)[-1] for nodeid in self.collected})
        partial = [arg for arg in config.args if "::" in arg and "flow" in Path(arg.split("::")[0]).parts]
        if missing == sorted(files):
            return "the flow tests (tests/flow) did not run in this session"
        if missing or partial or self.deselected:
            return f"only part of tests/flow ran (not collected: {missing or '-'}, selected by id: {partial or '-'}, " \
                   f"deselected: {len(self.deselected)})"
        if self.not_passed:
            return f"{len(self.not_passed)} flow test(s) did not pass: {sorted(self.not_passed)[:5]}"
        return None


_FLOW_RUN = FlowRun()


def _in_flow(item) -> bool:
    return FLOW_DIR in Path(str(item.path)).parents


def pytest_configure(config):
    config.addinivalue_line("markers", "after_flow: runs after every other test (reads the flow tests' record of calls)")


@pytest.hookimpl(trylast=True)  # after -k/-m deselection, so it sees what will really run
def pytest_collection_modifyitems(config, items):
    last = [item for item in items if item.get_closest_marker("after_flow")]
    items[:] = [item for item in items if not item.get_closest_marker("after_flow")] + last
    _FLOW_RUN.collected = {item.nodeid for item in items if _in_flow(item)}


def pytest_deselected(items):
    _FLOW_RUN.deselected += [item.nodeid for item in items if _in_flow(item)]


def pytest_runtest_logreport(report):
    # An expected failure (xfail) ran through the sandbox all the same: its calls are in the record.
    if report.nodeid in _FLOW_RUN.collected and (report.failed or (report.skipped and not hasattr(report, "wasxfail"))):
        _FLOW_RUN.not_passed[report.nodeid] = report.outcome


@pytest.fixture(scope="session")
def flow_run() -> FlowRun:
    return _FLOW_RUN


@pytest.fixture(scope="session")
def world(tmp_path_factory):
    from sandbox.world import World

    world = World(workdir=tmp_path_factory.mktemp("sandbox"))
    yield world
    world.close()


@pytest.fixture
def sfn(world):
    import boto3

    return boto3.client("stepfunctions")


@pytest.fixture
def office_environment(world, monkeypatch):
    """The admin command's environment as an operator sets it from the stack's outputs: every setting."""
    for name, value in world.sandbox.settings.items():
        monkeypatch.setenv(name, value)
