"""SOP 7: email with the certificate and a WhatsApp notice, sent from inside the waiting task."""

from akta.observability import MetricUnit, logger, metrics
from akta.service.delivery import notify


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="application_id")
def handler(event, context):
    metrics.add_metadata("application_id", event["application_id"])  # a property, never a dimension
    notify(event["application_id"], event["task_token"])
    metrics.add_metric("NoticesSent", MetricUnit.Count, 1)
    return {"waiting": "delivery"}
