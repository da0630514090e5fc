"""The desk set-up pages: creating a desk, its settings sections and the intake form builder."""

from datetime import time

import pytest
from django.urls import reverse

from desk import setup
from desk.models import Agent, Category, Desk, EmojiRoute, FormField, IntakeForm, ServiceHours
from groups import services as group_services
from groups.models import Group, Membership
from tests.conftest import client_for, make_user

pytestmark = pytest.mark.django_db


def settings_url(desk):
    return reverse("desk:settings", args=[desk.group.slug])


@pytest.fixture
def admin_client(desk_admin):
    return client_for(desk_admin)


@pytest.fixture
def nurse(it_group):
    """A staff member of the IT group who is not one of its agents."""
    person = make_user("nurse@hopital.example", "Nina Nurse", language="en")
    group_services.add_member(actor=it_group.memberships.get(role="owner").user, group=it_group,
                              user=person)
    return person


def post_section(client, desk, section, **data):
    return client.post(settings_url(desk), {"section": section, **data})


# --- who may open the pages ---------------------------------------------------------------------

def test_desk_admin_sees_every_section(admin_client, it_desk, wifi_form):
    response = admin_client.get(settings_url(it_desk))
    assert response.status_code == 200
    for anchor in ("general", "agents", "hours", "targets", "categories", "forms", "routes"):
        assert f'id="{anchor}"'.encode() in response.content
    assert b"Wi-Fi problem" in response.content
    assert reverse("desk:desk", args=[it_desk.group.slug]).encode() in response.content


def test_organisation_admin_manages_any_desk(staff_client, it_desk):
    assert staff_client.get(settings_url(it_desk)).status_code == 200


@pytest.mark.parametrize("page", ["settings", "form_new", "form_edit"])
def test_agent_who_is_not_admin_is_refused(agent, it_desk, wifi_form, page):
    args = [it_desk.group.slug] + ([wifi_form.pk] if page == "form_edit" else [])
    assert client_for(agent).get(reverse(f"desk:{page}", args=args)).status_code == 403


def test_other_staff_are_refused_on_a_public_desk(member_client, it_desk):
    assert member_client.get(settings_url(it_desk)).status_code == 403
    response = post_section(member_client, it_desk, "general", intake="members",
                            time_zone="Europe/Paris")
    assert response.status_code == 403
    it_desk.refresh_from_db()
    assert it_desk.intake == Desk.Intake.STAFF


def test_outsider_of_a_private_desk_gets_404(member_client, hr_desk):
    assert member_client.get(settings_url(hr_desk)).status_code == 404
    form_new = reverse("desk:form_new", args=[hr_desk.group.slug])
    assert member_client.post(form_new, {"name": "Leave"}).status_code == 404


def test_guest_gets_404(guest_client, it_desk):
    assert guest_client.get(settings_url(it_desk)).status_code == 404
    assert post_section(guest_client, it_desk, "add_category", name="X").status_code == 404
    assert not Category.objects.filter(name="X").exists()


def test_anonymous_is_sent_to_sign_in(anonymous_client, it_desk):
    for url in (settings_url(it_desk), reverse("desk:create"),
                reverse("desk:form_new", args=[it_desk.group.slug])):
        response = anonymous_client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_unknown_section_is_a_bad_request(admin_client, it_desk):
    assert post_section(admin_client, it_desk, "nonsense").status_code == 400


# --- general ------------------------------------------------------------------------------------

def test_general_settings_are_saved(admin_client, it_desk, hr_desk):
    response = post_section(admin_client, it_desk, "general", intake="members",
                            every_message_is_request="on", time_zone="America/Montreal",
                            urgent_desk=hr_desk.pk)
    assert response.status_code == 302
    assert response["Location"].endswith("#general")
    it_desk.refresh_from_db()
    assert (it_desk.intake, it_desk.every_message_is_request, it_desk.priorities_enabled,
            it_desk.time_zone, it_desk.urgent_desk) == (
        "members", True, False, "America/Montreal", hr_desk)


