"""Lambda layers built without Docker: pip fetches wheels for the Lambda platform (arm64, CPython 3.13).

- shared: the `akta` package with Powertools and pydantic, for every function;
- pdf: fpdf2, segno and pyHanko (with fontTools, Pillow, cryptography), only for the functions that
  issue and check certificates.

Run `python -m infra.layers` (or let `infra/cdk_app.py` do it); results go to build/layers/<name>/python.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "layers"
LAMBDA_PYTHON = "3.13"
PLATFORM = ["--platform", "manylinux2014_aarch64", "--platform", "manylinux_2_28_aarch64",
            "--implementation", "cp", "--python-version", LAMBDA_PYTHON, "--only-binary=:all:"]
LAYERS = {
    "shared": {"requirements": ROOT / "layers/shared/requirements.txt", "package": ROOT / "layers/shared/python/akta"},
    "pdf": {"requirements": ROOT / "layers/pdf/requirements.txt", "package": None},
}


def _fingerprint(name: str) -> str:
    spec = LAYERS[name]
    digest = hashlib.sha256(spec["requirements"].read_bytes())
    digest.update(" ".join(PLATFORM).encode())
    if spec["package"]:
        for path in sorted(spec["package"].rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()


def build(name: str) -> Path:
    """The layer's folder (holding python/), rebuilt only when its requirements or package changed."""
    spec, root = LAYERS[name], BUILD / name
    stamp = root / ".fingerprint"
    fingerprint = _fingerprint(name)
    if stamp.exists() and stamp.read_text() == fingerprint:
        return root
    shutil.rmtree(root, ignore_errors=True)
    target = root / "python"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile",
                    "--target", str(target), *PLATFORM, "-r", str(spec["requirements"])], check=True)
    if spec["package"]:
        shutil.copytree(spec["package"], target / spec["package"].name, ignore=shutil.ignore_patterns("__pycache__"))
    stamp.write_text(fingerprint)
    return root


def size_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6


if __name__ == "__main__":
    for layer in LAYERS:
        path = build(layer)
        print(f"{layer}: {path} ({size_mb(path):.1f} MB)")
