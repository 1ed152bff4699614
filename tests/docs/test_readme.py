"""The README runs as written: each of its shell blocks, in a new user's shell, against `make serve`.

The sandbox starts the way the README says, `make serve` (on a free port, through `PORT`), in a scratch
checkout: the repository's tracked files and its `.venv` linked into a temporary folder, so what the commands
write (walkthrough/, draft.json, slots.json, tte.csr, `.sandbox/env.json` for the admin command) lands there,
not in the working tree nor under a `make serve` someone runs there. Each command runs in its own `bash`
with only PATH (without this test run's virtual environment) and HOME, plus the variables earlier commands
of the README set (KEY, AUTH, API, ID), as in one shell; an interactive command gets its answer on stdin.

The README's placeholders get values from the running sandbox: `KEY=...` the key `make serve` printed,
8750 its port, `<key-id>` what `facility issue-key` printed just before, `<application-id>` the walkthrough's
application once the operator has entered it into SIAK (so it waits for the verifier), `<certificate-id>`
the certificate that application got at the end of the SOP. A placeholder without a value fails the test.

Every shell block is run by the test RUN_HERE names, or its commands are excused in NOT_RUN with the reason;
a block or a command that is neither fails `test_every_readme_shell_block_is_run_here_or_excused_with_a_reason`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from sandbox.actors import attribute_values, form_token
from sandbox.aws import SANDBOX_STAFF, free_port

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SHELL_FENCES = {"sh", "bash", "shell", "console", "zsh"}

WALKTHROUGH = "The hospital API with curl"
FACILITIES = "Facilities and their keys"
STAFF = "The staff directory"
CERTIFICATES = "Verifying and revoking certificates"
SIGNER = "The signing key"
QUICK_START = "Quick start"

# Each README heading with a shell block, and the test that runs that block.
RUN_HERE = {
    QUICK_START: "test_the_quick_start_block_plays_the_three_demo_scenarios",
    WALKTHROUGH: "test_sop1_2_the_walkthrough_block_drafts_uploads_and_submits_printing_what_s3_answered_each_file",
    FACILITIES: "test_the_facilities_block_registers_a_facility_issues_lists_and_revokes_its_key",
    STAFF: "test_the_staff_block_adds_a_verifier_sets_the_heads_pin_and_moves_a_waiting_sop5_task",
    CERTIFICATES: "test_the_certificate_block_revokes_the_walkthroughs_certificate_and_verification_shows_it",
    # Written for AWS (no --sandbox); run with --sandbox against the sandbox's KMS key, the test playing the CA.
    SIGNER: "test_the_signer_block_makes_a_csr_from_the_kms_key_and_installs_the_cas_answer",
}
# Commands of those blocks that no test runs, with the reason.
NOT_RUN = {
    "make test": "the test suite itself: run from a test, it would run this test again",
}


NEW_HEAD_PIN = "97531864"  # what `staff set-pin kadis` is given on stdin; the head then signs with it


# --- the README's shell blocks and commands ---------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    heading: str  # the README heading the block is under
    text: str

    @property
    def commands(self) -> list[str]:
        return commands(self.text)


def readme_blocks(text: str | None = None) -> list[Block]:
    blocks, heading, fence, shell = [], "", None, False
    for line in (README.read_text() if text is None else text).splitlines():
        if fence is not None:
            if line.strip() == "```":
                if shell:
                    blocks.append(Block(heading, "\n".join(fence)))
                fence = None
            else:
                fence.append(line)
        elif line.startswith("```"):
            fence, shell = [], line[3:].strip().lower() in SHELL_FENCES
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
    return blocks


def readme_block(heading: str) -> Block:
    found = [block for block in readme_blocks() if block.heading == heading]
    assert len(found) == 1, f"{len(found)} shell blocks under the README heading {heading!r}"
    return found[0]


def inline_curl_commands() -> list[str]:
    """The curl commands the README's prose quotes (the listing), outside its blocks."""
    prose = re.sub(r"^```.*?^```", "", README.read_text(), flags=re.S | re.M)
    return re.findall(r"`(curl [^`]+)`", prose)


