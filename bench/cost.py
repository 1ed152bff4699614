"""Measure 5: what one certificate costs on AWS, priced from bench/prices_ap-southeast-3.json.

Everything counted comes from a run of the real flow on the sandbox (`Usage`): state transitions from
the execution histories, Lambda invocations and their measured durations, the AWS calls each function
made, the bytes each function logged, the files the hospital uploaded, the mail SES accepted, the
WhatsApp messages sent. Durations are scaled to Lambda's CPU share (a function with M MB gets M/1769 of a
vCPU): CPU seconds measured here on a full core take that much longer there; waiting does not.
"""

from __future__ import annotations

import json
import math
import os
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import boto3

from infra.declaration import ASL_PATH, FUNCTIONS, ROUTES, placeholders
from sandbox.aws import ACCOUNT, REGION

PRICES = Path(__file__).resolve().parent / "prices_ap-southeast-3.json"
FULL_VCPU_MB = 1769  # Lambda memory at which a function has one full vCPU
PLATFORM_LOG_BYTES = 300  # START, END and REPORT lines Lambda writes for every invocation
MONTH_MINUTES = 30 * 24 * 60
TARGET_USD = 0.001

S3_PUT_CLASS = ("Put", "Copy", "List", "Post", "Create", "Upload", "Complete")
DYNAMODB_READS = ("GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems")


def load_prices(path: Path = PRICES) -> dict:
    document = json.loads(path.read_text())
    return {name: entry["usd"] for name, entry in document["prices"].items()} | {"_status": document["status"]}


# -- what a run consumed ---------------------------------------------------------------------------------------

@dataclass
class Usage:
    """The router's records, before and after a run: the difference is what the run consumed."""

    certificates: int = 0
    invocations: Counter = field(default_factory=Counter)
    calls: dict = field(default_factory=dict)  # function -> Counter("service:Action")
    timings: dict = field(default_factory=dict)  # function -> [Timing]
    log_bytes: int = 0
    emf_series: set = field(default_factory=set)
    histories: list = field(default_factory=list)
    uploads: int = 0
    emails_with_attachment_bytes: int = 0
    whatsapp_messages: int = 0
    record_bytes: int = 0  # the application's DynamoDB record (its biggest item)
    events_bytes: int = 0  # all of its timeline events (one Query reads them)
    other_item_bytes: int = 0  # the mean of its other items
    table_bytes: int = 0  # the whole applications table now, as a Scan of it reads it
    application_bytes: int = 0  # what one certificate's application leaves in that table (mean)


class Snapshot:
    def __init__(self, world):
        self.world, router = world, world.sandbox.router
        self.invocations = Counter(router.invocations)
        self.calls = {name: Counter(counts) for name, counts in router.call_counts.items()}
        self.seen = {name: len(timings) for name, timings in router.timings.items()}  # invocations timed so far
        self.logs = {path: path.stat().st_size for path in router.log_dir.glob("*.log")}
        self.whatsapp = len(world.sandbox.whatsapp.messages)
        self.mail = len(_sent_messages())

    def timings(self) -> dict:
        """Each function's invocations since the snapshot (Timing per invocation)."""
        return {name: timings[self.seen.get(name, 0):] for name, timings in self.world.sandbox.router.timings.items()}

    def usage(self, certificates: int, application_ids: list[str], uploads: int) -> Usage:
        router = self.world.sandbox.router
        usage = Usage(certificates=certificates, uploads=uploads)
        usage.invocations = Counter(router.invocations) - self.invocations
        usage.calls = {name: Counter(counts) - self.calls.get(name, Counter()) for name, counts in router.call_counts.items()}
        usage.timings = self.timings()
        for path in router.log_dir.glob("*.log"):
            with path.open("rb") as log:
                log.seek(self.logs.get(path, 0))
                fresh = log.read()
            usage.log_bytes += len(fresh)
            usage.emf_series |= emf_series(fresh)
        usage.whatsapp_messages = len(self.world.sandbox.whatsapp.messages) - self.whatsapp
        usage.emails_with_attachment_bytes = sum(len(m.raw_data) for m in _sent_messages()[self.mail:]
                                                 if getattr(m, "raw_data", None) and "Content-Disposition: attachment" in m.raw_data)
        sfn = boto3.client("stepfunctions")
        usage.histories = [_history(sfn, self.world.sandbox.execution(a)) for a in application_ids]
        usage.record_bytes, usage.events_bytes, usage.other_item_bytes = _item_sizes(application_ids[-1])
        usage.table_bytes = table_size(os.environ["APPLICATIONS_TABLE"])
        usage.application_bytes = statistics.mean(_application_bytes(a) for a in application_ids)
        return usage


