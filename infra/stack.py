"""The AWS stack: every function, table, bucket, route and the state machine come from the declaration.

Nothing about a function, table, bucket or route is written here: this file only translates
`infra/declaration.py` (the same facts the sandbox runs on) into CloudFormation, adds what only AWS has
(keys, alarms, the firewall), and keeps every cdk-nag suppression, with its reason, in `suppress_findings`.
"""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as sns_subscriptions
from aws_cdk import aws_ssm as ssm
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_wafv2 as wafv2
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from akta.adapters.identity import GROUPS
from akta.domain import sop
from infra.declaration import (
    ASL_PATH, BUCKETS, FUNCTIONS, FUNCTIONS_DIR, GATEWAY_RESPONSES, ROUTES, SIGN_IN_CALLBACK, SIGNED_OUT, TABLES,
    Function, Settings, StaffPool, POWERTOOLS, function_environment, gateway_response_body, placeholders,
    setting_values,
)
from infra.layers import layers_of

RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
SIGNER_PLACEHOLDER = ("PENDING - not installed yet. Make a CSR with `python -m infra.admin signer csr`, have the "
                      "office's CA certify it, then `python -m infra.admin signer install-certificate` (docs/deploy.md).")
TRUST_ROOT_PLACEHOLDER = "PENDING - the root certificate (PEM) of the CA that certifies the head of office's key."

# S3 actions that act on the bucket itself; every other S3 action acts on objects.
S3_BUCKET_ACTIONS = {"s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketLocation", "s3:GetBucketVersioning",
                     "s3:GetBucketObjectLockConfiguration", "s3:ListBucketMultipartUploads"}
# Step Functions actions authorized against one execution; the rest against the state machine.
SFN_EXECUTION_ACTIONS = {"states:DescribeExecution", "states:StopExecution", "states:GetExecutionHistory",
                         "states:RedriveExecution"}
# Answering a waiting task: the Service Authorization Reference lists no resource type for these, so only '*' is
# sure to be allowed (whether a state machine ARN also works is not documented). The task token is the capability.
SFN_TOKEN_ACTIONS = {"states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"}
# KMS actions of the signing key (asymmetric); every other KMS action is the data key's (SSE of tables and buckets).
KMS_SIGNING_ACTIONS = {"kms:Sign", "kms:Verify", "kms:GetPublicKey"}
# What the account may do with the signing key (through IAM): administer it, never sign nor grant signing.
SIGNING_KEY_ADMIN_ACTIONS = ["kms:CreateAlias", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                             "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:ScheduleKeyDeletion",
                             "kms:CancelKeyDeletion", "kms:TagResource", "kms:UntagResource"]


