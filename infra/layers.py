"""Lambda layers built without Docker: pip fetches wheels for the Lambda platform (arm64, CPython 3.13).

- shared: the `akta` package with Powertools and pydantic, for every function;
- pdf: fpdf2, segno and pyHanko (with fontTools, Pillow, cryptography), only for the functions that
  issue and check certificates;
- identity: PyJWT and cryptography, only for the functions behind staff sign-in (the ID token check).

Run `python -m infra.layers` (or let `infra/cdk_app.py` do it); results go to build/layers/<name>/python.
`python -m infra.layers --sizes` prints each layer's unzipped and zipped size and each function's total
against Lambda's 250 MB limit. Each layer ships bytecode compiled by a local CPython 3.13 (pyenv's, if any). tests/infra/test_layers.py checks the wheels' platform tags and imports
the same pins built for x86_64 under Python 3.13.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import functools
import hashlib
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "layers"
# Build stamps live beside the layers, not inside them, so they are not shipped in the layer zip.
STAMPS = BUILD / ".stamps"
LAMBDA_PYTHON = "3.13"
PLATFORM = ["--platform", "manylinux2014_aarch64", "--platform", "manylinux_2_28_aarch64",
            "--implementation", "cp", "--python-version", LAMBDA_PYTHON, "--only-binary=:all:"]
LAYERS = {
    "shared": {"requirements": ROOT / "layers/shared/requirements.txt", "package": ROOT / "layers/shared/python/akta"},
    "pdf": {"requirements": ROOT / "layers/pdf/requirements.txt", "package": None},
    "identity": {"requirements": ROOT / "layers/identity/requirements.txt", "package": None},
}
# Function code plus all its layers, unzipped (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
LAMBDA_UNZIPPED_LIMIT = 262_144_000


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _probe(python: str) -> tuple[str, str] | None:
    try:
        out = subprocess.run([python, "-c", "import sys, platform; print(sys.version_info[:2] == (3, 13), sys.executable, platform.machine())"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    fields = out.stdout.split()
    return (fields[1], fields[2]) if out.returncode == 0 and len(fields) == 3 and fields[0] == "True" else None


@functools.cache
def find_python313() -> tuple[str, str] | None:
    """(executable, machine) of a CPython 3.13 on this machine: $PYTHON313, python3.13 on PATH, or pyenv's."""
    candidates = [os.environ.get("PYTHON313"), shutil.which("python3.13")]
    roots = [os.environ.get("PYENV_ROOT"), str(Path.home() / ".pyenv")]
    if pyenv := shutil.which("pyenv"):
        try:
            roots.append(subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=30).stdout.strip())
        except (OSError, subprocess.TimeoutExpired):
            pass
    for root in filter(None, roots):
        candidates += [str(p) for p in sorted(Path(root).glob("versions/3.13*/bin/python3.13"), reverse=True)]
    for candidate in filter(None, candidates):
        if found := _probe(candidate):
            return found
    return None