def emf_series(log: bytes) -> set:
    """The distinct CloudWatch metric series (namespace, name, dimensions) in EMF lines of a log."""
    series = set()
    for line in log.splitlines():
        if b'"_aws"' not in line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        for directive in record.get("_aws", {}).get("CloudWatchMetrics", []):
            for dimensions in directive.get("Dimensions", []) or [[]]:
                key = tuple((d, str(record.get(d))) for d in dimensions)
                for metric in directive.get("Metrics", []):
                    series.add((directive.get("Namespace"), metric["Name"], key))
    return series


def _sent_messages() -> list:
    from moto.ses.models import ses_backends

    return ses_backends[ACCOUNT][REGION].sent_messages


def _history(sfn, execution_arn: str) -> list[dict]:
    events, token = [], None
    while True:
        page = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000, **({"nextToken": token} if token else {}))
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def table_size(name: str) -> int:
    """Bytes of every item in a table."""
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=name)
    return sum(item_bytes(item) for page in pages for item in page["Items"])


def _application_items(application_id: str) -> list[dict]:
    return boto3.client("dynamodb").query(
        TableName=os.environ["APPLICATIONS_TABLE"], KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"APP#{application_id}"}})["Items"]


def _application_bytes(application_id: str) -> int:
    """The application's items, and its certificate's public record (CERT#), in the applications table."""
    items = _application_items(application_id)
    total = sum(item_bytes(i) for i in items)
    record = next((i for i in items if i["sk"]["S"] == "META"), {})
    certificate_id = record.get("certificate", {}).get("M", {}).get("certificate_id", {}).get("S")
    if certificate_id:
        found = boto3.client("dynamodb").get_item(TableName=os.environ["APPLICATIONS_TABLE"],
                                                  Key={"pk": {"S": f"CERT#{certificate_id}"}, "sk": {"S": "META"}})
        total += item_bytes(found.get("Item", {}))
    return total


def _item_sizes(application_id: str) -> tuple[int, int, int]:
    items = _application_items(application_id)
    record = sum(item_bytes(i) for i in items if i["sk"]["S"] == "META")
    events = sum(item_bytes(i) for i in items if i["sk"]["S"].startswith("EVENT#"))
    others = [item_bytes(i) for i in items if i["sk"]["S"] != "META"]
    return record, events, int(statistics.mean(others)) if others else 0


