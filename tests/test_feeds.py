"""Atom feeds, read through HTTP with a real feed parser (feedparser) like a newsreader does.

Every feed must parse without ``bozo`` (no malformed XML or item), show only what an
anonymous visitor may see, keep its ids when titles change, and cost the same few queries
with 1 entry as with 30.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from urllib.parse import urlsplit

import feedparser
import html5lib
import pytest
from sqlalchemy import select

from forum071.extensions import db
from forum071.models import ContentState, Post, Project, Role, Theme, Thread, User
from forum071.moderation import post_services, thread_services
from forum071.threads import services as threads

ATOM = "{http://www.w3.org/2005/Atom}"
THEME = "circulaire-economie"
PROJECT = "smart071"
HOSTILE_BODY = (
    "Kijk <script>alert(1)</script> hier: [klik](javascript:alert(1)) en "
    '<a href="javascript:alert(2)">daar</a>, of <img src=x onerror=alert(3)>.'
)
HOSTILE_TITLE = "Vraag </title><script>alert(1)</script> & meer"


def feed_urls(thread_id: int) -> list[str]:
    return [
        "/feeds/latest.atom",
        f"/themes/{THEME}/feed.atom",
        f"/projects/{PROJECT}/feed.atom",
        f"/threads/{thread_id}/feed.atom",
    ]


def parse(response) -> feedparser.FeedParserDict:
    assert response.status_code == 200, response.status_code
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def feed_root(response) -> ET.Element:
    """The feed as the XML says it, without feedparser's own clean-up in between."""
    return ET.fromstring(response.data)  # noqa: S314 - the app's own output, in a test


def raw_entries(response) -> list[ET.Element]:
    return feed_root(response).findall(f"{ATOM}entry")


def feed_updated(response) -> datetime:
    return aware(feed_root(response).findtext(f"{ATOM}updated").replace("Z", "+00:00"))


def aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None and moment.utcoffset().total_seconds() == 0, text
    return moment


def assert_harmless(content_html: str) -> None:
    """The HTML a reader would render has no script, no image and no javascript: link (the
    hostile markup survives only as visible, escaped text)."""
    fragment = html5lib.parseFragment(content_html, namespaceHTMLElements=False)
    elements = list(fragment.iter())
    assert not [e for e in elements if e.tag in ("script", "img", "iframe", "object")]
    for element in elements:
        assert not [name for name in element.attrib if name.lower().startswith("on")]
        href = element.get("href", "")
        assert not href.replace(" ", "").lower().startswith("javascript:"), href


def same_second(a: datetime, b: datetime) -> bool:
    return abs((a - b).total_seconds()) < 1


@pytest.fixture
def world(app, make):
    """A thread under the theme and project with two replies, by two members."""
    author = make.user("femke_bouwt")
    replier = make.user("lotte_honours", role=Role.STUDENT)
    thread_id = make.thread(
        author,
        theme=THEME,
        projects=(PROJECT,),
        kind="question",
        title="Waar vind ik een pilotlocatie?",
    )
    make.reply(replier, thread_id, "Probeer de Bio Science Park-beheerder.")
    make.reply(author, thread_id, "Dank, @lotte_honours!")
    return {"author": author, "replier": replier, "thread_id": thread_id}


def moderator(app) -> User:
    return db.session.scalar(select(User).where(User.role == Role.MODERATOR.value))


# Format and headers --------------------------------------------------------------------------


def test_every_feed_is_valid_atom_with_headers_for_readers(client, world):
    for url in feed_urls(world["thread_id"]):
        response = client.get(url)
        parsed = parse(response)
        assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert "Accept-Language" in response.headers["Vary"]
        assert response.headers["ETag"]
        # The site's security headers apply to feeds too.
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert "Set-Cookie" not in response.headers
        feed = parsed.feed
        assert feed.id.startswith("tag:forum071,2019:feed-")
        self_links = [link.href for link in feed.links if link.rel == "self"]
        assert self_links == [f"http://localhost{url}"]
        alternate = [link.href for link in feed.links if link.rel == "alternate"]
        assert len(alternate) == 1 and alternate[0].startswith("http://localhost/")
        assert client.get(urlsplit(alternate[0]).path).status_code in (200, 301)
        feed_updated(response)
        assert parsed.entries, url


