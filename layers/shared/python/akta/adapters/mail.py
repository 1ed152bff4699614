"""Email through SES v2, tagged with the application id so delivery events find their way back."""

from __future__ import annotations

from email.message import EmailMessage

from akta.adapters.aws import client
from akta.domain.errors import Refused


class MailRejected(Refused):
    """SES refused the message at send time (the address is the reason; it is not repeated here)."""

    code = "mail_rejected"


class Mailer:
    def __init__(self, sender: str, configuration_set: str):
        self._ses = client("sesv2")
        self.sender, self.configuration_set = sender, configuration_set

    def send(self, *, to: str, subject: str, text: str, application_id: str,
             attachment: tuple[str, bytes] | None = None) -> str:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text)
        if attachment:
            filename, data = attachment
            message.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
        try:
            response = self._ses.send_email(
                FromEmailAddress=self.sender,
                Destination={"ToAddresses": [to]},
                Content={"Raw": {"Data": message.as_bytes()}},
                ConfigurationSetName=self.configuration_set,
                EmailTags=[{"Name": "application_id", "Value": application_id}],
            )
        except self._ses.exceptions.MessageRejected:
            raise MailRejected(None, application_id) from None
        return response["MessageId"]
