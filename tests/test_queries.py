"""R15 query budget: each page runs the same few SQL statements with 1 item and with 30.

A page whose count grows with its items loads something per row (an N+1): fix the query
(eager loading in the list select), never this budget.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from flask import Flask
from sqlalchemy import event, func, select

from forum071.extensions import db
from forum071.models import Flag, ModerationAction, Notification, Post, Theme, Thread, User
from forum071.moderation import post_services
from forum071.moderation.services import log_action
from forum071.pitches.services import post_pitch_update
from forum071.questions import services as question_services
from forum071.threads import services as thread_services
from forum071.threads.services import edit_post
from tests.factories import PASSWORD

QUERY_BUDGET = 6
FEW, MANY = 1, 30
THEMES = ("circulaire-economie", "duurzame-mobiliteit", "retail", "smart071")
PROJECTS = ("masterclass-circulaire-economie", "smart071", "duurzame-mobiliteit",
            "bedrijventerreinen-leidse-regio")
ROLES = ("entrepreneur", "student", "official", "moderator", "admin")


@contextmanager
def statements_of(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app runs inside the block (PRAGMAs and savepoints left out)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@dataclass
class World:
    """Test data that grows one item at a time, every item with its own related rows."""

    make: object
    users: list[int] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)
    # Replies come from other members than the authors, so a lazily loaded last poster is
    # never already in the session's identity map (which would hide the extra query).
    repliers: list[int] = field(default_factory=list)
    thread_id: int | None = None
    _counter: Iterator[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        for role in ROLES:
            name = f"lid-{role}"
            self.usernames.append(name)
            self.users.append(
                self.make.user(name, role=role, organisation=f"Organisatie {role}")
            )
            self.repliers.append(self.make.user(f"reageerder-{role}", role=role))

    def someone(self, n: int) -> int:
        return self.users[n % len(self.users)]

    def replier(self, n: int) -> int:
        return self.repliers[n % len(self.repliers)]

    def add_thread(self, *, theme: str | None = None, project: str | None = None,
                   author: int | None = None) -> None:
        """A thread with a reply by someone else, so author and last poster differ per row."""
        n = next(self._counter)
        projects = tuple(dict.fromkeys(p for p in (project, PROJECTS[n % len(PROJECTS)]) if p))
        self.make.thread(
            author if author is not None else self.someone(n),
            theme=theme or THEMES[n % len(THEMES)],
            projects=projects,
            kind=("discussion", "pitch", "question")[n % 3],
            title=f"Onderwerp nummer {n}",
            replies=1,
            reply_author_id=self.replier(n),
        )

    def add_post(self) -> None:
        """A post in the one thread of this world (its opening post first)."""
        n = next(self._counter)
        if self.thread_id is None:
            self.thread_id = self.make.thread(
                self.users[0], theme="retail", projects=PROJECTS[:2], title="Een drukke draad"
            )
        else:
            self.make.reply(self.replier(n), self.thread_id, f"Reactie **{n}** met inhoud.")


@dataclass(frozen=True)
class Scenario:
    url: Callable[[World], str]
    add: Callable[[World], None]


SCENARIOS = {
    "front page": Scenario(lambda w: "/", lambda w: w.add_thread()),
    "theme page": Scenario(lambda w: "/themes/retail", lambda w: w.add_thread(theme="retail")),
    "project page": Scenario(lambda w: "/projects/smart071",
                             lambda w: w.add_thread(project="smart071")),
    "profile page": Scenario(lambda w: f"/users/{w.usernames[2]}",
                             lambda w: w.add_thread(author=w.users[2])),
    "thread page": Scenario(lambda w: f"/threads/{w.thread_id}-een-drukke-draad",
                            lambda w: w.add_post()),
    "api threads": Scenario(lambda w: "/api/v1/threads", lambda w: w.add_thread()),
    "api thread": Scenario(lambda w: f"/api/v1/threads/{w.thread_id}", lambda w: w.add_post()),
}


@pytest.fixture
def roomy_app(app_factory) -> Flask:
    """An app whose pages hold all 30 items, so one page shows them all."""
    return app_factory(THREADS_PER_PAGE=50, POSTS_PER_PAGE=50)


def count_for(app: Flask, client, url: str) -> tuple[int, list[str]]:
    with statements_of(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements), statements


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged-in"])
@pytest.mark.parametrize("page", list(SCENARIOS))
def test_page_runs_the_same_few_queries_with_1_and_with_30_items(
    roomy_app, make, page, logged_in
):
    scenario = SCENARIOS[page]
    world = World(make)
    client = roomy_app.test_client()
    if logged_in:
        response = client.post("/auth/login", data={"login": world.usernames[1],
                                                    "password": PASSWORD})
        assert response.status_code == 302
    for _ in range(FEW):
        scenario.add(world)
    url = scenario.url(world)
    few, few_statements = count_for(roomy_app, client, url)
    for _ in range(MANY - FEW):
        scenario.add(world)
    many, many_statements = count_for(roomy_app, client, url)
    body = client.get(url).get_data(as_text=True)
    assert body.count("Onderwerp nummer") >= MANY or body.count("Reactie") >= MANY - 1
    assert many == few, "\n".join(["with 1:", *few_statements, "with 30:", *many_statements])
    assert few <= QUERY_BUDGET, "\n".join(few_statements)


def test_count_queries_fixture_sees_the_front_page(client, count_queries):
    """The shared fixture and this module's counter agree on a plain page."""
    with count_queries() as counter:
        assert client.get("/").status_code == 200
    assert 1 <= counter.count <= QUERY_BUDGET


