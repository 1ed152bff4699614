"""`make bench`: the service's figures on the sandbox, each against a floor measured in the same run.

    python -m bench [--n 200] [--tail 20] [--cold-runs 5] [--render-runs 10] [--functions a,b]

Prints one table per measure and writes the same figures to bench/results/latest.json. Absolute times
depend on this shared 2-core machine; the ratios to floors taken in the same run are what to compare.
Exits non-zero only when a measurement could not be taken (a failed execution, a handler that failed
its representative event), not when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench import certificate, coldstart, cost, flow, machines
from infra.declaration import ASL_PATH
from sandbox.world import World

ROOT = Path(__file__).resolve().parent.parent
TAIL_TARGET_S = 2.0
THROUGHPUT_TARGET = 2.0  # real flow at most 2x the no-op engine floor's time per application
TAIL_FUNCTIONS = ("issue_certificate", "release_check", "notify_applicant")


def parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="applications per throughput run (default 200)")
    parser.add_argument("--tail", type=int, default=20, help="applications in the sequential pass (latency, cost)")
    parser.add_argument("--cold-runs", type=int, default=5, help="new execution environments per handler (default 5)")
    parser.add_argument("--render-runs", type=int, default=10, help="certificates rendered and signed (default 10)")
    parser.add_argument("--functions", default="", help="comma-separated handlers to cold-start (default: all declared)")
    parser.add_argument("--per-month", type=int, default=800, help="certificates a month, to spread the fixed cost")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed for each throughput run")
    parser.add_argument("--workdir", type=Path, default=ROOT / ".sandbox" / "bench", help="sandbox logs go here")
    parser.add_argument("--prices", type=Path, default=cost.PRICES)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args(argv)
    unknown = set(filter(None, args.functions.split(","))) - set(coldstart.declared_names())
    if unknown:
        parser.error(f"not declared functions: {', '.join(sorted(unknown))}")
    return args


def say(text: str) -> None:
    print(text, flush=True)  # in step with the progress lines on stderr


def main(argv=None) -> int:
    args = parse(argv)
    started = time.perf_counter()
    results: dict = {"meta": {
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs", "args": {k: str(v) for k, v in vars(args).items()},
        "note": "Absolute times are of this machine; compare the ratios to the floors measured in the same run.",
    }}
    problems: list[str] = []
    say(f"Benchmark: n={args.n}, sequential pass={args.tail}, cold runs={args.cold_runs}, render runs={args.render_runs}")

    say("\n6. Render + sign one certificate ...")
    results["render_sign"] = certificate.render_and_sign(args.render_runs)

    world = World(workdir=args.workdir)
    os.environ.update(world.sandbox.settings)  # the office's view, for the table sizes and items measured here
    try:
        router = world.sandbox.router
        hospital = flow.Hospital(world)
        results["idle_sweep"] = idle_sweep(world)

        say("\nA first application through the whole SOP (starts an execution environment of each function; later events use it) ...")
        warm = flow.sequential_pass(world, hospital, 1, label="warm-up application")[0].application_id

        say("\n1-2. Cold start and peak memory (new execution environments against the running moto) ...")
        names = [n for n in args.functions.split(",") if n] or coldstart.declared_names()
        events = coldstart.Events(world, hospital, flow.Mailroom(flow.Desk(world)), warm)
        progress = flow.Progress("cold starts", args.cold_runs * (len(names) + 1))
        cold = coldstart.measure(events, args.cold_runs, names, progress)
        results["cold_start"] = cold
        problems += [f"cold start {name}: {p}" for name, r in cold["functions"].items() for p in r.get("problems", [])]
        problems += [f"cold start floor: {p}" for p in cold["floor"]["problems"]]

        say(f"\n4. The automated tail, one application at a time ({args.tail}) ...")
        snapshot, uploads = cost.Snapshot(world), hospital.uploads
        tails = flow.sequential_pass(world, hospital, args.tail, label="sequential pass")
        usage = snapshot.usage(len(tails), [t.application_id for t in tails], hospital.uploads - uploads)
        results["tail_latency"] = tail_summary(tails, usage)

        say(f"\n3. Throughput: {args.n} applications through the whole SOP, three ways ...")
        drafts = hospital.drafts(args.n, "drafts (hospital API + uploads, not timed)")
        during_real = cost.Snapshot(world)
        real = flow.real_flow(world, drafts, args.timeout)
        real_timings = during_real.timings()
        environments = {name: {"environments": len(mbs), "peak_mb": round(mbs[0], 1), "declared_mb": router.functions[name].memory_mb}
                        for name, mbs in router.environment_memory().items() if mbs}
        asl = json.loads(ASL_PATH.read_text())
        noop_definition, handlers = machines.noop_machine(asl, router.arn)
        for name, handler in handlers.items():
            router.register(name, handler)
        noop = flow.engine_run(world, "no-op engine floor", "birth-certificate-noop", noop_definition, args.n, args.timeout)
        passing = flow.engine_run(world, "all-Pass machine", "birth-certificate-pass", machines.pass_machine(asl),
                                  args.n, args.timeout)
        results["throughput"] = throughput_summary(real, noop, passing)
        results["throughput"]["environments"] = environments
        results["throughput"]["handler_time"] = {"sequential_pass": handler_time(usage.timings, usage.certificates),
                                                 "real_flow": handler_time(real_timings, real.n)}
        problems += [f"{run.label}: {run.n - run.succeeded} of {run.n} did not succeed" for run in (real, noop, passing)
                     if run.succeeded != run.n]
        problems += [f"{run.label}: {error}" for run in (real, noop, passing) for error in run.errors[:3]]
    finally:
        world.close()

    prices = cost.load_prices(args.prices)
    results["cost"] = cost.per_certificate(usage, prices, cold["functions"], args.per_month)
    results["cost"]["idle_month"] = cost.idle_month(prices, results["idle_sweep"], args.per_month)
    results["cost"]["prices_status"] = prices["_status"]
    results["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    results["meta"]["problems"] = problems

    report(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nFigures written to {args.out} ({results['meta']['seconds']} s in all).")
    if problems:
        print("\nMeasurements that could not be taken cleanly:\n  " + "\n  ".join(problems))
        return 1
    return 0


def _where_row(where: dict) -> list:
    return [f"{where['clients']} ({', '.join(where['services'])})", where["client_s"], where["calls"], where["call_s"],
            where["rest_s"]]


def idle_sweep(world, runs: int = 3) -> dict:
    """The scheduled SLA sweeper on an idle deployment (nothing waits yet): its duration, logs, metrics."""
    router = world.sandbox.router
    name = "sla_sweeper"
    memory = router.functions[name].memory_mb
    log = router.log_dir / f"{name}.log"
    offset, seen = (log.stat().st_size if log.exists() else 0), len(router.timings[name])
    scans = router.call_counts[name]["dynamodb:Scan"]
    for _ in range(runs):
        router.invoke(name, {"source": "aws.events", "detail-type": "Scheduled Event",
                             "time": datetime.now(timezone.utc).isoformat()})
    with log.open("rb") as f:
        f.seek(offset)
        fresh = f.read()
    timings = router.timings[name][seen:]
    return {"runs": runs, "wall_s": round(statistics.median(t.wall_s for t in timings), 4),
            "billed_s": statistics.median(cost.lambda_seconds(t, memory) for t in timings),
            "log_bytes": len(fresh) / runs, "emf_series": len(cost.emf_series(fresh)),
            "scans": (router.call_counts[name]["dynamodb:Scan"] - scans) / runs,
            "tasks_table_bytes": cost.table_size(os.environ["TASKS_TABLE"])}


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def tail_summary(tails: list, usage) -> dict:
    seconds = [t.seconds for t in tails]
    handlers = {name: round(statistics.median(t.wall_s for t in usage.timings[name]), 4)
                for name in TAIL_FUNCTIONS if usage.timings.get(name)}
    p50 = statistics.median(seconds)
    return {
        "applications": len(tails), "p50_s": round(p50, 4), "p95_s": round(percentile(seconds, 0.95), 4),
        "max_s": round(max(seconds), 4), "target_p95_s": TAIL_TARGET_S, "met": percentile(seconds, 0.95) <= TAIL_TARGET_S,
        "email_p50_s": round(statistics.median(t.email_s for t in tails), 4),
        "whatsapp_p50_s": round(statistics.median(t.whatsapp_s for t in tails), 4),
        "handler_median_s": handlers,
        "rest_of_p50_s": round(p50 - sum(handlers.values()), 4),
        "note": "warm: every handler's execution environment already started (INIT done) by the flow before",
    }


def throughput_summary(real, noop, passing) -> dict:
    ratio = real.seconds / real.n / (noop.seconds / noop.n)
    return {
        "real": real.as_dict(), "noop_floor": noop.as_dict(), "all_pass": passing.as_dict(),
        "real_vs_noop_time_ratio": round(ratio, 2), "target_ratio": THROUGHPUT_TARGET, "met": ratio <= THROUGHPUT_TARGET,
        "noop_vs_pass_time_ratio": round(noop.seconds / noop.n / (passing.seconds / passing.n), 2),
        "note": "the real handlers run in execution environments (worker processes, up to each function's concurrency: "
                "sandbox/environments.py), the no-op stand-ins in the sandbox's process; both overlap",
    }


def handler_time(timings: dict, n: int) -> dict:
    """Where an application's time goes in the handlers: their seconds per application, alone and under load."""
    functions = {
        name: {"invocations": len(taken) / n, "median_s": round(statistics.median(t.wall_s for t in taken), 4),
               "seconds_per_application": round(sum(t.wall_s for t in taken) / n, 4),
               "cpu_seconds_per_application": round(sum(t.cpu_s for t in taken) / n, 4)}
        for name, taken in timings.items() if taken
    }
    ordered = dict(sorted(functions.items(), key=lambda item: -item[1]["seconds_per_application"]))
    return {"functions": ordered,
            "seconds_per_application": round(sum(f["seconds_per_application"] for f in functions.values()), 4)}


