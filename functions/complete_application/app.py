"""SOP 9: the applicant has received the document; the file is closed."""

from akta.observability import MetricUnit, logger, metrics
from akta.service.delivery import complete


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="application_id")
def handler(event, context):
    metrics.add_metadata("application_id", event["application_id"])  # a property, never a dimension
    complete(event["application_id"])
    metrics.add_metric("ApplicationsCompleted", MetricUnit.Count, 1)
    return {"completed": True}