# Pitch updates, edit history, a profile's replies and accepted answers ------------------------


@dataclass
class Engagement:
    """Data for the pages of pitches, edit histories and profiles, all owned by users[0]."""

    world: World
    pitch_id: int | None = None
    post_id: int | None = None
    _counter: Iterator[int] = field(default_factory=itertools.count)

    @property
    def app(self) -> Flask:
        return self.world.make.app

    @property
    def owner(self) -> int:
        return self.world.users[0]

    def add_update(self) -> None:
        n = next(self._counter)
        if self.pitch_id is None:
            self.pitch_id = self.world.make.thread(
                self.owner, kind="pitch", projects=PROJECTS[:2], title="Een drukke pitch"
            )
            self.world.make.reply(self.world.replier(n), self.pitch_id, "Ik volg dit.")
        with self.app.app_context():
            post_pitch_update(
                db.session.get(User, self.owner), db.session.get(Thread, self.pitch_id),
                f"Voortgang **{n}**", ("in_development", "pilot")[n % 2], f"Vraag {n}",
                ["funding", "location"][: n % 3],
            )
            db.session.commit()

    def add_revision(self) -> None:
        n = next(self._counter)
        if self.post_id is None:
            thread_id = self.world.make.thread(self.owner, title="Een vaak bewerkt bericht")
            self.post_id = self.world.make.first_post_id(thread_id)
        with self.app.app_context():
            # Every other edit by a moderator, so the editors differ per version.
            editor = self.owner if n % 2 else self.world.users[3]
            edit_post(db.session.get(User, editor), db.session.get(Post, self.post_id),
                      f"Versie nummer {n}\n\nMet een vaste tweede alinea.", reason=f"Reden {n}")
            db.session.commit()

    def add_answer(self) -> None:
        """A question by someone else that the owner answers, the answer accepted."""
        n = next(self._counter)
        thread_id = self.world.make.thread(
            self.world.replier(n), kind="question", projects=(PROJECTS[n % len(PROJECTS)],),
            title=f"Vraag nummer {n}",
        )
        post_id = self.world.make.reply(self.owner, thread_id, f"Antwoord nummer {n}.")
        with self.app.app_context():
            db.session.get(Thread, thread_id).accepted_post_id = post_id
            db.session.commit()


@dataclass(frozen=True)
class EngagementScenario:
    url: Callable[[Engagement], str]
    add: Callable[[Engagement], None]
    marker: str  # appears once per item on the page


