"""Full-text search (issue 5): the query language, facets, ranking, visibility, the index kept in
step with every write, hostile input and the query budget; on SQLite and PostgreSQL alike."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict

from forum071.extensions import db
from forum071.models import ContentState, Post, Role, Thread, User, utcnow
from forum071.moderation import thread_services as moderation
from forum071.rendering import SNIPPET_END, SNIPPET_START, highlighted_snippet
from forum071.search.query import (
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    fts5_match,
    normalise_term,
    parse_query,
    read_request,
)
from forum071.threads import services as thread_services

EN = {"Accept-Language": "en"}
QUERY_BUDGET = 6
RESULT = re.compile(r'<li class="search-result">.*?<a href="([^"]+)">(.*?)</a>', re.S)
SNIPPET = re.compile(r'<p class="search-result__snippet">(.*?)</p>', re.S)


def titles(response) -> list[str]:
    assert response.status_code in (200, 400), response.status_code
    return [title for _url, title in RESULT.findall(response.get_data(as_text=True))]


def found(client, query: str = "", **args) -> list[str]:
    return titles(client.get("/search", query_string={"q": query, **args}, headers=EN))


def api(client, query: str = "", **args) -> dict:
    response = client.get("/api/v1/search", query_string={"q": query, **args})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def set_state(app, *, post_id: int | None = None, thread_id: int | None = None,
              state: ContentState) -> None:  # fmt: skip
    with app.app_context():
        if post_id is not None:
            db.session.execute(update(Post).where(Post.id == post_id).values(state=state.value))
        if thread_id is not None:
            db.session.execute(
                update(Thread).where(Thread.id == thread_id).values(state=state.value)
            )
        db.session.commit()


def age(app, post_id: int, days: float) -> None:
    with app.app_context():
        db.session.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(created_at=utcnow() - timedelta(days=days))
        )
        db.session.commit()


@pytest.fixture
def author(make) -> int:
    return make.user("anna_ondernemer")


# The query parser (no database) ---------------------------------------------------------------


def test_parser_reads_words_phrases_exclusions_alternatives_and_filters():
    query = parse_query('fiets "circulaire economie" -plastic -"te koop" auto OR bus '
                        "theme:smart071 kind:vraag is:unanswered stage:pilot author:Anna")
    assert query.clauses == (("fiets",), ("circulaire economie",), ("auto", "bus"))
    assert query.excluded == ("plastic", "te koop")
    assert query.filters == {"theme": "smart071", "kind": "vraag", "answered": "false",
                             "stage": "pilot", "author": "Anna"}  # fmt: skip
    assert fts5_match(query) == (
        '("fiets" AND "circulaire economie" AND ("auto" OR "bus")) NOT ("plastic" OR "te koop")'
    )
    assert query.text_without("kind") == (
        'fiets "circulaire economie" -plastic -"te koop" auto OR bus theme:smart071 '
        "is:unanswered stage:pilot author:Anna"
    )


@pytest.mark.parametrize(
    "raw",
    ['"', "-", "OR", "AND", "NOT", "NEAR(", "*", "^", "col:", ":", '""', "- - -", "()",
     'NEAR("a" "b", 2)', "title:x", "a* ^b", '"unbalanced', SNIPPET_START + "x" + SNIPPET_END],
)  # fmt: skip
def test_the_match_string_holds_only_quoted_letters_and_digits(raw):
    match = fts5_match(parse_query(raw)) or ""
    outside_quotes = re.sub(r'"[^"]*"', "", match)
    assert set(outside_quotes) <= set("ANDORT() "), match
    for term in re.findall(r'"([^"]*)"', match):
        assert re.fullmatch(r"[^\W_]+( [^\W_]+)*", term), term


def test_parser_caps_length_and_terms():
    long = parse_query("woord " * 5000)
    assert len(long.clauses) == MAX_TERMS
    assert len(long.notices) == 2
    assert str(MAX_QUERY_LENGTH) in long.notices[0]
    assert normalise_term("Café-Éclair_2026!") == "café éclair 2026"


def test_request_arguments_win_and_bad_values_are_named():
    args = {"q": "kind:pitch fiets", "kind": "question", "stage": "moon", "from": "gisteren",
            "sort": "x"}  # fmt: skip
    request = read_request(MultiDict(args))
    assert request.kind == "question"
    assert set(request.errors) == {"stage", "from", "sort"}
    assert request.query.clauses == (("fiets",),)


# Snippets ---------------------------------------------------------------------------------------


def test_highlighted_snippet_escapes_everything_and_marks_only_balanced_pairs():
    start, end = SNIPPET_START, SNIPPET_END
    html = str(highlighted_snippet(
        f"<script>alert(1)</script> **{start}fiets{end}** {end}los{start} [link](http://x.nl) "
        f"{start}<b>{end} & {start}"
    ))  # fmt: skip
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("<mark>") == html.count("</mark>") == 2
    assert "<mark>fiets</mark>" in html and "<mark>&lt;b&gt;</mark>" in html
    assert start not in html and end not in html
    assert "**" not in html and "http://x.nl" not in html
    assert "&amp;" in html


# Through HTTP -----------------------------------------------------------------------------------


def test_words_phrases_exclusions_and_alternatives(client, make, author):
    make.thread(author, title="Deelauto op het bedrijventerrein", body="Een deelauto voor ons.")
    make.thread(author, title="Fietsenstalling", body="Een overdekte fietsenstalling, geen auto.")
    make.thread(author, title="Zonnepanelen", body="Zonnepanelen op de deelauto garage.")
    assert sorted(found(client, "deelauto")) == ["Deelauto op het bedrijventerrein",
                                                 "Zonnepanelen"]  # fmt: skip
    assert found(client, '"overdekte fietsenstalling"') == ["Fietsenstalling"]
    assert found(client, '"fietsenstalling overdekte"') == []
    assert found(client, "deelauto -zonnepanelen") == ["Deelauto op het bedrijventerrein"]
    assert found(client, 'deelauto -"de deelauto garage"') == ["Deelauto op het bedrijventerrein"]
    assert sorted(found(client, "fietsenstalling OR zonnepanelen")) == ["Fietsenstalling",
                                                                        "Zonnepanelen"]  # fmt: skip


def test_diacritics_do_not_matter(client, make, author):
    make.thread(author, title="Het café aan de haven", body="Nieuwe ideeën voor de kade.")
    assert found(client, "cafe") == ["Het café aan de haven"]
    assert found(client, "ideeen") == ["Het café aan de haven"]
    assert found(client, "CAFÉ") == ["Het café aan de haven"]


def test_replies_are_found_and_link_to_their_post(client, make, author):
    thread_id = make.thread(author, title="Een onderwerp", body="Openingswoorden.")
    make.reply(make.user("bas"), thread_id, "Een antwoord over warmtenetten.")
    body = client.get("/search?q=warmtenetten", headers=EN).get_data(as_text=True)
    [(url, title)] = RESULT.findall(body)
    assert title == "Een onderwerp"
    assert url.endswith("#post-2") and f"/threads/{thread_id}" in url
    assert "by bas" in body and "Discussion" in body


def test_every_filter_as_query_word_and_as_argument(client, make, author, app):
    other = make.user("bas_katwijk", role=Role.OFFICIAL)
    question = make.thread(author, kind="question", title="Vraag over warmte", theme="smart071",
                           projects=("smart071",), body="warmte vraag")  # fmt: skip
    make.thread(other, kind="pitch", title="Pitch over warmte", body="warmte pitch",
                theme="retail")  # fmt: skip
    with app.app_context():
        thread = db.session.get(Thread, question)
        thread.accepted_post_id = db.session.scalar(
            select(Post.id).where(Post.thread_id == question)
        )
        pitch = db.session.scalar(select(Thread).where(Thread.kind == "pitch"))
        pitch.stage = "pilot"
        db.session.commit()
    age(app, make.first_post_id(question), 40)
    cases = {
        "kind": ("question", "kind:question", "Vraag over warmte"),
        "theme": ("retail", "theme:retail", "Pitch over warmte"),
        "project": ("smart071", "project:smart071", "Vraag over warmte"),
        "answered": ("true", "is:answered", "Vraag over warmte"),
        "stage": ("pilot", "stage:pilot", "Pitch over warmte"),
        "author": ("bas_katwijk", "author:bas_katwijk", "Pitch over warmte"),
        "from": ((utcnow() - timedelta(days=5)).date().isoformat(),
                 f"from:{(utcnow() - timedelta(days=5)).date().isoformat()}",
                 "Pitch over warmte"),
        "to": ((utcnow() - timedelta(days=20)).date().isoformat(),
               f"to:{(utcnow() - timedelta(days=20)).date().isoformat()}",
               "Vraag over warmte"),
    }  # fmt: skip
    for argument, (value, typed, expected) in cases.items():
        assert found(client, "warmte", **{argument: value}) == [expected], argument
        assert found(client, f"warmte {typed}") == [expected], typed
    assert found(client, "warmte is:unanswered") == []
    assert found(client, "warmte", answered="false") == []
    # Filters without words list the newest matching posts.
    assert found(client, "kind:pitch") == ["Pitch over warmte"]
    assert found(client, "", kind="question") == ["Vraag over warmte"]
    assert found(client, "kind:pitch -warmte") == []


def test_facet_counts(client, make, author, app):
    make.thread(author, kind="question", title="Vraag een", body="stikstof", theme="retail")
    make.thread(author, kind="question", title="Vraag twee", body="stikstof", replies=0)
    make.thread(make.user("bas"), kind="pitch", title="Pitch", body="stikstof",
                projects=("smart071",))  # fmt: skip
    data = api(client, "stikstof")
    assert data["total"] == 3
    facets = {name: {c["value"]: c["count"] for c in choices}
              for name, choices in data["facets"].items()}  # fmt: skip
    assert facets["kind"] == {"question": 2, "pitch": 1}
    assert facets["theme"] == {"circulaire-economie": 2, "retail": 1}
    assert facets["answered"] == {"false": 2}
    assert facets["stage"] == {"idea": 1}
    assert facets["project"] == {"smart071": 1}
    assert facets["author"] == {"anna_ondernemer": 2, "bas": 1}
    assert facets["period"] == {"week": 3, "month": 3, "year": 3}
    page = client.get("/search?q=stikstof", headers=EN).get_data(as_text=True)
    assert re.search(r'kind=question">Question</a>\s*<span class="search-facet__count">2<', page)
    narrowed = client.get("/search?q=stikstof&kind=question", headers=EN).get_data(as_text=True)
    assert "2 posts match." in narrowed and 'aria-current="true">Question</a>' in narrowed
    # The active filter can be removed, also when typed in the query.
    typed = client.get("/search?q=stikstof+kind:question", headers=EN).get_data(as_text=True)
    assert 'href="/search?q=stikstof"' in typed


def test_title_weighs_more_than_body_and_recent_posts_rank_higher(client, make, author, app):
    in_body = make.thread(author, title="Iets anders", body="Over windenergie gesproken.")
    in_title = make.thread(author, title="Windenergie", body="Een plan voor de kust.")
    for thread_id in (in_body, in_title):
        age(app, make.first_post_id(thread_id), 10)
    assert found(client, "windenergie") == ["Windenergie", "Iets anders"]
    # Same text, different age: the newer first; and sort=date is plain newest first.
    old = make.thread(author, title="Oud plan", body="getijdenstroom")
    new = make.thread(author, title="Nieuw plan", body="getijdenstroom")
    age(app, make.first_post_id(old), 400)
    age(app, make.first_post_id(new), 1)
    assert found(client, "getijdenstroom") == ["Nieuw plan", "Oud plan"]
    age(app, make.first_post_id(in_title), 300)
    assert found(client, "windenergie", sort="date") == ["Iets anders", "Windenergie"]


def test_pagination(app_factory, make, author):
    app = app_factory()
    client = app.test_client()
    thread_id = make.thread(author, title="Lange draad", body="begin")
    for n in range(23):
        make.reply(author, thread_id, f"reactie {n} over biogas")
    first = client.get("/search?q=biogas", headers=EN).get_data(as_text=True)
    assert first.count('<li class="search-result">') == 20
    assert "23 posts match." in first and 'href="/search?q=biogas&amp;page=2"' in first
    second = client.get("/search?q=biogas&page=2", headers=EN).get_data(as_text=True)
    assert second.count('<li class="search-result">') == 3
    assert client.get("/search?q=biogas&page=3").status_code == 404
    assert api(client, "biogas", page="2")["pages"] == 2


def test_only_the_newest_candidates_are_ranked_counted_and_paged(app_factory, make, author):
    """Past SEARCH_CANDIDATE_LIMIT matches, the results, the total and the facets all come from
    the newest that many matching posts: a common word never ranks every match."""
    app = app_factory(SEARCH_CANDIDATE_LIMIT=3)
    client = app.test_client()
    # Oldest first: two strong (title) matches that fall outside the newest three.
    for title in ("Kelp een", "Kelp twee", "Kelp drie"):
        make.thread(author, title=title, body="Over de oogst.")
    make.thread(author, title="Oogst vier", body="Gedroogde kelp.")
    older = make.thread(make.user("bas"), title="Oogst vijf", body="Gedroogde kelp.")
    age(app, make.first_post_id(older), 50)

    assert found(client, "kelp") == ["Kelp drie", "Oogst vier", "Oogst vijf"]
    assert found(client, "kelp", sort="date") == ["Oogst vier", "Kelp drie", "Oogst vijf"]
    page = client.get("/search?q=kelp", headers=EN).get_data(as_text=True)
    assert "More than 3 posts match." in page and 'rel="next"' not in page
    assert client.get("/search?q=kelp&page=2").status_code == 404
    data = api(client, "kelp")
    assert (data["total"], data["total_capped"], data["pages"]) == (3, True, 1)
    facets = {name: {c["value"]: c["count"] for c in choices}
              for name, choices in data["facets"].items()}  # fmt: skip
    assert facets["kind"] == {"discussion": 3}
    assert facets["author"] == {"anna_ondernemer": 2, "bas": 1}
    assert facets["period"] == {"week": 2, "month": 2, "year": 3}
    # Filters narrow the candidates before they are counted: bas has one match.
    assert found(client, "kelp", author="bas") == ["Oogst vijf"]
    # Under the limit every match is ranked: the title matches come first.
    everything = app_factory().test_client()
    assert found(everything, "kelp")[:3] == ["Kelp drie", "Kelp twee", "Kelp een"]
    assert api(everything, "kelp")["total"] == 5


def test_only_what_visitors_may_see_is_found(client, make, author, app):
    shown = make.thread(author, title="Zichtbaar", body="geothermie")
    for state in (ContentState.PENDING, ContentState.HIDDEN, ContentState.DELETED):
        reply = make.reply(author, shown, f"geothermie {state.value}")
        set_state(app, post_id=reply, state=state)
    for state in (ContentState.PENDING, ContentState.HIDDEN, ContentState.DELETED):
        hidden = make.thread(author, title=f"Onderwerp {state.value}", body="geothermie")
        set_state(app, thread_id=hidden, state=state)
    assert found(client, "geothermie") == ["Zichtbaar"]
    assert found(client, "pending OR hidden OR deleted") == []
    assert [item["title"] for item in api(client, "geothermie")["items"]] == ["Zichtbaar"]
    assert api(client, "geothermie")["total"] == 1
    # Staff search what everyone sees.
    make.user("moderator_anouk", role=Role.MODERATOR)
    from tests.factories import PASSWORD

    client.post("/auth/login", data={"login": "moderator_anouk", "password": PASSWORD})
    assert found(client, "geothermie") == ["Zichtbaar"]


def test_the_index_follows_edits_merges_splits_and_titles(client, make, author, app):
    moderator_id = make.user("moderator_anouk", role=Role.MODERATOR)
    source = make.thread(author, title="Bron", body="oude tekst over waterstof")
    with app.app_context():
        post = db.session.get(Post, make.first_post_id(source))
        thread_services.edit_post(db.session.get(User, author), post, "nieuwe tekst over biomassa")
        db.session.commit()
    assert found(client, "waterstof") == []
    assert found(client, "biomassa") == ["Bron"]

    with app.app_context():
        thread = db.session.get(Thread, source)
        thread.title = "Biobased bouwen"
        db.session.commit()
    assert found(client, "biobased") == ["Biobased bouwen"]
    assert found(client, "bron") == []

    target = make.thread(author, title="Doel", body="een ander verhaal")
    reply = make.reply(author, target, "Een reactie over kringlooplogistiek.")
    with app.app_context():
        moderator = db.session.get(User, moderator_id)
        moderation.merge_thread(
            moderator, db.session.get(Thread, source), db.session.get(Thread, target)
        )
        db.session.commit()
    # The merged thread's title no longer belongs to the moved opening post.
    assert found(client, "biomassa") == ["Doel"]
    assert found(client, "biobased") == []

    with app.app_context():
        moderator = db.session.get(User, moderator_id)
        moved = moderation.split_thread(
            moderator, db.session.get(Thread, target), [db.session.get(Post, reply)],
            "Logistiek apart",
        )  # fmt: skip
        db.session.commit()
        new_id = moved.id
    assert found(client, "kringlooplogistiek") == ["Logistiek apart"]
    assert found(client, "logistiek") == ["Logistiek apart"]
    url = RESULT.findall(client.get("/search?q=kringlooplogistiek").get_data(as_text=True))[0][0]
    assert f"/threads/{new_id}" in url and url.endswith("#post-1")

    with app.app_context():
        db.session.delete(db.session.get(Thread, new_id))
        db.session.commit()
    assert found(client, "kringlooplogistiek") == []


HOSTILE = [
    '"', '"unbalanced phrase', "-", "- -", "OR", "AND", "NOT", "OR OR", "fiets OR", "-fiets",
    "NEAR(", 'NEAR("a" "b")', "*", "fiets*", "^fiets", "col:", "title:fiets", "body:", ":",
    "x" * 10_000, "fiets " * 3_000, "%", "_", "'; DROP TABLE posts; --", "\x00", "é" * 600,
    SNIPPET_START, "theme:", "kind:", "is:", "from:2026-13-45", "author:" + "x" * 400,
    "theme:does-not-exist", "kind:nonsense", "stage:moon", "is:maybe",
]  # fmt: skip


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_and_malformed_queries_never_fail(client, make, author, query):
    make.thread(author, title="Fiets", body="Een fiets.")
    response = client.get("/search", query_string={"q": query}, headers=EN)
    assert response.status_code in (200, 400), response.status_code
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and 'id="search-q"' in body
    answer = client.get("/api/v1/search", query_string={"q": query})
    assert answer.status_code in (200, 400)
    assert answer.is_json


def test_bad_filter_values_are_named_and_the_query_kept(client, make, author):
    make.thread(author, title="Fiets", body="Een fiets.")
    response = client.get("/search?q=fiets+theme:nergens&kind=boot", headers=EN)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "There is no theme nergens." in body and "Kind must be one of" in body
    assert 'value="fiets theme:nergens"' in body
    assert client.get("/api/v1/search?q=fiets&theme=nergens").status_code == 400
    only_excluded = client.get("/search?q=-fiets", headers=EN).get_data(as_text=True)
    assert "Add a word to search for" in only_excluded
    long = client.get("/search", query_string={"q": "fiets " * 200}, headers=EN)
    assert "only its first 500 characters" in long.get_data(as_text=True)


def test_snippets_escape_post_text(client, make, author):
    make.thread(author, title="Veilig", body="<script>alert(1)</script> over hennepbeton & meer")
    body = client.get("/search?q=hennepbeton", headers=EN).get_data(as_text=True)
    [snippet] = SNIPPET.findall(body)
    assert "<script>" not in body
    assert re.sub(r"</?mark>", "", snippet) == re.sub(r"<[^>]*>", "", snippet).replace("<", "")
    assert "<mark>hennepbeton</mark>" in snippet
    assert re.sub(r"<mark>hennepbeton</mark>", "", snippet).count("<") == 0


def test_api_answers_with_results_facets_and_pages(client, make, author):
    make.thread(author, kind="question", title="Vraag", body="Wie weet iets van aquathermie?")
    data = api(client, "aquathermie", kind="question")
    assert data["total"] == 1 and data["page"] == 1 and data["pages"] == 1
    [item] = data["items"]
    assert item["title"] == "Vraag" and item["kind"] == "question" and item["author"] == (
        "anna_ondernemer"
    )
    assert item["url"].startswith("http://") and "#post-1" in item["url"]
    assert "aquathermie" in item["snippet"] and "<mark>" in item["snippet_html"]
    assert data["results"] == data["items"]
    assert {"kind", "theme", "project", "answered", "stage", "author"} <= set(data["facets"])


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged-in"])
@pytest.mark.parametrize("url", ["/search?q=zeewier", "/search?q=zeewier+kind:question",
                                 "/search?q=zeewier&kind=question&sort=date",
                                 "/api/v1/search?q=zeewier"])  # fmt: skip
def test_search_runs_the_same_few_queries_with_1_and_with_30_matches(
    app, make, author, count_queries, url, logged_in
):
    client = app.test_client()
    if logged_in:
        from tests.factories import PASSWORD

        client.post("/auth/login", data={"login": "anna_ondernemer", "password": PASSWORD})

    def add(n: int) -> None:
        make.thread(author, kind="question", title=f"Zeewier {n}", body=f"zeewier nummer {n}",
                    projects=("smart071",), theme=("retail", "smart071")[n % 2])  # fmt: skip

    add(0)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    for n in range(1, 30):
        add(n)
    with count_queries() as many:
        response = client.get(url)
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("Zeewier") >= 20
    assert many.count == few.count, "\n".join(many.statements)
    assert few.count <= QUERY_BUDGET, "\n".join(few.statements)
