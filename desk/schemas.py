"""The shapes of the desk API (/api/v1/desks, /api/v1/tickets): what goes in and what comes
out (docs/desks.md, "API")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from chat.schemas import BIGINT_MAX, Id, MessageOut, PersonRef, Text
from desk.services import ticket_url

__all__ = ["BIGINT_MAX", "Id", "MessageOut", "Text"]


# --- Out -------------------------------------------------------------------------------------

class DeskOut(Schema):
    slug: str
    name: str
    prefix: str = Field(description="Ticket numbers read <prefix>-<number>: IT-1042.")
    intake: str = Field(description="Who may file: staff (every staff member) or members "
                                    "(the group's members).")
    is_agent: bool = Field(description="Whether you answer requests on this desk.")
    open_count: int = Field(description="Tickets not resolved or closed.")


class DeskList(Schema):
    items: list[DeskOut]


class CategoryOut(Schema):
    id: int
    name: str
    urgent: bool = Field(description="A request in this category is urgent whatever the "
                                     "requester chose.")


class FieldOut(Schema):
    id: int
    key: str = Field(description="The name of this field in a request's answers "
                                 "(`field_12`); its id works too.")
    label: str
    kind: str = Field(description="short_text, long_text, single_choice, multiple_choice, "
                                  "yes_no, date, number, person or file (not over the API).")
    required: bool
    help_text: str
    choices: list[str]


class FormOut(Schema):
    id: int
    name: str
    description: str
    category_id: int | None = Field(description="Requests through this form get this "
                                                "category.")
    fields: list[FieldOut]


class AgentOut(Schema):
    id: int
    display_name: str
    on_call: bool


class DeskDetailOut(DeskOut):
    priorities_enabled: bool = Field(description="Whether requesters choose a priority.")
    priorities: list[str]
    can_file: bool = Field(description="Whether you may file a request here.")
    categories: list[CategoryOut]
    forms: list[FormOut] = Field(description="The forms offered to requesters.")
    agents: list[AgentOut] | None = Field(description="The desk's agents; null unless you are "
                                                      "one of them.")


class CategoryRef(Schema):
    id: int
    name: str


class AnswerOut(Schema):
    field: int | None
    label: str
    kind: str
    value: Any = Field(description="The stored value (text, list, date as YYYY-MM-DD, number "
                                   "as text, person id, file name).")
    text: str = Field(description="The answer as the ticket shows it.")


class OriginOut(Schema):
    """The message a ticket was opened from."""

    message_id: int
    conversation_id: int
    author: PersonRef | None
    body: str
    created: datetime


class TicketOut(Schema):
    id: int
    reference: str = Field(description="IT-1042.")
    number: int
    desk: str = Field(description="The desk's slug.")
    title: str
    status: str
    priority: str
    category: CategoryRef | None
    requester: PersonRef | None
    assignee: PersonRef | None
    source: str
    me_too_count: int
    message_id: int | None = Field(description="The ticket's message in the desk's channel; "
                                               "its thread is the ticket's discussion.")
    url: str
    created: datetime
    updated: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    first_response_due: datetime | None
    resolution_due: datetime | None

    @staticmethod
    def resolve_desk(ticket):
        return ticket.desk.group.slug

    @staticmethod
    def resolve_url(ticket):
        return ticket_url(ticket)


class TicketList(Schema):
    items: list[TicketOut]
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page; null "
                                                "on the last one.")


class TicketDetailOut(TicketOut):
    answers: list[AnswerOut]
    origin: OriginOut | None = Field(description="The message the ticket was opened from; null "
                                                 "when there is none or you cannot read it.")
    origin_hidden: bool = Field(description="True when the ticket quotes a message you cannot "
                                            "read.")
    is_agent: bool
    can_comment: bool
    can_reopen: bool
    me_too: bool = Field(description="Whether you said \"me too\".")

    # desk.api sets the viewer's view of the ticket on it before it goes out.
    @staticmethod
    def resolve_origin(ticket):
        return ticket.origin_out

    @staticmethod
    def resolve_is_agent(ticket):
        return ticket.viewer_is_agent

    @staticmethod
    def resolve_can_comment(ticket):
        return ticket.viewer_can_comment

    @staticmethod
    def resolve_can_reopen(ticket):
        return ticket.viewer_can_reopen

    @staticmethod
    def resolve_me_too(ticket):
        return ticket.viewer_me_too


class CommentCreatedOut(Schema):
    id: int = Field(description="The reply's message id.")
    thread_root_id: int
    created: datetime


class CommentList(Schema):
    items: list[MessageOut]


class MeTooOut(Schema):
    me_too: bool
    me_too_count: int


# --- In --------------------------------------------------------------------------------------

class RequestIn(Schema):
    title: Text
    form: Id | None = Field(None, description="One of the desk's forms (GET /desks/{slug}).")
    priority: Text | None = Field(None, description="low, normal, high or urgent (when the desk "
                                                    "lets requesters choose).")
    category: Id | None = None
    answers: dict[str, Any] = Field(default_factory=dict,
                                    description="The form's answers by field key (`field_12`) "
                                                "or id (`12`).")
    description: str | None = Field(None, description="A request without a form: what "
                                                       "happens, in the requester's words.")


class TicketPatch(Schema):
    status: Text | None = None
    priority: Text | None = None
    category: Id | None = Field(None, description="A category id; null for none.")
    assignee: Id | None = Field(None, description="An agent's user id; null for nobody.")


class CommentIn(Schema):
    body: Text
    client_id: Text | None = Field(None, description="Your own id for this reply: a retry with "
                                                     "it returns the stored reply.")