def item_bytes(item: dict) -> int:
    """A DynamoDB item's size as DynamoDB counts it (attribute names plus values), roughly."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _value_bytes(value: dict) -> int:
    (kind, content), = value.items()
    if kind in ("S", "N"):
        return len(content.encode())
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + item_bytes(content)
    if kind == "L":
        return 3 + sum(_value_bytes(v) for v in content)
    return sum(len(str(v).encode()) for v in content)  # string, number and binary sets


# -- pricing -------------------------------------------------------------------------------------------------------

def transitions(history: list[dict]) -> dict:
    """State transitions as Step Functions bills them: every state entered, plus every retried attempt."""
    entered = [e for e in history if e["type"].endswith("StateEntered")]
    scheduled = sum(1 for e in history if e["type"] in ("TaskScheduled", "LambdaFunctionScheduled"))
    task_states = sum(1 for e in history if e["type"] == "TaskStateEntered")
    retries = max(0, scheduled - task_states)
    return {"entered": len(entered), "retries": retries, "billed": len(entered) + retries,
            "states": [e["stateEnteredEventDetails"]["name"] for e in entered]}


def lambda_seconds(timing, memory_mb: int) -> float:
    """The measured invocation, as Lambda would bill it at `memory_mb` (CPU share scaled, rounded up to 1 ms)."""
    cpu = min(timing.cpu_s, timing.wall_s)
    seconds = cpu * max(1.0, FULL_VCPU_MB / memory_mb) + (timing.wall_s - cpu)
    return math.ceil(seconds * 1000) / 1000


def state_machine_log_bytes(history: list[dict]) -> int:
    """Log level ALL without execution data: each history event, less its inputs and outputs."""
    total = 0
    for event in history:
        slim = {k: ({d: v for d, v in details.items() if d not in ("input", "output", "parameters", "result")}
                    if isinstance(details, dict) else details) for k, details in event.items()}
        total += len(json.dumps(slim, default=str))
    return total


def read_units(action: str, usage: Usage) -> int:
    """Strongly consistent reads: 1 unit per 4 KB. A Query reads the timeline; the rest, the record.
    (Scans are priced apart: they read the whole table.)"""
    size = usage.events_bytes if action == "Query" else usage.record_bytes
    return max(1, math.ceil(size / 4096))


def scan_units(table_bytes: float) -> int:
    """A strongly consistent Scan reads every item: 1 unit per 4 KB of the table, whatever it returns."""
    return max(1, math.ceil(table_bytes / 4096))


def write_units(action: str, usage: Usage) -> int:
    """1 unit per KB written. An update is charged as a write of the whole application record, twice
    (its copy in the by_facility index, projection ALL); a put or delete as one of the record's other items."""
    if action == "UpdateItem":
        return 2 * max(1, math.ceil(usage.record_bytes / 1024))
    return max(1, math.ceil(usage.other_item_bytes / 1024))