def commands(text: str) -> list[str]:
    """A block's commands: one line each, or several while a quote is open (python3 -c '...') or a line ends in \\."""
    found, pending = [], []
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending.append(line)
        joined = "\n".join(pending)
        if joined.endswith("\\"):
            continue
        try:
            shlex.split(joined, comments=True)
        except ValueError:  # a quotation is still open
            continue
        found.append(joined)
        pending = []
    assert not pending, f"a README command never ends: {pending}"
    return found


def bare(command: str) -> str:
    """The command without its trailing comment."""
    return re.sub(r"\s+#[^'\"]*$", "", command).strip()


def admin_arguments(command: str) -> list[str]:
    """What a `make admin ARGS="..."` line hands the admin command."""
    args = next(word for word in shlex.split(command, comments=True) if word.startswith("ARGS="))
    return shlex.split(args.removeprefix("ARGS="))


PLACEHOLDER = re.compile(r"<[a-z][a-z-]*>|\b[A-Za-z_]\w*=\.\.\.(?=\s|$)", re.M)  # <key-id>, KEY=...


# --- a new user's shell -------------------------------------------------------------------------------------

def fresh_environment() -> dict[str, str]:
    """What a new user's shell has: PATH, without the virtual environment this test run may be in, and HOME."""
    venvs = set()
    if sys.prefix != sys.base_prefix:
        venvs.add(Path(sys.prefix, "bin").resolve())
    if os.environ.get("VIRTUAL_ENV"):
        venvs.add(Path(os.environ["VIRTUAL_ENV"], "bin").resolve())
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() not in venvs]
    return {"PATH": os.pathsep.join(path), "HOME": os.environ.get("HOME", "/")}


def require(*tools: str) -> None:
    """What the README's commands need: the .venv make creates (make test makes it first) and the tools on PATH.
    Under CI (.ci/run installs curl) a missing one fails, elsewhere it skips."""
    path = fresh_environment()["PATH"]
    missing = [tool for tool in tools if not shutil.which(tool, path=path)]
    missing += [] if (ROOT / ".venv" / ".installed").exists() else [".venv (make creates it)"]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"missing for the README's commands: {', '.join(missing)}")
        pytest.skip(f"missing for the README's commands: {', '.join(missing)}")


def scratch_checkout(folder: Path) -> Path:
    """The repository's tracked top-level entries and its .venv, linked into `folder`."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True)
    names = {line.split("/", 1)[0] for line in listed.stdout.splitlines()} if listed.returncode == 0 else \
        {p.name for p in ROOT.iterdir()} - {".git", ".sandbox", "walkthrough", ".pytest_cache", ".hypothesis", "cdk.out", "build"}
    for name in sorted(names | {".venv"}):
        if (ROOT / name).exists():
            (folder / name).symlink_to(ROOT / name)
    return folder


ASSIGNED = re.compile(r"(?:^|[;&|]\s*)([A-Za-z_]\w*)=", re.M)


class Shell:
    """One bash per command, in `cwd`, with `env` only; the variables the commands assign carry over to the next."""

    def __init__(self, cwd: Path, env: dict[str, str]):
        self.cwd, self.env, self.names = cwd, env, set()
        self.variables = cwd / ".readme-shell-variables"

    def __call__(self, command: str, *, stdin: str = "", timeout: float = 300) -> subprocess.CompletedProcess:
        self.names |= set(ASSIGNED.findall(command))
        keep = shlex.quote(str(self.variables))
        script = f"[ -f {keep} ] && . {keep}\n{command}\n__status=$?\n"
        if self.names:
            script += f"declare -p {' '.join(sorted(self.names))} > {keep} 2>/dev/null\n"
        script += "exit $__status\n"
        # A new session: no controlling terminal, so a PIN prompt reads stdin (as when a script pipes it in).
        return subprocess.run(["bash", "-c", script], cwd=self.cwd, env=self.env, input=stdin, capture_output=True,
                              text=True, timeout=timeout, start_new_session=True)


@dataclass
class Ran:
    """What the README's commands printed, in order."""

    results: list[tuple[str, subprocess.CompletedProcess]] = field(default_factory=list)

    def __getitem__(self, words: str) -> subprocess.CompletedProcess:
        found = [result for command, result in self.results if words in command]
        assert len(found) == 1, f"{len(found)} README commands contain {words!r}: {[c for c, _ in self.results]}"
        return found[0]

    def json(self, words: str):
        return json.loads(self[words].stdout)

    def command(self, words: str) -> str:
        """The README's text of the one command containing `words`."""
        found = [command for command, _ in self.results if words in command]
        assert len(found) == 1, f"{len(found)} README commands contain {words!r}"
        return found[0]