def test_general_settings_refuse_an_unknown_time_zone_and_a_hidden_urgent_desk(
        user, it_desk, admin_client):
    secret = group_services.create_group(creator=user, name="Cellule",
                                         visibility=Group.Visibility.SECRET)
    hidden = setup.create_desk(actor=user, group=secret, prefix="SEC")
    response = post_section(admin_client, it_desk, "general", intake="staff",
                            time_zone="Mars/Olympus", urgent_desk=hidden.pk)
    assert response.status_code == 422
    form = response.context["forms"]["general"]
    assert "time_zone" in form.errors and "urgent_desk" in form.errors
    it_desk.refresh_from_db()
    assert it_desk.urgent_desk is None


# --- agents -------------------------------------------------------------------------------------

def test_admin_adds_a_member_as_agent(admin_client, it_desk, nurse, desk_admin, guest, it_group):
    group_services.update_group(actor=desk_admin, group=it_group, allow_guests=True)
    group_services.add_member(actor=desk_admin, group=it_group, user=guest)
    response = admin_client.get(settings_url(it_desk))
    # Staff members of the group who are not agents yet: the owner and the nurse, no guest.
    assert dict(response.context["forms"]["add_agent"].fields["user"].choices).keys() == {
        "", desk_admin.pk, nurse.pk}
    response = post_section(admin_client, it_desk, "add_agent", user=nurse.pk, on_call="on")
    assert response.status_code == 302
    assert Agent.objects.get(desk=it_desk, user=nurse).on_call


def test_only_staff_members_of_the_group_can_become_agents(admin_client, it_desk, user, guest):
    response = post_section(admin_client, it_desk, "add_agent", user=user.pk)
    assert response.status_code == 422
    assert response.context["forms"]["add_agent"].errors["user"]
    assert not Agent.objects.filter(desk=it_desk, user=user).exists()


def test_admin_toggles_on_call_and_removes_an_agent(admin_client, it_desk, agent, other_agent):
    post_section(admin_client, it_desk, "agent", user=agent.pk)
    post_section(admin_client, it_desk, "agent", user=other_agent.pk, on_call="on")
    assert dict(Agent.objects.filter(desk=it_desk).values_list("user_id", "on_call")) == {
        agent.pk: False, other_agent.pk: True}
    response = post_section(admin_client, it_desk, "remove_agent", user=agent.pk)
    assert response.status_code == 302
    assert list(Agent.objects.filter(desk=it_desk).values_list("user_id", flat=True)) == [
        other_agent.pk]


def test_agent_cannot_remove_a_colleague(agent, other_agent, it_desk):
    response = post_section(client_for(agent), it_desk, "remove_agent", user=other_agent.pk)
    assert response.status_code == 403
    assert Agent.objects.filter(desk=it_desk, user=other_agent).exists()


# --- service hours ------------------------------------------------------------------------------

def test_service_hours_are_saved_per_weekday(admin_client, it_desk):
    response = post_section(admin_client, it_desk, "hours", day0_0_start="08:00",
                            day0_0_end="12:00", day0_1_start="13:30", day0_1_end="18:00",
                            day4_0_start="08:00", day4_0_end="16:00")
    assert response.status_code == 302
    assert list(ServiceHours.objects.filter(desk=it_desk).values_list("weekday", "start", "end")) \
        == [(0, time(8), time(12)), (0, time(13, 30), time(18)), (4, time(8), time(16))]
    page = admin_client.get(settings_url(it_desk))
    assert page.context["forms"]["hours"]["day0_1_start"].value() == time(13, 30)


def test_service_hours_that_end_before_they_start_are_refused(admin_client, it_desk):
    setup.set_service_hours(actor=it_desk.group.memberships.get(role="owner").user, desk=it_desk,
                            periods=[(1, time(9), time(17))])
    response = post_section(admin_client, it_desk, "hours", day2_0_start="18:00",
                            day2_0_end="08:00", day3_0_start="09:00")
    assert response.status_code == 422
    form = response.context["forms"]["hours"]
    assert form.errors.keys() == {"day2_0_end", "day3_0_end"}
    assert b"closes after it opens" in response.content
    assert list(ServiceHours.objects.filter(desk=it_desk).values_list("weekday", flat=True)) == [1]


def test_open_around_the_clock_clears_the_periods(admin_client, it_desk, desk_admin):
    setup.set_service_hours(actor=desk_admin, desk=it_desk, periods=[(1, time(9), time(17))])
    response = post_section(admin_client, it_desk, "hours", always_open="on",
                            day1_0_start="09:00", day1_0_end="17:00")
    assert response.status_code == 302
    assert not ServiceHours.objects.filter(desk=it_desk).exists()


