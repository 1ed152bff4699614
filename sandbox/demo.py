"""`make demo`: three applications through all nine SOP steps on the sandbox, timelines against the mutu baku."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sandbox.actors import attribute_values
from sandbox.scenarios import SCENARIOS, Outcome
from sandbox.world import World


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.1f} dtk" if seconds < 60 else f"{seconds / 60:.1f} mnt"


def print_timeline(outcome: Outcome) -> None:
    print(f"\n== Skenario {outcome.name}: {outcome.application_id} -> {outcome.status['status']}")
    print(f"   {'Langkah':<8}{'Pelaksana (SOP)':<30}{'Dikerjakan oleh':<20}{'Target':>9}{'Jam kerja':>11}"
          f"{'Waktu nyata':>12}  {'Sesuai target?':<15}Hasil")
    for row in outcome.status["timeline"]:
        within = {True: "ya", False: "TIDAK", None: "-"}[row["within_target"]]
        notes = f" [{', '.join(row['notes'])}]" if row["notes"] else ""
        print(f"   {row['sop_step']:<8}{row['sop_actor']:<30}{row['actor_label']:<20}{_duration(row['target_seconds']):>9}"
              f"{_duration(row['actual_seconds']):>11}{_duration(row['wall_seconds']):>12}  {within:<15}{row['outcome']}{notes}")


STATES = {"valid": "SAH", "revoked": "DICABUT", "unknown": "TIDAK DIKENAL"}


def print_verification(world: World, outcome: Outcome) -> None:
    """The issued certificate as anyone would check it: its signature, and the QR code's public page."""
    import boto3
    import requests

    from akta.adapters.archive import certificate_key
    from akta.certificate.layout import read_embedded_record
    from akta.certificate.signing import check_signature

    pdf = boto3.client("s3").get_object(Bucket=world.sandbox.buckets["ARCHIVE"],
                                        Key=certificate_key(outcome.application_id))["Body"].read()
    signature = check_signature(pdf, [world.sandbox.pki.ca_cert_pem])
    url = read_embedded_record(pdf)["verification_url"]
    page = requests.get(url, timeout=30)
    (state,) = attribute_values(page.text, "data-state")
    compared = requests.post(url, files={"pdf": ("akta.pdf", pdf, "application/pdf")}, timeout=30).text
    print(f"   Akta: {len(pdf):,} bita, TTE {'sah' if signature.valid else 'TIDAK SAH'} ({signature.signer_common_name}); "
          f"verifikasi QR {url} -> {STATES.get(state, state)}; "
          f"PDF {'identik dengan' if 'SAMA PERSIS' in compared else 'BERBEDA dari'} arsip")


def main() -> int:
    started = time.monotonic()
    world = World(workdir=Path(".sandbox"), schedule_every=30)
    failures = 0
    try:
        print(f"Sandbox: AWS (moto) {world.sandbox.endpoint}, gateway {world.gateway.url}")
        print("Target mutu baku dihitung dalam jam kerja kantor (WIB, hari kerja, di luar hari libur nasional dan cuti bersama).")
        for scenario in SCENARIOS:
            try:
                outcome = scenario(world)
            except Exception as error:  # noqa: BLE001 - report and go on to the next scenario
                print(f"\n== Skenario {scenario.__name__} GAGAL: {type(error).__name__}: {error}")
                failures += 1
                continue
            print_timeline(outcome)
            print_verification(world, outcome)
            if not outcome.ok:
                failures += 1
        mails = world.sandbox.mailbox.sent()
        print(f"\nEmail terkirim: {len(mails)} (akta terlampir: {sum(1 for m in mails if m.attachments)}); "
              f"WhatsApp terkirim: {len(world.sandbox.whatsapp.messages)}; log fungsi: {world.sandbox.workdir / 'logs'}")
    finally:
        world.close()
    print(f"\n{len(SCENARIOS) - failures}/{len(SCENARIOS)} skenario selesai sesuai harapan dalam {time.monotonic() - started:.1f} detik.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
