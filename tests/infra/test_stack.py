"""aws_cdk.assertions on the production stack: each production property it must have, from the one declaration."""

from __future__ import annotations

import json
import re

import pytest
from test_synth import synthesized

from akta.domain import sop
from infra.declaration import BUCKETS, FUNCTIONS, POWERTOOLS, ROUTES, TABLES, Settings, placeholders
from infra.stack import (
    KMS_SIGNING_ACTIONS, S3_BUCKET_ACTIONS, SFN_EXECUTION_ACTIONS, SFN_TOKEN_ACTIONS, SIGNER_PLACEHOLDER, granted_actions,
    staff_step_numbers, timeline_steps,
)

PLATFORM_ACTIONS = {"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}


@pytest.fixture(scope="module")
def synth():
    return synthesized()


@pytest.fixture(scope="module")
def template(synth):
    from aws_cdk.assertions import Template

    return Template.from_json(synth.template)


def flat(value) -> str:
    """A CloudFormation value as one string: references become <LogicalId> / <LogicalId.Attr>."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(flat(v) for v in value)
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(flat(p) for p in parts)
    raise AssertionError(f"unexpected value {value}")


def role_grants(synth, role_logical_id: str) -> list[tuple[str, str]]:
    """(action, resource) pairs of every inline policy attached to a role."""
    grants = []
    for policy in synth.resources("AWS::IAM::Policy").values():
        if {"Ref": role_logical_id} not in policy["Roles"]:
            continue
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            grants += [(a, flat(r)) for a in actions for r in resources]
    return grants


def function_props(synth, name: str) -> dict:
    return synth.template["Resources"][synth.logical_id(synth.stack.functions[name])]["Properties"]


# --- Lambda ----------------------------------------------------------------------------------------------


def test_functions_trace_with_xray_log_to_their_own_retained_group_and_run_as_their_own_role(synth):
    roles = set()
    for f in FUNCTIONS:
        props = function_props(synth, f.name)
        assert props["TracingConfig"] == {"Mode": "Active"}
        group = synth.template["Resources"][props["LoggingConfig"]["LogGroup"]["Ref"]]
        assert group["Properties"]["RetentionInDays"] == Settings.log_retention_days
        assert group["DeletionPolicy"] == "Retain"
        roles.add(props["Role"]["Fn::GetAtt"][0])
    assert len(roles) == len(FUNCTIONS)
    for role in roles:
        assert "ManagedPolicyArns" not in synth.template["Resources"][role]["Properties"]


def test_each_function_gets_only_its_declared_settings_and_powertools_names(synth):
    for f in FUNCTIONS:
        env = dict(function_props(synth, f.name)["Environment"]["Variables"])
        assert env.pop("POWERTOOLS_SERVICE_NAME") == "akta-kelahiran"
        assert env.pop("POWERTOOLS_METRICS_NAMESPACE") == "AktaKelahiran"
        assert env.pop("POWERTOOLS_LOG_LEVEL") == "INFO"
        assert env.pop("DECLARED_SETTINGS").split(",") == list(f.setting_names), f.name
        assert set(env) <= set(f.setting_names), f.name  # nothing it did not declare
        assert set(f.setting_names) - set(env) <= {"WAIT_TIMEOUTS"}, f.name  # only a setting with a default may be left out
    issuer = function_props(synth, "issue_certificate")["Environment"]["Variables"]
    assert issuer["SIGNER_KEY_ID"] == {"Ref": synth.logical_id(synth.stack.signing_key)}
    assert issuer["SIGNER_CERTIFICATE_PARAMETER"] == {"Ref": synth.logical_id(synth.stack.signer_certificate)}
    checker = function_props(synth, "release_check")["Environment"]["Variables"]
    assert checker["TRUST_ROOT_PARAMETER"] == {"Ref": synth.logical_id(synth.stack.trust_root)}
    assert "SIGNER_KEY_ID" not in checker and "TRUST_ROOT_PARAMETER" not in issuer
    api = function_props(synth, "intake_api")["Environment"]["Variables"]
    assert flat(api["STATE_MACHINE_ARN"]) == \
        f"arn:aws:states:ap-southeast-3:<AWS::AccountId>:stateMachine:{synth.stack.state_machine_name}"
    verify = function_props(synth, "verify_pages")["Environment"]["Variables"]
    assert set(verify) - {"DECLARED_SETTINGS"} == {"APPLICATIONS_TABLE"} | set(POWERTOOLS) | {"POWERTOOLS_LOG_LEVEL"}


def test_no_secret_in_the_template_nor_in_environment_variables(synth):
    text = json.dumps(synth.template)
    assert "PRIVATE KEY" not in text
    assert not synth.resources("AWS::SecretsManager::Secret")
    env = function_props(synth, FUNCTIONS[0].name)["Environment"]["Variables"]
    assert not [k for k in env if re.search(r"SECRET|PASSWORD|PASSPHRASE|_PIN$|TOKEN", k)]
    for value in env.values():
        assert not (isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9+/=]{40,}", value)), "a key-like value"


# --- least privilege: the declaration's actions, scoped to the declared resources -------------------------


def test_each_role_grants_exactly_the_declared_and_implicit_actions(synth):
    for f in FUNCTIONS:
        granted = {action for action, _ in role_grants(synth, synth.logical_id(synth.stack.roles[f.name]))}
        assert granted - PLATFORM_ACTIONS == set(granted_actions(f)), f.name


def test_only_xray_and_answering_a_task_token_are_granted_on_every_resource(synth):
    for f in FUNCTIONS:
        for action, resource in role_grants(synth, synth.logical_id(synth.stack.roles[f.name])):
            assert ("*" == resource) == (action.startswith("xray:") or action in SFN_TOKEN_ACTIONS), (f.name, action)
            assert not action.endswith("*")


def test_each_action_is_scoped_to_the_functions_declared_resources(synth):
    stack = synth.stack
    ids = {
        "table": {k: synth.logical_id(t) for k, t in stack.tables.items()},
        "bucket": {k: synth.logical_id(b) for k, b in stack.buckets.items()},
    }
    signing_key, data_key = synth.logical_id(stack.signing_key), synth.logical_id(stack.data_key)
    parameters = {synth.logical_id(stack.signer_certificate), synth.logical_id(stack.trust_root)}
    settings = stack.settings
    identity = synth.logical_id(stack.email_identity)
    for f in FUNCTIONS:
        for action, resource in role_grants(synth, synth.logical_id(stack.roles[f.name])):
            service = action.split(":")[0]
            where = (f.name, action, resource)
            if service == "dynamodb":
                table = re.fullmatch(r"<(\w+)\.Arn>(/index/\w+)?", resource)
                assert table and table.group(1) in {ids["table"][k] for k in f.tables}, where
                assert not table.group(2) or action == "dynamodb:Query", where
            elif service == "s3":
                bucket = re.fullmatch(r"<(\w+)\.Arn>(/\*)?", resource)
                assert bucket and bucket.group(1) in {ids["bucket"][k] for k in f.buckets}, where
                assert bool(bucket.group(2)) == (action not in S3_BUCKET_ACTIONS), where
            elif service == "kms":
                assert resource == f"<{signing_key if action in KMS_SIGNING_ACTIONS else data_key}.Arn>", where
            elif service == "cognito-idp":
                assert resource == f"<{synth.logical_id(stack.staff_pool)}.Arn>", where
            elif service == "ssm":
                assert re.fullmatch(r"arn:aws:ssm:ap-southeast-3:<AWS::AccountId>:parameter<(\w+)>", resource).group(1) in parameters
            elif action in SFN_TOKEN_ACTIONS:
                assert resource == "*", where
            elif service == "states":
                prefix = "arn:aws:states:ap-southeast-3:<AWS::AccountId>:"
                expected = f"execution:{stack.state_machine_name}:*" if action in SFN_EXECUTION_ACTIONS \
                    else f"stateMachine:{stack.state_machine_name}"
                assert resource == prefix + expected, where
            elif service == "ses":
                assert resource in (f"arn:aws:ses:ap-southeast-3:<AWS::AccountId>:identity/<{identity}>",
                                    f"arn:aws:ses:ap-southeast-3:<AWS::AccountId>:configuration-set/{settings.configuration_set}"), where
            elif service == "social-messaging":
                number = settings.whatsapp_phone_number_id.removeprefix("phone-number-id-")
                assert resource == f"arn:aws:social-messaging:{settings.whatsapp_region}:<AWS::AccountId>:phone-number-id/{number}", where
            else:
                assert action in PLATFORM_ACTIONS, where


def test_the_signing_key_is_asymmetric_and_only_the_issuing_function_may_sign(synth):
    key = synth.template["Resources"][synth.logical_id(synth.stack.signing_key)]
    props = key["Properties"]
    assert (props["KeySpec"], props["KeyUsage"]) == ("RSA_3072", "SIGN_VERIFY")
    assert key["DeletionPolicy"] == "Retain"
    statements = props["KeyPolicy"]["Statement"]
    signing = [s for s in statements if "kms:Sign" in s["Action"] or s["Action"] == "kms:Sign"]
    assert len(signing) == 1 and signing[0]["Action"] == "kms:Sign"
    signers = [f.name for f in FUNCTIONS if "kms:Sign" in f.actions]
    assert signers == ["issue_certificate"]
    assert signing[0]["Principal"]["AWS"] == {"Fn::GetAtt": [synth.logical_id(synth.stack.roles["issue_certificate"]), "Arn"]}
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert "kms:*" not in actions and not any(a.startswith(("kms:Create*", "kms:CreateGrant")) for a in actions)


def test_the_signers_certificate_chain_and_trust_root_are_plain_parameters_with_placeholders(synth):
    parameters = synth.resources("AWS::SSM::Parameter")
    chain = parameters[synth.logical_id(synth.stack.signer_certificate)]
    assert chain["Type"] == "String" and chain["Value"] == SIGNER_PLACEHOLDER and chain["Tier"] == "Advanced"
    assert chain["Name"] == "/AktaKelahiran/signer-certificate"
    root = parameters[synth.logical_id(synth.stack.trust_root)]
    assert root["Type"] == "String" and root["Value"].startswith("PENDING")


# --- Step Functions ----------------------------------------------------------------------------------------


def test_the_state_machine_may_invoke_only_the_functions_its_asl_names(synth):
    role = synth.template["Resources"][synth.logical_id(synth.stack.state_machine)]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    grants = role_grants(synth, role)
    invoked = {resource for action, resource in grants if action.startswith("lambda:")}
    assert {a for a, _ in grants if a.startswith("lambda:")} == {"lambda:InvokeFunction"}
    assert invoked == {f"<{synth.logical_id(synth.stack.functions[n])}.Arn>" for n in set(placeholders().values())}
    (machine,) = synth.resources("AWS::StepFunctions::StateMachine").values()
    assert set(machine["DefinitionSubstitutions"]) == set(placeholders())
    destination = machine["LoggingConfiguration"]["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"]
    assert destination == {"Fn::GetAtt": [synth.logical_id(synth.stack.node.find_child("StateMachineLogs")), "Arn"]}


# --- S3 ------------------------------------------------------------------------------------------------------


def test_buckets_use_the_customer_managed_key_block_public_access_enforce_tls_and_log_access(template, synth):
    data_key = synth.logical_id(synth.stack.data_key)
    log_bucket = synth.logical_id(synth.stack.log_bucket)
    for b in BUCKETS:
        props = synth.resources("AWS::S3::Bucket")[synth.logical_id(synth.stack.buckets[b.key])]
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": [data_key, "Arn"]}}
        assert all(props["PublicAccessBlockConfiguration"].values())
        assert props["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": log_bucket}
    key = synth.template["Resources"][data_key]["Properties"]
    assert key["EnableKeyRotation"] is True
    log = synth.resources("AWS::S3::Bucket")[log_bucket]
    assert log["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    policies = [p["PolicyDocument"] for p in synth.resources("AWS::S3::BucketPolicy").values()]
    assert len(policies) == len(BUCKETS) + 1
    for policy in policies:
        assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in policy["Statement"])


def test_the_archive_is_versioned_and_object_locked_by_default(synth):
    archive = synth.resources("AWS::S3::Bucket")[synth.logical_id(synth.stack.buckets["ARCHIVE"])]
    assert archive["VersioningConfiguration"]["Status"] == "Enabled"
    assert archive["ObjectLockEnabled"] is True
    assert archive["ObjectLockConfiguration"]["Rule"]["DefaultRetention"] == {
        "Mode": Settings.archive_retention_mode, "Days": Settings.archive_retention_days}


def test_uploads_expire_are_not_locked_and_accept_browser_posts_only_from_configured_origins(synth):
    declared = next(b for b in BUCKETS if b.key == "UPLOADS")
    uploads = synth.resources("AWS::S3::Bucket")[synth.logical_id(synth.stack.buckets["UPLOADS"])]
    assert "ObjectLockEnabled" not in uploads
    assert uploads["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == declared.expire_days
    (cors,) = uploads["CorsConfiguration"]["CorsRules"]
    settings = synth.stack.settings
    assert cors["AllowedMethods"] == ["POST"]
    assert set(cors["AllowedOrigins"]) == {"/".join(settings.public_base_url.split("/")[:3]), *settings.hospital_origins}
    assert "*" not in cors["AllowedOrigins"]
    assert "CorsConfiguration" not in synth.resources("AWS::S3::Bucket")[synth.logical_id(synth.stack.buckets["ARCHIVE"])]


# --- DynamoDB --------------------------------------------------------------------------------------------------


def test_tables_are_on_demand_with_pitr_kms_and_deletion_protection(synth):
    data_key = synth.logical_id(synth.stack.data_key)
    for t in TABLES:
        props = synth.resources("AWS::DynamoDB::GlobalTable")[synth.logical_id(synth.stack.tables[t.key])]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"}
        (replica,) = props["Replicas"]
        assert replica["Region"] == "ap-southeast-3"
        assert replica["SSESpecification"]["KMSMasterKeyId"] == {"Fn::GetAtt": [data_key, "Arn"]}
        assert replica["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert replica["DeletionProtectionEnabled"] is True
        assert [i["IndexName"] for i in props.get("GlobalSecondaryIndexes", [])] == [i.name for i in t.indexes]


# --- staff sign-in -----------------------------------------------------------------------------------------------


def test_the_staff_pool_requires_totp_takes_no_sign_ups_and_has_one_group_per_role(synth):
    from akta.adapters.identity import GROUPS

    (pool,) = synth.resources("AWS::Cognito::UserPool").values()
    assert pool["MfaConfiguration"] == "ON" and pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12 and all(policy[k] for k in ("RequireLowercase", "RequireUppercase",
                                                                     "RequireNumbers", "RequireSymbols"))
    assert pool["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"} or pool.get("UserPoolTier") == "PLUS"
    assert pool["DeletionProtection"] == "ACTIVE"
    assert sorted(g["GroupName"] for g in synth.resources("AWS::Cognito::UserPoolGroup").values()) == sorted(GROUPS)


def test_the_staff_pages_client_is_public_with_the_code_flow_back_to_the_public_url_only(synth):
    from infra.declaration import SIGN_IN_CALLBACK, SIGNED_OUT

    (client,) = synth.resources("AWS::Cognito::UserPoolClient").values()
    base = synth.stack.settings.public_base_url
    assert client.get("GenerateSecret", False) is False  # a PKCE client: no secret to leak
    assert client["AllowedOAuthFlows"] == ["code"] and client["AllowedOAuthFlowsUserPoolClient"] is True
    assert sorted(client["AllowedOAuthScopes"]) == ["aws.cognito.signin.user.admin", "email", "openid"]
    assert client["CallbackURLs"] == [base + SIGN_IN_CALLBACK] and client["LogoutURLs"] == [base + SIGNED_OUT]
    assert client["SupportedIdentityProviders"] == ["COGNITO"] and client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["IdTokenValidity"] == 60 and client["TokenValidityUnits"]["IdToken"] == "minutes"
    (domain,) = synth.resources("AWS::Cognito::UserPoolDomain").values()
    assert domain["Domain"] == synth.stack.settings.staff_login_domain_prefix and domain["ManagedLoginVersion"] == 2


def test_the_pages_behind_sign_in_check_tokens_of_this_pool_and_client(synth):
    pages = {f.name for f in FUNCTIONS if "STAFF_POOL_ISSUER" in f.setting_names}
    assert pages == {"staff_pages", "counter_pages", "supervisor_pages", "staff_sign_in"}
    pool, client = synth.logical_id(synth.stack.staff_pool), synth.logical_id(synth.stack.staff_client)
    for name in pages:
        environment = synth.template["Resources"][synth.logical_id(synth.stack.functions[name])]["Properties"]["Environment"]["Variables"]
        assert flat(environment["STAFF_POOL_ISSUER"]) == f"https://<{pool}.ProviderURL>"
        assert flat(environment["STAFF_POOL_JWKS_URL"]) == f"https://<{pool}.ProviderURL>/.well-known/jwks.json"
        assert environment["STAFF_POOL_CLIENT_ID"] == {"Ref": client}


# --- API Gateway -------------------------------------------------------------------------------------------------


def test_the_api_is_regional_logs_access_without_paths_and_is_throttled(synth):
    (api,) = synth.resources("AWS::ApiGateway::RestApi").values()
    assert api["EndpointConfiguration"]["Types"] == ["REGIONAL"]
    (stage,) = synth.resources("AWS::ApiGateway::Stage").values()
    log_format = stage["AccessLogSetting"]["Format"]
    assert "$context.resourcePath" in log_format and "$context.path" not in log_format  # link ids are credentials
    assert stage["TracingEnabled"] is True
    stage_wide = next(s for s in stage["MethodSettings"] if s["ResourcePath"] == "/*")
    assert stage_wide["ThrottlingRateLimit"] == Settings.api_rate_limit
    assert (stage_wide["LoggingLevel"], stage_wide["DataTraceEnabled"]) == ("ERROR", False)


def test_keyed_routes_are_validated_for_shape_only(synth):
    (validator_id,) = synth.resources("AWS::ApiGateway::RequestValidator")
    validated = [m for m in synth.resources("AWS::ApiGateway::Method").values() if "RequestValidatorId" in m]
    assert len(validated) == sum(1 for r in ROUTES if r.authorizer)
    for method in validated:
        assert method["RequestValidatorId"] == {"Ref": validator_id}
        assert method["RequestParameters"] == {"method.request.header.Authorization": True}
        assert "RequestModels" not in method  # bodies: the handlers' field-level Indonesian messages


def test_the_api_is_behind_aws_waf(synth):
    (acl,) = synth.resources("AWS::WAFv2::WebACL").values()
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    groups = {r["Statement"]["ManagedRuleGroupStatement"]["Name"] for r in acl["Rules"] if "ManagedRuleGroupStatement" in r["Statement"]}
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"} <= groups
    assert any("RateBasedStatement" in r["Statement"] for r in acl["Rules"])
    (association,) = synth.resources("AWS::WAFv2::WebACLAssociation").values()
    (stage,) = synth.resources("AWS::ApiGateway::Stage")
    assert flat(association["ResourceArn"]).endswith(f"/stages/<{stage}>")


# --- SES, events ----------------------------------------------------------------------------------------------------


def test_ses_identity_and_configuration_set_route_delivery_outcomes_to_the_delivery_function(synth):
    settings = synth.stack.settings
    (identity,) = synth.resources("AWS::SES::EmailIdentity").values()
    assert identity["EmailIdentity"] == settings.mail_domain
    (config,) = synth.resources("AWS::SES::ConfigurationSet").values()
    assert config["Name"] == settings.configuration_set and config["DeliveryOptions"]["TlsPolicy"] == "REQUIRE"
    (destination,) = synth.resources("AWS::SES::ConfigurationSetEventDestination").values()
    assert sorted(destination["EventDestination"]["MatchingEventTypes"]) == ["bounce", "complaint", "delivery", "reject"]
    assert "event-bus/default" in flat(destination["EventDestination"]["EventBridgeDestination"]["EventBusArn"])
    (rule,) = synth.resources("AWS::Events::Rule").values()
    assert rule["EventPattern"]["source"] == ["aws.ses"]
    assert rule["Targets"][0]["Arn"] == {"Fn::GetAtt": [synth.logical_id(synth.stack.functions["delivery_events"]), "Arn"]}


# --- operations ---------------------------------------------------------------------------------------------------------


def test_alarms_cover_failed_executions_and_each_functions_errors_and_throttles(synth):
    alarms = list(synth.resources("AWS::CloudWatch::Alarm").values())
    topic = synth.logical_id(synth.stack.alarm_topic)
    assert all(a["AlarmActions"] == [{"Ref": topic}] for a in alarms)
    assert any(a["Namespace"] == "AWS/States" and a["MetricName"] == "ExecutionsFailed" for a in alarms)
    for f in FUNCTIONS:
        fn = {"Name": "FunctionName", "Value": {"Ref": synth.logical_id(synth.stack.functions[f.name])}}
        for metric in ("Errors", "Throttles"):
            assert any(a["MetricName"] == metric and a["Dimensions"] == [fn] for a in alarms), (f.name, metric)


def test_one_sla_alarm_per_staff_sop_step_on_the_emf_metric(synth):
    alarms = [a for a in synth.resources("AWS::CloudWatch::Alarm").values() if a["MetricName"] == "SlaBreaches"]
    labels = sorted(next(d["Value"] for d in a["Dimensions"] if d["Name"] == "sop_step") for a in alarms)
    assert labels == sorted(str(n) for n in staff_step_numbers())
    assert staff_step_numbers() == {3, 4, 5, 6, 7, 8}
    for alarm in alarms:
        assert alarm["Namespace"] == "AktaKelahiran"
        assert {"Name": "service", "Value": "akta-kelahiran"} in alarm["Dimensions"]
        assert (alarm["Statistic"], alarm["Threshold"], alarm["TreatMissingData"]) == ("Sum", 1, "notBreaching")


def test_the_on_call_topic_is_encrypted_and_subscribed_only_when_an_address_is_given(synth):
    (topic,) = synth.resources("AWS::SNS::Topic").values()
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [synth.logical_id(synth.stack.ops_key), "Arn"]}
    assert not synth.resources("AWS::SNS::Subscription")  # cdk.json leaves alarm_email empty


def test_the_dashboard_has_one_row_per_sop_step(synth):
    (dashboard,) = synth.resources("AWS::CloudWatch::Dashboard").values()
    body = flat(dashboard["DashboardBody"])
    labels = [sop.label(s.number) for s in timeline_steps()]
    assert labels == ["1-2", "3", "4", "5", "6", "7", "8", "9"]
    widgets = json.loads(re.sub(r"<[^>]+>", "x", body))["widgets"]
    rows = sorted({w["y"] for w in widgets})
    assert len(rows) == len(labels)
    for label in labels:
        assert f'"sop_step","{label}"' in body and f"### {label} " in body
    assert body.count("StepOfficeMinutes") == 3 * len(labels)


def test_context_reaches_the_template():
    """A second synth with `-c` values as the CLI passes them (strings)."""
    synth = synthesized(
        alarm_email="oncall@disdukcapil.jambikota.go.id", archive_retention_mode="GOVERNANCE", archive_retention_days="30",
        wait_timeouts='{"operator": 7200}', signer_csr_principals='["arn:aws:iam::111122223333:role/SignerAdmin"]',
        waf="false", whatsapp_region="ap-south-1", hospital_origins='["https://rs.example.go.id"]', log_retention_days="731",
        api_certificate_arn="arn:aws:acm:ap-southeast-3:111122223333:certificate/0f0f0f0f-1111-2222-3333-444455556666",
    )
    (domain,) = synth.resources("AWS::ApiGateway::DomainName").values()
    assert domain["DomainName"] == Settings.public_base_url.split("/")[2]
    assert domain["EndpointConfiguration"]["Types"] == ["REGIONAL"] and domain["SecurityPolicy"] == "TLS_1_2"
    assert synth.resources("AWS::ApiGateway::BasePathMapping")
    (subscription,) = synth.resources("AWS::SNS::Subscription").values()
    assert subscription["Endpoint"] == "oncall@disdukcapil.jambikota.go.id" and subscription["Protocol"] == "email"
    archive = synth.resources("AWS::S3::Bucket")[synth.logical_id(synth.stack.buckets["ARCHIVE"])]
    assert archive["ObjectLockConfiguration"]["Rule"]["DefaultRetention"] == {"Mode": "GOVERNANCE", "Days": 30}
    env = function_props(synth, "intake_api")["Environment"]["Variables"]
    assert json.loads(env["WAIT_TIMEOUTS"]) == {"operator": 7200}
    assert function_props(synth, "notify_applicant")["Environment"]["Variables"]["WHATSAPP_REGION"] == "ap-south-1"
    key = synth.template["Resources"][synth.logical_id(synth.stack.signing_key)]["Properties"]["KeyPolicy"]
    (signing,) = [s for s in key["Statement"] if s["Action"] == "kms:Sign"]
    assert "arn:aws:iam::111122223333:role/SignerAdmin" in json.dumps(signing["Principal"])
    assert not synth.resources("AWS::WAFv2::WebACL")
    uploads = synth.resources("AWS::S3::Bucket")[synth.logical_id(synth.stack.buckets["UPLOADS"])]
    assert "https://rs.example.go.id" in uploads["CorsConfiguration"]["CorsRules"][0]["AllowedOrigins"]
    groups = [g["Properties"] for g in synth.template["Resources"].values() if g["Type"] == "AWS::Logs::LogGroup"]
    assert {g["RetentionInDays"] for g in groups} == {731}


def test_bad_context_is_refused_before_anything_is_built():
    with pytest.raises(ValueError, match="archive_retention_mode"):
        Settings.from_context({"archive_retention_mode": "FOREVER"}.get)
    with pytest.raises(ValueError, match="hospital origin"):
        Settings.from_context({"hospital_origins": ["http://rs.example.org/page"]}.get)
