"""The adapters' protocols (akta.service.ports): the AWS adapters and the in-memory fakes both keep them."""

from __future__ import annotations

import inspect

import pytest

from akta.adapters.archive import Archive
from akta.adapters.executions import Callbacks, Executions
from akta.adapters.identity import StaffPool
from akta.adapters.mail import Mailer
from akta.adapters.records import Records
from akta.adapters.tasks import TaskStore
from akta.adapters.whatsapp import WhatsApp
from akta.certificate.signing import PadesSigner
from akta.service import ports
from akta.wiring import Wiring
from tests import fakes

PAIRS = [
    (ports.Records, Records, fakes.FakeRecords),
    (ports.Tasks, TaskStore, fakes.FakeTasks),
    (ports.Archive, Archive, fakes.FakeArchive),
    (ports.Mail, Mailer, fakes.FakeMail),
    (ports.WhatsApp, WhatsApp, fakes.FakeWhatsApp),
    (ports.Executions, Executions, fakes.FakeExecutions),
    (ports.Callbacks, Callbacks, fakes.FakeCallbacks),
    (ports.Signer, PadesSigner, fakes.FakeSigner),
    (ports.Identity, StaffPool, fakes.FakeIdentity),
]


def _methods(protocol) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(member) for name, member in vars(protocol).items()
            if callable(member) and not name.startswith("_")}


def _shape(signature: inspect.Signature) -> list[tuple[str, object]]:
    return [(p.name, p.kind) for p in signature.parameters.values()]


@pytest.mark.parametrize("protocol, real, fake", PAIRS, ids=[p[0].__name__ for p in PAIRS])
def test_the_adapter_and_its_fake_take_every_call_of_the_protocol_with_the_same_parameters(protocol, real, fake):
    for name, expected in _methods(protocol).items():
        for implementation in (real, fake):
            assert hasattr(implementation, name), f"{implementation.__name__} lacks {name}"
            assert _shape(inspect.signature(getattr(implementation, name))) == _shape(expected), \
                f"{implementation.__name__}.{name}"


def test_the_wiring_and_the_fakes_offer_every_adapter_a_service_may_reach():
    names = set(inspect.get_annotations(ports.Adapters))
    assert names <= {n for n in dir(Wiring) if not n.startswith("_")} | {"config"}
    assert names <= set(inspect.get_annotations(fakes.FakeAdapters))
