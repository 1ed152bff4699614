"""SOP 3: completeness check (Lambda task). Returns whether the file is complete; reasons stay in DynamoDB."""

from akta.observability import MetricUnit, logger, metrics, task_handler
from akta.service.completeness import check
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start


@task_handler()
def handler(event, context):
    metrics.add_metadata("application_id", event["application_id"])  # a property, never a dimension
    result = check(adapters, event["application_id"])
    metrics.add_metric("CompletenessChecks", MetricUnit.Count, 1)
    metrics.add_metric("IncompleteFiles", MetricUnit.Count, 0 if result["complete"] else 1)
    logger.info("completeness checked", extra={"complete": result["complete"], "reason_codes": result["reason_codes"]})
    return result
