"""`make serve`: keep the sandbox and its gateway running on 127.0.0.1 and print where everything is."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from sandbox.aws import SANDBOX_HEAD_PIN, SANDBOX_STAFF, SANDBOX_STAFF_PASSWORD
from sandbox.outside import WhatsAppMessage
from sandbox.world import World


def masked_number(number: str) -> str:
    """A phone number as make serve shows it: only its last four digits."""
    return "*" * max(len(number) - 4, 0) + number[-4:]


def whatsapp_lines(message: WhatsAppMessage) -> list[str]:
    lines = [f"[whatsapp] to {masked_number(message.to)}: {message.text}"]
    if code := message.values.get("pickup_code"):
        lines.append(f"        pickup code: {code}")
    return lines


def main() -> None:
    world = World(workdir=Path(".sandbox"), schedule_every=30, gateway_port=int(os.environ.get("PORT", "8750")))
    url = world.gateway.url
    # For the admin command (python -m infra.admin --sandbox ...): where the running sandbox is.
    # Every setting: a reassignment emails the new person (MAIL_FROM, PUBLIC_BASE_URL, ...).
    env = dict(world.sandbox.settings)
    env |= {k: os.environ[k] for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                       "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_REGION")}
    (world.sandbox.workdir / "env.json").write_text(json.dumps(env))
    print(f"Gateway (API, staff pages, counter): {url}")
    print(f"hospital key: {world.sandbox.facility_key}")
    print(f"  Hospital page:     {url}/hospital")
    print(f"  Hospital API:      {url}/v1/applications   (Authorization: Bearer <hospital key>; contract: {url}/v1/openapi.json)")
    print(f"  Drive-Thru counter: {url}/counter   (counter key: {world.sandbox.counter_key})")
    print(f"  Supervisor console: {url}/supervisor")
    print(f"AWS (moto):          {world.sandbox.endpoint}")
    print(f"Function logs:       {world.sandbox.workdir / 'logs'}")
    print(f"Staff sign in at the office's login page ({world.sandbox.login.url}, the sandbox's stand-in for Cognito's):")
    print(f"  every account's password is {SANDBOX_STAFF_PASSWORD}; the TOTP code: `make totp` (or python -m sandbox.totp)")
    for role, person in SANDBOX_STAFF.items():
        print(f"  {role:<11}user {person['staff_id']:<7}{person['email']}")
    print("Staff links arrive by email (moto SES); the sandbox prints each one here as it is sent.")
    print(f"The head of office signs with the sandbox PIN {SANDBOX_HEAD_PIN}.")
    print("WhatsApp notices to applicants are printed here too (the number masked), with any Drive-Thru pickup code.")
    seen: set[str] = set()
    notices = 0
    stop = threading.Event()
    try:
        while not stop.wait(1.0):
            for mail in world.sandbox.mailbox.sent():
                if mail.message_id not in seen:
                    seen.add(mail.message_id)
                    print(f"[email] to {', '.join(mail.to)}: {mail.subject}")
                    for line in mail.text.splitlines():
                        if "/staff/tasks/" in line:
                            print(f"        {line.strip()}")
            sent = world.sandbox.whatsapp.messages[notices:]
            notices += len(sent)
            for message in sent:
                print("\n".join(whatsapp_lines(message)))
    except KeyboardInterrupt:
        pass
    finally:
        world.close()


if __name__ == "__main__":
    main()
