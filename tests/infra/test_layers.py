"""The Lambda layers (built without Docker by infra/layers.py) are for Lambda's platform, and their pins work.

Lambda runs Python 3.13 on arm64 (Amazon Linux 2023, glibc 2.34). This machine is x86_64, so the built
files cannot be imported here: every file is traced to the wheel it came from (RECORD, with its hash)
and that wheel's tags are checked; every ELF file is checked for AArch64. Then the same pins are
installed for this machine under a Python 3.13 and every function's app.py is imported with only its
layers on the path, so a pin that does not work on 3.13 (or a function that needs a layer it does not
get) fails here rather than in AWS.
"""

from __future__ import annotations

import base64
import csv
import email.parser
import hashlib
import importlib.metadata
import inspect
import itertools
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from infra import layers
from infra.declaration import BUCKETS, FUNCTIONS, TABLES

ROOT = layers.ROOT
LAMBDA_GLIBC = (2, 34)  # Amazon Linux 2023, the python3.13 runtime's OS
EM_AARCH64 = 183
PYC_TAG = "cpython-313"
PACKAGE = {name: spec["package"].name for name, spec in layers.LAYERS.items() if spec["package"]}  # {"shared": "akta"}
X86_CACHE = ROOT / "build" / "layers-py313-native"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(requirements: Path) -> dict[str, str]:
    found = {}
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and version, f"{requirements.name}: {line!r} is not pinned with =="
            found[canonical(name)] = version.strip()
    return found


@dataclass
class Dist:
    name: str
    version: str
    tags: list[str]
    info: Path
    files: dict[Path, str] = field(default_factory=dict)  # path inside the layer -> RECORD's sha256 (or "")


def distributions(site: Path) -> dict[str, Dist]:
    dists = {}
    for info in sorted(site.glob("*.dist-info")):
        meta = email.parser.Parser().parsestr((info / "METADATA").read_text(encoding="utf-8"), headersonly=True)
        tags = [line.split(":", 1)[1].strip() for line in (info / "WHEEL").read_text().splitlines() if line.startswith("Tag:")]
        dist = Dist(canonical(meta["Name"]), meta["Version"], tags, info)
        with open(info / "RECORD", newline="", encoding="utf-8") as record:
            for row in csv.reader(record):
                if row:
                    dist.files[Path(os.path.normpath(site / row[0]))] = row[1] if len(row) > 1 else ""
        dists[dist.name] = dist
    return dists


@pytest.fixture(scope="module")
def built():
    """{layer: its python/ folder}, reusing infra/layers.py's build under build/layers."""
    return {name: layers.build(name) / "python" for name in layers.LAYERS}


@pytest.fixture(scope="module")
def dists(built):
    return {name: distributions(site) for name, site in built.items()}


# --- the arm64 layers: tags, files, ELF ----------------------------------------------------------------

def tag_problem(tag: str) -> str | None:
    """Why one wheel tag does not fit Lambda's CPython 3.13 on manylinux aarch64, or None if it does."""
    interpreter, abi, platform = tag.split("-")
    if platform == "any":
        return None if abi == "none" and re.fullmatch(r"py3\d*|py2|cp313", interpreter) else "not a pure-Python tag"
    if platform == "manylinux2014_aarch64":
        glibc = (2, 17)
    elif m := re.fullmatch(r"manylinux_(\d+)_(\d+)_aarch64", platform):
        glibc = (int(m[1]), int(m[2]))
    else:
        return f"platform {platform} is not manylinux aarch64"
    if glibc > LAMBDA_GLIBC:
        return f"needs glibc {glibc[0]}.{glibc[1]}, Lambda has {LAMBDA_GLIBC[0]}.{LAMBDA_GLIBC[1]}"
    if abi == "cp313" and interpreter == "cp313":
        return None
    if abi == "abi3" and (m := re.fullmatch(r"cp3(\d+)", interpreter)) and int(m[1]) <= 13:
        return None
    if abi == "none" and interpreter.startswith("py3"):
        return None
    return f"{interpreter}-{abi} is not CPython 3.13 (or the stable ABI)"


