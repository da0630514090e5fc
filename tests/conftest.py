"""Shared fixtures. Data is built through the real services (DESIGN.md, "Tests")."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone, translation

from accounts import services as account_services
from accounts.models import User
from groups import services as group_services
from groups.models import Group
from network import realtime


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True, scope="session")
def _vapid_key(tmp_path_factory):
    """One VAPID key per test session, in a temporary file: web push signs with it."""
    from notifications import vapid

    django_settings.RELAIS_VAPID_PRIVATE_KEY = ""
    django_settings.RELAIS_VAPID_KEY_FILE = tmp_path_factory.mktemp("vapid") / "vapid.pem"
    vapid.generate()


@pytest.fixture(autouse=True)
def _empty_card_cache():
    """Each test draws its feed cards afresh: a card's fingerprint covers its data, not the
    settings a test may override."""
    from django.core.cache import caches

    caches["cards"].clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request of a French-speaking user leaves
    French active in its thread, which the next test run there would otherwise inherit."""
    translation.activate(django_settings.LANGUAGE_CODE)
    timezone.deactivate()
    yield
    translation.deactivate()


def make_user(email: str, name: str, **extra) -> User:
    return account_services.create_user(email=email, display_name=name, password="correct-horse-42",
                                        **extra)


@pytest.fixture
def user(db) -> User:
    return make_user("camille.martin@hopital.example", "Camille Martin", job_title="Infirmière",
                     department="Cardiologie", language="en")


@pytest.fixture
def other_user(db) -> User:
    return make_user("hugo.bernard@hopital.example", "Hugo Bernard", job_title="Technicien",
                     department="Informatique", language="en")


@pytest.fixture
def staff_user(db) -> User:
    return make_user("admin@hopital.example", "Alice Admin", is_staff=True, language="en")


@pytest.fixture
def guest(db) -> User:
    return make_user("vendor@medtech.example", "Victor Vendor", kind=User.Kind.GUEST,
                     language="en")


@pytest.fixture
def inactive_user(db) -> User:
    person = make_user("gone@hopital.example", "Gone Person", language="en")
    person.is_active = False
    person.save(update_fields=["is_active"])
    return person


@pytest.fixture
def group(user) -> Group:
    """A public group owned by ``user``."""
    return group_services.create_group(creator=user, name="Cardiologie",
                                       description="Service de cardiologie")


@pytest.fixture
def private_group(user) -> Group:
    return group_services.create_group(creator=user, name="Cadres de santé",
                                       visibility=Group.Visibility.PRIVATE)


@pytest.fixture
def secret_group(user) -> Group:
    return group_services.create_group(creator=user, name="Cellule de crise",
                                       visibility=Group.Visibility.SECRET)


@pytest.fixture
def shared_group(user, guest) -> Group:
    """A private group open to guests, with ``guest`` as a member."""
    shared = group_services.create_group(creator=user, name="Projet MedTech",
                                         visibility=Group.Visibility.PRIVATE, allow_guests=True)
    group_services.add_member(actor=user, group=shared, user=guest)
    return shared


def client_for(person: User) -> Client:
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def member_client(user) -> Client:
    return client_for(user)


@pytest.fixture
def other_client(other_user) -> Client:
    return client_for(other_user)


@pytest.fixture
def guest_client(guest) -> Client:
    return client_for(guest)


@pytest.fixture
def staff_client(staff_user) -> Client:
    return client_for(staff_user)


@pytest.fixture
def anonymous_client() -> Client:
    return Client()


class ApiClient:
    """A test client that authenticates with an API token, as scripts do."""

    def __init__(self, person: User):
        _token, self.secret = account_services.create_api_token(user=person, name="tests")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {self.secret}")

    def __getattr__(self, name):
        return getattr(self.client, name)

    def post_json(self, path, data=None):
        return self.client.post(path, data or {}, content_type="application/json")

    def patch_json(self, path, data=None):
        return self.client.patch(path, data or {}, content_type="application/json")


@pytest.fixture
def api_client_for(db):
    return ApiClient


@dataclass
class SentEvents:
    """Events as they leave after commit: ``with sent_events.after_commit(): ...``."""

    capture: object
    events: list = field(default_factory=list)

    @contextlib.contextmanager
    def after_commit(self):
        with self.capture(execute=True):
            yield self

    def of_type(self, event_type: str) -> list[dict]:
        return [e for e in self.events if e["type"] == event_type]

    def streams(self, event_type: str) -> set[str]:
        return {e["stream"] for e in self.of_type(event_type)}

    def __len__(self):
        return len(self.events)

    def __iter__(self):
        return iter(self.events)


@pytest.fixture
def sent_events(monkeypatch, django_capture_on_commit_callbacks):
    recorder = SentEvents(django_capture_on_commit_callbacks)
    original = realtime._push

    def record(envelopes):
        for stream, body in envelopes:
            recorder.events.append({"stream": stream, "type": body["type"],
                                    "data": body["data"]})
        original(envelopes)

    monkeypatch.setattr(realtime, "_push", record)
    return recorder