def pascal(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


def granted_actions(f: Function) -> list[str]:
    """What a function's role may do: the actions it calls, and those it needs without calling them."""
    return sorted(set(f.actions) | {action for action, _ in f.implicit})


class BirthCertificateStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, layer_dirs: dict[str, Path],
                 settings: Settings | None = None, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings = settings or Settings.from_context(self.node.try_get_context)
        retention_days = settings.log_retention_days

        # --- keys ----------------------------------------------------------------------------------------
        # One customer-managed key for the personal data at rest (tables, buckets); rotated yearly.
        self.data_key = kms.Key(self, "DataKey", description="Akta Kelahiran: applications, documents, certificates",
                                enable_key_rotation=True, removal_policy=RemovalPolicy.RETAIN,
                                pending_window=Duration.days(30))
        # CloudWatch alarms publish to the encrypted on-call topic: a key of their own, not the data key.
        self.ops_key = kms.Key(self, "OpsKey", description="Akta Kelahiran: on-call alarm topic",
                               enable_key_rotation=True, removal_policy=RemovalPolicy.DESTROY)
        self.ops_key.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"], resources=["*"]))

        # --- storage ------------------------------------------------------------------------------------
        self.log_bucket = s3.Bucket(
            self, "AccessLogBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,  # S3 server access logs cannot be delivered to SSE-KMS
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL, enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(retention_days))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        # The hospital page (served at public_base_url) and the configured hospital systems POST uploads from browsers.
        cors_origins = sorted({"/".join(settings.public_base_url.split("/")[:3]), *settings.hospital_origins})
        self.buckets: dict[str, s3.Bucket] = {}
        for b in BUCKETS:
            lock = None
            if b.object_lock:
                retention = Duration.days(settings.archive_retention_days)
                lock = (s3.ObjectLockRetention.compliance(retention) if settings.archive_retention_mode == "COMPLIANCE"
                        else s3.ObjectLockRetention.governance(retention))
            rules = []
            if b.expire_days:
                rules.append(s3.LifecycleRule(id="expire-unsubmitted", expiration=Duration.days(b.expire_days),
                                              abort_incomplete_multipart_upload_after=Duration.days(1)))
            self.buckets[b.key] = s3.Bucket(
                self, f"{b.key.title()}Bucket",
                versioned=b.versioned or b.object_lock,
                object_lock_enabled=b.object_lock or None,
                object_lock_default_retention=lock,
                encryption=s3.BucketEncryption.KMS, encryption_key=self.data_key, bucket_key_enabled=True,
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL, enforce_ssl=True,
                object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
                server_access_logs_bucket=self.log_bucket, server_access_logs_prefix=f"{b.key.lower()}/",
                lifecycle_rules=rules or None,
                # Only the expiring upload bucket is written by browsers.
                cors=[s3.CorsRule(allowed_methods=[s3.HttpMethods.POST], allowed_origins=cors_origins,
                                  allowed_headers=["*"], max_age=600)] if b.expire_days else None,
                removal_policy=RemovalPolicy.RETAIN,
            )
        self.tables: dict[str, dynamodb.TableV2] = {}
        for t in TABLES:
            string = dynamodb.AttributeType.STRING
            self.tables[t.key] = dynamodb.TableV2(
                self, f"{t.key.title()}Table",
                partition_key=dynamodb.Attribute(name=t.partition_key, type=string),
                sort_key=dynamodb.Attribute(name=t.sort_key, type=string) if t.sort_key else None,
                time_to_live_attribute=t.ttl_attribute,
                global_secondary_indexes=[
                    dynamodb.GlobalSecondaryIndexPropsV2(
                        index_name=i.name, partition_key=dynamodb.Attribute(name=i.partition_key, type=string),
                        sort_key=dynamodb.Attribute(name=i.sort_key, type=string))
                    for i in t.indexes] or None,
                billing=dynamodb.Billing.on_demand(),
                encryption=dynamodb.TableEncryptionV2.customer_managed_key(self.data_key),
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True),
                deletion_protection=True,
                removal_policy=RemovalPolicy.RETAIN,
            )

        # --- mail ---------------------------------------------------------------------------------------
        self.configuration_set = ses.ConfigurationSet(
            self, "SesConfigurationSet", configuration_set_name=settings.configuration_set,
            reputation_metrics=True,
            # Certificates are personal documents: never sent over an unencrypted hop. A recipient server
            # without TLS means no delivery, and the applicant is sent to the Drive-Thru instead.
            tls_policy=ses.ConfigurationSetTlsPolicy.REQUIRE,
        )
        self.configuration_set.add_event_destination(
            "ToEventBridge",
            destination=ses.EventDestination.event_bus(events.EventBus.from_event_bus_name(self, "DefaultBus", "default")),
            events=[ses.EmailSendingEvent.DELIVERY, ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT,
                    ses.EmailSendingEvent.REJECT],
        )
        self.email_identity = ses.EmailIdentity(self, "MailDomain", identity=ses.Identity.domain(settings.mail_domain),
                                                configuration_set=self.configuration_set)

        # --- roles first: the signing key's policy names the issuing function's role -------------------
        self.roles = {
            f.name: iam.Role(self, f"{pascal(f.name)}Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                             description=f"Lambda {f.name}: only the actions infra/declaration.py declares for it")
            for f in FUNCTIONS
        }
        signers = [*(self.roles[f.name] for f in FUNCTIONS if "kms:Sign" in granted_actions(f)),
                   *(iam.ArnPrincipal(arn) for arn in settings.signer_csr_principals)]
        self.signing_key = kms.Key(
            self, "SigningKey",
            description="TTE Kepala Dinas: signs Akta Kelahiran (PAdES); only the issuing function may sign",
            key_spec=kms.KeySpec.RSA_3072, key_usage=kms.KeyUsage.SIGN_VERIFY,
            removal_policy=RemovalPolicy.RETAIN, pending_window=Duration.days(30),
            policy=iam.PolicyDocument(statements=[
                # The account administers the key through IAM (CloudFormation needs that) but cannot sign with it,
                # nor grant signing (no kms:CreateGrant): signing is named below, principal by principal.
                iam.PolicyStatement(sid="AccountAdministersTheKey", principals=[iam.AccountRootPrincipal()],
                                    actions=SIGNING_KEY_ADMIN_ACTIONS, resources=["*"]),
                *([iam.PolicyStatement(sid="OnlyTheIssuingFunctionSigns", principals=signers, actions=["kms:Sign"],
                                       resources=["*"])] if signers else []),
            ]),
        )
        self.signer_certificate = ssm.StringParameter(
            self, "SignerCertificate", parameter_name=f"/{construct_id}/signer-certificate",
            description="PEM chain of the head of office's signing certificate (signer first), for the KMS signing key",
            string_value=SIGNER_PLACEHOLDER, tier=ssm.ParameterTier.ADVANCED)  # a chain can pass the 4 KB standard limit
        self.trust_root = ssm.StringParameter(
            self, "TrustRoot", parameter_name=f"/{construct_id}/trust-root",
            description="PEM root certificate that the release check trusts for certificate signatures",
            string_value=TRUST_ROOT_PLACEHOLDER)

        # --- functions ----------------------------------------------------------------------------------
        layer_versions = {
            name: lambda_.LayerVersion(self, f"{pascal(name)}Layer", code=lambda_.Code.from_asset(str(layer_dirs[name])),
                                       description=description,
                                       compatible_runtimes=[RUNTIME], compatible_architectures=[ARCHITECTURE])
            for name, description in (("shared", "akta package, Powertools, pydantic"), ("pdf", "fpdf2, segno, pyHanko"),
                                      ("identity", "PyJWT, cryptography: the staff sign-in's token check"))
        }

        # The state machine's ARN is known before it exists, so functions can name it without a cycle.
        self.state_machine_name = f"{construct_id}-birth-certificate"
        self.state_machine_arn = self.format_arn(service="states", resource="stateMachine",
                                                 resource_name=self.state_machine_name,
                                                 arn_format=ArnFormat.COLON_RESOURCE_NAME)
        self._staff_identity(settings)
        values = setting_values(
            tables={k: t.table_name for k, t in self.tables.items()},
            buckets={k: b.bucket_name for k, b in self.buckets.items()},
            state_machine_arn=self.state_machine_arn,
            settings=settings,
            signer_key_id=self.signing_key.key_id,
            signer_certificate_parameter=self.signer_certificate.parameter_name,
            trust_root_parameter=self.trust_root.parameter_name,
            staff_pool=self.staff_pool_values,
            wait_timeouts=dict(settings.wait_timeouts),
        )
        # Each function's environment: its declared settings only.
        self.function_environments = {f.name: function_environment(f, values) | {"POWERTOOLS_LOG_LEVEL": "INFO"}
                                      for f in FUNCTIONS}

        self.functions: dict[str, lambda_.Function] = {}
        for f in FUNCTIONS:
            role = self.roles[f.name]
            log_group = logs.LogGroup(self, f"{f.name}-logs", removal_policy=RemovalPolicy.RETAIN)
            _retain_logs(log_group, retention_days)
            log_group.grant_write(role)
            fn = lambda_.Function(
                self, pascal(f.name),
                description=f.summary,
                runtime=RUNTIME,
                architecture=ARCHITECTURE,
                handler="app.handler",
                code=lambda_.Code.from_asset(str(FUNCTIONS_DIR / f.name), exclude=["__pycache__"]),
                layers=[layer_versions[name] for name in layers_of(f)],
                memory_size=f.memory_mb,
                timeout=Duration.seconds(f.timeout_s),
                reserved_concurrent_executions=f.concurrency,  # only where the declaration sets it
                environment=self.function_environments[f.name],
                log_group=log_group,
                role=role,
                tracing=lambda_.Tracing.ACTIVE,
            )
            for resources, actions in self.statements(f).items():
                role.add_to_policy(iam.PolicyStatement(actions=sorted(actions), resources=list(resources)))
            self.functions[f.name] = fn
            if f.schedule_minutes:
                # The scheduled instant travels as "time", as in an EventBridge scheduled event (and the sandbox's).
                scheduler.Schedule(
                    self, f"{pascal(f.name)}Schedule", description=f.summary,
                    schedule=scheduler.ScheduleExpression.rate(Duration.minutes(f.schedule_minutes)),
                    target=scheduler_targets.LambdaInvoke(
                        fn, input=scheduler.ScheduleTargetInput.from_object({"time": scheduler.ContextAttribute.scheduled_time}),
                        retry_attempts=2, max_event_age=Duration.minutes(f.schedule_minutes)),
                )

        events.Rule(
            self, "SesDeliveryOutcome",
            description="SES delivery, bounce, complaint and reject events of the configuration set",
            event_pattern=events.EventPattern(
                source=["aws.ses"], detail={"mail": {"tags": {"ses:configuration-set": [settings.configuration_set]}}}),
            targets=[events_targets.LambdaFunction(self.functions["delivery_events"], retry_attempts=4)],
        )

        # --- the state machine (the SOP) ----------------------------------------------------------------
        state_role = iam.Role(self, "StateMachineRole", assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
                              description="The SOP state machine: invokes only the functions its ASL names")
        substitutions = {placeholder: self.functions[name].function_arn for placeholder, name in placeholders().items()}
        state_role.add_to_policy(iam.PolicyStatement(
            actions=["lambda:InvokeFunction"],
            resources=sorted({self.functions[name].function_arn for name in placeholders().values()})))
        state_logs = logs.LogGroup(self, "StateMachineLogs", log_group_name=f"/aws/vendedlogs/states/{self.state_machine_name}",
                                   removal_policy=RemovalPolicy.RETAIN)
        _retain_logs(state_logs, retention_days)
        self.state_machine = sfn.StateMachine(
            self, "BirthCertificate",
            state_machine_name=self.state_machine_name,
            definition_body=sfn.DefinitionBody.from_string(ASL_PATH.read_text()),
            definition_substitutions=substitutions,
            state_machine_type=sfn.StateMachineType.STANDARD,
            role=state_role,
            tracing_enabled=True,
            # ALL events, but never the execution data: inputs and outputs stay out of the logs.
            logs=sfn.LogOptions(destination=state_logs, level=sfn.LogLevel.ALL, include_execution_data=False),
        )

        # --- the API ------------------------------------------------------------------------------------
        self.api = self._api(settings, retention_days)

        # --- operations ---------------------------------------------------------------------------------
        self._operations(settings)

        for name, value, about in (
            ("ApiUrl", self.api.url, "the stage URL (public_base_url points here, or at the custom domain)"),
            ("StateMachineArn", self.state_machine.state_machine_arn, "the SOP state machine"),
            ("SigningKeyId", self.signing_key.key_id, "KMS key of the head of office's signature (infra.admin signer csr)"),
            ("SignerCertificateParameter", self.signer_certificate.parameter_name, "SSM parameter for the signer's chain"),
            ("TrustRootParameter", self.trust_root.parameter_name, "SSM parameter for the trusted root certificate"),
            ("StaffPoolIssuer", self.staff_pool_values.issuer, "STAFF_POOL_ISSUER for python -m infra.admin staff ..."),
            ("StaffSignInUrl", self.staff_pool_values.sign_in_url, "the staff's managed login"),
            *((f"{k.title()}TableName", t.table_name, f"{k}_TABLE for python -m infra.admin") for k, t in self.tables.items()),
            *((f"{k.title()}BucketName", b.bucket_name, f"{k}_BUCKET") for k, b in self.buckets.items()),
            *((f"DkimRecord{i}", f"{r.name} CNAME {r.value}", "add to the mail domain's DNS for SES verification")
              for i, r in enumerate(self.email_identity.dkim_records, 1)),
        ):
            CfnOutput(self, name, value=value, description=about)

        suppress_findings(self)

    def _staff_identity(self, settings: Settings) -> None:
        """The staff's user pool: accounts made by the office (no sign-up), TOTP required, roles as groups, and
        the managed login for the staff pages' public app client (authorization code with PKCE)."""
        self.staff_pool = cognito.UserPool(
            self, "StaffPool", user_pool_name=f"{self.stack_name}-staff",
            self_sign_up_enabled=False, sign_in_aliases=cognito.SignInAliases(username=True), sign_in_case_sensitive=False,
            mfa=cognito.Mfa.REQUIRED, mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(min_length=12, require_lowercase=True, require_uppercase=True,
                                                   require_digits=True, require_symbols=True,
                                                   temp_password_validity=Duration.days(3)),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            standard_attributes=cognito.StandardAttributes(email=cognito.StandardAttribute(required=True, mutable=True)),
            # Threat protection (compromised credentials, risky sign-ins) enforced: the Plus plan.
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=True, removal_policy=RemovalPolicy.RETAIN,
        )
        for group in GROUPS:
            cognito.UserPoolGroup(self, f"StaffGroup{pascal(group)}", user_pool=self.staff_pool, group_name=group,
                                  description=f"Staff role {group} (the staff directory's role of the same name)")
        self.staff_client = self.staff_pool.add_client(
            "StaffPagesClient", user_pool_client_name="akta-staff-pages", generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                # COGNITO_ADMIN: the person's own access token may enrol TOTP (AssociateSoftwareToken and friends).
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.COGNITO_ADMIN],
                callback_urls=[settings.public_base_url + SIGN_IN_CALLBACK],
                logout_urls=[settings.public_base_url + SIGNED_OUT]),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True, enable_token_revocation=True,
            # The session lasts as long as its ID token: an hour, then the managed login again.
            id_token_validity=Duration.hours(1), access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.hours(12),
        )
        domain = self.staff_pool.add_domain(
            "StaffLogin", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=settings.staff_login_domain_prefix),
            managed_login_version=cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN)
        cognito.CfnManagedLoginBranding(self, "StaffLoginBranding", user_pool_id=self.staff_pool.user_pool_id,
                                        client_id=self.staff_client.user_pool_client_id, use_cognito_provided_values=True)
        issuer = f"https://{self.staff_pool.user_pool_provider_url}"
        self.staff_pool_values = StaffPool(issuer=issuer, client_id=self.staff_client.user_pool_client_id,
                                           jwks_url=f"{issuer}/.well-known/jwks.json", sign_in_url=domain.base_url())

    def statements(self, f: Function) -> dict[tuple[str, ...], set[str]]:
        """The function's IAM statements: each granted action on the resources it acts on, grouped by resources."""
        grouped: dict[tuple[str, ...], set[str]] = {}
        for action in granted_actions(f):
            grouped.setdefault(tuple(self.resources_for(f, action)), set()).add(action)
        return grouped

    def resources_for(self, f: Function, action: str) -> list[str]:
        """The one mapping from a declared action to the ARNs it may act on."""
        service = action.split(":", 1)[0]
        if service == "dynamodb":
            if not f.tables:
                raise ValueError(f"{f.name}: {action} needs Function.tables in infra/declaration.py")
            arns = [self.tables[key].table_arn for key in f.tables]
            if action == "dynamodb:Query":
                arns += [f"{self.tables[t.key].table_arn}/index/{index.name}"
                         for t in TABLES if t.key in f.tables for index in t.indexes]
            return arns
        if service == "s3":
            if not f.buckets:
                raise ValueError(f"{f.name}: {action} needs Function.buckets in infra/declaration.py")
            buckets = [self.buckets[key] for key in f.buckets]
            return [b.bucket_arn if action in S3_BUCKET_ACTIONS else b.arn_for_objects("*") for b in buckets]
        if service == "states":
            if action in SFN_EXECUTION_ACTIONS:
                return [self.format_arn(service="states", resource="execution", arn_format=ArnFormat.COLON_RESOURCE_NAME,
                                        resource_name=f"{self.state_machine_name}:*")]
            if action in SFN_TOKEN_ACTIONS:
                return ["*"]
            return [self.state_machine_arn]  # StartExecution
        if service == "ses":
            return [self.email_identity.email_identity_arn,
                    self.format_arn(service="ses", resource="configuration-set",
                                    resource_name=self.settings.configuration_set)]
        if service == "social-messaging":
            number = self.settings.whatsapp_phone_number_id.removeprefix("phone-number-id-")
            return [self.format_arn(service="social-messaging", region=self.settings.whatsapp_region,
                                    resource="phone-number-id", resource_name=number)]
        if service == "kms":
            return [(self.signing_key if action in KMS_SIGNING_ACTIONS else self.data_key).key_arn]
        if service == "cognito-idp":
            return [self.staff_pool.user_pool_arn]
        if service == "ssm":
            return [self.signer_certificate.parameter_arn, self.trust_root.parameter_arn]
        raise ValueError(f"{f.name}: no resource mapping for {action}; add one to BirthCertificateStack.resources_for")

    def _api(self, settings: Settings, retention_days: int) -> apigw.RestApi:
        access_logs = logs.LogGroup(self, "ApiAccessLogs", removal_policy=RemovalPolicy.RETAIN)
        _retain_logs(access_logs, retention_days)
        # resourcePath, never path: a staff link's id in the path is a live credential.
        access_format = apigw.AccessLogFormat.custom(json.dumps({
            "requestId": "$context.requestId", "time": "$context.requestTime", "ip": "$context.identity.sourceIp",
            "method": "$context.httpMethod", "resource": "$context.resourcePath", "status": "$context.status",
            "protocol": "$context.protocol", "responseLength": "$context.responseLength",
            "latency": "$context.responseLatency", "integrationLatency": "$context.integrationLatency",
            "facility": "$context.authorizer.principalId", "error": "$context.error.responseType",
            "waf": "$context.waf.status",
        }))
        # Execution logs at ERROR only and without data tracing: request bodies carry NIKs.
        logging = dict(logging_level=apigw.MethodLoggingLevel.ERROR, data_trace_enabled=False, metrics_enabled=True)
        per_route = {
            f"{r.path}/{r.method if r.method != 'ANY' else '*'}": apigw.MethodDeploymentOptions(
                throttling_rate_limit=r.rate_limit, throttling_burst_limit=2 * r.rate_limit, **logging)
            for r in ROUTES if r.rate_limit
        }
        api = apigw.RestApi(
            self, "Api", rest_api_name=f"{self.stack_name}-api",
            description="Akta Kelahiran online: hospital API and page, staff and counter pages, public verification",
            endpoint_types=[apigw.EndpointType.REGIONAL],  # served from the region, not from edge locations abroad
            binary_media_types=["multipart/form-data"],
            cloud_watch_role=True, cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name="prod",
                access_log_destination=apigw.LogGroupLogDestination(access_logs), access_log_format=access_format,
                tracing_enabled=True,
                throttling_rate_limit=settings.api_rate_limit, throttling_burst_limit=2 * settings.api_rate_limit,
                method_options=per_route or None,
                **logging,
            ),
        )
        authorizers = {
            name: apigw.TokenAuthorizer(self, f"{pascal(name)}Authorizer", handler=self.functions[name],
                                        identity_source="method.request.header.Authorization",
                                        results_cache_ttl=Duration.minutes(5))
            for name in sorted({r.authorizer for r in ROUTES if r.authorizer})
        }
        # Shape only: a keyed route needs its Authorization header. Bodies are checked by the handlers, which
        # answer field by field in Bahasa Indonesia (the gateway's own validation messages are English, field-less).
        validator = apigw.RequestValidator(self, "RequestShape", rest_api=api, validate_request_body=True,
                                           validate_request_parameters=True)
        for route in ROUTES:
            resource = api.root.resource_for_path(route.path)
            resource.add_method(
                route.method, apigw.LambdaIntegration(self.functions[route.function], allow_test_invoke=False),
                authorizer=authorizers.get(route.authorizer),
                request_validator=validator if route.authorizer else None,
                request_parameters={"method.request.header.Authorization": True} if route.authorizer else None,
            )
        for kind, (status, _, _) in GATEWAY_RESPONSES.items():
            api.add_gateway_response(kind, type=apigw.ResponseType.of(kind), status_code=str(status),
                                     templates={"application/json": gateway_response_body(kind)})
        if settings.waf:
            self._firewall(api, settings)
        if settings.api_certificate_arn:
            host = settings.public_base_url.split("/")[2]
            domain = api.add_domain_name(
                "CustomDomain", domain_name=host, endpoint_type=apigw.EndpointType.REGIONAL,
                certificate=acm.Certificate.from_certificate_arn(self, "ApiCertificate", settings.api_certificate_arn),
                security_policy=apigw.SecurityPolicy.TLS_1_2)
            CfnOutput(self, "CustomDomainTarget", value=domain.domain_name_alias_domain_name,
                      description=f"CNAME {host} to this name")
        return api

    def _firewall(self, api: apigw.RestApi, settings: Settings) -> None:
        visibility = lambda name: wafv2.CfnWebACL.VisibilityConfigProperty(  # noqa: E731
            cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True)

        def managed(priority: int, name: str, overrides: tuple[str, ...] = ()) -> wafv2.CfnWebACL.RuleProperty:
            return wafv2.CfnWebACL.RuleProperty(
                name=name, priority=priority, override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=name,
                        rule_action_overrides=[wafv2.CfnWebACL.RuleActionOverrideProperty(
                            name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={}))
                            for rule in overrides] or None)),
                visibility_config=visibility(name))

        acl = wafv2.CfnWebACL(
            self, "ApiFirewall", scope="REGIONAL", default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=visibility("akta-api"),
            rules=[
                managed(0, "AWSManagedRulesAmazonIpReputationList"),
                managed(1, "AWSManagedRulesKnownBadInputsRuleSet"),
                # The public verification page accepts a certificate PDF: bodies over 8 KB are only counted.
                managed(2, "AWSManagedRulesCommonRuleSet", ("SizeRestrictions_BODY",)),
                wafv2.CfnWebACL.RuleProperty(
                    name="RequestsPerSourceIp", priority=3, action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        limit=settings.waf_requests_per_5_minutes, aggregate_key_type="IP", evaluation_window_sec=300)),
                    visibility_config=visibility("requests-per-source-ip")),
            ],
        )
        wafv2.CfnWebACLAssociation(self, "ApiFirewallAssociation", resource_arn=api.deployment_stage.stage_arn,
                                   web_acl_arn=acl.attr_arn)

    def _operations(self, settings: Settings) -> None:
        self.alarm_topic = sns.Topic(self, "OnCall", display_name="Akta Kelahiran on-call", master_key=self.ops_key,
                                     enforce_ssl=True)
        if settings.alarm_email:
            self.alarm_topic.add_subscription(sns_subscriptions.EmailSubscription(settings.alarm_email))
        notify = cloudwatch_actions.SnsAction(self.alarm_topic)
        five_minutes = Duration.minutes(5)

        def alarm(construct_id: str, metric: cloudwatch.IMetric, description: str) -> cloudwatch.Alarm:
            created = cloudwatch.Alarm(self, construct_id, metric=metric, threshold=1, evaluation_periods=1,
                                       comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                                       treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                                       alarm_description=description)
            created.add_alarm_action(notify)
            return created

        alarm("FailedExecutions", self.state_machine.metric_failed(period=five_minutes, statistic="Sum"),
              "An application's execution failed (RecordFailure kept the file; see the timeline)")
        alarm("ApiServerErrors", self.api.metric_server_error(period=five_minutes, statistic="Sum"),
              "The API answered 5xx")
        for name, fn in self.functions.items():
            alarm(f"{pascal(name)}Errors", fn.metric_errors(period=five_minutes, statistic="Sum"), f"{name}: errors")
            alarm(f"{pascal(name)}Throttles", fn.metric_throttles(period=five_minutes, statistic="Sum"), f"{name}: throttled")

        # The per-step EMF metrics of akta.service.common.measure_step (office-calendar minutes, breaches).
        namespace, service = POWERTOOLS["POWERTOOLS_METRICS_NAMESPACE"], POWERTOOLS["POWERTOOLS_SERVICE_NAME"]

        def step_metric(name: str, label: str, statistic: str) -> cloudwatch.Metric:
            return cloudwatch.Metric(namespace=namespace, metric_name=name, statistic=statistic, period=Duration.minutes(15),
                                     dimensions_map={"sop_step": label, "service": service})

        self.sla_alarms: dict[str, cloudwatch.Alarm] = {}
        dashboard = cloudwatch.Dashboard(self, "SopDashboard", dashboard_name=f"{self.stack_name}-sop",
                                         default_interval=Duration.days(7))
        for step in timeline_steps():
            label, minutes = sop.label(step.number), sop.target(step.number).total_seconds() / 60
            if step.number in staff_step_numbers():
                self.sla_alarms[label] = alarm(
                    f"SlaBreachStep{label.replace('-', '')}", step_metric("SlaBreaches", label, "Sum"),
                    f"SOP step {label} ({sop.actor(step.number)}) finished past its mutu baku of {minutes:g} office minutes")
            dashboard.add_widgets(
                cloudwatch.TextWidget(markdown=f"### {label} · {sop.actor(step.number)}\n{step.description}\n\n"
                                               f"Mutu baku: **{minutes:g} menit**", width=6, height=5),
                cloudwatch.GraphWidget(
                    title=f"Step {label}: office minutes", width=12, height=5,
                    left=[step_metric("StepOfficeMinutes", label, s) for s in ("Average", "p90", "Maximum")],
                    left_annotations=[cloudwatch.HorizontalAnnotation(value=minutes, label="mutu baku")]),
                cloudwatch.SingleValueWidget(title=f"Step {label}: SLA breaches", width=6, height=5,
                                             metrics=[step_metric("SlaBreaches", label, "Sum")], set_period_to_time_range=True),
            )