# --- target times -------------------------------------------------------------------------------

def test_target_times_are_read_in_hours_and_minutes(admin_client, it_desk):
    response = post_section(admin_client, it_desk, "targets", urgent_first_response="15",
                            urgent_resolution="4h", high_first_response="1h30",
                            high_resolution="1:45", normal_resolution="2h 5m")
    assert response.status_code == 302
    targets = {t.priority: (t.first_response_minutes, t.resolution_minutes)
               for t in it_desk.targets.all()}
    assert targets == {"urgent": (15, 240), "high": (90, 105), "normal": (None, 125),
                       "low": (None, None)}
    page = admin_client.get(settings_url(it_desk))
    assert page.context["forms"]["targets"]["high_first_response"].value() == "1h30"
    assert b'value="1h30"' in page.content


@pytest.mark.parametrize("value", ["-30", "0", "soon", "2h75"])
def test_target_times_refuse_what_is_not_a_positive_duration(admin_client, it_desk, value):
    response = post_section(admin_client, it_desk, "targets", urgent_first_response=value,
                            urgent_resolution="4h")
    assert response.status_code == 422
    assert response.context["forms"]["targets"].errors.keys() == {"urgent_first_response"}
    assert not it_desk.targets.exists()


# --- categories ---------------------------------------------------------------------------------

def test_admin_adds_renames_marks_urgent_and_archives_a_category(admin_client, it_desk,
                                                                  wifi_category):
    assert post_section(admin_client, it_desk, "add_category", name="Printers",
                        urgent="on").status_code == 302
    assert Category.objects.get(desk=it_desk, name="Printers").urgent
    response = post_section(admin_client, it_desk, "category", category=wifi_category.pk,
                            name="Wi-Fi and network", archived="on")
    assert response.status_code == 302
    wifi_category.refresh_from_db()
    assert (wifi_category.name, wifi_category.urgent, wifi_category.archived) == (
        "Wi-Fi and network", False, True)


def test_a_duplicate_category_name_is_shown(admin_client, it_desk, wifi_category):
    response = post_section(admin_client, it_desk, "add_category", name="  Wi-Fi ")
    assert response.status_code == 422
    assert response.context["forms"]["add_category"].errors["name"] == [
        "This desk already has a category of this name."]
    assert it_desk.categories.count() == 1


def test_a_rename_to_a_taken_name_is_shown_in_the_categories_section(admin_client, it_desk,
                                                                   wifi_category, desk_admin):
    printers = setup.save_category(actor=desk_admin, desk=it_desk, name="Printers")
    response = post_section(admin_client, it_desk, "category", category=printers.pk,
                            name="Wi-Fi")
    assert response.status_code == 422
    assert response.context["failed_section"] == "category"
    assert "This desk already has a category of this name." in response.content.decode()
    printers.refresh_from_db()
    assert printers.name == "Printers"


def test_a_category_of_another_desk_cannot_be_edited(admin_client, it_desk, hr_desk,
                                                     desk_admin):
    other = setup.save_category(actor=desk_admin, desk=hr_desk, name="Leave")
    response = post_section(admin_client, it_desk, "category", category=other.pk, name="Mine")
    assert response.status_code == 422
    other.refresh_from_db()
    assert other.name == "Leave"


# --- emoji routes -------------------------------------------------------------------------------

def test_admin_adds_and_removes_an_emoji_route(admin_client, it_desk, hr_desk):
    response = post_section(admin_client, it_desk, "add_route", emoji="🩺",
                            target=hr_desk.group.pk)
    assert response.status_code == 302
    assert EmojiRoute.objects.get(desk=it_desk, emoji="🩺").target == hr_desk.group
    page = admin_client.get(settings_url(it_desk))
    assert "Ressources humaines" in page.content.decode()
    assert post_section(admin_client, it_desk, "remove_route", emoji="🩺").status_code == 302
    assert not EmojiRoute.objects.filter(desk=it_desk).exists()


