"""The sandbox's S3 POST-policy check (sandbox/s3_post.py) on forms boto3 presigns, without a server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
import pytest

from sandbox.s3_post import Refusal, check

SECRETS = {"sandbox": "sandbox"}


def presigned(conditions: list, fields: dict | None = None, key: str = "applications/AK1/kk") -> dict:
    s3 = boto3.client("s3", region_name="ap-southeast-3", endpoint_url="http://127.0.0.1:1",
                      aws_access_key_id="sandbox", aws_secret_access_key="sandbox")
    return s3.generate_presigned_post("uploads", key, Fields=fields or {}, Conditions=conditions, ExpiresIn=60)["fields"]


def refused(bucket: str, fields: dict, size: int = 10, **kwargs) -> tuple[int, str, str]:
    with pytest.raises(Refusal) as refusal:
        check(bucket, fields, size, SECRETS, **kwargs)
    return refusal.value.status, refusal.value.code, refusal.value.message


def test_a_starts_with_condition_takes_any_value_under_its_prefix_and_refuses_others():
    fields = presigned([["starts-with", "$key", "applications/AK1/"]], key="applications/AK1/${filename}")
    check("uploads", {**fields, "key": "applications/AK1/kk"}, 10, SECRETS)
    status, code, message = refused("uploads", {**fields, "key": "applications/AK2/kk"})
    assert (status, code) == (403, "AccessDenied") and '["starts-with", "$key", "applications/AK1/"]' in message


def test_field_names_are_matched_without_regard_to_case_and_the_bucket_is_the_urls():
    fields = presigned([{"Content-Type": "application/pdf"}], {"Content-Type": "application/pdf"})
    check("uploads", {**{k: v for k, v in fields.items() if k != "Content-Type"}, "content-type": "application/pdf"}, 10, SECRETS)
    assert refused("other-bucket", fields)[:2] == (403, "AccessDenied")


def test_an_unknown_access_key_a_wrong_secret_and_an_unsigned_form_are_refused_as_s3_does():
    fields = presigned([])
    assert refused("uploads", {**fields, "x-amz-credential": fields["x-amz-credential"].replace("sandbox", "AKIAOTHER", 1)})[:2] == \
        (403, "InvalidAccessKeyId")
    with pytest.raises(Refusal) as wrong:
        check("uploads", fields, 10, {"sandbox": "another-secret"})
    assert (wrong.value.status, wrong.value.code) == (403, "SignatureDoesNotMatch")
    assert refused("uploads", {"key": "applications/AK1/kk"}) == (403, "AccessDenied", "Access Denied")


def test_the_policy_expires_at_its_expiration():
    fields = presigned([])
    later = datetime.now(timezone.utc) + timedelta(minutes=2)
    assert refused("uploads", fields, now=later) == (403, "AccessDenied", "Invalid according to Policy: Policy expired.")


def test_the_refusal_is_s3s_xml_error():
    xml = Refusal(403, "AccessDenied", 'Policy Condition failed: ["eq", "$key", "a&b"]').xml().decode()
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>')
    assert "<Message>Policy Condition failed: [\"eq\", \"$key\", \"a&amp;b\"]</Message>" in xml


@pytest.mark.parametrize("condition", [["starts_with", "$key", "a"], {"key": "a", "bucket": "b"},
                                       ["content-length-range", "1", "9"]])
def test_a_condition_s3_cannot_read_is_an_invalid_policy_document_400(condition):
    fields = presigned([condition])
    assert refused("uploads", fields)[:2] == (400, "InvalidPolicyDocument")


def test_a_credential_for_another_service_is_refused():
    fields = presigned([])
    assert refused("uploads", {**fields, "x-amz-credential": fields["x-amz-credential"].replace("/s3/", "/sqs/")})[:2] == \
        (400, "AuthorizationQueryParametersError")
