"""The AWS stack: every function, table, bucket, route and the state machine come from the declaration.

What this stack does not do yet (the deployment issue): customer-managed KMS keys, cdk-nag, per-action
least privilege proven against the sandbox's record of calls, alarms on the SLA metrics.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ses as ses
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.declaration import (
    ASL_PATH, BUCKETS, FUNCTIONS, FUNCTIONS_DIR, GATEWAY_RESPONSES, ROUTES, TABLES, Settings, environment,
    gateway_response_body, placeholders,
)

RUNTIME = lambda_.Runtime.PYTHON_3_13


class BirthCertificateStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, layer_dirs: dict[str, Path], **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        ctx = self.node.try_get_context
        settings = Settings(
            mail_from=ctx("mail_from") or Settings.mail_from,
            public_base_url=ctx("public_base_url") or Settings.public_base_url,
            whatsapp_phone_number_id=ctx("whatsapp_phone_number_id") or Settings.whatsapp_phone_number_id,
            whatsapp_region=ctx("whatsapp_region") or Settings.whatsapp_region,
        )

        tables = {
            t.key: dynamodb.TableV2(
                self, f"{t.key.title()}Table",
                partition_key=dynamodb.Attribute(name=t.partition_key, type=dynamodb.AttributeType.STRING),
                sort_key=dynamodb.Attribute(name=t.sort_key, type=dynamodb.AttributeType.STRING) if t.sort_key else None,
                time_to_live_attribute=t.ttl_attribute,
                global_secondary_indexes=[
                    dynamodb.GlobalSecondaryIndexPropsV2(
                        index_name=i.name,
                        partition_key=dynamodb.Attribute(name=i.partition_key, type=dynamodb.AttributeType.STRING),
                        sort_key=dynamodb.Attribute(name=i.sort_key, type=dynamodb.AttributeType.STRING))
                    for i in t.indexes] or None,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True),
                removal_policy=RemovalPolicy.RETAIN,
            )
            for t in TABLES
        }
        buckets = {
            b.key: s3.Bucket(
                self, f"{b.key.title()}Bucket",
                versioned=b.versioned or b.object_lock,
                object_lock_enabled=b.object_lock or None,
                encryption=s3.BucketEncryption.S3_MANAGED,
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                enforce_ssl=True,
                lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(b.expire_days))] if b.expire_days else None,
                cors=[s3.CorsRule(allowed_methods=[s3.HttpMethods.POST], allowed_origins=ctx("hospital_origins") or [],
                                  allowed_headers=["*"])] if b.key == "UPLOADS" else None,
                removal_policy=RemovalPolicy.RETAIN,
            )
            for b in BUCKETS
        }
        configuration_set = ses.ConfigurationSet(self, "SesConfigurationSet", configuration_set_name=settings.configuration_set)
        configuration_set.add_event_destination(
            "ToEventBridge", destination=ses.EventDestination.event_bus(events.EventBus.from_event_bus_name(self, "Default", "default")),
            events=[ses.EmailSendingEvent.DELIVERY, ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT, ses.EmailSendingEvent.REJECT],
        )

        shared = lambda_.LayerVersion(self, "SharedLayer", code=lambda_.Code.from_asset(str(layer_dirs["shared"])),
                                      compatible_runtimes=[RUNTIME], compatible_architectures=[lambda_.Architecture.ARM_64])
        pdf = lambda_.LayerVersion(self, "PdfLayer", code=lambda_.Code.from_asset(str(layer_dirs["pdf"])),
                                   compatible_runtimes=[RUNTIME], compatible_architectures=[lambda_.Architecture.ARM_64])

        # The state machine's ARN is known before it exists, so functions can name it without a cycle.
        state_machine_name = f"{construct_id}-birth-certificate"
        state_machine_arn = f"arn:{self.partition}:states:{self.region}:{self.account}:stateMachine:{state_machine_name}"
        env = environment(
            tables={k: t.table_name for k, t in tables.items()},
            buckets={k: b.bucket_name for k, b in buckets.items()},
            state_machine_arn=state_machine_arn,
            settings=settings,
            signer_secret_id=ctx("signer_secret_id") or "akta-kelahiran/signer",
            trust_root_parameter=ctx("trust_root_parameter") or "/akta-kelahiran/trust-root",
        )

        self.functions: dict[str, lambda_.Function] = {}
        for f in FUNCTIONS:
            log_group = logs.LogGroup(self, f"{f.name}-logs", retention=logs.RetentionDays.ONE_YEAR,
                                      removal_policy=RemovalPolicy.RETAIN)
            fn = lambda_.Function(
                self, "".join(part.title() for part in f.name.split("_")),
                description=f.summary,
                runtime=RUNTIME,
                architecture=lambda_.Architecture.ARM_64,
                handler="app.handler",
                code=lambda_.Code.from_asset(str(FUNCTIONS_DIR / f.name), exclude=["__pycache__"]),
                layers=[shared, pdf] if f.pdf_layer else [shared],
                memory_size=f.memory_mb,
                timeout=Duration.seconds(f.timeout_s),
                environment=env,
                log_group=log_group,
            )
            for table in tables.values():
                table.grant_read_write_data(fn)
            if any(a.startswith("s3:") for a in f.actions):
                for bucket in buckets.values():
                    bucket.grant_read_write(fn)
            services = {a.split(":")[0] for a in f.actions} - {"dynamodb", "s3"}
            if services:
                fn.add_to_role_policy(iam.PolicyStatement(
                    actions=[a for a in f.actions if a.split(":")[0] in services], resources=["*"]))
            self.functions[f.name] = fn
            if f.schedule_minutes:
                events.Rule(self, f"{f.name}-schedule", schedule=events.Schedule.rate(Duration.minutes(f.schedule_minutes)),
                            targets=[targets.LambdaFunction(fn)])

        events.Rule(
            self, "SesDeliveryOutcome",
            event_pattern=events.EventPattern(source=["aws.ses"], detail={"mail": {"tags": {"ses:configuration-set": [settings.configuration_set]}}}),
            targets=[targets.LambdaFunction(self.functions["delivery_events"])],
        )

        role = iam.Role(self, "StateMachineRole", assumed_by=iam.ServicePrincipal("states.amazonaws.com"))
        substitutions = {placeholder: self.functions[name].function_arn for placeholder, name in placeholders().items()}
        for name in set(placeholders().values()):
            self.functions[name].grant_invoke(role)
        self.state_machine = sfn.StateMachine(
            self, "BirthCertificate",
            state_machine_name=state_machine_name,
            definition_body=sfn.DefinitionBody.from_string(ASL_PATH.read_text()),
            definition_substitutions=substitutions,
            state_machine_type=sfn.StateMachineType.STANDARD,
            role=role,
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=logs.LogGroup(self, "StateMachineLogs", retention=logs.RetentionDays.ONE_YEAR),
                                level=sfn.LogLevel.ALL, include_execution_data=False),
        )

        throttled = {f"{r.path}/{r.method if r.method != 'ANY' else '*'}": apigw.MethodDeploymentOptions(
            throttling_rate_limit=r.rate_limit, throttling_burst_limit=2 * r.rate_limit) for r in ROUTES if r.rate_limit}
        api = apigw.RestApi(self, "Api", rest_api_name="akta-kelahiran",
                            deploy_options=apigw.StageOptions(stage_name="prod", method_options=throttled or None),
                            binary_media_types=["multipart/form-data"])
        authorizers = {
            name: apigw.TokenAuthorizer(self, f"{name}-authorizer", handler=self.functions[name],
                                        identity_source="method.request.header.Authorization",
                                        results_cache_ttl=Duration.minutes(5))
            for name in {r.authorizer for r in ROUTES if r.authorizer}
        }
        for route in ROUTES:
            resource = api.root.resource_for_path(route.path)
            resource.add_method(route.method, apigw.LambdaIntegration(self.functions[route.function]),
                                authorizer=authorizers.get(route.authorizer))
        for kind in GATEWAY_RESPONSES:
            api.add_gateway_response(kind, type=apigw.ResponseType.of(kind),
                                     status_code=str(GATEWAY_RESPONSES[kind][0]),
                                     templates={"application/json": gateway_response_body(kind)})
