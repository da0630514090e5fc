"""Every write to tickets: filing a request, turning a message into a ticket, the agents'
changes, "me too", comments. Desk set-up lives in desk/setup.py, emoji routes in routing.py.

A ticket is a message in the desk's channel; its thread is the ticket's discussion, and every
change is told there too (in the organisation's language, as the log of the thread).
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from chat import services as chat
from chat.models import Message
from desk import events, permissions, selectors
from desk.models import (
    REOPEN_DAYS,
    Category,
    Desk,
    IntakeForm,
    MeToo,
    Priority,
    TargetTime,
    Ticket,
    TicketChange,
)
from network import rich_text
from network.realtime import group_stream, send_events_on_commit, user_stream
from notifications import services as notifications
from notifications.models import Notification

Status = Ticket.Status
TITLE_MAX = 200
# While a desk posts its own messages (a ticket's card, a change told in the thread), the chat
# hook must not treat them as requests or replies.
_posting = contextvars.ContextVar("desk_posting", default=False)


@contextmanager
def _desk_posting():
    token = _posting.set(True)
    try:
        yield
    finally:
        _posting.reset(token)


def ticket_url(ticket: Ticket) -> str:
    return reverse("desk:ticket", args=[ticket.desk.group.slug, ticket.number])


# --- Filing ----------------------------------------------------------------------------------

def _clean_title(title) -> str:
    title = " ".join(str(title or "").split())
    if not title:
        raise ValidationError({"title": _("Say in one line what you need.")})
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": _("The summary is too long: %(limit)s characters at "
                                          "most.") % {"limit": TITLE_MAX}})
    return title


def _clean_priority(desk: Desk, priority, category: Category | None) -> str:
    if category is not None and category.urgent:
        return Priority.URGENT
    if not desk.priorities_enabled or priority in (None, ""):
        return Priority.NORMAL
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Choose one of: %(choices)s.")
                               % {"choices": ", ".join(Priority.values)}})
    return priority


def _next_number(desk: Desk) -> int:
    locked = Desk.objects.select_for_update().get(pk=desk.pk)
    Desk.objects.filter(pk=desk.pk).update(next_number=F("next_number") + 1)
    return locked.next_number


def _set_due(ticket: Ticket) -> None:
    target = TargetTime.objects.filter(desk=ticket.desk, priority=ticket.priority).first()
    hours = selectors.hours_of(ticket.desk)
    due = lambda minutes: hours.add_minutes(ticket.created, minutes) if minutes else None  # noqa: E731
    ticket.first_response_due = due(target.first_response_minutes) if target else None
    ticket.resolution_due = due(target.resolution_minutes) if target else None


def _card(ticket: Ticket) -> str:
    """The Markdown of a ticket's message in the desk's channel."""
    lines = [f"**[{ticket.reference}]({ticket_url(ticket)})** {_escape(ticket.title)}"]
    for answer in ticket.answers:
        if answer.get("text") and answer.get("kind") != "file":
            text = _escape(answer["text"]).replace("\n", " ")
            lines.append(f"- **{_escape(answer['label'])}**: {text}")
    # A blank line before the list, or Markdown reads it as the title's text.
    return lines[0] + ("\n\n" + "\n".join(lines[1:]) if len(lines) > 1 else "")


def _escape(text: str) -> str:
    """Text typed in a form shown literally in the card's Markdown."""
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