# --- `make serve` -------------------------------------------------------------------------------------------

EMAIL_LINE = re.compile(r"\[email\] to (?P<to>.+?): (?P<subject>.*)")


class Served:
    """`make serve` in a scratch checkout, and what it prints."""

    def __init__(self, checkout: Path):
        self.checkout = checkout
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.shell = Shell(checkout, fresh_environment())
        self.lines: list[str] = []
        self._printed = threading.Condition()
        self.process = subprocess.Popen(["make", "serve"], cwd=checkout, env={**fresh_environment(), "PORT": str(self.port)},
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        try:
            self.wait_for(lambda lines: any(line.startswith("The head of office signs") for line in lines), 120, "its banner")
        except AssertionError:
            self.stop()
            raise
        self.key = next(line.split("hospital key:", 1)[1].strip() for line in self.lines if line.startswith("hospital key:"))
        self.environment = json.loads((checkout / ".sandbox" / "env.json").read_text())

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._printed:
                self.lines.append(line.rstrip("\n"))
                self._printed.notify_all()
        with self._printed:
            self._printed.notify_all()

    def wait_for(self, found, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        with self._printed:
            while not (result := found(self.lines)):
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise AssertionError(f"make serve did not print {what}:\n" + "\n".join(self.lines[-40:]))
                self._printed.wait(min(left, 1.0))
            return result

    def link_for(self, address: str, application_id: str) -> str:
        """The staff link make serve printed for the latest task email to `address` about the application."""
        def latest(lines):
            links = [lines[i + 1].strip() for i, line in enumerate(lines[:-1])
                     if (m := EMAIL_LINE.match(line)) and address in m["to"] and application_id in m["subject"]
                     and "/staff/tasks/" in lines[i + 1]]
            return links[-1] if links else None
        return self.wait_for(latest, 60, f"a link for {address} about {application_id}")

    def run(self, commands: list[str], values: dict[str, str] | None = None, *, stdin: dict[str, str] | None = None,
            before: dict | None = None, ran: Ran | None = None, shell: Shell | None = None) -> Ran:
        """Each command that is not excused, placeholders filled, in the served checkout's shell (or `shell`); each
        must exit 0. `values` may be callables of what ran so far; `before` runs a callable before the command it names."""
        ran, shell = ran or Ran(), shell or self.shell
        for command in commands:
            if bare(command) in NOT_RUN:
                continue
            line = command.replace("127.0.0.1:8750", f"127.0.0.1:{self.port}")
            for placeholder in {m.group(0) for m in PLACEHOLDER.finditer(line)}:
                assert placeholder in (values or {}), f"the README's {placeholder} has no value in this test: {command}"
                value = values[placeholder]
                line = line.replace(placeholder, value(ran) if callable(value) else value)
            for words, action in (before or {}).items():
                if words in command:
                    action(ran)
            given = next((text for words, text in (stdin or {}).items() if words in command), "")
            result = shell(line, stdin=given)
            assert result.returncode == 0, f"{line}\nexit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            ran.results.append((command, result))
        return ran

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.url}/v1/applications{path}", timeout=30,
                                headers={"Authorization": f"Bearer {self.key}"}, **kwargs)

    def wait_for_status(self, application_id: str, *statuses: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while (current := self.api("GET", f"/{application_id}").json())["status"] not in statuses:
            assert time.monotonic() < deadline, f"{application_id} is {current['status']}, not {statuses}"
            time.sleep(0.1)
        return current

    def aws(self, service: str):
        """A client of the served sandbox's AWS (moto), from the env.json make serve wrote for the admin command."""
        import boto3

        env = self.environment
        return boto3.session.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                                     aws_session_token=env["AWS_SESSION_TOKEN"], region_name=env["AWS_REGION"],
                                     ).client(service, endpoint_url=env["AWS_ENDPOINT_URL"])

    def stop(self) -> None:
        """make and the sandbox under it: their own process group (SIGINT may be ignored in a background job)."""
        for stop_signal in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, stop_signal)
                self.process.wait(timeout=15)
                return
            except ProcessLookupError:
                return
            except subprocess.TimeoutExpired:
                continue


