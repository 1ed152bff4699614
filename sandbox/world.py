"""The sandbox with its gateway and the scripted people, ready to play the SOP."""

from __future__ import annotations

from pathlib import Path

from sandbox.actors import Counter, HeadOfOffice, Hospital, Operator, StaffMember
from sandbox.aws import SANDBOX_HEAD_PIN, SANDBOX_STAFF, Sandbox
from sandbox.gateway import GatewayServer


class World:
    def __init__(self, workdir: Path = Path(".sandbox"), timeouts: dict | None = None, gateway_port: int = 0,
                 schedule_every: float | None = None):
        self.sandbox = Sandbox(workdir=workdir, timeouts=timeouts or {}).start()
        if schedule_every:  # tests call scheduled functions themselves, at the instants they choose
            self.sandbox.run_schedules(schedule_every)
        self.gateway = GatewayServer(self.sandbox.router, gateway_port).start()
        self.sandbox.set_public_base_url(self.gateway.url)
        mailbox = self.sandbox.mailbox
        self.hospital = Hospital(self.gateway.url, self.sandbox.facility_key)
        self.operator = Operator(SANDBOX_STAFF["operator"]["email"], mailbox, self.sandbox.siak)
        self.verifier = StaffMember(SANDBOX_STAFF["verifier"]["email"], mailbox)
        self.head = HeadOfOffice(SANDBOX_STAFF["head"]["email"], mailbox, SANDBOX_HEAD_PIN)
        self.counter = Counter(self.gateway.url, self.sandbox.counter_key)

    def close(self) -> None:
        self.gateway.stop()
        self.sandbox.stop()
