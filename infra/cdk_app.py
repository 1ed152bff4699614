"""`cdk synth` / `cdk deploy` (and `make synth`): the production stack, built from infra/declaration.py like the sandbox.

Run by the cdk CLI through cdk.json, or directly: `.venv/bin/python infra/cdk_app.py [-c key=value ...]`
writes cdk.out/ with the same context (cdk.json's, then the `-c` values) and fails on any cdk-nag error.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"

try:
    import aws_cdk as cdk
except ImportError:  # cdk.json says `python3`: outside the virtual environment, run again inside it
    if VENV_PYTHON.exists() and Path(sys.executable) != VENV_PYTHON:
        os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
    raise

# `python3 infra/cdk_app.py` from the repository root: the repository and the shared package (the SOP catalogue).
for path in (ROOT, ROOT / "layers" / "shared" / "python"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from cdk_nag import AwsSolutionsChecks  # noqa: E402

from infra import layers  # noqa: E402
from infra.stack import BirthCertificateStack  # noqa: E402

STACK_ID = "AktaKelahiran"
DEFAULT_REGION = "ap-southeast-3"  # Jakarta: Indonesian data residency


def cdk_json_context() -> dict:
    return json.loads((ROOT / "cdk.json").read_text()).get("context", {})


def build_app(outdir: str | None = None, context: dict | None = None) -> cdk.App:
    """The app with cdk-nag's AwsSolutions checks. Context: cdk.json's, then `context`; the CLI's wins over both."""
    app = cdk.App(outdir=outdir or os.environ.get("CDK_OUTDIR") or str(ROOT / "cdk.out"),
                  context={**cdk_json_context(), **(context or {})})
    region = app.node.try_get_context("region") or DEFAULT_REGION
    BirthCertificateStack(
        app,
        STACK_ID,
        layer_dirs={name: layers.build(name) for name in layers.LAYERS},
        env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=region),
        description="Akta Kelahiran online (Disdukcapil): the SOP as a Step Functions state machine",
    )
    cdk.Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    return app


def nag_findings(assembly, level: str) -> list[str]:
    """cdk-nag's unsuppressed findings of one level ("error" or "warning") in a synthesized assembly."""
    stack = assembly.get_stack_artifact(STACK_ID)
    return [f"{message.id}: {message.entry.data}" for message in stack.messages
            if message.level.value.lower() == level and "AwsSolutions-" in str(message.entry.data)]


def _context_arguments(argv: list[str]) -> dict:
    context, args = {}, iter(argv)
    for arg in args:
        if arg in ("-c", "--context"):
            key, _, value = next(args).partition("=")
            context[key] = value
    return context


if __name__ == "__main__":
    started = time.monotonic()
    assembly = build_app(context=_context_arguments(sys.argv[1:])).synth()
    errors, warnings = nag_findings(assembly, "error"), nag_findings(assembly, "warning")
    for line in errors + warnings:
        print(line, file=sys.stderr)
    print(f"synthesized {assembly.directory} in {time.monotonic() - started:.1f} s; "
          f"cdk-nag: {len(errors)} errors, {len(warnings)} warnings unsuppressed", file=sys.stderr)
    sys.exit(1 if errors else 0)