def file_request(*, requester: User, desk: Desk, title: str, intake_form: IntakeForm | None = None,
                 answers: list[dict] | None = None, files=(), priority: str | None = None,
                 category: Category | None = None, source: str = Ticket.Source.FORM) -> Ticket:
    """File a request on ``desk``: the ticket, its card in the desk's channel (whose thread is
    its discussion), the agents told. ``answers`` come from desk.intake.RequestForm, which
    validates them. An urgent request goes to the desk's urgent desk when it has one."""
    permissions.check_can_file(requester, desk)
    title = _clean_title(title)
    if intake_form is not None and intake_form.desk_id != desk.id:
        raise ValidationError({"form": _("This form belongs to another desk.")})
    if intake_form is not None and category is None:
        category = intake_form.category
    if category is not None and (category.desk_id != desk.id or category.archived):
        raise ValidationError({"category": _("Choose one of this desk's categories.")})
    priority = _clean_priority(desk, priority, category)
    if (priority == Priority.URGENT and desk.urgent_desk_id
            and permissions.can_file(requester, desk.urgent_desk)):
        desk, category = desk.urgent_desk, None
    with transaction.atomic():
        ticket = Ticket(desk=desk, number=_next_number(desk), title=title, requester=requester,
                        priority=priority, category=category, form=intake_form,
                        answers=answers or [], source=source)
        _set_due(ticket)
        ticket.save()
        with _desk_posting():
            ticket.message, _new = chat.send_message(
                author=requester, conversation=chat.ensure_channel(desk.group),
                body=_card(ticket), attachments=files, checked_by_caller=True)
        ticket.save(update_fields=["message"])
        _announce_new(ticket)
    return ticket


def _announce_new(ticket: Ticket) -> None:
    desk = ticket.desk
    agent_ids = [a.user_id for a in selectors.agents_of(desk)]
    if ticket.priority == Priority.URGENT:
        notifications.notify(selectors.on_call_agent_ids(desk), Notification.Kind.TICKET,
                             _target(ticket), actor=ticket.requester, urgent=True)
    else:
        notifications.notify(agent_ids, Notification.Kind.TICKET, _target(ticket),
                             actor=ticket.requester)
    _send(ticket, events.ticket_created(ticket))


def ticket_from_message(*, actor: User, message: Message,
                        source: str = Ticket.Source.MESSAGE) -> Ticket:
    """Turn a message of a desk's channel into a ticket: the message is its card, its thread
    its discussion, its author the requester. An agent's action, or the desk's own when every
    message is a request."""
    conversation = message.conversation
    desk = selectors.desk_of_group(conversation.group_id) if conversation.is_channel else None
    if desk is None:
        raise ValidationError(_("Only a message of a desk's channel can become a ticket."))
    if source == Ticket.Source.MESSAGE:
        permissions.check_agent(actor, desk)
    if message.is_deleted or message.thread_root_id is not None:
        raise ValidationError(_("Only a message of the channel itself can become a ticket."))
    existing = Ticket.objects.filter(message=message).first()
    if existing is not None:
        return existing
    title = rich_text.plain_excerpt(message.body, length=TITLE_MAX) or _("Request")
    try:
        return _ticket_of_message(actor, desk, message, title, source)
    except IntegrityError:  # the same message made a ticket at the same moment elsewhere
        return Ticket.objects.get(message=message)


def _ticket_of_message(actor, desk, message, title, source) -> Ticket:
    with transaction.atomic():
        ticket = Ticket(desk=desk, number=_next_number(desk), title=title[:TITLE_MAX],
                        requester=message.author, message=message, source=source,
                        created=message.created)
        _set_due(ticket)
        ticket.save()
        _log(ticket, actor, _org_text(gettext_noop("opened this ticket: %(reference)s"),
                                       reference=ticket.reference))
        _announce_new(ticket)
    return ticket


def forwarded_ticket(*, actor: User, desk: Desk, source: Message) -> Ticket:
    """A ticket on ``desk`` for a message forwarded there by an emoji route (desk/routing.py).
    Its card quotes the source, shown only to those who can read it; its title says only who
    forwarded it, so the queue shows nothing of a message its readers may not see."""
    # The original author asked, if they may file there; otherwise the one who forwarded it
    # (a members-only desk must not gain a requester who cannot see it).
    author = source.author
    requester = (author if author and author.is_active and permissions.can_file(author, desk)
                 else actor)
    title = _org_text(gettext_noop("Request forwarded by %(name)s"), name=actor.display_name)
    with transaction.atomic():
        ticket = Ticket(desk=desk, number=_next_number(desk), title=title[:TITLE_MAX],
                        requester=requester, origin=source, source=Ticket.Source.FORWARD)
        _set_due(ticket)
        ticket.save()
        with _desk_posting():
            ticket.message = chat.forward_message(
                actor=actor, source=source, conversation=chat.ensure_channel(desk.group),
                note=_card(ticket), checked_by_caller=True)
        ticket.save(update_fields=["message"])
        _announce_new(ticket)
    return ticket