def test_route_to_a_group_the_admin_cannot_see_is_refused(admin_client, it_desk, user):
    secret = group_services.create_group(creator=user, name="Cellule de crise",
                                         visibility=Group.Visibility.SECRET)
    response = post_section(admin_client, it_desk, "add_route", emoji="🩺", target=secret.pk)
    assert response.status_code == 422
    assert response.context["forms"]["add_route"].errors["target"]
    assert b"Cellule de crise" not in response.content
    assert not EmojiRoute.objects.exists()


def test_route_with_an_emoji_outside_the_palette_is_refused(admin_client, it_desk, hr_desk):
    response = post_section(admin_client, it_desk, "add_route", emoji="🦄",
                            target=hr_desk.group.pk)
    assert response.status_code == 422
    assert response.context["forms"]["add_route"].errors["emoji"]


# --- create a desk ------------------------------------------------------------------------------

@pytest.fixture
def pharmacy(user):
    return group_services.create_group(creator=user, name="Pharmacie")


def test_group_owner_makes_their_group_a_desk(member_client, pharmacy, group, it_desk):
    page = member_client.get(reverse("desk:create"), {"group": pharmacy.slug})
    assert page.status_code == 200
    assert {g.name for g in page.context["form"].fields["group"].queryset} == {
        "Pharmacie", "Cardiologie"}
    assert page.context["form"]["group"].value() == pharmacy.slug
    response = member_client.post(reverse("desk:create"), {
        "group": pharmacy.slug, "prefix": "ph", "intake": "members"})
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:settings", args=[pharmacy.slug])
    desk = Desk.objects.get(group=pharmacy)
    assert (desk.prefix, desk.intake) == ("PH", "members")


@pytest.mark.parametrize("prefix, message", [
    ("9X", "A ticket prefix is 1 to 12 letters"),
    ("IT", "Another desk already uses this prefix."),
])
def test_a_bad_or_taken_prefix_is_shown(member_client, pharmacy, it_desk, prefix, message):
    response = member_client.post(reverse("desk:create"), {
        "group": pharmacy.slug, "prefix": prefix, "intake": "staff"})
    assert response.status_code == 422
    assert message in " ".join(response.context["form"].errors["prefix"])
    assert not Desk.objects.filter(group=pharmacy).exists()


def test_creating_a_desk_for_a_group_one_does_not_manage_is_refused(member_client, pharmacy,
                                                                    it_group, desk_admin):
    assert member_client.get(reverse("desk:create"), {"group": it_group.slug}).status_code == 403
    response = member_client.post(reverse("desk:create"), {"group": it_group.slug,
                                                           "prefix": "SI"})
    assert response.status_code == 403
    hidden = group_services.create_group(creator=desk_admin, name="Direction",
                                         visibility=Group.Visibility.SECRET)
    assert member_client.post(reverse("desk:create"), {
        "group": hidden.slug, "prefix": "DIR"}).status_code == 404
    assert not Desk.objects.filter(prefix__in=["SI", "DIR"]).exists()


def test_a_group_that_is_already_a_desk_is_not_offered(admin_client, it_desk, it_group):
    assert admin_client.get(reverse("desk:create")).status_code == 403
    assert admin_client.get(reverse("desk:create"), {"group": it_group.slug}).status_code == 403


def test_an_archived_group_cannot_become_a_desk(member_client, pharmacy, group, user):
    group_services.set_archived(actor=user, group=pharmacy, archived=True)
    response = member_client.post(reverse("desk:create"), {"group": pharmacy.slug,
                                                           "prefix": "PH"})
    assert response.status_code == 403
    assert not Desk.objects.filter(group=pharmacy).exists()


def test_people_who_manage_no_group_cannot_create_a_desk(other_client, guest_client, group):
    assert other_client.get(reverse("desk:create")).status_code == 403
    assert guest_client.get(reverse("desk:create")).status_code == 403


def test_a_plain_member_is_refused(other_user, other_client, group, user):
    group_services.add_member(actor=user, group=group, user=other_user)
    assert Membership.objects.get(group=group, user=other_user).role == "member"
    assert other_client.post(reverse("desk:create"), {
        "group": group.slug, "prefix": "CA"}).status_code == 403


# --- intake form builder ------------------------------------------------------------------------

def management(total, initial=0, prefix="fields"):
    return {f"{prefix}-TOTAL_FORMS": total, f"{prefix}-INITIAL_FORMS": initial,
            f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000}


