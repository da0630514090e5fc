"""Desk fixtures, built through the real services.

``it_desk``: the public group "Support informatique" (owner: ``desk_admin``) made the IT desk,
with ``agent`` (on call) and ``other_agent`` as agents, open to every staff member, a
"Wi-Fi" category and a Wi-Fi form (building: single choice, required; since: date; details:
long text). ``user`` (Camille, a nurse) and ``other_user`` are staff who are not members.
``hr_desk``: the private group "Ressources humaines", a desk open to staff whose tickets only
its members and the people concerned see.
"""

import pytest

from desk import services, setup
from desk.models import FormField
from groups import services as group_services
from groups.models import Group
from tests.conftest import make_user


@pytest.fixture
def desk_admin(db):
    return make_user("dsi@hopital.example", "Diane Dsi", department="Informatique", language="en")


@pytest.fixture
def agent(db):
    return make_user("agent@hopital.example", "Arthur Agent", department="Informatique",
                     language="en")


@pytest.fixture
def other_agent(db):
    return make_user("agent2@hopital.example", "Bea Agent", department="Informatique",
                     language="en")


@pytest.fixture
def it_group(desk_admin, agent, other_agent):
    group = group_services.create_group(creator=desk_admin, name="Support informatique")
    for person in (agent, other_agent):
        group_services.add_member(actor=desk_admin, group=group, user=person)
    return group


@pytest.fixture
def it_desk(desk_admin, agent, other_agent, it_group):
    desk = setup.create_desk(actor=desk_admin, group=it_group, prefix="IT")
    setup.set_agent(actor=desk_admin, desk=desk, user=agent, on_call=True)
    setup.set_agent(actor=desk_admin, desk=desk, user=other_agent)
    return desk


@pytest.fixture
def wifi_category(it_desk, desk_admin):
    return setup.save_category(actor=desk_admin, desk=it_desk, name="Wi-Fi")


@pytest.fixture
def wifi_form(it_desk, desk_admin, wifi_category):
    return setup.save_form(actor=desk_admin, desk=it_desk, name="Wi-Fi problem",
                           category=wifi_category, fields=[
                               {"label": "Building", "kind": FormField.Kind.SINGLE_CHOICE,
                                "required": True, "choices": ["A", "B", "C"]},
                               {"label": "Since", "kind": FormField.Kind.DATE},
                               {"label": "Details", "kind": FormField.Kind.LONG_TEXT},
                           ])


@pytest.fixture
def hr_desk(desk_admin, agent):
    group = group_services.create_group(creator=desk_admin, name="Ressources humaines",
                                        visibility=Group.Visibility.PRIVATE)
    group_services.add_member(actor=desk_admin, group=group, user=agent)
    desk = setup.create_desk(actor=desk_admin, group=group, prefix="HR")
    setup.set_agent(actor=desk_admin, desk=desk, user=agent)
    return desk


@pytest.fixture
def ticket(it_desk, user, wifi_category):
    """A Wi-Fi request Camille filed on the IT desk."""
    return services.file_request(requester=user, desk=it_desk, title="Wi-Fi down in building B",
                                 category=wifi_category)


@pytest.fixture(autouse=True)
def _english_thread_log(settings):
    """The thread's log lines are written in the organisation's language (French by
    default); these tests read them in English, and test_thread_log_is_in_the_organisation
    language checks the French."""
    settings.RELAIS_DEFAULT_LANGUAGE = "en"
