"""A function starts the way Lambda starts it: with its own declared settings only, read once."""

from __future__ import annotations

import pytest

from akta.config import SettingsError
from infra.declaration import FUNCTIONS
from sandbox.environments import FunctionError


def test_a_function_missing_one_of_its_declared_settings_fails_at_start_naming_it(world):
    router = world.sandbox.router
    with router.settings_changed("human_task", MAIL_FROM=None):
        with pytest.raises(FunctionError, match="MAIL_FROM: missing") as failed:
            router.invoke("human_task", {"application_id": "AK20261202-NOSTART0", "task_token": "t",
                                         "state": "EnterIntoSiak"})
    assert failed.value.error_type == "SettingsError"
    assert router._module("human_task").adapters.config["MAIL_FROM"]  # started again, with it


def test_each_started_function_holds_exactly_its_declared_settings(world):
    router = world.sandbox.router
    for f in FUNCTIONS:
        config = router._module(f.name).adapters.config
        assert set(config.values) == set(f.setting_names), f.name


def test_a_setting_a_function_did_not_declare_is_refused_even_though_the_deployment_has_it(world):
    verify = world.sandbox.router._module("verify_pages")  # the public page: the applications table, nothing else
    assert "MAIL_FROM" in world.sandbox.settings
    with pytest.raises(SettingsError, match="MAIL_FROM"):
        verify.adapters.mail


def test_after_a_failed_start_the_next_invocation_starts_a_new_environment(world):
    router = world.sandbox.router
    with router.settings_changed("human_task", MAIL_FROM=None):
        for _ in range(2):  # each one a start of its own that fails the same way, never a dead environment
            with pytest.raises(FunctionError) as failed:
                router.invoke("human_task", {"application_id": "AK20261202-NOSTART0", "task_token": "t",
                                             "state": "EnterIntoSiak"})
            assert failed.value.error_type == "SettingsError"
        assert router.environments_of("human_task") == []
