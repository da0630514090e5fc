"""Every write to accounts: users, profiles, avatars, API tokens and invitations."""

from __future__ import annotations

import hashlib
import io
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts import search_index
from accounts.models import ApiToken, Invitation, User
from accounts.signals import user_activated
from network.links import absolute_url

PROFILE_FIELDS = ("display_name", "job_title", "department", "phone", "language", "time_zone")
SEARCHED_PROFILE_FIELDS = {"display_name", "job_title", "department"}
AVATAR_SIZE = 256
TOKEN_PREFIX = "rls"
# Writing last_used_at on every request would turn each API read into a write.
TOKEN_LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# --- Users -----------------------------------------------------------------------------------

def create_user(*, email: str, display_name: str, password: str | None = None,
                kind: str = User.Kind.MEMBER, is_staff: bool = False,
                invitation: Invitation | None = None, **profile) -> User:
    """Create an active account whose email is verified (provisioning, invitations)."""
    email = User.objects.normalize_email(email.strip()).lower()
    display_name = display_name.strip()
    if not display_name:
        raise ValidationError({"display_name": _("A display name is required.")})
    if kind == User.Kind.GUEST and is_staff:
        raise ValidationError(_("A guest cannot be an organisation admin."))
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this email address already exists.")})
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields: {sorted(unknown)}")
    with transaction.atomic():
        user = User(email=email, display_name=display_name, kind=kind, is_staff=is_staff,
                    **profile)
        user.set_password(password)  # None gives an unusable password
        user.full_clean(exclude=["password"])
        user.save()
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        activate_user(user, invitation=invitation)
    return user


def activate_user(user: User, *, invitation: Invitation | None = None) -> None:
    """Let dependent apps welcome a new account (all-staff group, invited group seats)."""
    if invitation is not None:
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    user_activated.send(sender=User, user=user, invitation=invitation)
    search_index.index_person(user)


def update_profile(*, user: User, **fields) -> User:
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(user, name, value.strip() if isinstance(value, str) else value)
    user.full_clean(exclude=["password", "avatar"])
    user.save(update_fields=list(fields))
    if set(fields) & SEARCHED_PROFILE_FIELDS:
        search_index.index_person(user)
    return user


def set_active(*, user: User, active: bool) -> User:
    """Deactivate an account (it can no longer sign in, and leaves the directory and search)
    or reactivate it."""
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
    search_index.index_person(user)
    return user


def set_avatar(*, user: User, upload) -> User:
    """Store a square, resized copy of an uploaded picture; the original is not kept."""
    limit = settings.RELAIS_LIMITS["avatar_bytes"]
    if upload.size > limit:
        raise ValidationError(
            _("The picture is too large (%(size)s MB at most).") % {"size": limit // 1_048_576}
        )
    try:
        with Image.open(upload) as image:
            image.load()
            square = ImageOps.fit(ImageOps.exif_transpose(image).convert("RGB"),
                                  (AVATAR_SIZE, AVATAR_SIZE))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError(_("This file is not a picture Relais can read.")) from None
    buffer = io.BytesIO()
    square.save(buffer, format="JPEG", quality=88)
    old_name = user.avatar.name if user.avatar else None
    user.avatar.save(f"{user.pk}-{secrets.token_hex(4)}.jpg", ContentFile(buffer.getvalue()),
                     save=True)
    if old_name:
        user.avatar.storage.delete(old_name)
    return user


def remove_avatar(*, user: User) -> User:
    if user.avatar:
        user.avatar.delete(save=True)
    return user


# --- API tokens ------------------------------------------------------------------------------

def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Return the token and its secret; the secret is shown once and never stored."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name, such as the script using it.")})
    if len(name) > 100:
        raise ValidationError({"name": _("The name is too long (100 characters at most).")})
    if not user.is_active:
        raise PermissionDenied(_("This account is not active."))
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, secret_hash=_hash(secret))
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


def revoke_api_token(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, id=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise ApiToken.DoesNotExist
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def authenticate_api_token(raw: str) -> User | None:
    """The active user a presented token belongs to, or None."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = (ApiToken.objects.select_related("user")
             .filter(prefix=parts[1], revoked_at__isnull=True).first())
    if token is None or not secrets.compare_digest(token.secret_hash, _hash(parts[2])):
        return None
    if not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Invitations -----------------------------------------------------------------------------

def create_invitation(*, inviter: User, email: str, kind: str = User.Kind.MEMBER,
                      request=None) -> Invitation:
    """Invite someone without an account; emails them a link to create one."""
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("This person already has an account.")})
    raw_token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email, kind=kind, token_hash=_hash(raw_token), invited_by=inviter,
        expires_at=timezone.now() + timedelta(days=settings.RELAIS_INVITATION_DAYS),
    )
    path = reverse("accounts:accept_invitation", args=[raw_token])
    link = request.build_absolute_uri(path) if request is not None else _absolute_url(path)
    transaction.on_commit(lambda: _send_invitation_email(invitation, inviter, link))
    return invitation


def _absolute_url(path: str) -> str:
    return absolute_url(path)


def _send_invitation_email(invitation: Invitation, inviter: User, link: str) -> None:
    with translation.override(inviter.language):
        context = {"invitation": invitation, "inviter": inviter, "link": link,
                   "organisation_name": settings.RELAIS_ORGANISATION_NAME}
        subject = _("%(name)s invites you to Relais") % {"name": inviter.display_name}
        body = render_to_string("accounts/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def find_usable_invitation(raw_token: str) -> Invitation | None:
    invitation = Invitation.objects.filter(token_hash=_hash(raw_token)).first()
    if invitation is None or not invitation.is_usable():
        return None
    return invitation
