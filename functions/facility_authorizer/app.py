"""API Gateway TOKEN authorizer: `Authorization: Bearer <key>` -> the facility id, passed to the API as context."""

from akta.observability import logger
from akta.service.facilities import authorize
from akta.wiring import Wiring

adapters = Wiring.from_environment()  # this function's declared settings, checked once at start


@logger.inject_lambda_context
def handler(event, context):
    token = event.get("authorizationToken") or ""
    scheme, _, key = token.partition(" ")
    facility_id = authorize(adapters, key.strip()) if scheme.lower() == "bearer" else None
    if facility_id is None:
        logger.info("facility key refused")
        raise Exception("Unauthorized")  # API Gateway answers 401 (its Gateway Response carries our error shape)
    logger.info("facility authorized", extra={"facility_id": facility_id})
    return {
        "principalId": facility_id,
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": _any_method(event["methodArn"])}]},
        "context": {"facility_id": facility_id},
    }


def _any_method(method_arn: str) -> str:
    # Allow the facility's whole API (the policy may be cached across its routes): arn:.../stage/*
    prefix = method_arn.split("/", 2)
    return "/".join(prefix[:2]) + "/*"
