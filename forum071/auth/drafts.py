"""A form sent after the session ended, kept through the login and sent again only by its writer.

Only the forms a member writes are kept (DRAFT_FORMS: a new thread, a reply, an edit, a pitch
update), and of each only its own fields; never a moderation or account action. The draft
rides in one signed hidden field of the login form (a session cookie is too small for a
32,000-character post), made only here from the refused POST, and bound to that browser's
session: a draft made elsewhere and planted with a cross-site POST to /auth/login is not
offered. After the login the person sees in words what goes where and sends it themselves,
from a page whose form carries their fresh session's own CSRF token; the target view then
checks everything again, as for any POST.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.routing import BuildError
from wtforms import Form, HiddenField, StringField
from wtforms.fields.core import UnboundField
from wtforms.widgets import HiddenInput

from ..extensions import db
from ..labels import localized
from ..models import Post, Project, Theme, Thread
from ..permissions import can_see_thread

DRAFT_FIELD = "draft"
_SALT = "forum071-login-draft"
# Long enough for a slow writer who logs in later, short enough that an old page is no use.
MAX_AGE_SECONDS = 24 * 3600
# Never carried, whatever a form calls its fields.
_SECRETS = frozenset({"csrf_token", "password", "confirm"})


def _draft_forms() -> dict[str, tuple[type[Form], ...]]:
    """The endpoints whose drafts are kept, and the forms whose fields they take.

    An edit keeps the member's fields only: a moderator's edit of someone else's post asks
    for its reason again after the login, typed then and there (it goes into the public log).
    """
    from ..pitches.forms import PitchUpdateForm
    from ..threads.forms import EditPostForm, NewThreadForm, ReplyForm

    return {
        "threads.create": (NewThreadForm,),
        "threads.reply": (ReplyForm,),
        "threads.edit_post": (EditPostForm,),
        "pitches.post_update": (PitchUpdateForm,),
    }


def _fields_of(endpoint: str) -> dict[str, UnboundField]:
    """The fields of the endpoint's forms, in the order the forms show them."""
    fields: dict[str, UnboundField] = {}
    for form_class in _draft_forms().get(endpoint, ()):
        for name in dir(form_class):
            unbound = getattr(form_class, name)
            if isinstance(unbound, UnboundField) and name not in _SECRETS:
                fields.setdefault(name, unbound)
    return dict(sorted(fields.items(), key=lambda item: item[1].creation_counter))


def _label(unbound: UnboundField) -> str:
    return str(unbound.args[0] if unbound.args else unbound.kwargs.get("label", ""))


def _is_typed_text(unbound: UnboundField) -> bool:
    """A field the person wrote in (title, message, ask), not a hidden one or a choice."""
    return (
        issubclass(unbound.field_class, StringField)
        and not issubclass(unbound.field_class, HiddenField)
        and not isinstance(unbound.kwargs.get("widget"), HiddenInput)
    )


@dataclass
class Draft:
    """A kept form: where it goes and what it holds, as the resume page shows it."""

    endpoint: str
    view_args: dict[str, Any]
    fields: dict[str, list[str]]
    token: str = ""
    where: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        return url_for(self.endpoint, **self.view_args)

    @property
    def texts(self) -> list[tuple[str, str]]:
        """What the person wrote, by the field's label."""
        kept = _fields_of(self.endpoint)
        return [
            (_label(kept[name]), value)
            for name, values in self.fields.items()
            if _is_typed_text(kept[name])
            for value in values
            if value.strip()
        ]

    @property
    def choices(self) -> list[tuple[str, str]]:
        """The fixed choices made (kind, stage, kind of input), in words."""
        kept = _fields_of(self.endpoint)
        shown = []
        for name, values in self.fields.items():
            choices = kept[name].kwargs.get("choices")
            if not choices:
                continue  # theme and projects: said in words by describe()
            labels = {choice.value: str(choice.label) for choice in choices}
            words = [labels[value] for value in values if value in labels]
            if words:
                shown.append((_label(kept[name]), ", ".join(words)))
        return shown


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def _browser_binding() -> str:
    """Names this browser's session without revealing its CSRF secret."""
    generate_csrf()  # makes the session's secret when there is none yet
    secret = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), "")
    return hashlib.sha256(f"{_SALT}:{secret}".encode()).hexdigest()


