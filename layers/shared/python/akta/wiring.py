"""Production wiring: the AWS adapters the services get, each built on first use, once per container.

A handler module makes one `Wiring` at import, from its function's settings (read and checked then), and
passes it to the services. Nothing is built before it is needed: a step that only reads DynamoDB never
loads the SES or Step Functions client.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cached_property

from akta import config as settings
from akta.adapters.aws import client


class Wiring:
    def __init__(self, config: settings.Config):
        self.config = config

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Wiring:
        return cls(settings.load(environ))

    @cached_property
    def records(self):
        from akta.adapters.records import Records

        return Records(self.config["APPLICATIONS_TABLE"])

    @cached_property
    def tasks(self):
        from akta.adapters.tasks import TaskStore

        return TaskStore(self.config["TASKS_TABLE"])

    @cached_property
    def archive(self):
        from akta.adapters.archive import Archive

        # One adapter for both buckets; a function declares the one(s) it uses.
        return Archive(self.config.optional("UPLOADS_BUCKET"), self.config.optional("ARCHIVE_BUCKET"))

    @cached_property
    def mail(self):
        from akta.adapters.mail import Mailer

        return Mailer(self.config["MAIL_FROM"], self.config["SES_CONFIGURATION_SET"])

    @cached_property
    def whatsapp(self):
        from akta.adapters.whatsapp import WhatsApp

        return WhatsApp(self.config["WHATSAPP_PHONE_NUMBER_ID"], self.config["WHATSAPP_REGION"])

    @cached_property
    def executions(self):
        from akta.adapters.executions import Executions

        return Executions(self.config["STATE_MACHINE_ARN"])

    @cached_property
    def callbacks(self):
        from akta.adapters.executions import Callbacks

        return Callbacks()

    @cached_property
    def identity(self):
        from akta.adapters.identity import StaffPool

        # The pages only check sessions; the sign-in function also talks to the managed login.
        return StaffPool(self.config["STAFF_POOL_ISSUER"], self.config["STAFF_POOL_CLIENT_ID"],
                         self.config["STAFF_POOL_JWKS_URL"], self.config.optional("STAFF_SIGN_IN_URL") or "")

    @cached_property
    def signer(self):
        """The head of office's KMS key and its certificate chain (the chain read once per container)."""
        from akta.adapters.kms_signer import KmsCmsSigner
        from akta.certificate.signing import PadesSigner

        chain = self._parameter(self.config["SIGNER_CERTIFICATE_PARAMETER"])
        return PadesSigner(KmsCmsSigner(client("kms"), self.config["SIGNER_KEY_ID"], chain),
                           location=self.config["OFFICE_CITY"])

    @cached_property
    def trust_roots(self) -> list[bytes]:
        return [self._parameter(self.config["TRUST_ROOT_PARAMETER"])]

    @staticmethod
    def _parameter(name: str) -> bytes:
        return client("ssm").get_parameter(Name=name)["Parameter"]["Value"].encode()