@pytest.mark.parametrize("tag, ok", [
    ("py3-none-any", True), ("py2-none-any", True), ("cp313-cp313-manylinux_2_28_aarch64", True),
    ("cp311-abi3-manylinux2014_aarch64", True), ("cp313-cp313-manylinux_2_17_x86_64", False),
    ("cp312-cp312-manylinux_2_28_aarch64", False), ("cp313-cp313-manylinux_2_39_aarch64", False),
    ("cp313-cp313-musllinux_1_2_aarch64", False), ("cp314-abi3-manylinux_2_28_aarch64", False),
])
def test_the_tag_rule_itself(tag, ok):
    assert (tag_problem(tag) is None) == ok


@pytest.mark.parametrize("layer", list(layers.LAYERS))
def test_every_distribution_is_a_wheel_for_cpython_313_on_manylinux_aarch64(dists, layer):
    problems = {f"{d.name} {tag}": why for d in dists[layer].values() for tag in d.tags if (why := tag_problem(tag))}
    assert not problems
    # py2-none-any only ever beside py3-none-any: a Python-2-only wheel would not run.
    assert not [d.name for d in dists[layer].values() if not d.tags or all(t.startswith("py2-") for t in d.tags)]


@pytest.mark.parametrize("layer", list(layers.LAYERS))
def test_every_file_in_the_layer_came_from_one_of_those_wheels_unchanged(built, dists, layer):
    site = built[layer]
    owner = {path: (d, digest) for d in dists[layer].values() for path, digest in d.files.items()}
    own_package = site / PACKAGE[layer] if layer in PACKAGE else None
    strays, altered = [], []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        if (own_package and own_package in path.parents) or compiled_from(path):
            continue
        if path not in owner:
            strays.append(str(path.relative_to(site)))
        elif owner[path][1].startswith("sha256="):
            digest = base64.urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest()).rstrip(b"=").decode()
            if owner[path][1] != f"sha256={digest}":
                altered.append(str(path.relative_to(site)))
    assert not strays, "files no wheel installed (their platform is unknown)"
    assert not altered, "files that differ from their wheel's RECORD"
    if own_package:  # the project's own package: its sources, and bytecode only compiled from them for 3.13
        assert not [p for p in own_package.rglob("*") if p.suffix == ".so" or (p.suffix == ".pyc" and not compiled_from(p))]


def compiled_from(path: Path) -> Path | None:
    """The source a layer's .pyc was compiled from by the build (infra/layers.py), if it is one."""
    if path.parent.name != "__pycache__" or not path.name.endswith(f".{PYC_TAG}.pyc"):
        return None
    source = path.parent.parent / (path.name.removesuffix(f".{PYC_TAG}.pyc") + ".py")
    return source if source.is_file() else None


@pytest.mark.parametrize("layer", list(layers.LAYERS))
def test_the_layer_ships_unchecked_hash_bytecode_for_cpython_313(built, layer, python313):
    """Lambda's /opt is read-only: without shipped bytecode every cold start compiles the libraries."""
    magic = bytes.fromhex(subprocess.run([python313[0], "-c", "import importlib.util; print(importlib.util.MAGIC_NUMBER.hex())"],
                                         capture_output=True, text=True, check=True).stdout.strip())
    site = built[layer]
    sources = [p for p in site.rglob("*.py") if p.stat().st_size]
    missing, wrong = [], []
    for source in sources:
        pyc = source.parent / "__pycache__" / f"{source.stem}.{PYC_TAG}.pyc"
        if not pyc.is_file():
            missing.append(source)
            continue
        header = pyc.read_bytes()[:8]
        # PEP 552: flags 0b01 = hash-based and not checked against the source (a zip keeps no file times).
        if header[:4] != magic or int.from_bytes(header[4:8], "little") != 0b01:
            wrong.append(pyc)
    assert not missing, [str(p.relative_to(site)) for p in missing[:10]]
    assert not wrong, [str(p.relative_to(site)) for p in wrong[:10]]


def elf_machine(path: Path) -> int | None:
    with open(path, "rb") as f:
        head = f.read(20)
    if head[:4] != b"\x7fELF":
        return None
    assert head[4] == 2 and head[5] == 1, f"{path.name}: not a 64-bit little-endian ELF"
    return int.from_bytes(head[18:20], "little")