def timeline_steps() -> list[sop.SopStep]:
    """The SOP steps as the timeline measures them (1 and 2 are one line, labelled "1-2")."""
    return [s for s in sop.SOP_STEPS if s.number >= sop.INTAKE_STEP and sop.target(s.number) is not None]


def staff_step_numbers() -> set[int]:
    """Steps the office's staff carry out: neither the applicant's nor the hospital's."""
    outside = {sop.step(1).actor, sop.step(sop.INTAKE_STEP).actor}
    return {s.number for s in timeline_steps() if s.number != sop.INTAKE_STEP and s.actor not in outside}


def _retain_logs(log_group: logs.LogGroup, days: int) -> None:
    # Any number of days from context; CloudFormation (and cfn-lint) accept only CloudWatch's allowed values.
    log_group.node.default_child.retention_in_days = days



# Why each route without the gateway's authorizer is still safe; a new open route needs its reason here or
# cdk-nag (AwsSolutions-APIG4) fails the synth.
OPEN_ROUTE_REASONS = {
    "/v1/openapi.json": "The API contract is public documentation and carries no data.",
    "/hospital": "A static page: the facility key is typed into the page, and every API call it makes goes to the "
                 "/v1/applications routes behind the TOKEN authorizer.",
    "/staff/{proxy+}": "Behind staff sign-in, checked by the handler on every request: the session cookie's Cognito ID "
                       "token (signature against the staff pool's JWKS, issuer, audience, expiry, token_use), the "
                       "person active in the staff directory and in the link's role, and the link's assignee. A "
                       "gateway authorizer cannot redirect a signed-out person to the login or check the per-task "
                       "link; the handler does both. Only a POST with the page's one-time form token decides.",
    "/counter": "Behind staff sign-in (the drive_thru group), checked by the handler on every request as for /staff; "
                "the counter's own key (one per terminal, stored hashed, revocable) names the counter.",
    "/counter/{proxy+}": "As /counter: the signed-in counter staff, the counter key and the pickup code, checked by the "
                         "handler on every request.",
    "/supervisor": "Behind staff sign-in (the supervisor group), checked by the handler on every request as for /staff.",
    "/supervisor/{proxy+}": "As /supervisor, and each action is one POST carrying the one-time form token that the "
                            "signed-in supervisor's console was rendered with; nothing acts on GET.",
    "/auth/{proxy+}": "The staff sign-in itself: the redirect to the staff pool's managed login (authorization code "
                      "with PKCE, state in a short-lived cookie), its callback, which exchanges the code server-side "
                      "and checks the ID token, TOTP enrolment with the person's own access token, and sign-out.",
    "/verify/{proxy+}": "Public by design: the QR code on every certificate opens it. It answers valid, revoked or "
                        "unknown with a masked name only, and is throttled per route (5 rps) and by AWS WAF.",
}


