"""What people do first: sign in, secure their account, build a group, invite a colleague."""

import base64
import hashlib
import hmac
import struct
import time

from playwright.sync_api import expect

from groups.models import Group
from tests.e2e.conftest import log_in, screenshot


def totp(secret: str, step_offset: int = 0) -> str:
    """RFC 6238 code for ``secret`` (base32), as an authenticator app shows it."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    counter = int(time.time() // 30) + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def test_sign_in_lands_on_the_home_page(page, user, group):
    page.goto("/")
    expect(page).to_have_url("/accounts/login/?next=/")
    screenshot(page, "login")
    log_in(page, user.email)
    expect(page.get_by_role("heading", name="Good to see you, Camille")).to_be_visible()
    expect(page.get_by_role("link", name="Cardiologie")).to_be_visible()
    screenshot(page, "home")


def test_wrong_password_is_refused_with_a_message(page, user):
    log_in(page, user.email, password="wrong-password")
    expect(page.get_by_text("not correct")).to_be_visible()


def test_enrol_an_authenticator_then_sign_in_with_a_code(page, user):
    log_in(page, user.email)
    page.goto("/accounts/2fa/totp/activate/")
    # Changing security settings asks for the password again.
    page.get_by_label("Password").fill("correct-horse-42")
    page.get_by_role("button", name="Confirm").click()
    secret = page.locator("#authenticator_secret").input_value()
    screenshot(page, "mfa-activate")
    page.get_by_label("Authenticator code").fill(totp(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("Authenticator app activated")).to_be_visible()
    page.goto("/accounts/2fa/")
    screenshot(page, "mfa")

    page.get_by_label("Your account").click()
    page.get_by_role("menuitem", name="Sign out").click()
    log_in(page, user.email)
    expect(page).to_have_url("/accounts/2fa/authenticate/")
    screenshot(page, "mfa-authenticate")
    page.get_by_label("Code").fill(totp(secret, step_offset=1))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", name="Good to see you, Camille")).to_be_visible()


def test_create_a_group_and_invite_a_colleague_who_then_sees_it(new_page, user, other_user,
                                                               guest):
    owner = new_page()
    log_in(owner, user.email)
    owner.get_by_role("navigation", name="Main", exact=True).get_by_role(
        "link", name="Groups").click()
    screenshot(owner, "groups-empty")
    owner.get_by_role("link", name="New group").click()
    owner.get_by_label("Name").fill("Hygiène des mains")
    owner.get_by_label("Description").fill("Audit et formation 2027")
    owner.get_by_text("Private", exact=True).click()
    screenshot(owner, "group-create")
    owner.get_by_role("button", name="Create group").click()
    expect(owner.get_by_role("heading", name="Hygiène des mains")).to_be_visible()
    screenshot(owner, "group")

    owner.get_by_role("link", name="Invite").first.click()
    owner.get_by_label("Search by name, job title or department").fill("Hugo")
    owner.get_by_role("button", name="Add Hugo Bernard").click()
    expect(owner.get_by_text("Hugo Bernard was added to the group.")).to_be_visible()
    screenshot(owner, "group-invite")
    owner.goto(f"/groups/{Group.objects.get(name='Hygiène des mains').slug}/members/")
    expect(owner.get_by_role("link", name="Hugo Bernard")).to_be_visible()
    screenshot(owner, "group-members")

    member = new_page()
    log_in(member, other_user.email, "correct-horse-42")
    member.goto("/groups/")
    expect(member.get_by_role("link", name="Hygiène des mains")).to_be_visible()
    screenshot(member, "groups")

    outsider = new_page()
    log_in(outsider, guest.email)
    outsider.goto("/groups/")
    expect(outsider.get_by_text("Hygiène des mains")).to_have_count(0)
    slug = Group.objects.get(name="Hygiène des mains").slug
    response = outsider.goto(f"/groups/{slug}/")
    assert response.status == 404


def test_people_directory_profile_settings_and_tokens(page, user, other_user):
    log_in(page, user.email)
    page.goto("/people/")
    page.get_by_label("Search", exact=True).fill("informatique")
    expect(page.get_by_role("link", name="Hugo Bernard")).to_be_visible()
    expect(page.locator("#people-results").get_by_text("Camille Martin")).to_have_count(0)
    screenshot(page, "people")
    page.get_by_role("link", name="Hugo Bernard").click()
    expect(page.get_by_role("heading", name="Hugo Bernard")).to_be_visible()
    screenshot(page, "profile")

    page.goto("/settings/profile/")
    page.get_by_label("Job title").fill("Infirmière de coordination")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()
    screenshot(page, "settings")

    page.goto("/settings/tokens/")
    page.get_by_label("Token name").fill("Bed sync")
    page.get_by_role("button", name="Create token").click()
    assert page.get_by_label("Token", exact=True).input_value().startswith("rls_")
    screenshot(page, "tokens")


def test_the_interface_switches_to_french(page, user):
    log_in(page, user.email)
    page.get_by_label("Your account").click()
    page.get_by_role("button", name="FR").click()
    expect(page.get_by_role("heading", name="Bonjour, Camille")).to_be_visible()
    screenshot(page, "home-fr")


def test_keyboard_users_can_skip_to_the_content(page, user):
    log_in(page, user.email)
    page.goto("/groups/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
