"""Who may do what: every route x every role, against an explicit table of expected outcomes.

The table (EXPECTED) names every (method, rule) of the app's url_map, so a new route without a
decision fails ``test_the_table_covers_every_route``. Each role gets one seeded world and one
logged-in client, and walks all routes in one test (actions change the world, so the order
is fixed and logging out comes last).

Outcomes: OK (the page or action: 2xx/3xx not to the login page, or a 409/422 that shows the
permission was granted and only the input was refused), LOGIN (asked to log in), 403, 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from forum071.auth.reset_services import password_reset_token
from forum071.extensions import db
from forum071.models import ContentState, Notification, Post, Role, Thread, User, utcnow
from tests.factories import PASSWORD

OK, LOGIN, FORBIDDEN, NOT_FOUND = "ok", "login", 403, 404

ROLES = (
    "anonymous",
    "student",
    "entrepreneur",  # the author of the world's threads, pitch and question
    "official",  # not verified
    "official_verified",
    "moderator",
    "admin",
    "suspended",  # a student
    "suspended_author",  # a suspended entrepreneur: their world's threads are their own
    "suspended_moderator",  # a suspended account has no powers at all, staff included
)
MEMBERS = ROLES[1:]
STAFF = ("moderator", "admin")
SUSPENDED = ("suspended", "suspended_author", "suspended_moderator")
# Who wrote the world's threads, pitch and question (and so gets its notification).
AUTHORS = ("entrepreneur", "suspended_author")

USERS = {
    "student": {"role": Role.STUDENT},
    "entrepreneur": {"role": Role.ENTREPRENEUR},
    "official": {"role": Role.OFFICIAL},
    "official_verified": {"role": Role.OFFICIAL, "official_verified": True},
    "moderator": {"role": Role.MODERATOR},
    "admin": {"role": Role.ADMIN},
    "suspended": {"role": Role.STUDENT},
    "suspended_author": {"role": Role.ENTREPRENEUR},
    "suspended_moderator": {"role": Role.MODERATOR},
}


def outcomes(default, **by_role) -> dict[str, object]:
    return {role: by_role.get(role, default) for role in ROLES}


def everyone() -> dict[str, object]:
    return outcomes(OK)


def members() -> dict[str, object]:
    """Any logged-in member, suspended too (reading, following, one's notifications)."""
    return outcomes(OK, anonymous=LOGIN)


def refused_when_suspended(default, **by_role) -> dict[str, object]:
    return outcomes(default, **{role: FORBIDDEN for role in SUSPENDED}, **by_role)


def posters() -> dict[str, object]:
    """Members who may write: a suspended member can read but not post."""
    return refused_when_suspended(OK, anonymous=LOGIN)


def staff() -> dict[str, object]:
    return outcomes(FORBIDDEN, anonymous=LOGIN, moderator=OK, admin=OK)


def admins() -> dict[str, object]:
    return outcomes(FORBIDDEN, anonymous=LOGIN, admin=OK)


def author_or_staff() -> dict[str, object]:
    return outcomes(FORBIDDEN, anonymous=LOGIN, entrepreneur=OK, moderator=OK, admin=OK)


def author_only() -> dict[str, object]:
    return outcomes(FORBIDDEN, anonymous=LOGIN, entrepreneur=OK)


def others_than_author(blocked=FORBIDDEN) -> dict[str, object]:
    """Support or flag someone else's post (the world's posts are the entrepreneur's)."""
    return refused_when_suspended(OK, anonymous=LOGIN, entrepreneur=blocked)


# (method, rule) -> outcome per role. The rule is the url_map's, so a new or renamed route
# must be decided here.
EXPECTED: dict[tuple[str, str], dict[str, object]] = {
    ("GET", "/"): everyone(),
    ("GET", "/static/<path:filename>"): everyone(),
    ("GET", "/healthz"): everyone(),
    ("GET", "/api/v1/projects"): everyone(),
    ("GET", "/api/v1/themes"): everyone(),
    ("GET", "/api/v1/threads"): everyone(),
    ("GET", "/api/v1/threads/<int:thread_id>"): everyone(),
    ("GET", "/api/v1/search"): everyone(),
    ("GET", "/search"): everyone(),
    ("GET", "/auth/login"): everyone(),  # members are sent on to the front page
    ("POST", "/auth/login"): everyone(),
    ("GET", "/auth/register"): everyone(),
    ("POST", "/auth/register"): everyone(),
    ("POST", "/auth/logout"): members(),
    # Forgot the password: for anyone (a member too may ask for a link); the token is valid.
    ("GET", "/auth/reset"): everyone(),
    ("POST", "/auth/reset"): everyone(),
    ("GET", "/auth/reset/sent"): everyone(),
    ("GET", "/auth/reset/<token>"): everyone(),
    ("POST", "/auth/reset/<token>"): everyone(),
    # Email confirmation: the walk's token is not a confirmation link, for anyone (400, the
    # "ask for a new link" page); sending the link again is for members.
    ("GET", "/auth/register/sent"): everyone(),
    ("GET", "/auth/confirm/<token>"): outcomes(400),
    ("POST", "/auth/confirm/resend"): members(),
    ("POST", "/language/<code>"): everyone(),
    ("GET", "/privacy"): everyone(),
    # One's own account: suspended members too (a password, their data, its deletion). The
    # only admin of the world may not delete their account (someone must grant roles).
    ("GET", "/account"): members(),
    ("POST", "/account/password"): members(),
    ("POST", "/account/language"): members(),
    ("POST", "/account/logout-everywhere"): members(),
    ("GET", "/account/export"): members(),
    ("GET", "/account/delete"): members(),
    ("POST", "/account/delete"): outcomes(OK, anonymous=LOGIN, admin=FORBIDDEN),
    ("GET", "/language/<code>"): everyone(),
    ("GET", "/themes/"): everyone(),
    ("GET", "/themes/<slug>"): everyone(),
    ("POST", "/themes/<theme_slug>/follow"): members(),
    ("POST", "/themes/<theme_slug>/unfollow"): members(),
    ("GET", "/projects/"): everyone(),
    ("GET", "/projects/<slug>"): everyone(),
    ("POST", "/projects/<project_slug>/follow"): members(),
    ("POST", "/projects/<project_slug>/unfollow"): members(),
    ("GET", "/threads/<int:thread_id>"): everyone(),
    # Atom feeds: public content only, the same for everyone.
    ("GET", "/feeds/latest.atom"): everyone(),
    ("GET", "/themes/<slug>/feed.atom"): everyone(),
    ("GET", "/projects/<slug>/feed.atom"): everyone(),
    ("GET", "/threads/<int:thread_id>/feed.atom"): everyone(),
    ("GET", "/threads/<int:thread_id>-<slug>"): everyone(),
    ("GET", "/threads/new"): posters(),
    ("POST", "/threads/new"): posters(),
    ("POST", "/threads/<int:thread_id>/reply"): posters(),
    ("POST", "/threads/<int:thread_id>/follow"): members(),
    ("POST", "/threads/<int:thread_id>/unfollow"): members(),
    ("POST", "/threads/<int:thread_id>/accept"): author_or_staff(),
    ("POST", "/threads/<int:thread_id>/unaccept"): author_or_staff(),
    ("GET", "/threads/<int:thread_id>/close"): author_or_staff(),
    ("POST", "/threads/<int:thread_id>/close"): author_or_staff(),
    ("POST", "/threads/<int:thread_id>/reopen"): author_or_staff(),
    ("GET", "/threads/<int:thread_id>/updates/new"): author_only(),
    ("POST", "/threads/<int:thread_id>/updates/new"): author_only(),
    ("GET", "/posts/<int:post_id>/edit"): author_or_staff(),
    ("POST", "/posts/<int:post_id>/edit"): author_or_staff(),
    ("GET", "/posts/<int:post_id>/history"): everyone(),
    ("POST", "/posts/<int:post_id>/support"): others_than_author(),
    ("POST", "/posts/<int:post_id>/unsupport"): others_than_author(),
    ("POST", "/posts/<int:post_id>/flag"): others_than_author(),
    ("GET", "/notifications"): members(),
    ("POST", "/notifications/read"): members(),
    # The world's notification is the entrepreneur's; someone else's is not found.
    ("POST", "/notifications/<int:notification_id>/read"): outcomes(
        NOT_FOUND, anonymous=LOGIN, entrepreneur=OK, suspended_author=OK
    ),
    ("GET", "/users/<username>"): everyone(),
    ("GET", "/users/<username>/edit"): outcomes(FORBIDDEN, anonymous=LOGIN, entrepreneur=OK),
    ("POST", "/users/<username>/edit"): outcomes(FORBIDDEN, anonymous=LOGIN, entrepreneur=OK),
    # Moderation.
    ("GET", "/moderation/queue"): staff(),
    ("GET", "/moderation/log"): staff(),
    ("GET", "/moderation/log/public"): everyone(),
    ("POST", "/moderation/posts/<int:post_id>/approve"): staff(),
    ("POST", "/moderation/posts/<int:post_id>/reject"): staff(),
    ("POST", "/moderation/posts/<int:post_id>/hide"): staff(),
    ("POST", "/moderation/posts/<int:post_id>/unhide"): staff(),
    ("POST", "/moderation/posts/<int:post_id>/delete"): staff(),
    ("POST", "/moderation/posts/<int:post_id>/dismiss"): staff(),
    ("POST", "/moderation/threads/<int:thread_id>/lock"): staff(),
    ("POST", "/moderation/threads/<int:thread_id>/unlock"): staff(),
    ("POST", "/moderation/threads/<int:thread_id>/pin"): staff(),
    ("POST", "/moderation/threads/<int:thread_id>/unpin"): staff(),
    ("GET", "/moderation/threads/<int:thread_id>/move"): staff(),
    ("POST", "/moderation/threads/<int:thread_id>/move"): staff(),
    ("GET", "/moderation/threads/<int:thread_id>/merge"): staff(),
    ("POST", "/moderation/threads/<int:thread_id>/merge"): staff(),
    ("GET", "/moderation/threads/<int:thread_id>/split"): staff(),
    ("POST", "/moderation/threads/<int:thread_id>/split"): staff(),
    ("GET", "/moderation/users/<username>"): staff(),
    ("POST", "/moderation/users/<username>/verify"): staff(),
    ("POST", "/moderation/users/<username>/suspend"): staff(),
    ("POST", "/moderation/users/<username>/unsuspend"): staff(),
    ("POST", "/moderation/users/<username>/remove-content"): staff(),
    ("POST", "/moderation/users/<username>/role"): admins(),
}

# The interface for scripted clients: these must exist (checked separately, so a
# missing one is named instead of crashing the walk).
INTERFACE = (
    ("GET", "/moderation/queue"),
    ("GET", "/moderation/log"),
    ("GET", "/moderation/log/public"),
    ("POST", "/posts/<int:post_id>/flag"),
    *(
        ("POST", f"/moderation/posts/<int:post_id>/{action}")
        for action in ("approve", "reject", "hide", "unhide", "delete")
    ),
    *(
        ("POST", f"/moderation/threads/<int:thread_id>/{action}")
        for action in ("lock", "unlock", "pin", "unpin", "move", "merge")
    ),
    *(
        ("POST", f"/moderation/users/<username>/{action}")
        for action in ("verify", "suspend", "unsuspend")
    ),
)

# Requests whose effect would spoil the rest of the walk go last.
LAST = ("/auth/logout", "/account/logout-everywhere")


def routes(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((method, rule.rule))
    return found


@dataclass
class World:
    thread_id: int  # the entrepreneur's question, open, with a reply by the student
    reply_id: int
    closed_id: int  # the entrepreneur's question, closed (for reopen)
    to_close_id: int  # the entrepreneur's question, open (for close)
    pitch_id: int
    notification_id: int
    target_post_id: int  # moderated by the moderation routes
    target_thread_id: int
    target_username: str
    usernames: dict[str, str]
    author_role: str

    def form(self, rule: str) -> dict[str, object]:
        """What the request sends besides the CSRF token: mostly nothing, so that actions
        that need input are refused as invalid (409/422) once permission is granted."""
        if rule.endswith("/accept"):
            return {"post_id": self.reply_id}
        return {}

    def values(self, rule: str) -> dict[str, object]:
        thread_id = self.thread_id
        if "/updates/" in rule:
            thread_id = self.pitch_id
        elif rule.endswith("/reopen"):
            thread_id = self.closed_id
        elif rule.endswith("/close"):
            thread_id = self.to_close_id
        elif rule.startswith("/moderation/threads/"):
            thread_id = self.target_thread_id
        # Member routes on posts act on the entrepreneur's opening post.
        post_id = (
            self.target_post_id if rule.startswith("/moderation/posts/") else self.opening_post_id
        )
        username = (
            self.target_username
            if rule.startswith("/moderation/users/")
            else self.usernames[self.author_role]
        )
        slug = "x"  # a thread's wrong slug redirects to the right one
        if rule.startswith("/themes/"):
            slug = "circulaire-economie"
        elif rule.startswith("/projects/"):
            slug = "smart071"
        return {
            "thread_id": thread_id,
            "post_id": post_id,
            "slug": slug,
            "code": "en",
            "filename": "css/forum071.css",
            "theme_slug": "circulaire-economie",
            "project_slug": "smart071",
            "notification_id": self.notification_id,
            "username": username,
            "token": self.reset_token,
        }

    opening_post_id: int = 0
    reset_token: str = ""  # a valid password reset link's token for the author


def build_world(app: Flask, make, author_role: str = "entrepreneur") -> World:
    """The world every role walks; its threads are author_role's (the entrepreneur's, or a
    suspended author's to see what a suspended member may still do with their own)."""
    usernames = {}
    for role, fields in USERS.items():
        username = f"lid_{role}"
        make.user(username, **fields)
        usernames[role] = username
    with app.app_context():
        for role in SUSPENDED:
            suspended = db.session.scalar(select(User).where(User.username == usernames[role]))
            suspended.suspended_at = utcnow()
            suspended.suspended_until = None
            suspended.suspension_reason = "Spam"
        db.session.commit()
        ids = {
            role: db.session.scalar(select(User.id).where(User.username == username))
            for role, username in usernames.items()
        }
    author = ids[author_role]
    thread_id = make.thread(author, kind="question", projects=("smart071",))
    reply_id = make.reply(ids["student"], thread_id, "Probeer het eens bij de gemeente.")
    closed_id = make.thread(author, kind="question", title="Een gesloten vraag")
    to_close_id = make.thread(author, kind="question", title="Een vraag om te sluiten")
    pitch_id = make.thread(author, kind="pitch", title="Een pitch om bij te werken")
    target_id = make.user("doelwit", role=Role.OFFICIAL)
    with app.app_context():
        closed = db.session.get(Thread, closed_id)
        closed.closed_at = utcnow()
        closed.outcome = "answered"
        db.session.commit()
    target_thread_id = make.thread(target_id, title="Een onderwerp om te modereren", replies=1)
    with app.app_context():
        target_post_id = db.session.scalar(
            select(Post.id).where(Post.thread_id == target_thread_id, Post.number == 2)
        )
        notification_id = db.session.scalar(
            select(Notification.id).where(Notification.user_id == author)
        )
    assert notification_id is not None
    world = World(
        thread_id,
        reply_id,
        closed_id,
        to_close_id,
        pitch_id,
        notification_id,
        target_post_id,
        target_thread_id,
        "doelwit",
        usernames,
        author_role,
    )
    world.opening_post_id = make.first_post_id(thread_id)
    with app.test_request_context():
        author = db.session.scalar(select(User).where(User.username == usernames[author_role]))
        world.reset_token = password_reset_token(author)
    return world


def outcome_of(response) -> object:
    status = response.status_code
    location = response.headers.get("Location", "")
    if status == 401 or (300 <= status < 400 and urlsplit(location).path == "/auth/login"):
        return LOGIN
    if status in (400, 403, 404):
        return status
    if status < 400 or status in (409, 422):
        return OK
    return f"unexpected {status}"


def test_the_table_covers_every_route(app):
    found = routes(app)
    missing = sorted(found - EXPECTED.keys())
    stale = sorted(EXPECTED.keys() - found)
    assert not missing, f"routes without a permission decision in EXPECTED: {missing}"
    assert not stale, f"EXPECTED names routes the app does not have: {stale}"


@pytest.mark.parametrize(("method", "rule"), INTERFACE, ids=" ".join)
def test_the_moderation_interface_exists(app, method, rule):
    assert (method, rule) in routes(app), f"{method} {rule} (issue 4 interface) is missing"


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_role(app, make, role):
    world = build_world(app, make, role if role in AUTHORS else "entrepreneur")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    def log_in() -> str:
        if role != "anonymous":
            response = client.post(
                "/auth/login", data={"login": world.usernames[role], "password": PASSWORD}
            )
            assert response.status_code == 302, f"{role} could not log in"
        return client.csrf_token()

    token = log_in()
    found = routes(app)
    order = sorted(
        found & EXPECTED.keys(), key=lambda item: (item[1] in LAST, item[0] == "POST", item[1])
    )
    mismatches = []
    ended = False
    for method, rule_text in order:
        if rule_text in LAST:
            # Each of these ends the session: the next one starts from a new login.
            if ended:
                token = log_in()
            ended = True
        rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_text)
        _, path = rule.build(
            {name: world.values(rule_text)[name] for name in rule.arguments},
            append_unknown=False,
        )
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data={"csrf_token": token, **world.form(rule_text)})
        got = outcome_of(response)
        response.close()
        expected = EXPECTED[(method, rule_text)][role]
        if got != expected:
            mismatches.append(f"{method} {path}: expected {expected}, got {got}")
    assert not mismatches, f"{role}:\n" + "\n".join(mismatches)


# Hidden content --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_pending_and_deleted_threads_are_not_found_for_others(app, make, role):
    world = build_world(app, make)
    pending_id = make.thread(make.user("nieuweling"), title="Een onderwerp dat wacht")
    with app.app_context():
        for thread_id, state in (
            (pending_id, ContentState.PENDING),
            (world.target_thread_id, ContentState.DELETED),
        ):
            thread = db.session.get(Thread, thread_id)
            thread.state = state
            for post in db.session.scalars(select(Post).where(Post.thread_id == thread_id)):
                post.state = state
        db.session.commit()
    client = app.test_client()
    if role != "anonymous":
        client.post("/auth/login", data={"login": world.usernames[role], "password": PASSWORD})
    expected = OK if role in STAFF else NOT_FOUND
    for thread_id in (pending_id, world.target_thread_id):
        assert outcome_of(client.get(f"/threads/{thread_id}")) == expected, (role, thread_id)
        assert outcome_of(client.get(f"/api/v1/threads/{thread_id}")) == NOT_FOUND, role
