"""`make bench` works end to end: the benchmark runs once with a tiny N and writes every measure.

It runs as a subprocess with its own sandbox, apart from the session's (tests/conftest.py). Nothing about
time or money is asserted: the benchmark measures, it does not judge.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# One handler of each kind is cold-started here, to stay quick; `make bench` starts them all.
COLD = ("intake_api", "staff_pages", "issue_certificate", "complete_application")


def test_the_benchmark_runs_end_to_end_and_reports_every_measure(tmp_path):
    out = tmp_path / "latest.json"
    # A clean environment: not the session sandbox's AWS endpoint, tables or timeouts.
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    env["PYTHONPATH"] = f"{ROOT / 'layers/shared/python'}{os.pathsep}{ROOT}"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--n", "2", "--tail", "1", "--cold-runs", "1", "--render-runs", "1",
         "--functions", ",".join(COLD), "--workdir", str(tmp_path / "sandbox"), "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]

    for title in ("1. Cold start", "1b. Where a start goes", "2. Peak memory", "3. Throughput", "3c. Execution environments", "4. Automated tail", "5. Cost of one certificate",
                  "5b. Fixed monthly cost", "6. Render + sign"):
        assert title in done.stdout
    results = json.loads(out.read_text())

    cold = results["cold_start"]
    assert cold["floor"]["total_s"] > 0
    measured = {name: r for name, r in cold["functions"].items() if r["measured"]}
    assert set(measured) == set(COLD)
    assert all(r["ratio"] > 0 and r["memory_mb"] > 0 and r["declared_mb"] > 0 for r in measured.values())
    # Where a start goes: the floor builds its one client and makes its one call; the issuer signs with KMS.
    floor = cold["floor"]["where"]
    assert floor["services"] == ["dynamodb"] and list(floor["operations"]) == ["dynamodb:GetItem"] and floor["calls"] == 1
    assert "kms" in measured["issue_certificate"]["where"]["services"]
    assert all(r["where"]["calls"] >= 1 and r["where"]["ratio_aws_work_aside"] > 0 for r in measured.values())

    throughput = results["throughput"]
    environments = throughput["environments"]  # the real flow's environments, each within its declared memory
    assert environments["intake_api"]["environments"] >= 1
    assert all(0 < e["peak_mb"] < e["declared_mb"] for e in environments.values())
    for run in ("real", "noop_floor", "all_pass"):
        assert throughput[run]["succeeded"] == 2 and throughput[run]["applications_per_second"] > 0
    assert results["tail_latency"]["applications"] == 1 and results["tail_latency"]["p95_s"] > 0

    money = results["cost"]
    assert money["transitions"]["per_certificate"] >= len(money["transitions"]["states"]) > 0
    assert money["transitions"]["states"][-1] == "Done"
    assert money["variable_usd"] > 0 and money["whatsapp"]["usd_per_notice"] > 0 and money["idle_month"]["usd"] > 0
    assert money["prices_status"].startswith("TO BE REFRESHED BEFORE USE")

    certificate = results["render_sign"]
    assert certificate["pdf_bytes"] > certificate["unsigned_bytes"] > 0
