"""The cold-start floor: the least a handler here does. boto3 and Powertools Logger + Metrics are
imported, one boto3 client is created and one DynamoDB call is made. Measured exactly like the real
handlers (a new execution environment each, bench/coldstart.py), in the same run."""

import os

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
metrics = Metrics()
dynamodb = boto3.client("dynamodb")


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event, context):
    dynamodb.get_item(TableName=os.environ["APPLICATIONS_TABLE"], Key={"pk": {"S": "floor"}, "sk": {"S": "floor"}})
    metrics.add_metric("FloorInvocations", MetricUnit.Count, 1)
    logger.info("floor")
    return {"ok": True}