def per_certificate(usage: Usage, prices: dict, cold: dict | None, per_month: int) -> dict:
    n = usage.certificates
    memory = {f.name: f.memory_mb for f in FUNCTIONS}
    api_functions = {route.function for route in ROUTES}
    calls = Counter()
    for counts in usage.calls.values():
        calls.update(counts)

    counted = [transitions(h) for h in usage.histories]
    billed_transitions = statistics.mean(t["billed"] for t in counted)
    invocations = sum(usage.invocations.values()) / n
    gb_s = sum(lambda_seconds(t, memory.get(name, 128)) * memory.get(name, 128) / 1024
               for name, timings in usage.timings.items() for t in timings) / n
    gb_s_unscaled = sum(t.wall_s * memory.get(name, 128) / 1024 for name, timings in usage.timings.items() for t in timings) / n
    init_gb_s = None
    if cold:
        init_gb_s = sum(count * cold[name]["import_s"] * memory[name] / 1024
                        for name, count in usage.invocations.items() if cold.get(name, {}).get("measured")) / n
    api_requests = sum(count for name, count in usage.invocations.items() if name in api_functions) / n

    dynamodb = {action.split(":", 1)[1]: count for action, count in calls.items() if action.startswith("dynamodb:")}
    reads = sum(count * read_units(action, usage) for action, count in dynamodb.items()
                if action.startswith(DYNAMODB_READS) and action != "Scan") / n
    scans = dynamodb.get("Scan", 0) / n
    bytes_per_application = usage.application_bytes
    year_table_bytes = bytes_per_application * 12 * per_month
    scanners = {name: counts["dynamodb:Scan"] / n for name, counts in usage.calls.items() if counts.get("dynamodb:Scan")}
    writes = sum(count * write_units(action, usage) for action, count in dynamodb.items() if not action.startswith(DYNAMODB_READS)) / n
    s3 = {action.split(":", 1)[1]: count for action, count in calls.items() if action.startswith("s3:")}
    s3_put = (sum(c for a, c in s3.items() if a.startswith(S3_PUT_CLASS)) + usage.uploads) / n
    s3_get = sum(c for a, c in s3.items() if not a.startswith(S3_PUT_CLASS)) / n
    emails = sum(c for a, c in calls.items() if a.startswith("ses:Send")) / n
    attachment_gb = usage.emails_with_attachment_bytes / n / 1e9
    kms = {a: c / n for a, c in calls.items() if a.startswith("kms:")}
    kms_sign = kms.get("kms:Sign", 0)
    log_gb = (usage.log_bytes + PLATFORM_LOG_BYTES * sum(usage.invocations.values())
              + sum(state_machine_log_bytes(h) for h in usage.histories)) / n / 1e9

    lines = [
        ("Step Functions state transitions", billed_transitions, "transitions", prices["stepfunctions_standard_transition"]),
        ("X-Ray trace (state machine tracing on)", 1, "traces", prices["xray_trace_recorded"]),
        ("Lambda requests", invocations, "requests", prices["lambda_request"]),
        ("Lambda duration (arm64, CPU share scaled)", gb_s, "GB-s", prices["lambda_arm_gb_second"]),
        ("API Gateway REST requests", api_requests, "requests", prices["apigateway_rest_request"]),
        ("AWS WAF requests inspected (the same API requests)", api_requests, "requests", prices["waf_request"]),
        ("DynamoDB writes (on-demand)", writes, "WRU", prices["dynamodb_write_request_unit"]),
        ("DynamoDB reads (strongly consistent)", reads, "RRU", prices["dynamodb_read_request_unit"]),
        ("DynamoDB Scans of the whole applications table, after 12 months", scans * scan_units(year_table_bytes), "RRU",
         prices["dynamodb_read_request_unit"]),
        ("S3 PUT/COPY/POST/LIST (incl. hospital uploads)", s3_put, "requests", prices["s3_put_class_request"]),
        ("S3 GET and other", s3_get, "requests", prices["s3_get_class_request"]),
        ("SES emails", emails, "emails", prices["ses_email"]),
        ("SES attachments", attachment_gb, "GB", prices["ses_attachment_gb"]),
        ("KMS Sign requests counted (asymmetric)", kms_sign, "requests", prices["kms_asymmetric_request"]),
        ("KMS other requests counted", sum(kms.values()) - kms_sign, "requests", prices["kms_symmetric_request"]),
        ("CloudWatch Logs ingestion", log_gb, "GB", prices["cloudwatch_logs_ingestion_gb"]),
    ]
    table = [{"item": item, "quantity": round(q, 6), "unit": unit, "usd": q * price} for item, q, unit, price in lines]
    variable = sum(line["usd"] for line in table)
    scan_line = next(line for line in table if line["item"].startswith("DynamoDB Scans"))
    without_scans = variable - scan_line["usd"]
    scan_usd_per_byte = scans * prices["dynamodb_read_request_unit"] / 4096
    crossing = ((TARGET_USD - without_scans) / scan_usd_per_byte / bytes_per_application
                if scans and without_scans < TARGET_USD else None)
    whatsapp_per_notice = prices["whatsapp_aws_message_fee"] + prices["whatsapp_meta_utility_indonesia"]
    whatsapp_messages = usage.whatsapp_messages / n
    return {
        "certificates": n,
        "lines": table,
        "variable_usd": variable,
        "target_usd": TARGET_USD,
        "met": variable <= TARGET_USD,
        "if_every_invocation_is_cold": None if init_gb_s is None else {
            "init_gb_s": round(init_gb_s, 4), "usd": init_gb_s * prices["lambda_arm_gb_second"],
            "variable_usd": variable + init_gb_s * prices["lambda_arm_gb_second"]},
        "lambda_gb_s_unscaled": round(gb_s_unscaled, 4),
        "transitions": {"per_certificate": billed_transitions, "retries": sum(t["retries"] for t in counted) / n,
                        "states": counted[0]["states"] if counted else []},
        "dynamodb_requests": {a: c / n for a, c in sorted(dynamodb.items())},
        "dynamodb_sizes": {"record_bytes": usage.record_bytes, "events_bytes": usage.events_bytes,
                           "other_item_bytes": usage.other_item_bytes, "table_bytes_now": usage.table_bytes,
                           "bytes_per_application": round(bytes_per_application),
                           "table_bytes_after_12_months": round(year_table_bytes)},
        "scans": {"per_certificate": scans, "by_function": scanners,
                  "usd_on_todays_table": scans * scan_units(usage.table_bytes) * prices["dynamodb_read_request_unit"],
                  "usd_after_12_months": scan_line["usd"], "variable_usd_without_scans": without_scans,
                  "target_crossed_after_certificates": None if crossing is None else round(crossing),
                  "certificates_per_month": per_month},
        "s3_requests": {a: c / n for a, c in sorted(s3.items())} | {"hospital uploads (POST)": usage.uploads / n},
        "kms_requests": kms,
        "kms_signer_usd": prices["kms_asymmetric_request"],  # one Sign per certificate once the head signs through KMS
        "invocations": {name: c / n for name, c in sorted(usage.invocations.items())},
        "whatsapp": {"messages_per_certificate": whatsapp_messages, "usd_per_notice": whatsapp_per_notice,
                     "usd_per_certificate": whatsapp_messages * whatsapp_per_notice},
        "emf_series": len(usage.emf_series),
        "express": express_estimate(usage, counted, prices),
    }


