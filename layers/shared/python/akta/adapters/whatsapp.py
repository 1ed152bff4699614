"""WhatsApp through AWS End User Messaging Social (socialmessaging.send_whatsapp_message)."""

from __future__ import annotations

import json

from akta.adapters.aws import client
from akta.domain.notices import template_message

META_API_VERSION = "v20.0"


class WhatsApp:
    def __init__(self, phone_number_id: str, region: str):
        self._client = client("socialmessaging", region)
        self.phone_number_id = phone_number_id

    def send_template(self, to: str, name: str, values: dict[str, str]) -> str:
        message = template_message(to, name, values)
        response = self._client.send_whatsapp_message(
            originationPhoneNumberId=self.phone_number_id,
            message=json.dumps(message).encode(),
            metaApiVersion=META_API_VERSION,
        )
        return response["messageId"]
