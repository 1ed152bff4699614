"""Scheduled: remind each staff task past its SOP target once (EventBridge in AWS, a timer in the sandbox)."""

from datetime import datetime

from akta.observability import MetricUnit, logger, metrics, task_handler
from akta.service.sla import sweep


@task_handler(correlation_id_path=None)
def handler(event, context):
    # A scheduled event carries the instant it stands for.
    reminded = sweep(datetime.fromisoformat(event["time"].replace("Z", "+00:00")))
    metrics.add_metric("SlaBreaches", MetricUnit.Count, len(reminded))
    logger.info("SLA sweep", extra={"reminded": reminded})
    return {"reminded": len(reminded)}