# --- Changes ---------------------------------------------------------------------------------

def _org_text(template: str, **values) -> str:
    """A line of the thread's log in the organisation's language."""
    with translation.override(settings.RELAIS_DEFAULT_LANGUAGE):
        return _(template) % values


def _log(ticket: Ticket, actor: User, text: str) -> None:
    if ticket.message_id is None:
        return
    with _desk_posting():
        chat.send_message(author=actor, conversation=ticket.message.conversation,
                          body=f"_{text}_", thread_root_id=ticket.message_id,
                          checked_by_caller=True)


def _label(field: str, value: str) -> str:
    with translation.override(settings.RELAIS_DEFAULT_LANGUAGE):
        if not value:
            return _("none")
        if field == TicketChange.Field.STATUS:
            return str(Status(value).label)
        if field == TicketChange.Field.PRIORITY:
            return str(Priority(value).label)
        if field == TicketChange.Field.CATEGORY:
            return str(Category.objects.filter(pk=value).values_list("name", flat=True).first()
                       or "?")
        return str(User.objects.filter(pk=value).values_list("display_name", flat=True).first()
                   or "?")


LOG_TEXTS = {
    TicketChange.Field.STATUS: gettext_noop("changed the status from %(old)s to %(new)s"),
    TicketChange.Field.PRIORITY: gettext_noop("changed the priority from %(old)s to %(new)s"),
    TicketChange.Field.CATEGORY: gettext_noop("changed the category from %(old)s to %(new)s"),
    TicketChange.Field.ASSIGNEE: gettext_noop("changed the assignee from %(old)s to %(new)s"),
}


def _apply_status(ticket: Ticket, status: str, now) -> None:
    ticket.status = status
    if status == Status.RESOLVED:
        ticket.resolved_at = ticket.resolved_at or now
    elif status == Status.CLOSED:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    else:
        ticket.resolved_at = ticket.closed_at = None
    # Answering by a change of status (asking the requester, resolving) is a response.
    if status != Status.NEW and status != Status.IN_PROGRESS and not ticket.first_response_at:
        ticket.first_response_at = now


def update_ticket(*, actor: User, ticket: Ticket, **changes) -> Ticket:
    """Agents change ``status``, ``priority``, ``category`` (a Category or None) and
    ``assignee`` (an agent or None). Each change is logged, told in the thread, and the people
    the ticket concerns are notified."""
    permissions.check_agent(actor, ticket.desk)
    unknown = set(changes) - {"status", "priority", "category", "assignee"}
    if unknown:
        raise ValidationError(_("Unknown field: %(fields)s.") % {"fields": ", ".join(unknown)})
    new_values = _validated(ticket, changes)
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("desk__group").get(
            pk=ticket.pk)
        done = []
        for field, value in new_values.items():
            old = _stored(ticket, field)
            if old == value:
                continue
            if field == "status":
                _apply_status(ticket, value, now)
            elif field == "priority":
                ticket.priority = value
                _set_due(ticket)
            elif field == "category":
                ticket.category_id = int(value) if value else None
            else:
                ticket.assignee_id = int(value) if value else None
            done.append(TicketChange(ticket=ticket, actor=actor, field=field, old=old, new=value,
                                     created=now))
        if not done:
            return ticket
        ticket.updated = now
        ticket.save()
        TicketChange.objects.bulk_create(done)
        for change in done:
            _log(ticket, actor, _org_text(LOG_TEXTS[change.field],
                                           old=_label(change.field, change.old),
                                           new=_label(change.field, change.new)))
        _after_change(ticket, actor, done)
    return ticket


def _stored(ticket: Ticket, field: str) -> str:
    value = {"status": ticket.status, "priority": ticket.priority,
             "category": ticket.category_id, "assignee": ticket.assignee_id}[field]
    return "" if value is None else str(value)


