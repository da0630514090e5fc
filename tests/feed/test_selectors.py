import io
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from feed import selectors, services
from feed.models import Post
from feed.selectors import FeedFilter, ReceiptStatus
from groups import services as group_services
from groups.models import Membership
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

Role = Membership.Role


def add(group, person, role=Role.MEMBER):
    return group_services.add_member(actor=group.created_by, group=group, user=person, role=role)


def ids(posts):
    return [post.id for post in posts]


def post(author, group, body="Hello", **extra):
    return services.create_post(author=author, group=group, body=body, **extra)


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "blue").save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue())


@pytest.fixture
def member(other_user, group):
    group_services.join_group(user=other_user, group=group)
    return other_user


@pytest.fixture
def pharmacy(staff_user):
    """A public group that neither ``user`` nor ``other_user`` belongs to."""
    return group_services.create_group(creator=staff_user, name="Pharmacie")


class Clock:
    """Creates posts a minute apart, so "newest first" is unambiguous."""

    def __init__(self):
        self.now = timezone.now()

    def post(self, *args, **kwargs):
        self.now += timedelta(minutes=1)
        with time_machine.travel(self.now, tick=False):
            return post(*args, **kwargs)


@pytest.fixture
def clock():
    return Clock()


# --- feed_for: whose posts, in which order --------------------------------------------------------

def test_feed_shows_only_posts_of_my_groups(user, member, group, private_group, pharmacy,
                                            staff_user, clock):
    mine = clock.post(user, group, "In my group")
    private = clock.post(user, private_group, "In my private group")
    clock.post(staff_user, pharmacy, "Public, but not my group")
    assert ids(selectors.feed_for(user).posts) == [private.id, mine.id]
    assert ids(selectors.feed_for(member).posts) == [mine.id]


def test_feed_is_newest_first(user, group, clock):
    first, second, third = (clock.post(user, group, f"Post {n}") for n in range(3))
    assert ids(selectors.feed_for(user).posts) == [third.id, second.id, first.id]


def test_guest_feed_shows_their_shared_group_only_while_it_is_open_to_them(user, guest, group,
                                                                            shared_group, clock):
    clock.post(user, group, "Internal")
    shared = clock.post(user, shared_group, "With the vendor")
    assert ids(selectors.feed_for(guest).posts) == [shared.id]
    group_services.update_group(actor=user, group=shared_group, allow_guests=False)
    assert selectors.feed_for(guest).posts == []


def test_a_removed_member_stops_seeing_the_group_posts_at_once(user, other_user, group,
                                                               private_group):
    add(private_group, other_user)
    group_services.join_group(user=other_user, group=group)
    private = post(user, private_group, "Internal")
    public = post(user, group, "Open")
    assert set(ids(selectors.feed_for(other_user).posts)) == {private.id, public.id}
    group_services.remove_member(actor=user, group=private_group, user=other_user)
    group_services.leave_group(user=other_user, group=group)
    assert selectors.feed_for(other_user).posts == []
    assert selectors.group_posts(other_user, private_group).posts == []
    assert selectors.post_with_details(other_user, private.id) is None


def test_inactive_and_anonymous_users_have_an_empty_feed(user, member, group):
    from django.contrib.auth.models import AnonymousUser

    post(user, group)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert selectors.feed_for(member).posts == []
    assert selectors.group_posts(AnonymousUser(), group).posts == []


# --- feed_for: the top of the first page ----------------------------------------------------------

@pytest.fixture
def group_admin(group):
    admin = make_user("nora.admin@hopital.example", "Nora Lambert")
    add(group, admin, Role.ADMIN)
    return admin


def test_top_shows_announcements_awaiting_acknowledgement_then_pinned_posts(
        user, member, group_admin, group, clock):
    older = clock.post(user, group, "Old")
    pinned = clock.post(member, group, "Planning")
    services.set_pinned(actor=group_admin, post=pinned, pinned=True)
    required = clock.post(group_admin, group, "Protocol", kind="announcement", requires_ack=True)
    just_read = clock.post(group_admin, group, "FYI", kind="announcement")
    newest = clock.post(user, group, "New")
    page = selectors.feed_for(member)
    assert ids(page.top) == [required.id, pinned.id]
    assert ids(page.posts) == [newest.id, just_read.id, older.id]
    # The author is not asked to acknowledge their own announcement.
    assert ids(selectors.feed_for(group_admin).top) == [pinned.id]