def row(index, label, kind="short_text", order="", **extra):
    data = {f"fields-{index}-label": label, f"fields-{index}-kind": kind,
            f"fields-{index}-ORDER": order}
    data.update({f"fields-{index}-{name}": value for name, value in extra.items()})
    return data


def test_admin_builds_a_new_form(admin_client, it_desk, wifi_category):
    page = admin_client.get(reverse("desk:form_new", args=[it_desk.group.slug]))
    assert page.status_code == 200
    assert len(page.context["fields"].forms) == 2
    response = admin_client.post(reverse("desk:form_new", args=[it_desk.group.slug]), {
        "name": "Printer", "description": "Paper jams", "category": wifi_category.pk,
        "active": "on", **management(3),
        **row(0, "Which printer", "single_choice", 2, options="Ward A\n\nWard B\n",
              required="on"),
        **row(1, "Since when", "date", 1, help_text="Roughly"),
        **row(2, "")})
    assert response.status_code == 302
    form = IntakeForm.objects.get(desk=it_desk, name="Printer")
    assert response["Location"] == reverse("desk:form_edit", args=[it_desk.group.slug, form.pk])
    assert (form.description, form.category, form.active) == ("Paper jams", wifi_category, True)
    assert [(f.label, f.kind, f.required, f.help_text, f.choices) for f in form.fields.all()] == [
        ("Since when", "date", False, "Roughly", []),
        ("Which printer", "single_choice", True, "", ["Ward A", "Ward B"])]


def test_admin_edits_deletes_and_reorders_fields(admin_client, it_desk, wifi_form):
    url = reverse("desk:form_edit", args=[it_desk.group.slug, wifi_form.pk])
    page = admin_client.get(url)
    assert [f["label"].value() for f in page.context["fields"].forms[:3]] == [
        "Building", "Since", "Details"]
    assert page.context["fields"].forms[0]["options"].value() == "A\nB\nC"
    assert reverse("desk:new_request", args=[it_desk.group.slug]).encode() + \
        f"?form={wifi_form.pk}".encode() in page.content
    response = admin_client.post(url, {
        "name": "Wi-Fi problem", **management(5, initial=3),
        **row(0, "Building", "single_choice", 2, options="A\nB", required="on"),
        **row(1, "Since", "date", 3, DELETE="on"),
        **row(2, "What happens", "long_text", 1),
        **row(3, "Device", "short_text", 3),
        **row(4, "")})
    assert response.status_code == 302
    wifi_form.refresh_from_db()
    assert [(f.label, f.kind, f.choices) for f in wifi_form.fields.all()] == [
        ("What happens", "long_text", []), ("Building", "single_choice", ["A", "B"]),
        ("Device", "short_text", [])]
    assert wifi_form.active is False and wifi_form.category is None


def test_a_choice_field_with_one_option_is_shown(admin_client, it_desk, wifi_form):
    url = reverse("desk:form_edit", args=[it_desk.group.slug, wifi_form.pk])
    response = admin_client.post(url, {"name": "Wi-Fi problem", "active": "on",
                                       **management(1, initial=3),
                                       **row(0, "Building", "multiple_choice", 1, options="A")})
    assert response.status_code == 422
    assert response.context["fields"].forms[0].errors["options"] == [
        "A choice field needs at least two options."]
    assert wifi_form.fields.count() == 3


def test_a_form_without_a_name_is_shown(admin_client, it_desk):
    response = admin_client.post(reverse("desk:form_new", args=[it_desk.group.slug]),
                                 {"name": " ", **management(1), **row(0, "")})
    assert response.status_code == 422
    assert response.context["form"].errors["name"]
    assert not IntakeForm.objects.filter(desk=it_desk).exists()


def test_a_form_of_another_desk_is_404(admin_client, it_desk, hr_desk, desk_admin):
    leave = setup.save_form(actor=desk_admin, desk=hr_desk, name="Leave", fields=[
        {"label": "From", "kind": FormField.Kind.DATE}])
    url = reverse("desk:form_edit", args=[it_desk.group.slug, leave.pk])
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url, {"name": "Mine", **management(0)}).status_code == 404
    leave.refresh_from_db()
    assert leave.name == "Leave"