def staff(username: str, first_password: str = ""):
    """A staff member of the served sandbox, signing in as people do: its seeded accounts with the sandbox
    password and moto's one TOTP secret; a new one with the first password `staff add` printed."""
    from moto.cognitoidp.models import COGNITO_TOTP_MFA_SECRET

    from sandbox.actors import StaffMember
    from sandbox.aws import SANDBOX_STAFF_PASSWORD

    return StaffMember("", None, username=username, password=SANDBOX_STAFF_PASSWORD, totp_secret=COGNITO_TOTP_MFA_SECRET,
                       first_password=first_password)


def decide(person, link: str, **fields: str) -> requests.Response:
    """A staff member opens the link (GET, signing in when asked), then POSTs the decision with the page's
    one-time form token."""
    page = person.open(link)
    page.raise_for_status()
    decided = person.post(link, {"form_token": form_token(page.text), **fields})
    assert decided.status_code == 200, decided.text[:2000]
    return decided


# --- fixtures: one served sandbox for the module, the walkthrough's application carried through the SOP -------

@pytest.fixture(scope="module")
def served(tmp_path_factory):
    require("bash", "make", "curl", "python3")
    served = Served(scratch_checkout(tmp_path_factory.mktemp("readme-checkout")))
    yield served
    served.stop()


@pytest.fixture(scope="module")
def walkthrough(served) -> Ran:
    return served.run(readme_block(WALKTHROUGH).commands, {"KEY=...": f"KEY={served.key}"})


@pytest.fixture(scope="module")
def application_id(served, walkthrough) -> str:
    return json.loads((served.checkout / "draft.json").read_text())["application_id"]


@pytest.fixture(scope="module")
def waiting_for_verifier(served, application_id) -> str:
    """SOP 4: the operator follows the link make serve printed and types SIAK's number; SOP 5 then waits."""
    from akta.domain.models import jakarta_today
    from akta.domain.waits import wait
    from sandbox.outside import SimulatedSiak

    link = served.link_for(SANDBOX_STAFF["operator"]["email"], application_id)
    decide(staff(SANDBOX_STAFF["operator"]["staff_id"]), link, decision="registered", registration_number=SimulatedSiak().register(on=jakarta_today(), late=False))
    served.wait_for_status(application_id, str(wait("VerifyApplication").status))
    return application_id


@pytest.fixture(scope="module")
def staff_block(served, waiting_for_verifier) -> Ran:
    return served.run(readme_block(STAFF).commands, {"<application-id>": waiting_for_verifier},
                      stdin={"staff set-pin": NEW_HEAD_PIN + "\n"})


@pytest.fixture(scope="module")
def certificate_id(served, staff_block, application_id) -> str:
    """SOP 5-9: the verifier the task was moved to approves from her link, the head signs with the PIN set-pin
    was given, the applicant's email is delivered; the certificate's id is in its QR code's address."""
    from akta.adapters.archive import certificate_key
    from akta.certificate.layout import read_embedded_record

    added = admin_arguments(staff_block.command("staff add"))
    first_password = staff_block["staff add"].stdout.split("first password")[1].rsplit(": ", 1)[1].strip()
    new_verifier = staff(added[3], first_password)  # her first sign-in: a password of her own, TOTP set up
    decide(new_verifier, served.link_for(added[-1], application_id), decision="approve")
    decide(staff(SANDBOX_STAFF["head"]["staff_id"]), served.link_for(SANDBOX_STAFF["head"]["email"], application_id),
           decision="approve", pin=NEW_HEAD_PIN)
    served.wait_for_status(application_id, "COMPLETED")
    pdf = served.aws("s3").get_object(Bucket=served.environment["ARCHIVE_BUCKET"],
                                      Key=certificate_key(application_id))["Body"].read()
    return read_embedded_record(pdf)["verification_url"].rsplit("/", 1)[1]