def test_an_acknowledged_announcement_leaves_the_top(user, member, group, clock):
    required = clock.post(user, group, "Protocol", kind="announcement", requires_ack=True)
    newer = clock.post(user, group, "Newer")
    assert ids(selectors.feed_for(member).top) == [required.id]
    assert selectors.awaiting_acknowledgement_count(member) == 1
    services.acknowledge(user=member, post=required)
    page = selectors.feed_for(member)
    assert page.top == []
    assert ids(page.posts) == [newer.id, required.id]
    assert selectors.awaiting_acknowledgement_count(member) == 0


def test_an_announcement_past_its_deadline_leaves_the_top(user, member, group):
    deadline = timezone.now() + timedelta(days=1)
    required = post(user, group, "Protocol", kind="announcement", requires_ack=True,
                    ack_deadline=deadline)
    assert ids(selectors.feed_for(member).top) == [required.id]
    with time_machine.travel(deadline + timedelta(seconds=1), tick=False):
        page = selectors.feed_for(member)
        assert page.top == []
        assert ids(page.posts) == [required.id]
        assert selectors.awaiting_acknowledgement_count(member) == 0


def test_someone_who_joins_later_is_asked_to_acknowledge_too(user, other_user, group):
    required = post(user, group, "Protocol", kind="announcement", requires_ack=True)
    assert selectors.awaiting_acknowledgement_count(other_user) == 0
    group_services.join_group(user=other_user, group=group)
    assert ids(selectors.feed_for(other_user).top) == [required.id]


def test_an_announcement_is_not_awaited_from_someone_who_left(user, member, group):
    post(user, group, "Protocol", kind="announcement", requires_ack=True)
    group_services.leave_group(user=member, group=group)
    assert selectors.awaiting_acknowledgement_count(member) == 0


# --- feed_for: filters ----------------------------------------------------------------------------

@pytest.fixture
def mixed(user, member, group, private_group, clock):
    """One post of every sort, by ``user``, in ``group`` unless told."""
    return {
        "post": clock.post(user, group, "Plain"),
        "announcement": clock.post(user, group, "Notice", kind="announcement"),
        "poll": clock.post(user, group, "", kind="poll", poll=services.PollSpec("Q?", ["a", "b"])),
        "mention": clock.post(user, group, "cc @Hugo Bernard"),
        "private": clock.post(user, private_group, "Elsewhere"),
    }


def test_announcements_filter(user, mixed):
    assert ids(selectors.feed_for(user, kind=FeedFilter.ANNOUNCEMENTS).posts) == [
        mixed["announcement"].id]


def test_polls_filter(user, mixed):
    assert ids(selectors.feed_for(user, kind=FeedFilter.POLLS).posts) == [mixed["poll"].id]


def test_mentions_filter_shows_posts_and_comments_that_mention_me(user, member, mixed):
    services.add_comment(author=user, post=mixed["post"], body="@Hugo Bernard look")
    assert ids(selectors.feed_for(member, kind=FeedFilter.MENTIONS).posts) == [
        mixed["mention"].id, mixed["post"].id]
    assert selectors.feed_for(user, kind=FeedFilter.MENTIONS).posts == []


def test_mentions_filter_keeps_pinned_posts_out_of_the_top(user, member, group, mixed):
    services.set_pinned(actor=user, post=mixed["post"], pinned=True)
    assert selectors.feed_for(member, kind=FeedFilter.MENTIONS).top == []


def test_group_filter(user, group, private_group, mixed):
    assert ids(selectors.feed_for(user, group=private_group).posts) == [mixed["private"].id]
    assert len(selectors.feed_for(user, group=group).posts) == 4


# --- feed_for: keyset pages -----------------------------------------------------------------------

def test_keyset_pages_are_disjoint_and_complete_across_equal_timestamps(user, group):
    moments = [timezone.now() + timedelta(minutes=n) for n in (1, 2, 3)]
    created = []
    for moment, count in zip(moments, (4, 5, 3), strict=True):
        with time_machine.travel(moment, tick=False):
            created += [post(user, group, f"Post at {moment:%H:%M} #{n}") for n in range(count)]
    assert len({p.created for p in created}) == 3
    expected = [p.id for p in sorted(created, key=lambda p: (p.created, p.id), reverse=True)]
    seen, cursor, pages = [], None, 0
    while True:
        page = selectors.feed_for(user, cursor=cursor, size=5)
        seen += ids(page.posts)
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == expected
    assert pages == 3