@pytest.mark.parametrize("layer", list(layers.LAYERS))
def test_every_compiled_file_is_aarch64_and_every_extension_is_for_cpython_313(built, layer):
    site = built[layer]
    files = [p for p in site.rglob("*") if p.is_file()]
    elves = {p: m for p in files if (m := elf_machine(p)) is not None}
    assert not {str(p.relative_to(site)): m for p, m in elves.items() if m != EM_AARCH64}, "ELF e_machine must be 183 (AArch64)"
    shared_objects = [p for p in files if p.suffix == ".so" or ".so." in p.name]
    assert not [p.name for p in shared_objects if p not in elves], "a .so that is not ELF"
    wrong_abi = [p.name for p in shared_objects
                 if (m := re.search(r"\.cpython-([^.]+)\.so$", p.name)) and m[1] != "313-aarch64-linux-gnu"]
    assert not wrong_abi
    # Extension modules are tagged for 3.13 or the stable ABI; untagged .so files are only bundled libraries.
    untagged = [p for p in shared_objects if not re.search(r"\.(cpython-313-aarch64-linux-gnu|abi3)\.so$", p.name)]
    assert not [str(p.relative_to(site)) for p in untagged if not p.parent.name.endswith(".libs")]
    assert not [p.name for p in files if "x86_64" in p.name or "amd64" in p.name]
    if layer == "pdf":
        assert elves, "the PDF stack (Pillow, cryptography, lxml) must bring compiled code: the check saw none"


def test_the_page_and_email_templates_ship_in_the_shared_layer(built):
    source = ROOT / "layers" / "shared" / "python" / "akta" / "templates"
    templates = sorted(p.relative_to(source) for p in source.rglob("*") if p.is_file())
    assert templates and all((built["shared"] / "akta" / "templates" / t).is_file() for t in templates)


@pytest.mark.parametrize("layer", list(layers.LAYERS))
def test_the_requirement_pins_are_what_is_installed(dists, layer):
    wanted = pins(layers.LAYERS[layer]["requirements"])
    installed = {name: d.version for name, d in dists[layer].items()}
    assert {name: installed.get(name) for name in wanted} == wanted


def test_the_pdf_stack_is_only_in_its_own_layer_and_shared_versions_agree(dists):
    # Lambda merges layers into /opt/python, a later layer overwriting an earlier one's files: a
    # distribution in both must be the same version, and the shared layer must not carry the PDF stack.
    heavy = set(pins(layers.LAYERS["pdf"]["requirements"])) | {"cryptography", "pillow", "fonttools", "lxml"}
    assert not heavy & set(dists["shared"])
    for one, other in itertools.combinations(dists, 2):
        both = set(dists[one]) & set(dists[other])
        assert {n: dists[one][n].version for n in both} == {n: dists[other][n].version for n in both}, (one, other)


# --- sizes --------------------------------------------------------------------------------------------

def test_each_function_with_its_layers_stays_under_lambdas_250_mb_unzipped(built):
    sizes = {name: layers.size(name) for name in layers.LAYERS}
    for name, (unzipped, zipped) in sizes.items():
        print(f"layer {name}: {unzipped / 1e6:.1f} MB unzipped, {zipped / 1e6:.1f} MB zipped")
        assert 0 < zipped < unzipped
    totals = {f.name: layers.function_size(f.name) + sum(sizes[layer][0] for layer in layers.layers_of(f)) for f in FUNCTIONS}
    assert {n: t for n, t in totals.items() if t >= layers.LAMBDA_UNZIPPED_LIMIT} == {}
    # The split is worth having: the functions without the PDF stack carry a fraction of it.
    assert sizes["shared"][0] < sizes["pdf"][0] / 3


# --- the same pins, built for this machine, under Python 3.13 --------------------------------------------

