"""Shared fixtures. The sandbox (moto's server, the Lambda router, the gateway) starts once per session,
only for the tests that ask for it; every test makes its own applications, so they do not interfere."""

from __future__ import annotations

import pytest


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