def express_estimate(usage: Usage, counted: list[dict], prices: dict) -> dict:
    """What moving each automated stretch into an Express child workflow would save per certificate.

    The happy path is cut at every `.waitForTaskToken` state (Express cannot wait for a token). In each
    stretch, a leading Choice (it routes a person's decision) and a trailing Choice (it routes to a wait)
    stay in the Standard parent, and so does the final Succeed. What is left moves into the child: the
    parent pays one transition for its StartExecution.sync task instead of one per moved state, and the
    child is billed per request and per 100 ms at 64 MB.
    """
    if not counted:
        return {}
    states = json.loads(ASL_PATH.read_text())["States"]
    functions = {state: placeholders()[body["Parameters"]["FunctionName"][2:-1]]
                 for state, body in states.items()
                 if body["Type"] == "Task" and body["Parameters"]["FunctionName"].startswith("${")}
    median_s = {name: statistics.median(t.wall_s for t in timings) for name, timings in usage.timings.items() if timings}
    stretches, current = [], []
    for name in counted[0]["states"] + [None]:
        state = states.get(name, {})
        if name is None or state.get("Resource", "").endswith(".waitForTaskToken"):
            while current and states[current[0]]["Type"] == "Choice":
                current.pop(0)
            while current and states[current[-1]]["Type"] in ("Choice", "Succeed"):
                current.pop()
            if current:
                stretches.append(current)
            current = []
        else:
            current.append(name)
    found = []
    for stretch in stretches:
        seconds = sum(median_s.get(functions.get(s, ""), 0.0) for s in stretch)
        child = prices["stepfunctions_express_request"] + math.ceil(max(seconds, 0.001) / 0.1) * 0.1 * (64 / 1024) * prices["stepfunctions_express_gb_second"]
        saved = len(stretch) - 1
        found.append({"states": stretch, "transitions_saved": saved, "child_seconds": round(seconds, 3),
                      "usd_saved": saved * prices["stepfunctions_standard_transition"] - child})
    worth = [s for s in found if s["usd_saved"] > 0]
    return {"stretches": found, "usd_saved_per_certificate": sum(s["usd_saved"] for s in worth),
            "transitions_saved_per_certificate": sum(s["transitions_saved"] for s in worth)}