def _validated(ticket: Ticket, changes: dict) -> dict[str, str]:
    values = {}
    if "status" in changes:
        if changes["status"] not in Status.values:
            raise ValidationError({"status": _("Choose one of: %(choices)s.")
                                   % {"choices": ", ".join(Status.values)}})
        values["status"] = changes["status"]
    if "priority" in changes:
        if changes["priority"] not in Priority.values:
            raise ValidationError({"priority": _("Choose one of: %(choices)s.")
                                   % {"choices": ", ".join(Priority.values)}})
        values["priority"] = changes["priority"]
    if "category" in changes:
        category = changes["category"]
        if category is not None and (not isinstance(category, Category)
                                     or category.desk_id != ticket.desk_id):
            raise ValidationError({"category": _("Choose one of this desk's categories.")})
        values["category"] = str(category.pk) if category else ""
    if "assignee" in changes:
        assignee = changes["assignee"]
        if assignee is not None and not permissions.is_agent(assignee, ticket.desk):
            raise ValidationError({"assignee": _("Only the desk's agents can be assigned.")})
        values["assignee"] = str(assignee.pk) if assignee else ""
    return values


def _after_change(ticket: Ticket, actor: User, done: list[TicketChange]) -> None:
    fields = {change.field for change in done}
    concerned = _concerned(ticket) - {actor.id}
    if fields & {"status", "priority", "assignee"}:
        notifications.notify(concerned, Notification.Kind.TICKET, _target(ticket), actor=actor)
    if "priority" in fields and ticket.priority == Priority.URGENT and not ticket.assignee_id:
        notifications.notify(selectors.on_call_agent_ids(ticket.desk), Notification.Kind.TICKET,
                             _target(ticket), actor=actor, urgent=True)
    _send(ticket, events.ticket_updated(ticket))


def reopen(*, actor: User, ticket: Ticket) -> Ticket:
    """The requester (or an agent) reopens a resolved ticket within REOPEN_DAYS days."""
    if not permissions.can_reopen(actor, ticket):
        raise PermissionDenied(_("A resolved ticket can be reopened by its requester for "
                                 "%(days)s days.") % {"days": REOPEN_DAYS})
    now = timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("desk__group").get(
            pk=ticket.pk)
        if ticket.status != Status.RESOLVED:
            return ticket  # someone else reopened or changed it meanwhile
        old = ticket.status
        _apply_status(ticket, Status.IN_PROGRESS, now)
        ticket.updated = now
        ticket.save()
        TicketChange.objects.create(ticket=ticket, actor=actor, field="status", old=old,
                                    new=Status.IN_PROGRESS, created=now)
        _log(ticket, actor, _org_text(gettext_noop("reopened the ticket")))
        notifications.notify(_concerned(ticket) - {actor.id}, Notification.Kind.TICKET,
                             _target(ticket), actor=actor)
        _send(ticket, events.ticket_updated(ticket))
    return ticket


def bulk_assign(*, actor: User, desk: Desk, ticket_ids, assignee: User | None) -> int:
    """Assign several tickets of ``desk`` at once; returns how many changed."""
    permissions.check_agent(actor, desk)
    try:
        ids = {int(pk) for pk in ticket_ids}
    except (TypeError, ValueError):
        raise ValidationError({"tickets": _("Choose tickets of this desk.")}) from None
    changed = 0
    with transaction.atomic():
        for ticket in Ticket.objects.filter(desk=desk, id__in=ids).select_related("desk__group"):
            before = ticket.assignee_id
            ticket = update_ticket(actor=actor, ticket=ticket, assignee=assignee)
            changed += ticket.assignee_id != before
    return changed


# --- Discussion and followers ----------------------------------------------------------------

def comment(*, actor: User, ticket: Ticket, body: str, client_id: str = "",
            attachments=()) -> Message:
    """A reply in the ticket's thread, from its requester, a follower or an agent, whether or
    not they belong to the desk's group."""
    permissions.check_can_comment(actor, ticket)
    if ticket.message_id is None:  # imported history has no thread
        raise ValidationError({"body": _("This ticket has no discussion to reply to.")})
    message, _new = chat.send_message(author=actor, conversation=ticket.message.conversation,
                                      body=body, client_id=client_id,
                                      thread_root_id=ticket.message_id,
                                      attachments=attachments, checked_by_caller=True)
    return message


