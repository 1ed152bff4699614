"""Scheduled: remind each staff task past its SOP target once (EventBridge in AWS, a timer in the sandbox)."""

from datetime import datetime

from akta.observability import MetricUnit, logger, metrics, task_handler
from akta.service.sla import sweep
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start


@task_handler(correlation_id_path=None)
def handler(event, context):
    # A scheduled event carries the instant it stands for.
    reminded = sweep(adapters, datetime.fromisoformat(event["time"].replace("Z", "+00:00")))
    metrics.add_metric("SlaBreaches", MetricUnit.Count, len(reminded))
    logger.info("SLA sweep", extra={"reminded": reminded})
    return {"reminded": len(reminded)}
