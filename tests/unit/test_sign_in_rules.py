"""Staff sign-in's rules (akta.service.sign_in, akta.service.staff): the callback makes a session only for the
browser that started it, for a person the directory knows as active in a role the pool gives them, with TOTP;
an emailed link works only for its assignee (or, where the office sets it, anyone signed in with its role)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from akta.config import Config
from akta.domain.errors import Refused
from akta.service import directory, sign_in, staff
from tests.fakes import DEFAULT_SETTINGS, FakeAdapters


@pytest.fixture
def a() -> FakeAdapters:
    adapters = FakeAdapters()
    for staff_id, role in (("rina", "operator"), ("budi", "verifier"), ("bima", "verifier"), ("kadis", "head")):
        directory.add(adapters, staff_id, role, staff_id.title(), f"{staff_id}@disdukcapil.test")
    return adapters


def login(a: FakeAdapters, username: str, *groups: str, totp: bool = True, wanted: str = "/staff/tasks/abc"):
    """A browser starts the sign-in, the person signs in at the login page: (the started sign-in, the code)."""
    started = sign_in.start(a, wanted)
    query = parse_qs(urlsplit(started.authorize_url).query)
    code = a.identity.code_for(a.identity.person(username, *groups, totp=totp), query["code_challenge"][0])
    return started, code, query["state"][0]


def test_the_callback_makes_a_session_for_the_browser_that_started_it_and_returns_to_the_page(a):
    started, code, state = login(a, "budi", "verifier")
    query = parse_qs(urlsplit(started.authorize_url).query)
    assert query["redirect_uri"] == ["https://akta.example.go.id/auth/callback"]
    done = sign_in.complete(a, code=code, state=state, error=None, cookie_value=started.cookie_value)
    assert isinstance(done, sign_in.SignedIn)
    assert done.person["staff_id"] == "budi" and done.return_path == "/staff/tasks/abc" and 3500 < done.max_age <= 3600


@pytest.mark.parametrize("case", ["no_cookie", "another_browsers_cookie", "state_changed", "login_error", "code_used"])
def test_a_callback_not_of_this_browsers_sign_in_makes_no_session(a, case):
    started, code, state = login(a, "budi", "verifier")
    other, _, _ = login(a, "budi", "verifier")
    kwargs = {"code": code, "state": state, "error": None, "cookie_value": started.cookie_value}
    if case == "no_cookie":
        kwargs["cookie_value"] = None
    elif case == "another_browsers_cookie":  # a login CSRF: the attacker's code in the victim's browser
        kwargs["cookie_value"] = other.cookie_value
    elif case == "state_changed":
        kwargs["state"] = state + "x"
    elif case == "login_error":
        kwargs["error"] = "access_denied"
    else:
        sign_in.complete(a, **kwargs)
    with pytest.raises(sign_in.SignInRefused) as refused:
        sign_in.complete(a, **kwargs)
    assert refused.value.code == {"no_cookie": "no_sign_in", "another_browsers_cookie": "state", "state_changed": "state",
                                  "login_error": "login_error", "code_used": "code"}[case]


def test_a_person_the_directory_does_not_know_as_active_in_that_role_gets_no_session(a):
    directory.set_active(a, "rina", False)
    for username, groups, code in (("rina", ("operator",), "inactive"), ("nobody", ("operator",), "inactive"),
                                   ("budi", ("head",), "role"), ("budi", (), "role")):
        started, issued, state = login(a, username, *groups)
        with pytest.raises(sign_in.SignInRefused) as refused:
            sign_in.complete(a, code=issued, state=state, error=None, cookie_value=started.cookie_value)
        assert refused.value.code == code, username


def test_a_person_without_totp_is_led_to_enrol_and_gets_a_session_only_after(a):
    started, code, state = login(a, "kadis", "head", totp=False)
    done = sign_in.complete(a, code=code, state=state, error=None, cookie_value=started.cookie_value)
    assert isinstance(done, sign_in.EnrolmentNeeded) and done.return_path == "/staff/tasks/abc"
    assert not a.identity.finish_totp(done.access_token, "000000")
    assert a.identity.finish_totp(done.access_token, "123456")
    started, code, state = login(a, "kadis", "head", totp=False)  # enrolled now: the flag is the pool's
    assert isinstance(sign_in.complete(a, code=code, state=state, error=None, cookie_value=started.cookie_value), sign_in.SignedIn)


@pytest.mark.parametrize("wanted, back", [
    ("/supervisor", "/supervisor"), ("/counter", "/counter"), ("/staff/tasks/Ab-9_x", "/staff/tasks/Ab-9_x"),
    ("https://evil.example/staff", None), ("//evil.example", None), ("/staff/../v1", None), ("/staff\n", None),
    ("/auth/sign-out", None), ("javascript:alert(1)", None), (None, None),
])
def test_a_sign_in_returns_only_to_a_staff_page(wanted, back):
    assert sign_in.return_path(wanted) == back


def test_a_sign_in_cookie_naming_another_site_still_returns_only_to_a_staff_page(a):
    """A cookie planted by a sibling site under the office's domain names its own return: it is checked again."""
    import base64
    import json

    started, code, state = login(a, "kadis", "head", wanted="/supervisor")
    planted = json.loads(base64.urlsafe_b64decode(started.cookie_value + "=="))
    planted["next"] = "https://evil.example/"
    cookie = base64.urlsafe_b64encode(json.dumps(planted).encode()).decode()
    done = sign_in.complete(a, code=code, state=state, error=None, cookie_value=cookie)
    assert done.return_path is None  # a head has no landing page: the page says to open the email's link