# --- the README's blocks --------------------------------------------------------------------------------------

def test_every_readme_shell_block_is_run_here_or_excused_with_a_reason():
    blocks = readme_blocks()
    assert blocks, "no shell block found in the README"
    for block in blocks:
        assert block.heading in RUN_HERE, (f"a shell block under {block.heading!r} is run by no test: run it in "
                                           f"tests/docs/test_readme.py (RUN_HERE) or excuse its commands (NOT_RUN)")
    for heading, test in RUN_HERE.items():
        assert test in globals(), f"RUN_HERE names {test}, which is not a test here"
        readme_block(heading)  # exactly one block under it
    everything = {bare(command) for block in blocks for command in block.commands}
    assert set(NOT_RUN) <= everything, f"excused but no longer in the README: {set(NOT_RUN) - everything}"


def test_the_readme_blocks_are_split_into_the_commands_a_shell_runs():
    block = readme_blocks("# H\n```sh\nA=1   # a comment's \"quote\"\n\n# only a comment\npython3 -c '\nprint(1)\n'\n"
                          "curl -s a \\\n  -H b\n```\n```\nnot shell\n```\n")
    assert block == [Block("H", block[0].text)]
    assert block[0].commands == ["A=1   # a comment's \"quote\"", "python3 -c '\nprint(1)\n'", "curl -s a \\\n  -H b"]
    assert bare("make test   # the test suite") == "make test"


def test_the_quick_start_block_plays_the_three_demo_scenarios(tmp_path):
    require("bash", "make")
    shell = Shell(scratch_checkout(tmp_path), fresh_environment())
    ran = [command for command in readme_block(QUICK_START).commands if bare(command) not in NOT_RUN]
    assert [bare(command) for command in ran] == ["make demo"]
    demo = shell(ran[0])
    assert demo.returncode == 0, demo.stdout[-4000:] + demo.stderr[-4000:]
    assert "3/3 skenario selesai sesuai harapan" in demo.stdout
    assert demo.stdout.count("TTE sah") == 3 and "-> SAH" in demo.stdout


def test_sop1_2_the_walkthrough_block_drafts_uploads_and_submits_printing_what_s3_answered_each_file(served, walkthrough):
    assert "wrote walkthrough/application.json, documents.json" in walkthrough["sandbox.samples walkthrough"].stdout
    draft = json.loads((served.checkout / "draft.json").read_text())
    kinds = [d["kind"] for d in draft["required_documents"]]
    slots = json.loads((served.checkout / "slots.json").read_text())["uploads"]
    assert sorted(s["kind"] for s in slots) == sorted(kinds)

    uploads = walkthrough["for slot in"]
    assert [line.rstrip() for line in uploads.stdout.splitlines()] == [f"{s['kind']} 204" for s in slots]
    confirmed = walkthrough.json("uploads/confirm")
    assert confirmed["complete"] and {d["status"] for d in confirmed["documents"]} == {"ok"}
    assert walkthrough.json("$ID/submit")["status"] == "SUBMITTED"
    status = walkthrough.json("curl -s $API/$ID -H")
    assert status["application_id"] == draft["application_id"] and status["status"] not in ("RETURNED", "FAILED")
    assert status["timeline"][0]["outcome"] == "submitted"
    for command, result in walkthrough.results:
        assert not result.stderr, f"{command}\n{result.stderr}"


