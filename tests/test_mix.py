"""The three-O mix: which of entrepreneurs, education and government took part in a thread."""

from __future__ import annotations

import re

import pytest


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def mix_of(client, thread_id: int) -> str:
    page = text_of(client.get(f"/threads/{thread_id}", follow_redirects=True))
    match = re.search(r'<section class="mix".*?</section>', page, re.S)
    assert match, "no mix on the thread page"
    return " ".join(match.group(0).split())


def test_question_without_an_official_reply_says_so_and_not_after_one(client, make):
    asker = make.user("ondernemer")
    thread_id = make.thread(asker, kind="question", title="Mag ik een terras op het plein?")
    make.reply(make.user("student", role="student"), thread_id, "Vraag het de gemeente.")
    mix = mix_of(client, thread_id)
    assert "No official has replied yet." in mix
    assert "Government: not yet" in mix
    assert "Entrepreneurs: taken part" in mix and "Education: taken part" in mix
    make.reply(make.user("ambtenaar", role="official"), thread_id, "Ja, met een vergunning.")
    mix = mix_of(client, thread_id)
    assert "No official has replied yet." not in mix
    assert "Government: taken part" in mix
    assert "Entrepreneurs, education and government have all taken part." in mix


def test_each_missing_group_is_named_in_words(client, make):
    thread_id = make.thread(make.user("ambtenaar", role="official"))
    mix = mix_of(client, thread_id)
    assert "No entrepreneur has replied yet." in mix
    assert "No student or school has replied yet." in mix
    assert "No official has replied yet." not in mix


def test_moderators_count_for_no_group(client, make):
    thread_id = make.thread(make.user("moderator", role="moderator"))
    mix = mix_of(client, thread_id)
    assert mix.count("not yet") == 3
