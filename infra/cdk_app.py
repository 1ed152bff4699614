"""`cdk synth` / `cdk deploy`: the production stack, built from infra/declaration.py like the sandbox."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python3 infra/cdk_app.py` from the repo root

import aws_cdk as cdk  # noqa: E402

from infra import layers  # noqa: E402
from infra.stack import BirthCertificateStack  # noqa: E402


def build_app(outdir: str | None = None) -> cdk.App:
    app = cdk.App(outdir=outdir)
    region = app.node.try_get_context("region") or "ap-southeast-3"  # Jakarta: Indonesian data residency
    BirthCertificateStack(
        app,
        "AktaKelahiran",
        layer_dirs={name: layers.build(name) for name in layers.LAYERS},
        env=cdk.Environment(region=region),
    )
    return app


if __name__ == "__main__":
    build_app().synth()