ENGAGEMENT_SCENARIOS = {
    "pitch page with updates": EngagementScenario(
        lambda e: f"/threads/{e.pitch_id}-een-drukke-pitch", Engagement.add_update,
        'class="timeline__entry" id="update-'),
    "edit history": EngagementScenario(
        lambda e: f"/posts/{e.post_id}/history", Engagement.add_revision, 'class="version" id='),
    "profile with replies and accepted answers": EngagementScenario(
        lambda e: f"/users/{e.world.usernames[0]}", Engagement.add_answer,
        '<span class="post-row__accepted">'),
}


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "owner"])
@pytest.mark.parametrize("page", list(ENGAGEMENT_SCENARIOS))
def test_engagement_page_runs_the_same_few_queries_with_1_and_with_30_items(
    roomy_app, make, page, logged_in
):
    scenario = ENGAGEMENT_SCENARIOS[page]
    engagement = Engagement(World(make))
    client = roomy_app.test_client()
    if logged_in:
        response = client.post("/auth/login", data={"login": engagement.world.usernames[0],
                                                    "password": PASSWORD})
        assert response.status_code == 302
    for _ in range(FEW):
        scenario.add(engagement)
    url = scenario.url(engagement)
    few, few_statements = count_for(roomy_app, client, url)
    for _ in range(MANY - FEW):
        scenario.add(engagement)
    many, many_statements = count_for(roomy_app, client, url)
    body = client.get(url).get_data(as_text=True)
    # Profiles show the latest 20 replies and accepted answers (each marked accepted twice).
    assert body.count(scenario.marker) >= 20
    assert many == few, "\n".join(["with 1:", *few_statements, "with 30:", *many_statements])
    assert few <= QUERY_BUDGET, "\n".join(few_statements)


# Engagement: supports on the thread page, and the notifications page --------------------------


def test_thread_page_with_supports_runs_the_same_few_queries_with_1_and_with_30_posts(
    roomy_app, make
):
    """Each post supported by the viewer and counted: still one query for all support states."""
    world = World(make)
    client = roomy_app.test_client()
    client.post("/auth/login", data={"login": world.usernames[1], "password": PASSWORD})

    def add_supported_post() -> None:
        world.add_post()
        with roomy_app.app_context():
            post_id = db.session.scalar(
                select(Post.id).where(Post.thread_id == world.thread_id)
                .order_by(Post.number.desc())
            )
        assert client.post(f"/posts/{post_id}/support").status_code == 303

    add_supported_post()
    url = f"/threads/{world.thread_id}-een-drukke-draad"
    few, few_statements = count_for(roomy_app, client, url)
    for _ in range(MANY - FEW):
        add_supported_post()
    many, many_statements = count_for(roomy_app, client, url)
    assert client.get(url).get_data(as_text=True).count('aria-pressed="true"') == MANY
    assert many == few, "\n".join(["with 1:", *few_statements, "with 30:", *many_statements])
    assert few <= QUERY_BUDGET, "\n".join(few_statements)


def test_notifications_page_runs_the_same_few_queries_with_1_and_with_30_notifications(
    app_factory, make
):
    """Every row has its own actor, thread and post; some are read, some are mentions."""
    app = app_factory(NOTIFICATIONS_PER_PAGE=50)
    world = World(make)
    reader = make.user("lezer")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post("/auth/login", data={"login": "lezer", "password": PASSWORD})
    assert client.post("/themes/retail/follow").status_code == 303
    counter = itertools.count()

    def add_notification() -> None:
        n = next(counter)
        if n % 2:
            world.add_thread(theme="retail")
        else:
            thread_id = make.thread(world.someone(n), theme="smart071", title=f"Onderwerp {n}")
            make.reply(world.replier(n), thread_id, f"Wat vind jij, @lezer? ({n})")
        if n % 3 == 0:
            with app.app_context():
                newest = db.session.scalar(
                    select(func.max(Notification.id)).where(Notification.user_id == reader)
                )
            assert client.post(f"/notifications/{newest}/read").status_code == 303

    add_notification()
    few, few_statements = count_for(app, client, "/notifications")
    for _ in range(MANY - FEW):
        add_notification()
    many, many_statements = count_for(app, client, "/notifications")
    page = client.get("/notifications").get_data(as_text=True)
    assert page.count('<li class="notification') == MANY
    assert "mentioned you" in page and "started" in page
    assert many == few, "\n".join(["with 1:", *few_statements, "with 30:", *many_statements])
    assert few <= QUERY_BUDGET, "\n".join(few_statements)


# Filtered lists, the open-questions box, and a closed question with its accepted answer ------


NO_OFFICIAL_ROLES = (0, 1, 3, 4)  # World.users / repliers indices of every role but official