def idle_month(prices: dict, sweep: dict, per_month: int) -> dict:
    """The fixed monthly cost of a deployment that issues nothing, with its assumptions."""
    sweeper = next(f for f in FUNCTIONS if f.schedule_minutes)
    runs = MONTH_MINUTES / sweeper.schedule_minutes
    log_gb = runs * (sweep["log_bytes"] + PLATFORM_LOG_BYTES) / 1e9
    gb_s = runs * sweep["billed_s"] * sweeper.memory_mb / 1024
    from infra.stack import staff_step_numbers  # lazily: aws-cdk-lib is slow to import

    # As the stack makes them: failed executions, API 5xx, each function's errors and throttles, one per staff step.
    alarms = 2 + 2 * len(FUNCTIONS) + len(staff_step_numbers())
    waf_rules = 4  # the stack's web ACL: three AWS managed rule groups and a per-IP rate rule
    lines = [
        ("KMS customer managed keys (data, logs, signing)", 3, "keys", prices["kms_key_month"]),
        ("CloudWatch alarms (failed executions, API 5XX, errors and throttles per function, SLA per staff step)", alarms,
         "alarms", prices["cloudwatch_alarm_month"]),
        ("AWS WAF web ACL on the API", 1, "web ACLs", prices["waf_web_acl_month"]),
        ("AWS WAF rules (managed rule groups, rate limit)", waf_rules, "rules", prices["waf_rule_month"]),
        ("SSM advanced parameter (the signer's certificate chain)", 1, "parameters", prices["ssm_advanced_parameter_month"]),
        ("CloudWatch dashboard", 1, "dashboards", prices["cloudwatch_dashboard_month"]),
        ("Custom metrics published while idle (EMF, by the SLA sweeper)", sweep["emf_series"], "metrics",
         prices["cloudwatch_custom_metric_month"]),
        (f"SLA sweeper every {sweeper.schedule_minutes} min: Lambda requests", runs, "requests", prices["lambda_request"]),
        ("SLA sweeper: Lambda duration", gb_s, "GB-s", prices["lambda_arm_gb_second"]),
        ("SLA sweeper: log ingestion", log_gb, "GB", prices["cloudwatch_logs_ingestion_gb"]),
        ("SLA sweeper: Scans of the tasks table (idle size)", runs * sweep["scans"] * scan_units(sweep["tasks_table_bytes"]),
         "RRU", prices["dynamodb_read_request_unit"]),
        ("Log storage, 1-year retention (12 months of the above)", 12 * log_gb, "GB-month",
         prices["cloudwatch_logs_storage_gb_month"]),
    ]
    table = [{"item": item, "quantity": round(q, 6), "unit": unit, "usd": q * price} for item, q, unit, price in lines]
    total = sum(line["usd"] for line in table)
    return {"lines": table, "usd": total, "certificates_per_month": per_month, "usd_per_certificate": total / per_month,
            "assumptions": [
                "3 customer managed KMS keys as the stack makes them (data, alarm topic, signing); key rotation adds $1 a "
                "year-old key, not counted",
                f"{alarms} standard alarms; 1 dashboard; free tiers (10 alarms, 3 dashboards, 5 GB logs) not subtracted",
                "DynamoDB, S3, Step Functions, API Gateway, SES and WhatsApp have no charge while idle; storage of issued "
                "certificates and documents grows with use and is not counted here",
                "EventBridge scheduled rules and AWS service events (SES to the default bus) carry no charge",
                "the sweeper's Scan reads the whole tasks table: its cost grows with the open links, pickup codes and "
                "keys it holds (TTL removes expired ones)",
                f"{per_month} certificates a month to spread the fixed cost (Kota Jambi: ~0.6 million people, "
                "~16 births per 1,000 a year: an assumption, not a figure from the office)",
            ]}