def me_too(*, user: User, ticket: Ticket, add: bool = True) -> Ticket:
    """Say the problem is yours too (or no longer): you follow the ticket and are counted."""
    if add and not permissions.can_say_me_too(user, ticket):
        raise PermissionDenied(_("You can add yourself to an open ticket someone else filed."))
    with transaction.atomic():
        if add:
            _row, changed = MeToo.objects.get_or_create(ticket=ticket, user=user)
        else:
            changed = bool(MeToo.objects.filter(ticket=ticket, user=user).delete()[0])
        if changed:
            # Counted in the database: two people adding themselves at once both count.
            Ticket.objects.filter(pk=ticket.pk).update(
                me_too_count=F("me_too_count") + (1 if add else -1))
            ticket.refresh_from_db(fields=["me_too_count"])
            if ticket.message_id:
                chat.follow_thread(user=user, root=ticket.message, follow=add)
            _send(ticket, events.ticket_updated(ticket))
    return ticket


def message_sent(message: Message) -> None:
    """chat's hook: a reply in a ticket's thread is the ticket's discussion; a message in a
    desk's channel that takes every message as a request becomes a ticket."""
    if _posting.get() or not message.conversation.is_channel:
        return
    root = message.thread_root
    if root is not None:
        ticket = selectors.ticket_of_message(root.id)
        if ticket is not None:
            _reply_in_ticket(ticket, message)
        return
    desk = selectors.desk_of(message.conversation.group)
    if (desk is not None and desk.every_message_is_request and message.forwarded_from_id is None
            and not permissions.is_agent(message.author, desk)):
        ticket_from_message(actor=message.author, message=message, source=Ticket.Source.CHANNEL)


def _reply_in_ticket(ticket: Ticket, message: Message) -> None:
    author, now = message.author, message.created
    rows = Ticket.objects.filter(pk=ticket.pk)
    # Conditional updates, not a save of what was read: an agent's change made at the same
    # moment is never overwritten.
    if author.id != ticket.requester_id and permissions.is_agent(author, ticket.desk):
        rows.filter(first_response_at__isnull=True).update(first_response_at=now)
    if author.id == ticket.requester_id and rows.filter(status=Status.WAITING).update(
            status=Status.IN_PROGRESS):
        TicketChange.objects.create(ticket=ticket, actor=author, field="status",
                                    old=Status.WAITING, new=Status.IN_PROGRESS, created=now)
    rows.update(updated=now)
    ticket.refresh_from_db(fields=["first_response_at", "status", "updated"])
    # Those who cannot see the desk's channel do not hear of the reply through chat's thread
    # notifications: the desk tells them.
    outsiders = _concerned(ticket) - set(
        selectors.people_who_see_group(ticket.desk.group, _concerned(ticket)))
    notifications.notify(outsiders - {author.id}, Notification.Kind.REPLY, _target(ticket),
                         actor=author)
    _send(ticket, events.ticket_updated(ticket))


# --- Shared ----------------------------------------------------------------------------------

def _concerned(ticket: Ticket) -> set[int]:
    """The requester, those who said "me too" and the assignee, while they may still see the
    ticket (an assignee removed from the desk's group, a requester removed from a members-only
    desk hear of it no more)."""
    people = set(MeToo.objects.filter(ticket=ticket).values_list("user_id", flat=True))
    people |= {ticket.requester_id, ticket.assignee_id}
    people.discard(None)
    return {person.id for person in User.objects.filter(id__in=people, is_active=True)
            if permissions.visible_tickets(person).filter(pk=ticket.pk).exists()}


def _target(ticket: Ticket) -> notifications.Target:
    # No group: a private desk's requester is not in its group; the desk chose the recipients.
    return notifications.Target(type="ticket", id=ticket.id, url=ticket_url(ticket),
                                title=f"{ticket.reference} {ticket.title}")


def _send(ticket: Ticket, event: dict) -> None:
    streams = {group_stream(ticket.desk.group_id)}
    streams |= {user_stream(uid) for uid in _concerned(ticket)}
    send_events_on_commit([(stream, event) for stream in sorted(streams)])


def overdue_since(ticket: Ticket, now=None) -> timedelta | None:
    now = now or timezone.now()
    dues = [d for d in (None if ticket.first_response_at else ticket.first_response_due,
                        ticket.resolution_due if ticket.is_open else None) if d]
    past = [now - d for d in dues if d < now]
    return max(past) if past else None