# -- printing -------------------------------------------------------------------------------------------------------

def table(title: str, headers: list[str], rows: list[list], notes: list[str] = ()) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  " + "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths))))
    print("  " + "  ".join("-" * w for w in widths))
    for row in cells:
        print("  " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    for note in notes:
        print(f"  {note}")


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def usd(value: float) -> str:
    return f"${value:.7f}" if value < 0.01 else f"${value:,.4f}"


def report(results: dict) -> None:
    cold = results["cold_start"]
    floor = cold["floor"]
    rows = [["floor (boto3 + Powertools, 1 DynamoDB call)", "floor", floor["import_s"], floor["invoke_s"],
             floor["total_s"], "1.00", "", ""]]
    for name, r in cold["functions"].items():
        if not r["measured"]:
            rows.append([name, "not measured", "", "", "", "", "", r["why"]])
            continue
        rows.append([name, r["kind"], r["import_s"], r["invoke_s"], r["total_s"], f"{r['ratio']:.2f}",
                     f"<= {r['target_ratio']}", verdict(r["met"])])
    table(f"1. Cold start: INIT + first invocation, median of {cold['runs']} new execution environments (seconds)",
          ["handler", "kind", "INIT", "1st call", "total", "x floor", "target", ""], rows)

    if floor.get("where"):
        rows = [["floor", *_where_row(floor["where"]), "1.00", ""]]
        rows += [[name, *_where_row(r["where"]), f"{r['where']['ratio_aws_work_aside']:.2f}", f"<= {r['target_ratio']}"]
                 for name, r in cold["functions"].items() if r.get("where")]
        table("1b. Where a start goes: one more start each, botocore's client building and calls timed (seconds)",
              ["handler", "clients", "building", "AWS calls", "in calls", "the rest", "x floor, AWS work aside", "target"], rows,
              ["the rest: imports (botocore's excepted: it is loaded first to be timed), Powertools, this code's own work",
               "x floor, AWS work aside: table 1's median less the clients and calls beyond the floor's one each, over the "
               "floor's median; what is left above the target is imports and code"])

    rows = [["floor", floor["max_rss_mb"], floor["memory_mb_declared"], f"{floor['max_rss_mb'] / floor['memory_mb_declared']:.0%}"]]
    rows += [[name, r["memory_mb"], r["declared_mb"], f"{r['memory_share']:.0%}"]
             for name, r in cold["functions"].items() if r["measured"]]
    table("2. Peak memory of that start (the environment's peak RSS, VmHWM, in MB) against the declared memory size",
          ["handler", "peak MB", "declared MB", "share"], rows)

    t = results["throughput"]
    floor_rate = t["noop_floor"]["applications_per_second"]
    rows = [[label, run["n"], run["succeeded"], run["seconds"], run["applications_per_second"],
             f"{floor_rate / run['applications_per_second']:.2f}" if run["applications_per_second"] else "-"]
            for label, run in (("real flow (API submit, staff pages, real handlers)", t["real"]),
                               ("no-op engine floor (same ASL, no-op Lambdas)", t["noop_floor"]),
                               ("all-Pass machine (Tasks -> Pass)", t["all_pass"]))]
    table("3. Throughput: applications through the whole SOP",
          ["run", "n", "succeeded", "seconds", "apps/s", "time x no-op"], rows,
          [f"real vs no-op floor: {t['real_vs_noop_time_ratio']}x the time per application "
           f"(target <= {t['target_ratio']}x): {verdict(t['met'])}",
           f"no-op floor vs all-Pass: {t['noop_vs_pass_time_ratio']}x (the cost of routing Lambda calls at all)",
           "Note: " + t["note"]])

    alone, loaded = t["handler_time"]["sequential_pass"], t["handler_time"]["real_flow"]
    rows = []
    for name, f in loaded["functions"].items():
        one = alone["functions"].get(name, {})
        rows.append([name, f"{f['invocations']:g}", one.get("median_s", ""), one.get("seconds_per_application", ""),
                     f["median_s"], f["seconds_per_application"], f["cpu_seconds_per_application"]])
    rows.append(["all handlers", "", "", alone["seconds_per_application"], "", loaded["seconds_per_application"], ""])
    table("3b. Where an application's time goes: handler seconds, one application at a time vs in the throughput run",
          ["handler", "calls", "alone: median", "s/certificate", f"n={t['real']['n']}: median", "s/app from submit", "CPU s/app"], rows,
          [f"real flow: {t['real']['seconds'] / t['real']['n']:.3f} s per application; no-op floor: "
           f"{t['noop_floor']['seconds'] / t['noop_floor']['n']:.3f} s; handlers overlap in their environments"])

    rows = [[name, e["environments"], e["peak_mb"], e["declared_mb"], f"{e['peak_mb'] / e['declared_mb']:.0%}"]
            for name, e in sorted(t["environments"].items())]
    table(f"3c. Execution environments after the real flow (n={t['real']['n']}): how many each function had, and the "
          "largest one's peak memory (VmHWM) against the declared size",
          ["function", "environments", "peak MB", "declared MB", "share"], rows)

    tail = results["tail_latency"]
    rows = [["head's POST -> email with PDF and WhatsApp sent", tail["p50_s"], tail["p95_s"], tail["max_s"],
             f"<= {tail['target_p95_s']}", verdict(tail["met"])]]
    table(f"4. Automated tail latency, {tail['applications']} applications one at a time (seconds)",
          ["span", "p50", "p95", "max", "p95 target", ""], rows,
          [f"email p50 {tail['email_p50_s']} s, WhatsApp p50 {tail['whatsapp_p50_s']} s; handlers (median): "
           + ", ".join(f"{k} {v} s" for k, v in tail["handler_median_s"].items())
           + f"; the rest (engine, routing, the head's POST) {tail['rest_of_p50_s']} s at p50", "Note: " + tail["note"]])

    c = results["cost"]
    rows = [[line["item"], f"{line['quantity']:.6g}", line["unit"], usd(line["usd"])] for line in c["lines"]]
    rows.append(["Total variable cost per certificate (excl. WhatsApp)", "", "", usd(c["variable_usd"])])
    cold_case = c["if_every_invocation_is_cold"]
    notes = [f"target <= ${c['target_usd']}: {verdict(c['met'])}"]
    if cold_case:
        notes.append(f"if every invocation were a cold start (INIT billed since 2025-08-01): +{cold_case['init_gb_s']} GB-s, "
                     f"{usd(cold_case['variable_usd'])} per certificate")
    scans = c["scans"]
    if scans["per_certificate"]:
        crossed = scans["target_crossed_after_certificates"]
        by = ", ".join(f"{name} {count:g}" for name, count in scans["by_function"].items())
        notes.append(f"Scans: {scans['per_certificate']:g} per certificate ({by}) read the whole applications table: "
                     f"{usd(scans['usd_on_todays_table'])} on the sandbox's table, {usd(scans['usd_after_12_months'])} after "
                     f"12 months at {scans['certificates_per_month']} a month (the line above); without them "
                     f"{usd(scans['variable_usd_without_scans'])}"
                     + (f"; with them the target is crossed once the table holds ~{crossed:,} applications"
                        if crossed is not None else ""))
    if not c["kms_requests"]:
        notes.append(f"KMS: no request in this run (the sandbox signs with PKCS#12, the buckets use SSE-S3); signing "
                     f"through a KMS key would add one asymmetric Sign, {usd(c['kms_signer_usd'])} per certificate")
    notes.append(f"state transitions per certificate: {c['transitions']['per_certificate']:g} "
                 f"(retries {c['transitions']['retries']:g}): {' > '.join(c['transitions']['states'])}")
    express = c["express"]
    for stretch in express.get("stretches", []):
        notes.append(f"Express child for {' > '.join(stretch['states'])}: saves {stretch['transitions_saved']} transitions, "
                     f"net {usd(stretch['usd_saved'])} per certificate")
    notes.append(f"Express children in all: {usd(express.get('usd_saved_per_certificate', 0))} saved per certificate "
                 f"({express.get('transitions_saved_per_certificate', 0)} transitions)")
    notes.append(f"WhatsApp: {c['whatsapp']['messages_per_certificate']:g} notice(s) per certificate at "
                 f"{usd(c['whatsapp']['usd_per_notice'])} each (AWS fee + Meta utility template, Indonesia) = "
                 f"{usd(c['whatsapp']['usd_per_certificate'])}")
    notes.append("Prices: " + c["prices_status"][:120] + "...")
    table(f"5. Cost of one certificate on AWS (ap-southeast-3), counted over {c['certificates']} certificates",
          ["item", "quantity", "unit", "USD"], rows, notes)

    idle = c["idle_month"]
    rows = [[line["item"], f"{line['quantity']:.6g}", line["unit"], usd(line["usd"])] for line in idle["lines"]]
    rows.append(["Fixed monthly cost of an idle deployment", "", "", usd(idle["usd"])])
    table("5b. Fixed monthly cost, idle", ["item", "quantity", "unit", "USD/month"], rows,
          [f"= {usd(idle['usd_per_certificate'])} per certificate at {idle['certificates_per_month']} a month"]
          + [f"Assumption: {a}" for a in idle["assumptions"]])

    r = results["render_sign"]
    table(f"6. Render + sign one certificate (median of {r['runs']})",
          ["step", "seconds"], [["render_pdf (fpdf2 + QR)", r["render_s"]], ["Pkcs12Signer.sign (pyHanko PAdES)", r["sign_s"]],
                                ["render + sign", r["render_and_sign_s"]], ["check_signature (release check)", r["check_s"]]],
          [f"PDF: {r['unsigned_bytes']:,} bytes unsigned, {r['pdf_bytes']:,} bytes signed"])


if __name__ == "__main__":
    sys.exit(main())