def _kept_fields(endpoint: str, form: Any) -> dict[str, list[str]]:
    return {name: form.getlist(name) for name in _fields_of(endpoint) if name in form}


def draft_of_this_request() -> Draft | None:
    """The form this refused POST carried, when it is one a member writes and holds text."""
    endpoint = request.endpoint or ""
    if request.method != "POST" or endpoint not in _draft_forms():
        return None
    draft = Draft(endpoint, dict(request.view_args or {}), _kept_fields(endpoint, request.form))
    if not draft.texts:
        return None
    payload = {"e": draft.endpoint, "a": draft.view_args, "f": draft.fields}
    draft.token = _serializer().dumps({**payload, "b": _browser_binding()})
    return draft


def carried_draft() -> Draft | None:
    """The draft in this login POST, if this server made it for this browser."""
    token = request.form.get(DRAFT_FIELD) if request.method == "POST" else None
    if not token:
        return None
    try:
        payload = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
        endpoint, view_args, fields = payload["e"], payload["a"], payload["f"]
        if payload["b"] != _browser_binding() or endpoint not in _draft_forms():
            return None
        draft = Draft(endpoint, dict(view_args), _kept_fields(endpoint, _Multi(fields)), token)
        draft.action  # noqa: B018 - an address the site still has
    except (BadSignature, KeyError, TypeError, ValueError, AttributeError, BuildError):
        return None
    return draft if draft.texts else None


class _Multi(dict):
    """The kept fields with the request form's getlist, so both are read alike."""

    def getlist(self, name: str) -> list[str]:
        return [str(value) for value in self.get(name) or ()]


def describe(draft: Draft, user: Any) -> Draft | None:
    """Say in words where the draft goes, for the person now logged in; None when that place
    is gone or not theirs to see."""
    where = _WHERE[draft.endpoint](draft, user)
    if where is None:
        return None
    draft.where = where
    return draft


def _visible_thread(thread_id: Any, user: Any) -> Thread | None:
    thread = db.session.get(Thread, int(thread_id))
    return thread if thread is not None and can_see_thread(user, thread) else None


def _new_thread(draft: Draft, user: Any) -> list[str]:
    theme_slug = (draft.fields.get("theme") or [""])[0]
    theme = db.session.scalar(select(Theme).where(Theme.slug == theme_slug))
    where = [
        _("A new thread in the theme “%(theme)s”", theme=localized(theme, "name"))
        if theme is not None
        else _("A new thread")
    ]
    slugs = draft.fields.get("projects") or []
    names = db.session.scalars(select(Project.name).where(Project.slug.in_(slugs))).all()
    if names:
        where.append(_("Linked to the projects: %(projects)s", projects=", ".join(names)))
    return where


def _reply(draft: Draft, user: Any) -> list[str] | None:
    thread = _visible_thread(draft.view_args["thread_id"], user)
    if thread is None:
        return None
    return [_("A reply in the thread “%(title)s”", title=thread.title)]


def _edit(draft: Draft, user: Any) -> list[str] | None:
    post = db.session.get(Post, int(draft.view_args["post_id"]))
    thread = _visible_thread(post.thread_id, user) if post is not None else None
    if thread is None:
        return None
    return [
        _(
            "A new version of post %(number)d in the thread “%(title)s”",
            number=post.number,
            title=thread.title,
        )
    ]


def _pitch_update(draft: Draft, user: Any) -> list[str] | None:
    thread = _visible_thread(draft.view_args["thread_id"], user)
    if thread is None:
        return None
    return [_("A progress update on the pitch “%(title)s”", title=thread.title)]


_WHERE = {
    "threads.create": _new_thread,
    "threads.reply": _reply,
    "threads.edit_post": _edit,
    "pitches.post_update": _pitch_update,
}