@pytest.fixture(scope="module")
def python313():
    found = layers.find_python313()
    if not found:
        reason = ("no Python 3.13 found ($PYTHON313, python3.13 on PATH, pyenv's versions/3.13*): "
                  "the layers' pins cannot be import-tested")
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " — CI's machine should have pyenv's 3.13")
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def native_build(python313, dists):
    """{layer: folder, "runtime": folder} with the layers' exact pins (every distribution, transitive ones
    too) and boto3 (which Lambda's runtime provides) installed for this machine under Python 3.13.
    Cached under build/, keyed on the pins, so a second run installs nothing."""
    executable, machine = python313
    frozen = {layer: sorted(f"{d.name}=={d.version}" for d in dists[layer].values()) for layer in dists}
    frozen["runtime"] = [f"boto3=={importlib.metadata.version('boto3')}"]
    key = hashlib.sha256(json.dumps([frozen, executable, machine]).encode()).hexdigest()[:16]
    root = X86_CACHE / key
    if not (root / ".complete").exists():
        shutil.rmtree(X86_CACHE, ignore_errors=True)  # older keys: their pins are gone
        for name, requirements in frozen.items():
            # The layers' pins are already resolved (for arm64): take exactly those. boto3 brings its own.
            no_deps = ["--no-deps"] if name != "runtime" else []
            subprocess.run([executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--only-binary=:all:",
                            *no_deps, "--target", str(root / name), *requirements], check=True, timeout=900)
        (root / ".complete").write_text(json.dumps(frozen, indent=1))
    return {name: root / name for name in frozen} | {"machine": machine, "executable": executable, "root": root}


IMPORTER = r"""
import importlib, importlib.util, json, os, pkgutil, platform, sys
job = json.loads(sys.argv[1])
sys.pycache_prefix = job["pycache"]  # keep 3.13 bytecode out of the source tree
sys.path[0:0] = job["path"]
failed, apps = {}, []
for module in job["modules"]:
    try:
        importlib.import_module(module)
    except BaseException as e:
        failed[module] = f"{type(e).__name__}: {e}"
for package in job["walk"]:
    pkg = importlib.import_module(package)
    for info in pkgutil.walk_packages(pkg.__path__, package + "."):
        try:
            importlib.import_module(info.name)
        except BaseException as e:
            failed[info.name] = f"{type(e).__name__}: {e}"
for name, app, environment in job["apps"]:
    folder = app.rsplit("/", 1)[0]
    sys.path.insert(0, folder)
    os.environ.update(environment)  # the function's own declared environment, as Lambda starts it
    try:
        spec = importlib.util.spec_from_file_location(f"function_{name}", app)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert callable(getattr(module, "handler", None)), "no handler"
        apps.append(name)
    except BaseException as e:
        failed[f"functions/{name}/app.py"] = f"{type(e).__name__}: {e}"
    finally:
        sys.path.remove(folder)
        for variable in environment:
            del os.environ[variable]
print(json.dumps({
    "version": list(sys.version_info[:2]), "machine": platform.machine(), "apps": apps, "failed": failed,
    "top": sorted({m.split(".")[0] for m in sys.modules}),
    "extensions": sorted(m for m, mod in list(sys.modules.items()) if str(getattr(mod, "__file__", "")).endswith(".so")),
}))
"""


def top_level_modules(site: Path) -> list[str]:
    """What a layer offers to `import`: packages, modules and extension modules at its top."""
    names = set()
    for entry in site.iterdir():
        # pyhanko is a namespace package (no __init__.py): a folder holding Python files counts.
        if entry.is_dir() and not entry.name.endswith((".dist-info", ".libs", ".data")) and entry.name != "__pycache__" \
                and next(entry.rglob("*.py"), None):
            names.add(entry.name)
        elif entry.suffix in (".py", ".so"):
            names.add(entry.name.split(".")[0])
    return sorted(names)


def extension_modules(site: Path) -> list[str]:
    """Every compiled extension module in a folder, by its dotted name."""
    found = []
    for path in site.rglob("*.so"):
        relative = path.relative_to(site)
        if not any(part.endswith(".libs") for part in relative.parts):
            found.append(".".join([*relative.parts[:-1], path.name.split(".")[0]]))
    return sorted(found)


def placeholder_environment(function) -> dict[str, str]:
    """A function's declared environment with placeholder values: app modules read it at import."""
    from infra import declaration

    kwargs = {}
    for name, param in inspect.signature(declaration.setting_values).parameters.items():
        if name == "tables":
            kwargs[name] = {t.key: f"{t.key.lower()}-table" for t in TABLES}
        elif name == "buckets":
            kwargs[name] = {b.key: f"{b.key.lower()}-bucket" for b in BUCKETS}
        elif name == "settings":
            kwargs[name] = declaration.Settings()
        elif name.endswith("_arn"):
            kwargs[name] = f"arn:aws:states:ap-southeast-3:123456789012:stateMachine:{name}"
        elif name == "staff_pool":
            issuer = "https://cognito-idp.ap-southeast-3.amazonaws.com/ap-southeast-3_placeholder"
            kwargs[name] = declaration.StaffPool(issuer=issuer, client_id="placeholder-client",
                                                 jwks_url=f"{issuer}/.well-known/jwks.json", sign_in_url="https://login.example")
        elif param.default is inspect.Parameter.empty:
            kwargs[name] = f"placeholder-{name}"
    return declaration.function_environment(function, declaration.setting_values(**kwargs))