def test_the_readmes_quoted_listing_command_answers_the_facilitys_returned_applications(served, walkthrough):
    """The curl commands the prose quotes, in the walkthrough's shell (its AUTH and API). `&` unquoted would put
    curl in the background and hand `limit=20` to the shell."""
    listing = served.run(inline_curl_commands()).json("status=RETURNED&limit=20")
    assert set(listing) == {"items", "next"} and all(item["status"] == "RETURNED" for item in listing["items"])


@pytest.mark.parametrize("refusal", ["type_changed", "no_such_bucket", "s3_unreachable"])
def test_sop2_the_upload_loop_prints_what_s3_answered_and_stops_at_the_first_refusal(served, tmp_path, refusal):
    """A form whose Content-Type no longer matches the signed policy (403 AccessDenied), a slot for a bucket S3 does
    not have (404 NoSuchBucket), or S3 not reached at all."""
    shell = Shell(scratch_checkout(tmp_path), fresh_environment())
    block = readme_block(WALKTHROUGH).commands
    loop = next(command for command in block if "for slot in" in command)
    served.run(block[:block.index(loop)], {"KEY=...": f"KEY={served.key}"}, shell=shell)

    slots_file = tmp_path / "slots.json"
    slots = json.loads(slots_file.read_text())
    first, refused = slots["uploads"][:2]
    url = urlsplit(refused["url"])
    if refusal == "type_changed":
        refused["fields"]["Content-Type"] = "text/html"
    else:
        refused["url"] = urlunsplit(url._replace(path="/akta-sandbox-no-such-bucket") if refusal == "no_such_bucket"
                                    else url._replace(netloc=f"127.0.0.1:{free_port()}"))
    slots_file.write_text(json.dumps(slots))

    answered = shell(loop)
    assert answered.returncode == 1
    printed = [line.rstrip() for line in answered.stdout.splitlines()]
    assert printed[0] == f"{first['kind']} 204" and len(printed) == 2  # nothing after the refusal was sent
    if refusal == "type_changed":
        assert printed[1] == f"{refused['kind']} 403"
    elif refusal == "no_such_bucket":
        assert printed[1] == f"{refused['kind']} 404"
    else:
        assert printed[1].startswith(f"{refused['kind']} 000 curl: (7)")  # why curl sent nothing

    application_id = json.loads((tmp_path / "draft.json").read_text())["application_id"]
    landed = served.api("POST", f"/{application_id}/uploads/confirm").json()["documents"]
    assert [d["kind"] for d in landed if d["status"] == "ok"] == [first["kind"]]


def test_the_facilities_block_registers_a_facility_issues_lists_and_revokes_its_key(served):
    def key_id(ran: Ran) -> str:
        return re.search(r"key id: (\S+)", ran["facility issue-key"].stdout).group(1)

    keys = {}

    def check_the_key_opens_the_api(ran: Ran) -> None:
        keys["key"] = re.search(r"\(shown once, give it to the facility\): (\S+)", ran["facility issue-key"].stdout).group(1)
        assert requests.get(f"{served.url}/v1/applications", headers={"Authorization": f"Bearer {keys['key']}"},
                            timeout=30).status_code == 200

    ran = served.run(readme_block(FACILITIES).commands, {"<key-id>": key_id},
                     before={"facility revoke-key": check_the_key_opens_the_api})
    facility_id, _, kind, _ = admin_arguments(ran.command("facility register"))[3:]
    assert f"registered {facility_id} ({kind})" in ran["facility register"].stdout
    listing = ran["facility list"].stdout
    assert re.search(rf"^{re.escape(facility_id)}\s+{kind}\s.*{key_id(ran)} \(open\)", listing, re.M), listing
    assert keys["key"] not in listing  # a key is shown once, then only its id
    assert f"revoked {key_id(ran)}" in ran["facility revoke-key"].stdout
    assert requests.get(f"{served.url}/v1/applications", headers={"Authorization": f"Bearer {keys['key']}"},
                        timeout=30).status_code == 401