def test_the_last_full_page_has_no_next_cursor(user, group):
    for n in range(4):
        post(user, group, f"Post {n}")
    page = selectors.feed_for(user, size=4)
    assert len(page.posts) == 4 and page.next_cursor is None


def test_pinned_posts_are_shown_once_and_only_on_the_first_page(user, group, clock):
    pinned = clock.post(user, group, "Pinned")
    services.set_pinned(actor=user, post=pinned, pinned=True)
    for n in range(4):
        clock.post(user, group, f"Post {n}")
    first = selectors.feed_for(user, size=2)
    second = selectors.feed_for(user, size=2, cursor=first.next_cursor)
    assert ids(first.top) == [pinned.id]
    assert second.top == []
    assert pinned.id not in ids(first.posts) + ids(second.posts)
    assert len(ids(first.posts) + ids(second.posts)) == 4


@pytest.mark.parametrize("cursor", ["nonsense", "12", "abc.4", "1.x", "9" * 30 + ".1"])
def test_an_invalid_cursor_is_refused(user, group, cursor):
    post(user, group)
    with pytest.raises(ValidationError) as error:
        selectors.feed_for(user, cursor=cursor)
    assert "cursor" in error.value.message_dict


# --- group_posts ----------------------------------------------------------------------------------

def test_group_posts_of_a_public_group_are_shown_to_a_non_member(user, other_user, group, clock):
    first = clock.post(user, group, "One")
    second = clock.post(user, group, "Two")
    services.set_pinned(actor=user, post=first, pinned=True)
    page = selectors.group_posts(other_user, group)
    assert ids(page.top) == [first.id]
    assert ids(page.posts) == [second.id]


def test_group_posts_of_a_private_group_are_hidden_from_a_non_member(user, other_user, guest,
                                                                    private_group):
    hidden = post(user, private_group, "Internal")
    for outsider in (other_user, guest):
        page = selectors.group_posts(outsider, private_group)
        assert page.top == [] and page.posts == []
        assert not selectors.visible_posts(outsider).filter(id=hidden.id).exists()


def test_group_posts_show_awaiting_announcements_first_to_members(user, member, group, clock):
    required = clock.post(user, group, "Protocol", kind="announcement", requires_ack=True)
    newer = clock.post(user, group, "Newer")
    page = selectors.group_posts(member, group)
    assert (ids(page.top), ids(page.posts)) == ([required.id], [newer.id])


# --- polls ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("anonymous", [False, True])
def test_poll_voters_respects_the_anonymous_flag(user, member, group, anonymous):
    poll = post(user, group, "", kind="poll",
                poll=services.PollSpec("Q?", ["a", "b"], anonymous=anonymous)).poll
    first, _second = poll.options.all()
    services.vote(user=member, poll=poll, option_ids=[first.id])
    services.vote(user=user, poll=poll, option_ids=[first.id])
    expected = {} if anonymous else {first.id: ["Hugo Bernard", "Camille Martin"]}
    assert selectors.poll_voters(poll) == expected


def test_poll_results_and_my_votes_come_with_the_post(user, member, group):
    poll_post = post(user, group, "", kind="poll",
                     poll=services.PollSpec("Q?", ["a", "b"], multiple=True))
    first, second = poll_post.poll.options.all()
    services.vote(user=member, poll=poll_post.poll, option_ids=[first.id, second.id])
    services.vote(user=user, poll=poll_post.poll, option_ids=[first.id])
    shown = selectors.post_with_details(member, poll_post.id)
    assert [(o.label, o.vote_count) for o in shown.poll.options.all()] == [("a", 2), ("b", 1)]
    assert shown.poll.voter_count == 2
    assert sorted(v.option_id for v in shown.poll.my_votes) == [first.id, second.id]


# --- receipts -------------------------------------------------------------------------------------