def add_matching_thread(world: World, kind: str, *, theme: str | None = None,
                        project: str | None = None, accept: bool = False,
                        close: str | None = None) -> None:
    """A thread of one kind without officials, so every filter below keeps it."""
    n = next(world._counter)
    who = NO_OFFICIAL_ROLES[n % len(NO_OFFICIAL_ROLES)]
    thread_id = world.make.thread(
        world.users[who],
        theme=theme or THEMES[n % len(THEMES)],
        projects=tuple(dict.fromkeys(p for p in (project, PROJECTS[n % len(PROJECTS)]) if p)),
        kind=kind,
        title=f"Onderwerp nummer {n}",
        replies=1,
        reply_author_id=world.repliers[who],
    )
    app = world.make.app
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        author = db.session.get(User, thread.author_id)
        if accept:
            reply = db.session.scalar(
                select(Post).where(Post.thread_id == thread_id, Post.number == 2)
            )
            question_services.accept_answer(author, thread, reply)
        if close:
            question_services.close_thread(author, thread, close, f"Uitkomst {n}")
        db.session.commit()


FILTERED_SCENARIOS = {
    "front page, unanswered questions without officials": Scenario(
        lambda w: "/?kind=question&answered=false&no_official=true",
        lambda w: add_matching_thread(w, "question")),
    "theme page, pitches at a stage, with open questions": Scenario(
        lambda w: "/themes/retail?stage=pilot",
        lambda w: (add_matching_thread(w, "pitch", theme="retail", close="pilot"),
                   add_matching_thread(w, "question", theme="retail"))),
    "theme page, open questions only": Scenario(
        lambda w: "/themes/retail?kind=question&answered=false",
        lambda w: add_matching_thread(w, "question", theme="retail")),
    "project page, answered and closed questions": Scenario(
        lambda w: "/projects/smart071?answered=true",
        lambda w: (add_matching_thread(w, "question", project="smart071", accept=True,
                                       close="answered"),
                   add_matching_thread(w, "question", project="smart071"))),
    "api threads, filtered": Scenario(
        lambda w: "/api/v1/threads?answered=true&no_official=true",
        lambda w: add_matching_thread(w, "question", accept=True, close="answered")),
    "api threads, by stage": Scenario(
        lambda w: "/api/v1/threads?stage=idea",
        lambda w: add_matching_thread(w, "pitch")),
}


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged-in"])
@pytest.mark.parametrize("page", list(FILTERED_SCENARIOS))
def test_filtered_list_runs_the_same_few_queries_with_1_and_with_30_items(
    roomy_app, make, page, logged_in
):
    """A filter adds one COUNT; the open-questions box (1 or 5 questions) one query."""
    scenario = FILTERED_SCENARIOS[page]
    world = World(make)
    client = roomy_app.test_client()
    if logged_in:
        response = client.post("/auth/login", data={"login": world.usernames[1],
                                                    "password": PASSWORD})
        assert response.status_code == 302
    scenario.add(world)
    url = scenario.url(world)
    few, few_statements = count_for(roomy_app, client, url)
    for _ in range(MANY - FEW):
        scenario.add(world)
    many, many_statements = count_for(roomy_app, client, url)
    body = client.get(url).get_data(as_text=True)
    assert body.count("Onderwerp nummer") >= MANY
    assert many == few, "\n".join(["with 1:", *few_statements, "with 30:", *many_statements])
    assert few <= QUERY_BUDGET, "\n".join(few_statements)


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "asker"])
def test_closed_question_page_with_its_accepted_answer_runs_the_same_few_queries(
    roomy_app, make, logged_in
):
    """Outcome, summary, duplicate link and the accepted-answer box come with the thread."""
    world = World(make)
    original = make.thread(world.users[1], kind="question", title="De eerdere vraag")
    thread_id = make.thread(world.users[0], kind="question", theme="retail",
                            title="Een drukke vraag")
    client = roomy_app.test_client()
    if logged_in:
        response = client.post("/auth/login", data={"login": world.usernames[0],
                                                    "password": PASSWORD})
        assert response.status_code == 302

    def add_reply(n: int) -> None:
        make.reply(world.replier(n), thread_id, f"Reactie **{n}** met inhoud.")

    add_reply(0)
    with roomy_app.app_context():
        thread = db.session.get(Thread, thread_id)
        asker = db.session.get(User, world.users[0])
        reply = db.session.scalar(select(Post).where(Post.thread_id == thread_id,
                                                     Post.number == 2))
        question_services.accept_answer(asker, thread, reply)
        question_services.close_thread(asker, thread, "duplicate", "Zie de eerdere vraag",
                                       db.session.get(Thread, original))
        db.session.commit()
    url = f"/threads/{thread_id}-een-drukke-vraag"
    few, few_statements = count_for(roomy_app, client, url)
    for n in range(1, MANY):
        add_reply(n)
    many, many_statements = count_for(roomy_app, client, url)
    body = client.get(url).get_data(as_text=True)
    assert body.count("Reactie") >= MANY
    assert 'id="accepted-answer"' in body and "De eerdere vraag" in body
    assert many == few, "\n".join(["with 1:", *few_statements, "with 30:", *many_statements])
    assert few <= QUERY_BUDGET, "\n".join(few_statements)