def test_the_staff_block_adds_a_verifier_sets_the_heads_pin_and_moves_a_waiting_sop5_task(served, staff_block, waiting_for_verifier):
    assert "added wati (verifier)" in staff_block["staff add"].stdout
    assert "PIN set for kadis" in staff_block["staff set-pin"].stdout
    assert NEW_HEAD_PIN not in staff_block["staff set-pin"].stdout + staff_block["staff set-pin"].stderr
    assert "deactivated budi" in staff_block["staff deactivate"].stdout
    listing = staff_block["staff list"].stdout
    assert re.search(r"^wati\s+verifier\s+active\s", listing, re.M) and re.search(r"^budi\s+verifier\s+inactive\s", listing, re.M), listing
    assert f"{waiting_for_verifier} VerifyApplication: budi -> wati" in staff_block["task reassign"].stdout
    timeline = served.api("GET", f"/{waiting_for_verifier}").json()["timeline"]
    assert "reassigned:budi->wati:cuti:by:sari" in [note for row in timeline for note in row["notes"]]

    # make serve prints the fresh link it emailed wati, addressed to her once.
    wati = admin_arguments(staff_block.command("staff add"))[-1]
    assert served.link_for(wati, waiting_for_verifier).startswith(f"{served.url}/staff/tasks/")
    assert {m["to"] for line in served.lines if (m := EMAIL_LINE.match(line)) and wati in line} == {wati}


def test_the_certificate_block_revokes_the_walkthroughs_certificate_and_verification_shows_it(served, certificate_id):
    ran = served.run(readme_block(CERTIFICATES).commands, {"<certificate-id>": certificate_id})
    assert f"revoked {certificate_id} (data_salah)" in ran["certificate revoke"].stdout
    page = requests.get(f"{served.url}/verify/{certificate_id}", timeout=30)
    assert attribute_values(page.text, "data-state") == ["revoked"]


def test_sop9_make_serve_prints_the_applicants_whatsapp_notice_with_the_number_masked(served, certificate_id, application_id):
    """The certificate's notice, as the citizen reads it; of the walkthrough's number only the last digits show."""
    number = json.loads((served.checkout / "walkthrough" / "application.json").read_text())["contact"]["whatsapp"]
    digits = "".join(ch for ch in number if ch.isdigit())
    notice = served.wait_for(lambda lines: next((line for line in lines if line.startswith("[whatsapp]")
                                                 and application_id in line), None), 60, "the WhatsApp notice")
    assert re.fullmatch(rf"\[whatsapp\] to \*+{digits[-4:]}: Akta Kelahiran untuk permohonan {application_id} telah terbit .*",
                        notice)
    assert not any(digits[1:] in line for line in served.lines)  # 81234567890, with or without 0 or +62


def test_the_signer_block_makes_a_csr_from_the_kms_key_and_installs_the_cas_answer(served, certificate_id):
    """The block is for AWS; here with --sandbox, on the sandbox's KMS key. It runs after the walkthrough's
    certificate was issued (the fixture): the chain it installs is from this test's CA, which the release check
    does not trust."""
    from cryptography import x509

    from sandbox.pki import create_local_pki

    block = [command.replace('ARGS="signer', 'ARGS="--sandbox signer') for command in readme_block(SIGNER).commands]
    csr_file, chain_file = (served.checkout / admin_arguments(c)[-1] for c in block)  # tte.csr, chain.pem
    head_name = admin_arguments(block[0])[3]

    def the_office_ca_answers(_ran: Ran) -> None:
        ca = create_local_pki("CA Kantor Uji")
        chain_file.write_bytes(ca.certify(csr_file.read_bytes()) + ca.ca_cert_pem)

    ran = served.run(block, before={"install-certificate": the_office_ca_answers})
    csr = x509.load_pem_x509_csr(csr_file.read_bytes())
    assert csr.is_signature_valid and head_name in csr.subject.rfc4514_string()
    assert "installed 2 certificate(s)" in ran["install-certificate"].stdout
    installed = served.aws("ssm").get_parameter(Name=served.environment["SIGNER_CERTIFICATE_PARAMETER"])["Parameter"]["Value"]
    assert installed == chain_file.read_text()
