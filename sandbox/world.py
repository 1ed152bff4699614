"""The sandbox with its gateway and the scripted people, ready to play the SOP."""

from __future__ import annotations

from pathlib import Path

from sandbox.actors import Counter, HeadOfOffice, Hospital, Operator, StaffMember
from sandbox.aws import SANDBOX_HEAD_PIN, SANDBOX_STAFF, SANDBOX_STAFF_PASSWORD, Sandbox
from sandbox.gateway import GatewayServer


class World:
    def __init__(self, workdir: Path = Path(".sandbox"), timeouts: dict | None = None, gateway_port: int = 0,
                 schedule_every: float | None = None):
        self.sandbox = Sandbox(workdir=workdir, timeouts=timeouts or {}).start()
        if schedule_every:  # tests call scheduled functions themselves, at the instants they choose
            self.sandbox.run_schedules(schedule_every)
        self.gateway = GatewayServer(self.sandbox.router, gateway_port).start()
        self.sandbox.set_public_base_url(self.gateway.url)
        self.hospital = Hospital(self.gateway.url, self.sandbox.facility_key)
        self.operator = self.staff("operator", Operator, siak=self.sandbox.siak)
        self.verifier = self.staff("verifier")
        self.head = self.staff("head", HeadOfOffice, pin=SANDBOX_HEAD_PIN)
        self.supervisor = self.staff("supervisor")
        self.counter = Counter(self.gateway.url, self.sandbox.counter_key, self.staff("drive_thru"))

    def staff(self, role: str, kind: type = StaffMember, **more) -> StaffMember:
        """A scripted staff member of the sandbox's directory, with their own account (and browser)."""
        person = SANDBOX_STAFF[role]
        return kind(person["email"], self.sandbox.mailbox, username=person["staff_id"], password=SANDBOX_STAFF_PASSWORD,
                    totp_secret=self.sandbox.totp_secrets[person["staff_id"]], **more)

    def close(self) -> None:
        self.gateway.stop()
        self.sandbox.stop()