@pytest.fixture
def ward(user, member, group):
    """``group`` with more readers: Léa (Urgences), Zoé (Cardiologie) and a leaver-to-be."""
    people = {
        "lea": make_user("lea.petit@hopital.example", "Léa Petit", department="Urgences"),
        "zoe": make_user("zoe.roux@hopital.example", "Zoé Roux", department="Cardiologie",
                         job_title="Cadre de santé"),
        "inactive": make_user("old@hopital.example", "Old Timer", department="Urgences"),
    }
    for person in people.values():
        add(group, person)
    people["inactive"].is_active = False
    people["inactive"].save(update_fields=["is_active"])
    return people


@pytest.fixture
def required(user, group, ward):
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        return post(user, group, "Protocol", kind="announcement", requires_ack=True)


def names(rows):
    return [row.user.display_name for row in rows]


def test_audience_excludes_the_author_and_inactive_users(required):
    assert names(selectors.receipt_rows(required)) == ["Hugo Bernard", "Léa Petit", "Zoé Roux"]
    assert selectors.receipt_counts(required)["audience"] == 3


def test_receipt_counts_follow_views_and_acknowledgements(required, member, ward):
    assert selectors.receipt_counts(required) == {
        "audience": 3, "seen": 0, "acknowledged": 0, "joined_later": 0,
        "seen_percent": 0, "acknowledged_percent": 0}
    services.record_views(user=member, post_ids=[required.id])
    services.acknowledge(user=ward["lea"], post=required)
    counts = selectors.receipt_counts(required)
    assert (counts["seen"], counts["acknowledged"]) == (2, 1)
    assert (counts["seen_percent"], counts["acknowledged_percent"]) == (67, 33)


def test_people_who_join_later_are_counted_and_flagged_apart(required, group):
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        late = make_user("late@hopital.example", "Aaron Late")
        group_services.join_group(user=late, group=group)
    rows = list(selectors.receipt_rows(required))
    assert names(rows) == ["Hugo Bernard", "Léa Petit", "Zoé Roux", "Aaron Late"]
    assert [row.joined_later for row in rows] == [False, False, False, True]
    counts = selectors.receipt_counts(required)
    assert (counts["audience"], counts["joined_later"]) == (4, 1)


def test_receipt_rows_carry_the_times(required, member):
    seen = timezone.now() + timedelta(minutes=2)
    with time_machine.travel(seen, tick=False):
        services.acknowledge(user=member, post=required)
    row = selectors.receipt_rows(required).get(user=member)
    assert (row.seen_at, row.acknowledged_at) == (seen, seen)


@pytest.mark.parametrize(("status", "expected"), [
    (ReceiptStatus.ALL, ["Hugo Bernard", "Léa Petit", "Zoé Roux"]),
    (ReceiptStatus.NOT_SEEN, ["Zoé Roux"]),
    (ReceiptStatus.SEEN, ["Hugo Bernard", "Léa Petit"]),
    (ReceiptStatus.NOT_ACKNOWLEDGED, ["Hugo Bernard", "Zoé Roux"]),
    (ReceiptStatus.ACKNOWLEDGED, ["Léa Petit"]),
])
def test_receipt_rows_filter_by_status(required, member, ward, status, expected):
    services.record_views(user=member, post_ids=[required.id])
    services.acknowledge(user=ward["lea"], post=required)
    assert names(selectors.receipt_rows(required, status=status)) == expected


def test_receipt_rows_filter_by_department_and_search(required):
    assert names(selectors.receipt_rows(required, department="Urgences")) == ["Léa Petit"]
    assert names(selectors.receipt_rows(required, query="cadre")) == ["Zoé Roux"]
    assert names(selectors.receipt_rows(required, query="hopital.example bernard")) == [
        "Hugo Bernard"]
    assert selectors.audience_departments(required) == ["Cardiologie", "Informatique",
                                                        "Urgences"]


def test_receipts_of_people_who_left_are_kept_apart(required, member, group):
    services.acknowledge(user=member, post=required)
    group_services.leave_group(user=member, group=group)
    assert "Hugo Bernard" not in names(selectors.receipt_rows(required))
    assert [r.user for r in selectors.former_readers(required)] == [member]


