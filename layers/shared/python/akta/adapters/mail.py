"""Email through SES v2, tagged with the application id so delivery events find their way back."""

from __future__ import annotations

from email.message import EmailMessage

from botocore.exceptions import ClientError

from akta.adapters.aws import client
from akta.domain.errors import Refused
from akta.observability import logger
from akta.rendering import Email


class MailRejected(Refused):
    """SES refused the message at send time (the address is the reason; it is not repeated here)."""

    code = "mail_rejected"


# SES v2's refusals of a message that trying again will not change: the address it will not take
# (BadRequestException: InvalidParameterValue), the content (MessageRejected), the sender's domain or the
# account's state. Throttling and server errors are not here: they arrive as TransientError.
REFUSALS = ("MessageRejected", "BadRequestException", "MailFromDomainNotVerifiedException",
            "AccountSuspendedException", "SendingPausedException", "NotFoundException")


class Mailer:
    def __init__(self, sender: str, configuration_set: str):
        self._ses = client("sesv2")
        self.sender, self.configuration_set = sender, configuration_set

    def send(self, *, to: str, message: Email, application_id: str,
             attachment: tuple[str, bytes] | None = None, delivery_id: str | None = None) -> str:
        """The text and the HTML part as alternatives (a client shows the one it can), then the attachment."""
        mime = EmailMessage()
        mime["From"] = self.sender
        mime["To"] = to
        mime["Subject"] = message.subject
        mime.set_content(message.text)
        mime.add_alternative(message.html, subtype="html")
        if attachment:
            filename, data = attachment
            mime.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
        try:
            response = self._ses.send_email(
                FromEmailAddress=self.sender,
                Destination={"ToAddresses": [to]},
                Content={"Raw": {"Data": mime.as_bytes()}},
                ConfigurationSetName=self.configuration_set,
                # delivery_id: only the applicant's certificate message has one; its events answer the delivery wait.
                EmailTags=[{"Name": "application_id", "Value": application_id},
                           *([{"Name": "delivery_id", "Value": delivery_id}] if delivery_id else [])],
            )
        except ClientError as refused:
            code = refused.response["Error"]["Code"]
            if code not in REFUSALS:
                raise
            logger.warning("SES refused the message", extra={"application_id": application_id, "ses_error": code})
            raise MailRejected(None, application_id) from None
        return response["MessageId"]
