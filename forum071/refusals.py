"""What a member is told when the forum refuses what they sent: why, in words.

The decision is permissions.py's (a ``Refusal``); this module only says it. Views that refuse
a form show it again with what was typed and this message, never a bare 403.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_babel import format_date
from flask_babel import gettext as _

from .errors import error_response
from .models import Post, User
from .moderation.services import handled_last_by
from .permissions import Refusal, posting_refusal


def suspension_message(user: Any) -> str:
    """What a suspended member is told: until when, and why."""
    if user.suspended_until is None:
        return _("You are suspended permanently because: %(reason)s", reason=user.suspension_reason)
    return _(
        "You are suspended until %(date)s because: %(reason)s",
        date=format_date(user.suspended_until, "long"),
        reason=user.suspension_reason,
    )


def unconfirmed_message(user: Any) -> str:
    """What a member who has not confirmed their address yet is told where they would post."""
    return _(
        "Confirm your email address first: open the link we mailed to %(email)s. No mail? "
        "Send the link again with the button at the top of this page; we kept what you typed.",
        email=user.email,
    )


def posting_refusal_message(refusal: Refusal, user: Any) -> str:
    """Why this member may post nothing at all (permissions.posting_refusal)."""
    if refusal == Refusal.UNCONFIRMED:
        return unconfirmed_message(user)
    return suspension_message(user)


def refusal_message(refusal: Refusal, user: Any) -> str:
    """Why a reply (or another post) was not accepted."""
    if refusal in (Refusal.SUSPENDED, Refusal.UNCONFIRMED):
        return posting_refusal_message(refusal, user)
    if refusal == Refusal.CLOSED:
        return _("This thread is closed: it takes no new replies.")
    if refusal == Refusal.LOCKED:
        return _("This thread is locked by a moderator: it takes no new replies.")
    return _("This thread waits for a moderator's review: it takes no replies yet.")


def suspended_response(user: Any) -> Response:
    """A 403 page that tells a suspended (or unconfirmed) member why they cannot do this (no
    form to keep)."""
    refusal = posting_refusal(user)
    return error_response(403, posting_refusal_message(refusal, user) if refusal else None)


def already_handled_message(moderator: User, post: Post) -> str:
    """Who got to a post first: this moderator themselves (a second press) or another."""
    if handled_last_by(moderator, "post", post.id):
        return _("You already handled this post.")
    return _("This post was already handled by another moderator.")