def test_with_no_page_to_return_to_the_supervisor_and_the_counter_land_on_their_own(a):
    directory.add(a, "sari", "supervisor", "Sari", "sari@disdukcapil.test")
    directory.add(a, "dedi", "drive_thru", "Dedi", "dedi@disdukcapil.test")
    for username, group, landing in (("sari", "supervisor", "/supervisor"), ("dedi", "drive_thru", "/counter"),
                                     ("budi", "verifier", None)):
        started, code, state = login(a, username, group, wanted=None)
        assert sign_in.complete(a, code=code, state=state, error=None, cookie_value=started.cookie_value).return_path == landing


def test_an_emailed_link_opens_only_for_its_assignee_unless_the_office_opens_it_to_the_role(a):
    from tests.unit.test_service_rules import waiting_at

    _, token, link_id = waiting_at(a, "VerifyApplication")  # assigned to the first verifier, bima
    bima, budi, kadis = (directory.person(a, s) for s in ("bima", "budi", "kadis"))
    page = staff.open_page(a, link_id, bima)
    for other in (budi, kadis):
        with pytest.raises(Refused) as refused:
            staff.decide(a, link_id, {"form_token": page.form_token, "decision": "approve"}, other)
        assert refused.value.code == "not_yours"
        with pytest.raises(Refused):
            staff.open_page(a, link_id, other)
    assert token not in a.callbacks.answers  # nothing changed
    a.config = Config.of(**DEFAULT_SETTINGS, TASK_ACCESS="role")
    staff.decide(a, link_id, {"form_token": staff.open_page(a, link_id, budi).form_token, "decision": "approve"}, budi)
    assert a.callbacks.answers[token]["decision"] == "approve"
    with pytest.raises(Refused):
        staff.open_page(a, link_id, kadis)  # another role still cannot


def test_with_role_access_only_the_assignee_signs_the_certificate(a):
    from tests.unit.test_service_rules import waiting_at

    directory.add(a, "wakil", "head", "Wakil", "wakil@disdukcapil.test")
    directory.set_pin(a, "wakil", "135790")
    directory.set_pin(a, "kadis", "246810")
    a.config = Config.of(**DEFAULT_SETTINGS, TASK_ACCESS="role")
    _, token, link_id = waiting_at(a, "SignCertificate")  # assigned to kadis
    wakil, kadis = directory.person(a, "wakil"), directory.person(a, "kadis")
    page = staff.open_page(a, link_id, wakil)  # the role may look
    with pytest.raises(Refused) as refused:
        staff.decide(a, link_id, {"form_token": page.form_token, "decision": "approve", "pin": "135790"}, wakil)
    assert refused.value.code == "not_yours" and token not in a.callbacks.answers
    page = staff.open_page(a, link_id, kadis)
    staff.decide(a, link_id, {"form_token": page.form_token, "decision": "approve", "pin": "246810"}, kadis)
    assert a.callbacks.answers[token]["decision"] == "approve"
