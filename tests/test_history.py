"""Edit history: every version of a post kept, listed newest first with a diff, as text."""

from __future__ import annotations

import re

import pytest

from forum071.extensions import db
from forum071.models import Post, User
from forum071.threads import history
from forum071.threads import services as thread_services

BASE_VERSION_FIELD = re.compile(r'name="base_version" type="hidden" value="(\d+)"')


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def member(make, auth):
    user_id = make.user("schrijver")
    assert auth.login("schrijver").status_code == 302
    return user_id


def edit(client, post_id: int, body: str) -> None:
    page = text_of(client.get(f"/posts/{post_id}/edit"))
    version = BASE_VERSION_FIELD.search(page).group(1)
    response = client.post(f"/posts/{post_id}/edit", data={"body": body, "base_version": version})
    assert response.status_code == 303


def versions(page: str) -> list[str]:
    return re.findall(r'<li class="version" id="version-(\d+)">', page)


def test_history_lists_versions_newest_first_with_editor_and_a_diff(client, make, member):
    post_id = make.first_post_id(make.thread(member, body="Wij zoeken een locatie in Leiden."))
    edit(client, post_id, "Wij zoeken een locatie in Katwijk.")
    edit(client, post_id, "Wij zoeken een locatie in Katwijk.\n\nEn een studententeam.")
    response = client.get(f"/posts/{post_id}/history")
    assert response.status_code == 200
    page = text_of(response)
    assert versions(page) == ["3", "2", "1"]
    assert "Version 1, as first posted" in page
    assert "(current)" in page
    assert page.count('href="/users/schrijver"') >= 3
    version_2 = page[page.index('id="version-2"'):page.index('id="version-1"')]
    assert "Changes since version 1:" in version_2
    # A word changed, not the whole line.
    assert re.search(r"<del><span[^>]*>\[removed: </span>Leiden\.<span", version_2)
    assert re.search(r"<ins><span[^>]*>\[added: </span>Katwijk\.<span", version_2)
    assert "Wij zoeken een locatie in " in version_2
    version_3 = page[page.index('id="version-3"'):page.index('id="version-2"')]
    assert re.search(r"<ins><span[^>]*>\[added: </span>\s*En een studententeam\.", version_3)
    assert "<del>" not in version_3


def test_script_in_an_edit_shows_as_text_in_the_history(client, make, member):
    post_id = make.first_post_id(make.thread(member, body="Onschuldige tekst"))
    edit(client, post_id, "Onschuldige tekst <script>alert('x')</script> & <b>vet</b>")
    page = text_of(client.get(f"/posts/{post_id}/history"))
    assert "<script>alert" not in page
    assert "<b>vet" not in page
    assert "&lt;script&gt;alert(" in page
    assert "&amp; &lt;b&gt;vet&lt;/b&gt;" in page


def test_a_post_that_was_never_edited_says_so(client, make):
    post_id = make.first_post_id(make.thread(make.user("auteur")))
    response = client.get(f"/posts/{post_id}/history")
    assert response.status_code == 200
    assert "This post has not been edited" in text_of(response)
    assert versions(text_of(response)) == []


def test_history_of_an_unknown_post_is_404(client):
    assert client.get("/posts/999999/history").status_code == 404


def test_anyone_who_sees_the_post_sees_its_history(client, make, auth, member):
    post_id = make.first_post_id(make.thread(member, body="Eerste versie"))
    edit(client, post_id, "Tweede versie")
    auth.logout()
    response = client.get(f"/posts/{post_id}/history")
    assert response.status_code == 200
    assert versions(text_of(response)) == ["2", "1"]


def test_edited_post_links_its_time_to_the_history(client, make, member):
    thread_id = make.thread(member, body="Eerste versie")
    post_id = make.first_post_id(thread_id)
    reply_id = make.reply(member, thread_id, "Een reactie die blijft")
    page = text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))
    assert "/history" not in page
    edit(client, post_id, "Tweede versie")
    page = text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))
    link = re.search(rf'<a class="post__edited" href="/posts/{post_id}/history">(.*?)</a>',
                     page, re.S)
    assert link and "edited" in link.group(1) and "<time datetime=" in link.group(1)
    assert f"/posts/{reply_id}/history" not in page


def test_history_shows_the_reason_given_with_an_edit(app, client, make, member):
    post_id = make.first_post_id(make.thread(member, body="Eerste versie"))
    with app.app_context():
        thread_services.edit_post(
            db.session.get(User, member), db.session.get(Post, post_id), "Tweede versie",
            reason="Typfout <hersteld>",
        )
        db.session.commit()
    page = text_of(client.get(f"/posts/{post_id}/history"))
    assert "Reason: Typfout &lt;hersteld&gt;" in page


# The diff itself -------------------------------------------------------------------------------


def runs(old: str, new: str) -> list[tuple[str, str]]:
    return [(run.kind, run.text) for run in history.diff(old, new)]


def test_diff_marks_a_changed_word_within_a_line():
    assert runs("een rode fiets\n", "een blauwe fiets\n") == [
        ("same", "een "), ("removed", "rode"), ("added", "blauwe"), ("same", " fiets\n")]


def test_diff_marks_whole_added_and_removed_lines():
    assert runs("a\nb\nc\n", "a\nc\nd\n") == [
        ("same", "a\n"), ("removed", "b\n"), ("same", "c\n"), ("added", "d\n")]


def test_diff_treats_windows_line_breaks_as_line_breaks():
    assert runs("a\r\nb", "a\nb") == [("same", "a\nb")]


def test_history_of_a_hidden_post_is_not_shown_to_others(app, client, auth, make):
    from forum071.extensions import db
    from forum071.models import Post

    author = make.user("verborgen_auteur")
    make.user("nieuwsgierig")
    thread_id = make.thread(author, body="Eerste versie met GEHEIM-TEKST.")
    post_id = make.first_post_id(thread_id)
    with app.app_context():
        post = db.session.get(Post, post_id)
        post.body = "Tweede versie"
        post.edit_count = 1
        post.state = "hidden"
        db.session.commit()

    auth.login("nieuwsgierig")

    assert client.get(f"/posts/{post_id}/history").status_code == 404