# Moderation: the log (full and public) and a thread page full of flagged and hidden posts ----


LOG_ACTIONS = (("hide", "post"), ("lock", "thread"), ("suspend", "user"), ("auto_hide", "post"))


def add_log_entry(world: World) -> None:
    """One log entry by its own moderator (or by the system), on a post, thread or user."""
    n = next(world._counter)
    action, target_type = LOG_ACTIONS[n % len(LOG_ACTIONS)]
    moderator_id = None if action == "auto_hide" else world.make.user(
        f"moderator-{n}", role="moderator"
    )
    with world.make.app.app_context():
        moderator = db.session.get(User, moderator_id) if moderator_id else None
        log_action(moderator, action, target_type, n + 1, f"Doelwit nummer {n}",
                   f"Reden {n}", thread_id=n + 1)
        db.session.commit()


@pytest.mark.parametrize(
    ("url", "viewer", "shows_moderator"),
    [
        ("/moderation/log", 3, False),
        ("/moderation/log/public", None, False),
        ("/moderation/log/public", 1, True),
    ],
    ids=["full log, moderator", "public log, anonymous", "public log naming moderators"],
)
def test_moderation_log_runs_the_same_few_queries_with_1_and_with_30_entries(
    app_factory, make, url, viewer, shows_moderator
):
    app = app_factory(MODERATION_LOG_PER_PAGE=50, PUBLIC_LOG_SHOWS_MODERATOR=shows_moderator)
    world = World(make)
    client = app.test_client()
    if viewer is not None:
        response = client.post("/auth/login", data={"login": world.usernames[viewer],
                                                    "password": PASSWORD})
        assert response.status_code == 302
    add_log_entry(world)
    few, few_statements = count_for(app, client, url)
    for _ in range(MANY - FEW):
        add_log_entry(world)
    many, many_statements = count_for(app, client, url)
    body = client.get(url).get_data(as_text=True)
    assert body.count('class="moderation-log__entry"') == MANY
    assert ("moderator-1<" in body) == (url == "/moderation/log" or shows_moderator)
    with app.app_context():
        assert db.session.query(ModerationAction).count() == MANY
    assert many == few, "\n".join(["with 1:", *few_statements, "with 30:", *many_statements])
    assert few <= QUERY_BUDGET, "\n".join(few_statements)


@pytest.mark.parametrize("viewer", [3, 1], ids=["moderator", "member"])
def test_thread_page_with_flagged_hidden_and_deleted_posts_runs_the_same_few_queries(
    roomy_app, make, viewer
):
    """Flag counts, placeholders and moderator buttons come from the posts' own columns."""
    world = World(make)
    client = roomy_app.test_client()
    client.post("/auth/login", data={"login": world.usernames[viewer], "password": PASSWORD})
    moderator_id = world.users[3]

    def add_moderated_post() -> None:
        world.add_post()
        with roomy_app.app_context():
            post = db.session.scalar(
                select(Post).where(Post.thread_id == world.thread_id)
                .order_by(Post.number.desc())
            )
            moderator = db.session.get(User, moderator_id)
            flagger = db.session.get(User, world.users[(post.number + 1) % 3])
            if post.author_id != flagger.id:
                post_services.flag_post(flagger, post, "spam")
            if post.number % 3 == 1:
                post_services.hide_post(moderator, post, f"Reden {post.number}")
            elif post.number % 3 == 2:
                post_services.delete_post(moderator, post, f"Reden {post.number}")
            db.session.commit()

    add_moderated_post()
    url = f"/threads/{world.thread_id}-een-drukke-draad"
    few, few_statements = count_for(roomy_app, client, url)
    for _ in range(MANY - FEW):
        add_moderated_post()
    many, many_statements = count_for(roomy_app, client, url)
    body = client.get(url).get_data(as_text=True)
    assert body.count('class="post__notice post__notice--hidden"') == MANY // 3
    assert body.count('class="post__notice post__notice--deleted"') == MANY // 3
    assert many == few, "\n".join(["with 1:", *few_statements, "with 30:", *many_statements])
    assert few <= QUERY_BUDGET, "\n".join(few_statements)


