"""boto3 clients, built once per container (and per endpoint, so the sandbox can restart moto).

boto3 retries throttling and server errors itself (standard mode, three attempts). What still fails after
that is raised as `TransientError`, which the state machine's Retry tries again seconds later
with a fresh invocation; every other AWS error stays a ClientError and fails the step for good.
"""

from __future__ import annotations

import functools
import os

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError, HTTPClientError
from botocore.retries.standard import (
    ModeledRetryableChecker,
    OrRetryChecker,
    RetryContext,
    ThrottledRetryableChecker,
    TransientRetryableChecker,
)

from akta.domain.errors import TransientError

RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 3})  # the first call and two retries
# botocore's own judgement of "worth retrying" (throttling codes, 5xx, modeled retryable errors).
_RETRYABLE = OrRetryChecker([ThrottledRetryableChecker(), TransientRetryableChecker(), ModeledRetryableChecker()])


def client(service: str, region: str | None = None):
    return _client(service, region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"), os.environ.get("AWS_ENDPOINT_URL"))


@functools.cache
def _client(service: str, region: str | None, _endpoint: str | None):
    # boto3 reads AWS_ENDPOINT_URL itself; the endpoint is only part of the cache key.
    return _transient_faults_raised(boto3.client(service, region_name=region, config=RETRIES))


def table(name: str) -> Table:
    return Table(_dynamodb(os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
                           os.environ.get("AWS_ENDPOINT_URL")), name)


@functools.cache
def _dynamodb(region: str | None, _endpoint: str | None):
    """A DynamoDB client that speaks Python values and boto3 conditions, as the resource API's Table does.

    boto3's resource layer adds ~60 ms to a cold start (it loads and builds the resource model); its
    transformations (conditions to expressions, Python values to DynamoDB types and back) are plain client
    event handlers, registered here on a client of our own.
    """
    from boto3.dynamodb.transform import TransformationInjector, copy_dynamodb_params

    dynamodb = _transient_faults_raised(boto3.client("dynamodb", region_name=region, config=RETRIES))
    injector, events = TransformationInjector(), dynamodb.meta.events
    events.register("provide-client-params.dynamodb", copy_dynamodb_params, unique_id="dynamodb-create-params-copy")
    events.register("before-parameter-build.dynamodb", injector.inject_condition_expressions,
                    unique_id="dynamodb-condition-expression")
    events.register("before-parameter-build.dynamodb", injector.inject_attribute_value_input,
                    unique_id="dynamodb-attr-value-input")
    events.register("after-call.dynamodb", injector.inject_attribute_value_output, unique_id="dynamodb-attr-value-output")
    return dynamodb


class Table:
    """The resource API's Table calls this package makes, on that client."""

    def __init__(self, dynamodb, name: str):
        self._dynamodb, self.name = dynamodb, name

    def put_item(self, **kwargs):
        return self._dynamodb.put_item(TableName=self.name, **kwargs)

    def get_item(self, **kwargs):
        return self._dynamodb.get_item(TableName=self.name, **kwargs)

    def update_item(self, **kwargs):
        return self._dynamodb.update_item(TableName=self.name, **kwargs)

    def delete_item(self, **kwargs):
        return self._dynamodb.delete_item(TableName=self.name, **kwargs)

    def query(self, **kwargs):
        return self._dynamodb.query(TableName=self.name, **kwargs)

    def scan(self, **kwargs):
        return self._dynamodb.scan(TableName=self.name, **kwargs)


def _transient_faults_raised(aws_client):
    """After boto3's last attempt: a retryable answer or a lost connection becomes a TransientError."""
    service = aws_client.meta.service_model.service_id.hyphenize()  # as botocore names its events: "sfn", "sesv2"

    def after_call(http_response, parsed, model, **_):
        if http_response.status_code < 300:
            return
        context = RetryContext(attempt_number=1, operation_model=model, parsed_response=parsed, http_response=http_response)
        if _RETRYABLE.is_retryable(context):
            code = (parsed or {}).get("Error", {}).get("Code") or str(http_response.status_code)
            raise TransientError(None, f"{service}:{model.name}", code)

    def after_call_error(exception, event_name, **_):
        if isinstance(exception, (ConnectionError, HTTPClientError)):  # after-call-error.<service>.<Operation>
            raise TransientError(None, f"{service}:{event_name.rsplit('.', 1)[-1]}", type(exception).__name__) from exception

    aws_client.meta.events.register("after-call", after_call)
    aws_client.meta.events.register("after-call-error", after_call_error)
    return aws_client


def all_items(operation, **kwargs) -> list[dict]:
    """Every item of a DynamoDB query or scan, following LastEvaluatedKey."""
    items = []
    while True:
        page = operation(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def conditional(operation, **kwargs) -> dict | None:
    """A DynamoDB write with a ConditionExpression: its response, or None when the condition did not hold."""
    try:
        return operation(**kwargs)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return None
        raise
