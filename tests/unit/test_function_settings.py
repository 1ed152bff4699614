"""Each function's own settings: declared once, written only to it, read and checked once at its start."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from akta.config import CATALOGUE, DECLARED, Config, SettingsError, load
from infra.declaration import FUNCTIONS, function_environment

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "layers" / "shared" / "python" / "akta"
# Where the process environment may be read: the settings themselves, the wiring's default, and the AWS
# clients, which read only what the Lambda runtime sets (region, endpoint).
ENVIRONMENT_READERS = {SHARED / "config.py", SHARED / "wiring.py", SHARED / "adapters" / "aws.py"}


def test_a_declared_setting_that_is_missing_or_malformed_is_named_at_start():
    environ = {DECLARED: "APPLICATIONS_TABLE,MAIL_FROM,PUBLIC_BASE_URL", "MAIL_FROM": "akta-at-example",
               "PUBLIC_BASE_URL": "https://akta.example.go.id/"}
    with pytest.raises(SettingsError) as wrong:
        load(environ)
    assert str(wrong.value) == ("settings: APPLICATIONS_TABLE: missing; MAIL_FROM: not an email address; "
                                "PUBLIC_BASE_URL: not https://host (without a path or trailing slash)")


def test_a_function_without_the_list_of_its_settings_does_not_start():
    with pytest.raises(SettingsError, match=DECLARED):
        load({"APPLICATIONS_TABLE": "t"})


def test_a_setting_the_function_did_not_declare_cannot_be_read():
    config = load({DECLARED: "APPLICATIONS_TABLE", "APPLICATIONS_TABLE": "t", "MAIL_FROM": "akta@example.go.id"})
    assert config["APPLICATIONS_TABLE"] == "t"
    with pytest.raises(SettingsError, match="MAIL_FROM is not among this function's settings"):
        config["MAIL_FROM"]  # present in the environment, but not this function's


def test_a_setting_with_a_default_may_be_left_out_and_is_parsed():
    config = load({DECLARED: "WAIT_TIMEOUTS"})
    assert config["WAIT_TIMEOUTS"] == {}
    assert Config.of(WAIT_TIMEOUTS='{"operator": 7200}')["WAIT_TIMEOUTS"] == {"operator": 7200}
    with pytest.raises(SettingsError, match="WAIT_TIMEOUTS"):
        Config.of(WAIT_TIMEOUTS='{"operator": -1}')


def test_every_declared_setting_is_in_the_catalogue_and_each_function_gets_only_its_own():
    values = {name: "https://akta.example.go.id" for name in CATALOGUE}
    for f in FUNCTIONS:
        assert set(f.setting_names) <= set(CATALOGUE), f.name
        env = function_environment(f, values)
        assert env[DECLARED].split(",") == list(f.setting_names)
        assert {k for k in env if k in CATALOGUE} == set(f.setting_names), f.name


def test_a_deployment_without_a_value_for_a_declared_setting_does_not_synthesize():
    human_task = next(f for f in FUNCTIONS if f.name == "human_task")
    with pytest.raises(ValueError, match="human_task.*MAIL_FROM"):
        function_environment(human_task, {"APPLICATIONS_TABLE": "a", "TASKS_TABLE": "t"})


def test_the_wiring_builds_an_adapter_only_when_a_service_first_asks_for_it():
    from akta.wiring import Wiring

    wiring = Wiring(Config.of(APPLICATIONS_TABLE="applications"))
    assert not {"records", "tasks", "archive", "mail"} & set(vars(wiring))
    with pytest.raises(SettingsError, match="TASKS_TABLE"):
        wiring.tasks  # not this function's setting: refused before any client is made


def _reads_environment(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv") and \
                isinstance(node.value, ast.Name) and node.value.id == "os":
            lines.append(node.lineno)
    return lines


def test_functions_and_the_shared_package_read_settings_only_through_their_config():
    sources = [*sorted((ROOT / "functions").glob("*/app.py")), *sorted(SHARED.rglob("*.py"))]
    readers = {str(p.relative_to(ROOT)): lines for p in sources
               if p not in ENVIRONMENT_READERS and (lines := _reads_environment(p))}
    assert readers == {}
