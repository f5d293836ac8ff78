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
from sqlalchemy import event

from forum071.extensions import db
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