def test_not_yet_done_is_who_has_not_acknowledged_or_not_seen(user, group, required, member,
                                                               ward):
    services.record_views(user=member, post_ids=[required.id])
    assert names(selectors.not_yet_done(required)) == ["Hugo Bernard", "Léa Petit", "Zoé Roux"]
    read_only = post(user, group, "FYI", kind="announcement")
    services.record_views(user=member, post_ids=[read_only.id])
    assert names(selectors.not_yet_done(read_only)) == ["Léa Petit", "Zoé Roux"]


# --- the query-count guard ------------------------------------------------------------------------

def render_feed(viewer):
    """Touch everything a feed card shows, as the template does."""
    page = selectors.feed_for(viewer)
    shown = []
    for card in page.top + page.posts:
        shown.append((card.author.display_name, card.group.name, card.is_pinned))
        shown.append(selectors.reaction_summary(card, viewer))
        for comment in card.latest_comments:
            shown.append(comment.author.display_name)
            shown.extend(reply.author.display_name for reply in comment.replies.all())
        shown.extend(attachment.name for attachment in card.attachments.all())
        if card.kind == Post.Kind.POLL:
            shown.extend(option.vote_count for option in card.poll.options.all())
            shown.append((card.poll.voter_count, card.poll.my_votes))
        shown.append(card.my_receipts)
    return page


def populate(author, reader, group, count):
    """``count`` posts alternating rich posts with comments, replies, reactions and
    attachments, polls with votes and announcements with receipts; one pinned."""
    for n in range(count):
        if n % 3 == 1:
            card = post(author, group, "", kind="poll",
                        poll=services.PollSpec(f"Question {n}?", ["a", "b", "c"]))
            services.vote(user=reader, poll=card.poll, option_ids=[card.poll.options.first().id])
        elif n % 3 == 2:
            card = post(author, group, f"Notice {n}", kind="announcement")
            services.record_views(user=reader, post_ids=[card.id])
        else:
            card = post(author, group, f"Post {n} for @Hugo Bernard", attachments=[png(), png()])
        for c in range(3):
            comment = services.add_comment(author=reader, post=card, body=f"Comment {c}")
            services.add_comment(author=author, post=card, body="Reply", parent=comment)
        services.react(user=reader, post=card, emoji="👍")
        services.react(user=author, post=card, emoji="🎉")
        if n == 0:
            services.set_pinned(actor=author, post=card, pinned=True)
    post(author, group, "Awaiting", kind="announcement", requires_ack=True)


# A first feed page: my groups (1), the top ids (awaiting, pinned: 2), the page's ids (1), then
# the top and page posts together with their prefetches (posts, attachments, latest comments,
# replies, reactions, poll, options, my votes, my receipts: 9).
FEED_PAGE_QUERIES = 13


@pytest.mark.parametrize("count", [2, 20])
def test_feed_page_costs_a_constant_number_of_queries(user, member, group,
                                                      django_assert_num_queries, count):
    populate(user, member, group, count)
    with django_assert_num_queries(FEED_PAGE_QUERIES):
        page = render_feed(member)
    assert len(page.top) == 2
    assert len(page.posts) == count - 1


# Without polls, announcements or comments on the page: my groups, the top ids (2), the
# page's ids, the posts, their attachments and reactions.
PLAIN_PAGE_QUERIES = 7


def test_a_page_without_polls_announcements_or_comments_does_not_ask_for_them(
        user, member, group, django_assert_num_queries):
    for n in range(5):
        services.react(user=member, post=post(user, group, f"Plain {n}"), emoji="👍")
    with django_assert_num_queries(PLAIN_PAGE_QUERIES):
        page = render_feed(member)
    assert len(page.posts) == 5
    assert all(card.latest_comments == [] and card.my_receipts == [] for card in page.posts)
    # One comment, one poll, one announcement: each brings its own reads back, for that post.
    commented = page.posts[0]
    services.add_comment(author=member, post=commented, body="First!")
    post(user, group, "", kind="poll", poll=services.PollSpec("Lunch?", ["Yes", "No"]))
    post(user, group, "Read me", kind="announcement")
    with django_assert_num_queries(FEED_PAGE_QUERIES):
        page = render_feed(member)
    by_id = {card.id: card for card in page.posts}
    assert [c.body for c in by_id[commented.id].latest_comments] == ["First!"]
    assert [o.label for o in page.posts[1].poll.options.all()] == ["Yes", "No"]
    assert page.posts[0].my_receipts == []  # the announcement, not seen yet