def test_feed_ids_differ_per_feed(client, world):
    ids = {parse(client.get(url)).feed.id for url in feed_urls(world["thread_id"])}
    assert len(ids) == 4


def test_an_empty_feed_is_valid_with_a_fixed_updated_time(client):
    response = client.get(f"/projects/{PROJECT}/feed.atom")
    parsed = parse(response)
    assert parsed.entries == []
    assert feed_root(response).findtext(f"{ATOM}updated") == "2019-01-01T00:00:00Z"


def test_conditional_get_answers_304_until_the_feed_changes(client, make, world):
    first = client.get("/feeds/latest.atom")
    etag = first.headers["ETag"]
    again = client.get("/feeds/latest.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    make.thread(world["author"], title="Nog een onderwerp")
    changed = client.get("/feeds/latest.atom", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


# Entries -------------------------------------------------------------------------------------


def test_thread_feed_lists_published_posts_newest_first(app, client, world):
    thread_id = world["thread_id"]
    response = client.get(f"/threads/{thread_id}/feed.atom")
    parsed = parse(response)
    with app.app_context():
        posts = db.session.scalars(
            select(Post).where(Post.thread_id == thread_id).order_by(Post.number.desc())
        ).all()
        authors = {post.id: db.session.get(User, post.author_id).username for post in posts}
        thread = db.session.get(Thread, thread_id)
        slug = thread.slug
    assert [entry.id for entry in parsed.entries] == [
        f"tag:forum071,2019:post-{post.id}" for post in posts
    ]
    for entry, post, raw in zip(parsed.entries, posts, raw_entries(response), strict=True):
        assert entry.link == f"http://localhost/threads/{thread_id}-{slug}#post-{post.number}"
        assert entry.author == authors[post.id]
        assert entry.author_detail.href == f"http://localhost/users/{authors[post.id]}"
        published = aware(raw.findtext(f"{ATOM}published").replace("Z", "+00:00"))
        updated = aware(raw.findtext(f"{ATOM}updated").replace("Z", "+00:00"))
        assert same_second(published, post.created_at)
        assert same_second(updated, post.created_at)
        # Entry content is the stored, sanitised HTML, exactly.
        assert raw.find(f"{ATOM}content").get("type") == "html"
        assert raw.findtext(f"{ATOM}content") == post.body_html
    assert parsed.entries[-1].title == "Waar vind ik een pilotlocatie?"
    assert parsed.entries[0].title == "Bericht 3 in Waar vind ik een pilotlocatie?"
    # The thread page the entry points at shows the post.
    page = client.get(urlsplit(parsed.entries[0].link).path)
    assert page.status_code == 200
    assert 'id="post-3"' in page.get_data(as_text=True)


def test_list_feeds_show_threads_newest_first_with_their_opening_post(app, client, make, world):
    older = world["thread_id"]
    newer = make.thread(
        world["replier"],
        theme=THEME,
        projects=(PROJECT,),
        kind="pitch",
        title="Een pitch voor Smart071",
    )
    # A reply does not bring the older thread back to the top: the list is by creation.
    make.reply(world["author"], older, "Nog een aanvulling.")
    with app.app_context():
        opening = {
            tid: db.session.scalar(select(Post).where(Post.thread_id == tid, Post.number == 1))
            for tid in (older, newer)
        }
        created = {tid: db.session.get(Thread, tid).created_at for tid in (older, newer)}
        slugs = {tid: db.session.get(Thread, tid).slug for tid in (older, newer)}
    for url in feed_urls(older)[:3]:
        response = client.get(url)
        parsed = parse(response)
        assert [entry.id for entry in parsed.entries] == [
            f"tag:forum071,2019:thread-{newer}",
            f"tag:forum071,2019:thread-{older}",
        ], url
        for entry, raw, tid in zip(
            parsed.entries, raw_entries(response), (newer, older), strict=True
        ):
            assert entry.link == f"http://localhost/threads/{tid}-{slugs[tid]}"
            assert raw.findtext(f"{ATOM}content") == opening[tid].body_html
            assert same_second(aware(entry.published.replace("Z", "+00:00")), created[tid])
            terms = {tag.term for tag in entry.tags}
            assert {THEME, PROJECT} <= terms
        assert parsed.entries[0].author == "lotte_honours"
        assert {tag.term for tag in parsed.entries[0].tags} >= {"pitch"}
        assert {tag.term for tag in parsed.entries[1].tags} >= {"question"}
        newest = max(created.values())
        assert same_second(feed_updated(response), newest)


def test_list_feeds_hold_the_20_newest_threads(client, make, world):
    for number in range(21):
        make.thread(world["author"], theme=THEME, title=f"Onderwerp {number}")
    parsed = parse(client.get(f"/themes/{THEME}/feed.atom"))
    assert len(parsed.entries) == 20
    assert parsed.entries[0].title == "Onderwerp 20"


def test_ids_stay_when_the_title_or_host_changes(app, client, world):
    thread_id = world["thread_id"]
    before = {url: [e.id for e in parse(client.get(url)).entries] for url in feed_urls(thread_id)}
    with app.app_context():
        db.session.get(Thread, thread_id).title = "Een nieuwe titel"
        db.session.commit()
    for url in feed_urls(thread_id):
        parsed = parse(client.get(url))
        assert [entry.id for entry in parsed.entries] == before[url]
        assert any("Een nieuwe titel" in entry.title for entry in parsed.entries)
        other_host = parse(client.get(url, base_url="https://forum.example.org"))
        assert [entry.id for entry in other_host.entries] == before[url]
        assert other_host.entries[0].link.startswith("https://forum.example.org/")


def test_the_tag_authority_is_configurable(app_factory, world):
    client = app_factory(FEED_TAG_AUTHORITY="forum.economie071.nl").test_client()
    parsed = parse(client.get("/feeds/latest.atom"))
    assert parsed.feed.id == "tag:forum.economie071.nl,2019:feed-latest"
    assert parsed.entries[0].id == f"tag:forum.economie071.nl,2019:thread-{world['thread_id']}"


def test_hostile_text_is_escaped_and_content_is_sanitised(app, client, make, world):
    thread_id = make.thread(
        world["author"], theme=THEME, projects=(PROJECT,), title=HOSTILE_TITLE, body=HOSTILE_BODY
    )
    make.reply(world["replier"], thread_id, HOSTILE_BODY)
    for url in feed_urls(thread_id):
        response = client.get(url)
        parsed = parse(response)
        raw = response.get_data(as_text=True)
        assert "<script" not in raw and "<img" not in raw
        entries = [e for e in parsed.entries if e.title.endswith(HOSTILE_TITLE)]
        assert entries, url
        # The hostile title is text: it comes back exactly as typed, not as markup.
        assert entries[-1].title == HOSTILE_TITLE
        for entry in raw_entries(response):
            assert_harmless(entry.findtext(f"{ATOM}content") or "")
        for entry in entries:
            assert_harmless(entry.content[0].value)
    thread_feed = parse(client.get(f"/threads/{thread_id}/feed.atom"))
    assert thread_feed.feed.title == f"{HOSTILE_TITLE}: berichten op Forum071"


def test_control_characters_in_a_title_do_not_break_the_feed(app, client, world):
    with app.app_context():
        # Not NUL: PostgreSQL text cannot hold it, so it never comes back from the database.
        db.session.get(Thread, world["thread_id"]).title = "Bel\x0bme\x08 snel\x1f"
        db.session.commit()
    for url in feed_urls(world["thread_id"]):
        parsed = parse(client.get(url))
        assert any(entry.title.startswith("Bel") for entry in parsed.entries)


def test_mentions_link_to_absolute_profile_addresses(client, world):
    parsed = parse(client.get(f"/threads/{world['thread_id']}/feed.atom"))
    assert 'href="http://localhost/users/lotte_honours"' in parsed.entries[0].content[0].value


# Only public content -------------------------------------------------------------------------


def test_pending_hidden_and_deleted_posts_never_appear(app, client, make, world):
    thread_id = world["thread_id"]
    hidden_id = make.reply(world["replier"], thread_id, "Deze wordt verborgen.")
    deleted_id = make.reply(world["replier"], thread_id, "Deze wordt verwijderd.")
    newcomer = make.user("nieuwkomer")
    make.user("moderator_anouk", role=Role.MODERATOR)
    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        pending = threads.post_reply(
            db.session.get(User, newcomer), thread, "Wacht op review.", pending=True
        )
        pending_thread = threads.start_thread(
            db.session.get(User, newcomer),
            "discussion",
            db.session.scalar(select(Theme).where(Theme.slug == THEME)),
            [db.session.scalar(select(Project).where(Project.slug == PROJECT))],
            "Een onderwerp dat wacht",
            "Wacht ook op review.",
            pending=True,
        )
        db.session.commit()
        pending_id, pending_thread_id = pending.id, pending_thread.id
        staff = moderator(app)
        assert post_services.hide_post(staff, db.session.get(Post, hidden_id), "Spam")
        assert post_services.delete_post(staff, db.session.get(Post, deleted_id), "Spam")
        db.session.commit()
    invisible = {f"tag:forum071,2019:post-{pid}" for pid in (hidden_id, deleted_id, pending_id)}
    thread_feed = parse(client.get(f"/threads/{thread_id}/feed.atom"))
    ids = {entry.id for entry in thread_feed.entries}
    assert len(ids) == 3 and not ids & invisible
    text = client.get(f"/threads/{thread_id}/feed.atom").get_data(as_text=True)
    for body in ("verborgen", "verwijderd", "Wacht op review"):
        assert body not in text
    for url in feed_urls(thread_id)[:3]:
        response = client.get(url)
        assert f"thread-{pending_thread_id}" not in response.get_data(as_text=True)
        assert "Een onderwerp dat wacht" not in response.get_data(as_text=True)
    assert client.get(f"/threads/{pending_thread_id}/feed.atom").status_code == 404


def test_a_pending_thread_has_no_feed_even_for_its_author_and_moderators(app, client, auth, make):
    author = make.user("nieuwkomer")
    make.user("moderator_anouk", role=Role.MODERATOR)
    with app.app_context():
        thread = threads.start_thread(
            db.session.get(User, author),
            "question",
            db.session.scalar(select(Theme).where(Theme.slug == THEME)),
            [],
            "Wachtende vraag",
            "Tekst.",
            pending=True,
        )
        db.session.commit()
        thread_id = thread.id
    for login in (None, "nieuwkomer", "moderator_anouk"):
        if login:
            auth.login(login)
        assert client.get(f"/threads/{thread_id}/feed.atom").status_code == 404
        assert "Wachtende vraag" not in client.get("/feeds/latest.atom").get_data(as_text=True)
        page = client.get(f"/threads/{thread_id}")
        if page.status_code == 200:
            assert "feed.atom" not in page.get_data(as_text=True)
        if login:
            auth.logout()


def test_a_hidden_opening_post_leaves_the_entry_without_content(app, client, make, world):
    make.user("moderator_anouk", role=Role.MODERATOR)
    opening_id = make.first_post_id(world["thread_id"])
    with app.app_context():
        assert post_services.hide_post(moderator(app), db.session.get(Post, opening_id), "Spam")
        db.session.commit()
    response = client.get("/feeds/latest.atom")
    parse(response)
    (entry,) = raw_entries(response)
    assert entry.find(f"{ATOM}content") is None
    thread_feed = parse(client.get(f"/threads/{world['thread_id']}/feed.atom"))
    assert f"tag:forum071,2019:post-{opening_id}" not in {e.id for e in thread_feed.entries}


def test_missing_things_are_not_found(client, world):
    for url in (
        "/themes/bestaat-niet/feed.atom",
        "/projects/bestaat-niet/feed.atom",
        "/threads/999999/feed.atom",
        "/feeds/bestaat-niet.atom",
        # No such rows can exist; PostgreSQL would refuse the query rather than find nothing.
        "/threads/99999999999999999999/feed.atom",
        "/themes/%00/feed.atom",
        "/projects/a%00b/feed.atom",
    ):
        assert client.get(url).status_code == 404, url


def test_a_deleted_thread_has_no_feed_and_a_merged_one_leads_on(app, client, make, world):
    make.user("moderator_anouk", role=Role.MODERATOR)
    source = make.thread(world["author"], title="Dubbel onderwerp")
    gone = make.thread(world["author"], title="Verwijderd onderwerp")
    with app.app_context():
        db.session.get(Thread, gone).state = ContentState.DELETED.value
        target = db.session.get(Thread, world["thread_id"])
        thread_services.merge_thread(moderator(app), db.session.get(Thread, source), target)
        db.session.commit()
    assert client.get(f"/threads/{gone}/feed.atom").status_code == 404
    response = client.get(f"/threads/{source}/feed.atom")
    assert response.status_code == 301
    assert urlsplit(response.headers["Location"]).path == f"/threads/{world['thread_id']}/feed.atom"


# Pages link to their feeds -------------------------------------------------------------------


def test_pages_announce_and_link_their_feed(client, world):
    thread_id = world["thread_id"]
    pages = {
        "/": "/feeds/latest.atom",
        f"/themes/{THEME}": f"/themes/{THEME}/feed.atom",
        f"/projects/{PROJECT}": f"/projects/{PROJECT}/feed.atom",
        f"/threads/{thread_id}": f"/threads/{thread_id}/feed.atom",
    }
    for page, feed in pages.items():
        response = client.get(page, follow_redirects=True)
        assert response.status_code == 200
        document = html5lib.parse(response.get_data(as_text=True), namespaceHTMLElements=False)
        alternates = [
            link
            for link in document.findall("./head/link")
            if link.get("rel") == "alternate" and link.get("type") == "application/atom+xml"
        ]
        assert [link.get("href") for link in alternates] == [f"http://localhost{feed}"], page
        assert alternates[0].get("title")
        visible = [a for a in document.iter("a") if a.get("href") == feed]
        assert visible and "Atom" in "".join(visible[0].itertext()), page
        parse(client.get(feed))


# Language -------------------------------------------------------------------------------------


def test_feed_titles_follow_the_readers_language(client, world):
    dutch = parse(client.get("/feeds/latest.atom"))
    english = parse(client.get("/feeds/latest.atom", headers={"Accept-Language": "en"}))
    assert dutch.feed.title == "Nieuwste onderwerpen op Forum071"
    assert english.feed.title == "Latest threads on Forum071"
    assert dutch.feed.language == "nl" and english.feed.language == "en"
    theme = parse(client.get(f"/themes/{THEME}/feed.atom", headers={"Accept-Language": "en"}))
    assert theme.feed.title == "Circular economy: latest threads on Forum071"
    thread = parse(
        client.get(f"/threads/{world['thread_id']}/feed.atom", headers={"Accept-Language": "en"})
    )
    assert thread.entries[0].title == "Post 3 in Waar vind ik een pilotlocatie?"


# Cost ------------------------------------------------------------------------------------------

QUERY_BUDGET = 4


def test_each_feed_costs_the_same_few_queries_with_1_or_30_entries(
    app, client, make, count_queries
):
    authors = [make.user(f"schrijver{n}") for n in range(5)]
    thread_id = make.thread(authors[0], theme=THEME, projects=(PROJECT,))

    def measure() -> dict[str, int]:
        counts = {}
        for url in feed_urls(thread_id):
            with count_queries() as counter:
                parsed = parse(client.get(url))
            counts[url] = counter.count
            assert parsed.entries
        return counts

    few = measure()
    for number in range(30):
        make.thread(authors[number % 5], theme=THEME, projects=(PROJECT, "duurzame-mobiliteit"))
        make.reply(authors[(number + 1) % 5], thread_id, f"Reactie {number}")
    many = measure()
    assert many == few
    assert all(count <= QUERY_BUDGET for count in many.values()), many
