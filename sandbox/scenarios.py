"""The three demo scenarios, played by the scripted hospital, staff and counter on the real flow."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sandbox import samples
from sandbox.world import World


@dataclass
class Outcome:
    name: str
    application_id: str
    status: dict
    expected_status: str = "COMPLETED"

    @property
    def ok(self) -> bool:
        return self.status["status"] == self.expected_status


def _approve_all(world: World, application_id: str, payload: dict) -> None:
    """SOP 4-6: the operator registers in SIAK, the verifier approves, the head signs."""
    world.operator.register(application_id, payload)
    world.verifier.decide(world.verifier.link_for(application_id), decision="approve").raise_for_status()
    world.head.decide(world.head.link_for(application_id), decision="approve").raise_for_status()


def complete_file(world: World) -> Outcome:
    """(a) A complete file: signed certificate by email, notice by WhatsApp."""
    payload = samples.application(email="success@simulator.amazonses.com", whatsapp="0812-1111-0001")
    draft = world.hospital.create(payload)
    application_id = draft["application_id"]
    world.hospital.upload(application_id, samples.documents_for([d["kind"] for d in draft["required_documents"]]))
    world.hospital.submit(application_id)
    _approve_all(world, application_id, payload)
    return Outcome("a: lengkap, akta dikirim lewat email", application_id,
                   world.hospital.wait_for_status(application_id, "COMPLETED", "FAILED"))


def missing_document(world: World) -> Outcome:
    """(b) A document is missing: returned with reasons, fixed, resubmitted, certificate issued."""
    payload = samples.application(email="success@simulator.amazonses.com", whatsapp="0812-1111-0002")
    draft = world.hospital.create(payload)
    application_id = draft["application_id"]
    kinds = [d["kind"] for d in draft["required_documents"]]
    world.hospital.upload(application_id, samples.documents_for([k for k in kinds if k != "kartu_keluarga"]))
    world.hospital.submit(application_id)
    returned = world.hospital.wait_for_status(application_id, "RETURNED", "FAILED")
    assert any(r["field"] == "documents.kartu_keluarga" for r in returned["reasons"]), returned["reasons"]
    world.hospital.upload(application_id, samples.documents_for(["kartu_keluarga"]))
    world.hospital.resubmit(application_id)
    _approve_all(world, application_id, payload)
    return Outcome("b: dokumen kurang, dikembalikan, dilengkapi", application_id,
                   world.hospital.wait_for_status(application_id, "COMPLETED", "FAILED"))


def email_bounces(world: World) -> Outcome:
    """(c) The email bounces: pickup code by WhatsApp, handed over at the Drive-Thru counter."""
    whatsapp = "0812-1111-0003"
    payload = samples.application(email="bounce@simulator.amazonses.com", whatsapp=whatsapp)
    draft = world.hospital.create(payload)
    application_id = draft["application_id"]
    world.hospital.upload(application_id, samples.documents_for([d["kind"] for d in draft["required_documents"]]))
    world.hospital.submit(application_id)
    _approve_all(world, application_id, payload)
    world.hospital.wait_for_status(application_id, "DRIVE_THRU", "FAILED")
    pickup = pickup_code(world, "+6281211110003", application_id)
    world.counter.hand_over(pickup).raise_for_status()
    return Outcome("c: email memantul, diambil di Drive Thru", application_id,
                   world.hospital.wait_for_status(application_id, "COMPLETED", "FAILED"))


def pickup_code(world: World, number: str, application_id: str, timeout: float = 30.0) -> str:
    """The code in the latest Drive-Thru notice to `number`, waited for as the applicant waits for it: the step
    shows DRIVE_THRU before its notice has gone out."""
    deadline = time.monotonic() + timeout
    while True:
        messages = [m for m in world.sandbox.whatsapp.to(number)
                    if m.template == "akta_kelahiran_drive_thru" and m.parameters[0] == application_id]
        if messages:
            return messages[-1].parameters[1]
        if time.monotonic() > deadline:
            raise TimeoutError(f"no Drive-Thru notice to {number} about {application_id}")
        time.sleep(0.05)


SCENARIOS = (complete_file, missing_document, email_bounces)