def suppress_findings(stack: BirthCertificateStack) -> None:
    """Every cdk-nag (AwsSolutions) finding this stack accepts, each with the reason a reviewer can check.

    The findings are narrow (`applies_to`) wherever cdk-nag reports them so: a new wildcard still fails.
    """
    def suppress(construct: Construct, rule: str, reason: str, applies_to: list | None = None) -> None:
        NagSuppressions.add_resource_suppressions(
            construct, [NagPackSuppression(id=rule, reason=reason, applies_to=applies_to)], apply_to_children=True)

    xray = ("X-Ray tracing (Tracing.ACTIVE): xray:PutTraceSegments and xray:PutTelemetryRecords, and answering a "
            "waiting task (states:SendTaskSuccess/SendTaskFailure, granted only to the functions that answer one), "
            "support no resource-level permissions, so AWS requires Resource '*'; a task is answered only with its "
            "secret task token, which never leaves the server. No other action is ever mapped to '*' "
            "(tests/infra/test_stack.py checks it).")
    for f in FUNCTIONS:
        role = stack.roles[f.name]
        suppress(role, "AwsSolutions-IAM5", xray, ["Resource::*"])
        suppress(role, "AwsSolutions-IAM5",
                 "S3 object actions need object ARNs. Object keys are made per application at run time (random ids), "
                 "so the function gets the objects of exactly the buckets its declaration names; bucket-level "
                 "actions stay on the bucket ARN.",
                 [{"regex": "/^Resource::<(%s)Bucket[0-9A-F]{8}\\.Arn>\\/\\*$/g" % "|".join(b.key.title() for b in BUCKETS)}])
        suppress(role, "AwsSolutions-IAM5",
                 "An execution's name (application id + attempt) is made at run time; the wildcard is limited to the "
                 "executions of this one state machine.",
                 [{"regex": "/^Resource::arn:.*:states:.*:execution:%s:\\*$/g" % stack.state_machine_name}])
        suppress(stack.functions[f.name], "AwsSolutions-L1",
                 "Python 3.13 is a supported Lambda runtime. The layers' wheels are built and import-tested for "
                 "CPython 3.13 (infra/layers.py, tests/infra/test_layers.py); moving to a newer runtime is a "
                 "deliberate change together with the layer pins, not an automatic one.")
    suppress(stack.node.find_child("StateMachineRole"), "AwsSolutions-IAM5",
             "Step Functions logging to CloudWatch Logs (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, "
             "DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) "
             "and X-Ray tracing support no resource-level permissions; AWS documents Resource '*' for them. Its "
             "lambda:InvokeFunction names each function's ARN.", ["Resource::*"])
    for child in stack.node.children:
        if child.node.id.startswith("SchedulerRoleForTarget"):
            suppress(child, "AwsSolutions-IAM5",
                     "The EventBridge Scheduler target (aws_scheduler_targets.LambdaInvoke) grants the scheduled "
                     "function and its qualified versions (ARN:*); no version or alias is published, so this is the "
                     "one function.", [{"regex": "/^Resource::<[A-Za-z0-9]+\\.Arn>:\\*$/g"}])
    suppress(stack.api, "AwsSolutions-IAM4",
             "API Gateway's account-level CloudWatch role (needed for access and execution logs) uses AWS's own "
             "AmazonAPIGatewayPushToCloudWatchLogs policy, assumable by apigateway.amazonaws.com only.",
             ["Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"])
    for method in stack.api.methods:
        route = next(r for r in ROUTES if r.path == method.resource.path and r.method == method.http_method)
        if route.authorizer:
            suppress(method, "AwsSolutions-COG4",
                     "Facilities are not a Cognito user directory: each calls with an office-issued key (stored "
                     "hashed, revocable) that the TOKEN authorizer turns into its facility id.")
        elif route.path in OPEN_ROUTE_REASONS:
            suppress(method, "AwsSolutions-APIG4", OPEN_ROUTE_REASONS[route.path])
            suppress(method, "AwsSolutions-COG4", "No Cognito user pool: " + OPEN_ROUTE_REASONS[route.path])