def import_under_313(native_build, path: list[Path], *, modules=(), walk=(), apps=()) -> dict:
    job = {"path": [str(p) for p in path], "modules": list(modules), "walk": list(walk),
           "apps": [[f.name, str(ROOT / "functions" / f.name / "app.py"), placeholder_environment(f)] for f in apps],
           "pycache": str(native_build["root"] / "pycache")}
    env = {"PATH": "/usr/bin:/bin", "HOME": str(native_build["root"]), "AWS_DEFAULT_REGION": "ap-southeast-3",
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_LAMBDA_FUNCTION_NAME": "import-test"}
    # -I -S: no user or system site-packages, no PYTHONPATH: only the given folders and the stdlib.
    out = subprocess.run([native_build["executable"], "-I", "-S", "-c", IMPORTER, json.dumps(job)],
                         capture_output=True, text=True, env=env, cwd=native_build["root"], timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_native_build_holds_exactly_the_layers_pins(dists, native_build):
    for layer in dists:
        assert {n: d.version for n, d in distributions(native_build[layer]).items()} == \
               {n: d.version for n, d in dists[layer].items()}


# Each distinct set of layers some function is declared with (shared alone, shared+pdf, shared+identity).
LAYER_SETS = sorted({tuple(layers.layers_of(f)) for f in FUNCTIONS})


@pytest.mark.parametrize("layer_set", LAYER_SETS, ids="+".join)
def test_each_function_imports_with_its_own_layers_alone(built, native_build, layer_set):
    source = ROOT / "layers" / "shared" / "python"
    functions = [f for f in FUNCTIONS if tuple(layers.layers_of(f)) == layer_set]
    modules = [m for layer in layer_set for m in top_level_modules(built[layer]) if m != "akta"]
    modules += [m for layer in layer_set for m in extension_modules(native_build[layer])]
    result = import_under_313(native_build, [source, *(native_build[layer] for layer in layer_set), native_build["runtime"]],
                              modules=modules, apps=functions)
    assert result["version"] == [3, 13]
    assert result["failed"] == {}
    assert sorted(result["apps"]) == sorted(f.name for f in functions)
    assert "pydantic_core._pydantic_core" in result["extensions"]
    if "pdf" in layer_set:
        assert {"cryptography.hazmat.bindings._rust", "PIL._imaging", "lxml.etree"} <= set(result["extensions"])
    else:  # nothing of the PDF stack was even looked for (the identity layer has its own segno, for the TOTP QR code)
        pdf_stack = {"fpdf", "segno", "pyhanko", "pyhanko_certvalidator", "PIL", "fontTools"} - set(pins(layers.LAYERS["identity"]["requirements"]))
        assert not pdf_stack & set(result["top"])
    if "identity" in layer_set:
        assert {"jwt", "cryptography"} <= set(result["top"])
    else:
        assert "jwt" not in result["top"]


def test_every_module_of_the_shared_package_imports_with_the_layers(built, native_build):
    source = ROOT / "layers" / "shared" / "python"
    result = import_under_313(native_build, [source, *(native_build[layer] for layer in layers.LAYERS), native_build["runtime"]],
                              walk=[PACKAGE["shared"]])
    assert result["version"] == [3, 13]
    assert result["failed"] == {}


def test_the_checks_reject_the_build_for_this_machine(built, native_build):
    """The native (x86_64) build of the same pins is a real counterexample: the tag and ELF checks must flag it."""
    if native_build["machine"] == "aarch64":
        pytest.skip("this machine is aarch64 too: its build is no counterexample")
    native = distributions(native_build["pdf"])
    compiled = [d for d in native.values() if not all(t.endswith("-any") for t in d.tags)]
    assert compiled and all(any(tag_problem(t) for t in d.tags) for d in compiled)
    assert {elf_machine(p) for p in native_build["pdf"].rglob("*.so")} - {EM_AARCH64}