def _precompile(folder: Path) -> None:
    """Ship bytecode: Lambda's /opt is read-only, so without it every cold start compiles the libraries from
    source (issue_certificate's imports: about 4.2 s instead of 1.2 s, measured under 3.13 here). Hash-based,
    unchecked .pyc files do not depend on the files' times, which a zip does not keep."""
    python = find_python313()
    if not python:
        print(f"warning: no Python 3.13 here ($PYTHON313, python3.13, pyenv): {folder} ships without bytecode "
              "and its functions' cold starts compile it", file=sys.stderr)
        return
    subprocess.run([python[0], "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(folder)],
                   check=False, stdout=subprocess.DEVNULL)  # a file 3.13 cannot compile stays source (the test names it)


def _deps_fingerprint(name: str) -> str:
    return _digest(LAYERS[name]["requirements"].read_bytes(), " ".join(PLATFORM).encode(),
                   b"bytecode" if find_python313() else b"source")


def _package_fingerprint(name: str) -> str:
    package = LAYERS[name]["package"]
    if not package:
        return ""
    return _digest(*(str(p.relative_to(ROOT)).encode() + p.read_bytes() for p in sorted(package.rglob("*"))
                     if p.is_file() and "__pycache__" not in p.parts))


def fingerprint(name: str) -> str:
    """Changes whenever the layer's content would: its requirements, the platform, its own package."""
    return _digest(_deps_fingerprint(name).encode(), _package_fingerprint(name).encode())


@contextlib.contextmanager
def _locked():
    # The CDK synth test and the layer test may build at once from separate processes.
    STAMPS.mkdir(parents=True, exist_ok=True)
    with open(STAMPS / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _stamp(name: str, kind: str) -> Path:
    return STAMPS / f"{name}.{kind}"


def _read(path: Path) -> str | None:
    return path.read_text() if path.exists() else None


def build(name: str) -> Path:
    """The layer's folder (holding python/). pip runs only when the requirements change; an edit to the
    layer's own package only replaces that package's copy."""
    spec, root = LAYERS[name], BUILD / name
    target = root / "python"
    with _locked():
        deps, package = _deps_fingerprint(name), _package_fingerprint(name)
        if _read(_stamp(name, "deps")) != deps or not target.is_dir():
            _stamp(name, "deps").unlink(missing_ok=True)
            _stamp(name, "package").unlink(missing_ok=True)
            staging = BUILD / f".staging-{name}"
            shutil.rmtree(staging, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                            "--no-compile", "--target", str(staging / "python"), *PLATFORM,
                            "-r", str(spec["requirements"])], check=True)
            # Console scripts name this machine's interpreter and /opt/python/bin is not on Lambda's PATH;
            # man pages are not code.
            for extra in ("bin", "share"):
                shutil.rmtree(staging / "python" / extra, ignore_errors=True)
            _precompile(staging / "python")
            shutil.rmtree(root, ignore_errors=True)
            staging.rename(root)
            _stamp(name, "deps").write_text(deps)
        if spec["package"] and _read(_stamp(name, "package")) != package:
            shutil.rmtree(target / spec["package"].name, ignore_errors=True)
            shutil.copytree(spec["package"], target / spec["package"].name, ignore=shutil.ignore_patterns("__pycache__"))
            _precompile(target / spec["package"].name)
            _stamp(name, "package").write_text(package)
    return root


def _unzipped(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


class _Counter(io.RawIOBase):
    """A write-only sink that counts bytes, so a zip can be measured without writing it to disk."""

    def __init__(self) -> None:
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.written += len(data)
        return len(data)


def _zipped(root: Path) -> int:
    sink = _Counter()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(root).as_posix())
    return sink.written


def size(name: str) -> tuple[int, int]:
    """(unzipped, zipped) bytes of the built layer; the zip is what CDK uploads (deflate, about the same
    level), the unzipped size is what counts against Lambda's 250 MB. Cached per layer fingerprint."""
    root = build(name)
    key = fingerprint(name)
    cached = _read(_stamp(name, "size"))
    if cached and cached.split()[0] == key:
        unzipped, zipped = cached.split()[1:]
        return int(unzipped), int(zipped)
    unzipped, zipped = _unzipped(root), _zipped(root)
    _stamp(name, "size").write_text(f"{key} {unzipped} {zipped}")
    return unzipped, zipped


def function_size(function_name: str) -> int:
    """Unzipped bytes of a function's own code (functions/<name>/, as CDK packages it)."""
    folder = ROOT / "functions" / function_name
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def layers_of(function) -> list[str]:
    """The layers a declared function gets (infra/stack.py attaches the same)."""
    return ["shared", *function.layers]


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.layers", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", action="store_true", help="print layer sizes and each function's total against the limit")
    args = parser.parse_args(argv)
    if not args.sizes:
        for layer in LAYERS:
            print(f"{layer}: {build(layer)}")
        return
    sizes = {layer: size(layer) for layer in LAYERS}
    for layer, (unzipped, zipped) in sizes.items():
        print(f"layer {layer:8} {_mb(unzipped):>9} unzipped  {_mb(zipped):>9} zipped")
    from infra.declaration import FUNCTIONS

    for f in FUNCTIONS:
        total = function_size(f.name) + sum(sizes[layer][0] for layer in layers_of(f))
        print(f"function {f.name:20} {'+'.join(layers_of(f)):11} {_mb(total):>9} of {_mb(LAMBDA_UNZIPPED_LIMIT)}")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