# Pre-moderation: the review queue, and a thread page with replies that wait -------------------


@dataclass
class Queue:
    """Something in every section of the review queue, each item with its own author, thread
    and flaggers."""

    make: object
    thread_id: int | None = None
    _counter: Iterator[int] = field(default_factory=itertools.count)

    @property
    def app(self) -> Flask:
        return self.make.app

    def add(self) -> None:
        n = next(self._counter)
        owner = self.make.user(f"eigenaar-{n}")
        newcomer = self.make.user(f"nieuwkomer-{n}", organisation=f"Start-up {n}")
        thread_id = self.make.thread(owner, theme=THEMES[n % len(THEMES)],
                                     title=f"Onderwerp nummer {n}")
        flagged_id = self.make.reply(owner, thread_id, f"Reactie nummer {n} met reclame")
        flaggers = [self.make.user(f"melder-{n}-{i}") for i in range(2)]
        self.make.user(f"ambtenaar-{n}", role="official", organisation=f"Gemeente {n}")
        with self.app.app_context():
            author = db.session.get(User, newcomer)
            thread = db.session.get(Thread, thread_id)
            if n % 2:
                thread_services.post_reply(author, thread, f"Wachtende reactie {n}", pending=True)
            else:
                theme = db.session.scalar(select(Theme).where(Theme.slug == "retail"))
                thread_services.start_thread(author, "question", theme, [],
                                             f"Wachtende vraag {n}", "Wie weet het?",
                                             pending=True)
            for i, flagger in enumerate(flaggers):
                db.session.add(Flag(post_id=flagged_id, user_id=flagger,
                                    reason=("spam", "other")[i], note=f"Notitie {n}-{i}"))
            db.session.commit()


def test_review_queue_runs_the_same_few_queries_with_1_and_with_30_items(app_factory, make):
    """Waiting posts with thread and author history, flagged posts with their flags, officials:
    one count query for all sections and one query per section."""
    app = app_factory(QUEUE_PER_PAGE=50)
    make.user("moderator-queue", role="moderator")
    queue = Queue(make)
    client = app.test_client()
    client.post("/auth/login", data={"login": "moderator-queue", "password": PASSWORD})
    queue.add()
    few, few_statements = count_for(app, client, "/moderation/queue")
    for _ in range(MANY - FEW):
        queue.add()
    many, many_statements = count_for(app, client, "/moderation/queue")
    body = client.get("/moderation/queue").get_data(as_text=True)
    assert body.count('class="queue-item" id="queue-post-') == MANY
    assert body.count('class="queue-item" id="queue-flagged-') == MANY
    assert body.count('class="queue-item" id="queue-official-') == MANY
    assert body.count("Notitie ") == 2 * MANY
    assert many == few, "\n".join(["with 1:", *few_statements, "with 30:", *many_statements])
    assert few <= QUERY_BUDGET, "\n".join(few_statements)


@pytest.mark.parametrize("viewer", ["author", "moderator"])
def test_thread_page_with_waiting_replies_runs_the_same_few_queries(roomy_app, make, viewer):
    """The replies that wait come along with the page's posts, in the same query."""
    owner = make.user("draadeigenaar")
    newcomer = make.user("nieuwkomer")
    make.user("moderator-draad", role="moderator")
    thread_id = make.thread(owner, title="Een drukke draad", replies=2)
    client = roomy_app.test_client()
    login = "nieuwkomer" if viewer == "author" else "moderator-draad"
    client.post("/auth/login", data={"login": login, "password": PASSWORD})

    def add_waiting_reply() -> None:
        with roomy_app.app_context():
            thread_services.post_reply(db.session.get(User, newcomer),
                                       db.session.get(Thread, thread_id),
                                       "Een **wachtende** reactie.", pending=True)
            db.session.commit()

    add_waiting_reply()
    url = f"/threads/{thread_id}-een-drukke-draad"
    few, few_statements = count_for(roomy_app, client, url)
    for _ in range(MANY - FEW):
        add_waiting_reply()
    many, many_statements = count_for(roomy_app, client, url)
    body = client.get(url).get_data(as_text=True)
    assert body.count('id="post-pending-') == MANY
    assert many == few, "\n".join(["with 1:", *few_statements, "with 30:", *many_statements])
    assert few <= QUERY_BUDGET, "\n".join(few_statements)
