"""`make totp`: the current TOTP code of a sandbox staff account, as an authenticator app would show it.

    python -m sandbox.totp            # every sandbox account's code (moto gives them all one secret)
    python -m sandbox.totp SECRET     # the code of a secret shown at TOTP set-up
"""

from __future__ import annotations

import sys
import time


def main(argv: list[str] | None = None) -> int:
    from moto.cognitoidp.models import COGNITO_TOTP_MFA_SECRET

    from sandbox.aws import totp_code

    args = sys.argv[1:] if argv is None else argv
    secret = args[0] if args else COGNITO_TOTP_MFA_SECRET
    print(f"{totp_code(secret)}   (valid for {30 - int(time.time()) % 30} more seconds)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
