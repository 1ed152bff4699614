"""`make demo`: three applications through all nine SOP steps on the sandbox, timelines against the mutu baku."""

from __future__ import annotations

import sys
import time
from pathlib import Path

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
