"""The pages that list threads: front page, theme, project and profile pages; the language."""

from __future__ import annotations

import html
import re

import pytest

from forum071 import seed_data


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture(autouse=True)
def english(client):
    """Read the interface in English unless a test says otherwise (the language tests do)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def browser_without_language(client) -> None:
    client.environ_base.pop("HTTP_ACCEPT_LANGUAGE", None)


def thread_titles(page: str) -> list[str]:
    return re.findall(r'class="thread-row__title" href="[^"]+">([^<]+)</a>', page)


# Front page -------------------------------------------------------------------------------------


def test_front_page_lists_the_latest_threads_newest_first(client, make):
    author = make.user("auteur")
    for number in range(1, 4):
        make.thread(author, theme="retail", title=f"Winkelonderwerp {number}")
    page = text_of(client.get("/"))
    assert thread_titles(page) == ["Winkelonderwerp 3", "Winkelonderwerp 2",
                                   "Winkelonderwerp 1"]


def test_front_page_lists_all_themes(client):
    page = text_of(client.get("/"))
    for theme in seed_data.THEMES:
        assert f'href="/themes/{theme["slug"]}"' in page


def test_front_page_without_threads_invites_the_first(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Start the first thread!" in text_of(response)


def test_front_page_is_paginated_over_all_themes(client, make):
    author = make.user("auteur")
    for number in range(12):
        make.thread(author, theme="retail", title=f"Winkel {number:02d}")
    for number in range(13):
        make.thread(author, theme="smart071", title=f"Digitaal {number:02d}")
    first = thread_titles(text_of(client.get("/")))
    second = thread_titles(text_of(client.get("/?page=2")))
    assert len(first) == 20 and len(second) == 5
    assert len(set(first) | set(second)) == 25
    assert client.get("/?page=3").status_code == 404


# Theme pages ------------------------------------------------------------------------------------


def test_theme_page_shows_description_projects_and_only_its_threads(client, make):
    author = make.user("auteur")
    make.thread(author, theme="duurzame-mobiliteit", title="Fietsen naar het werk")
    make.thread(author, theme="retail", title="Lege winkelpanden")
    response = client.get("/themes/duurzame-mobiliteit")
    assert response.status_code == 200
    page = text_of(response)
    theme = next(t for t in seed_data.THEMES if t["slug"] == "duurzame-mobiliteit")
    assert theme["description_en"] in page
    assert 'href="/projects/duurzame-mobiliteit"' in page
    assert "Kick-off phase" in page
    assert thread_titles(page) == ["Fietsen naar het werk"]


def test_theme_page_without_threads_says_so(client):
    page = text_of(client.get("/themes/regiomarketing"))
    assert "No threads in this theme yet." in page


def test_theme_page_shows_25_threads_over_two_pages_of_20(client, make):
    author = make.user("auteur")
    for number in range(25):
        make.thread(author, theme="smart071", title=f"Digitaal onderwerp {number:02d}")
    first = client.get("/themes/smart071")
    titles_first = thread_titles(text_of(first))
    assert len(titles_first) == 20
    assert titles_first[0] == "Digitaal onderwerp 24"
    assert 'href="/themes/smart071?page=2"' in text_of(first)
    second = client.get("/themes/smart071?page=2")
    titles_second = thread_titles(text_of(second))
    assert titles_second == [f"Digitaal onderwerp {n:02d}" for n in range(4, -1, -1)]
    assert client.get("/themes/smart071?page=3").status_code == 404
    assert client.get("/themes/smart071?page=abc").status_code == 404


@pytest.mark.parametrize("query", ["slug=x", "_external=1&_scheme=javascript&_anchor=%0Aalert(1)",
                                   "_method=POST", "sort=new&sort=old"])
def test_pagination_links_keep_other_arguments_as_plain_query(client, make, query):
    author = make.user("auteur")
    for number in range(21):
        make.thread(author, theme="retail", title=f"Winkel {number:02d}")
    response = client.get(f"/themes/retail?{query}")
    assert response.status_code == 200
    links = re.findall(r'<a href="([^"]*)" rel="next">', text_of(response))
    assert len(links) == 1
    assert links[0].startswith("/themes/retail?")
    assert "page=2" in links[0]
    assert client.get(html.unescape(links[0])).status_code == 200


def test_theme_index_lists_every_theme(client):
    page = text_of(client.get("/themes/"))
    for theme in seed_data.THEMES:
        assert f'href="/themes/{theme["slug"]}"' in page


# Project pages ----------------------------------------------------------------------------------


def test_project_page_shows_phase_partners_goal_themes_and_its_threads(client, make):
    author = make.user("auteur")
    make.thread(author, theme="bedrijventerreinen",
                projects=("bedrijventerreinen-leidse-regio",), title="Ruimte voor bedrijven")
    make.thread(author, theme="bedrijventerreinen", title="Zonder project")
    make.thread(author, theme="smart071", projects=("smart071",), title="Digitaal project")
    response = client.get("/projects/bedrijventerreinen-leidse-regio")
    assert response.status_code == 200
    page = text_of(response)
    project = next(p for p in seed_data.PROJECTS
                   if p["slug"] == "bedrijventerreinen-leidse-regio")
    assert "Running project" in page  # phase "lopend"
    for partner in project["partners"]:
        assert partner.replace("&", "&amp;").replace("'", "&#39;") in page
    assert project["goal_en"].replace("'", "&#39;") in page
    assert 'href="/themes/bedrijventerreinen"' in page
    assert thread_titles(page) == ["Ruimte voor bedrijven"]


def test_project_in_several_themes_lists_each_theme(client):
    page = text_of(client.get("/projects/duurzame-mobiliteit"))
    assert 'href="/themes/duurzame-mobiliteit"' in page
    assert 'href="/themes/bedrijventerreinen"' in page


def test_project_page_is_paginated(client, make):
    author = make.user("auteur")
    for number in range(21):
        make.thread(author, theme="smart071", projects=("smart071",), title=f"Slim {number:02d}")
    assert len(thread_titles(text_of(client.get("/projects/smart071")))) == 20
    assert thread_titles(text_of(client.get("/projects/smart071?page=2"))) == ["Slim 00"]
    assert client.get("/projects/smart071?page=3").status_code == 404


def test_project_index_lists_every_project(client):
    page = text_of(client.get("/projects/"))
    for project in seed_data.PROJECTS:
        assert f'href="/projects/{project["slug"]}"' in page


@pytest.mark.parametrize("url", ["/themes/bestaat-niet", "/projects/bestaat-niet",
                                 "/users/bestaat-niet", "/nergens"])
def test_unknown_address_is_404_in_the_site_layout(client, url):
    response = client.get(url)
    assert response.status_code == 404
    page = text_of(response)
    assert 'class="site-header"' in page
    assert "We could not find this page." in page
    assert response.mimetype == "text/html"


# Profiles ---------------------------------------------------------------------------------------


def test_profile_shows_role_badge_organisation_and_threads(client, make):
    user_id = make.user("wethouder", role="official", organisation="Gemeente Leiden",
                        official_verified=True)
    make.thread(user_id, title="Wat vraagt u van de gemeente?")
    response = client.get("/users/wethouder")
    assert response.status_code == 200
    page = text_of(response)
    assert "badge--official" in page
    assert "Official" in page
    assert "unverified" not in page
    assert "Gemeente Leiden" in page
    assert thread_titles(page) == ["Wat vraagt u van de gemeente?"]


def test_profile_of_unverified_official_says_so(client, make):
    make.user("ambtenaar", role="official", organisation="Gemeente Oegstgeest")
    page = text_of(client.get("/users/ambtenaar"))
    assert "unverified" in page


def test_profile_lists_only_the_members_own_threads(client, make):
    own = make.user("eigen")
    other = make.user("ander")
    make.thread(own, title="Mijn eigen vraag")
    make.thread(other, title="Andermans vraag")
    assert thread_titles(text_of(client.get("/users/eigen"))) == ["Mijn eigen vraag"]


def test_profile_address_ignores_case(client, make):
    make.user("ondernemer")
    assert client.get("/users/Ondernemer").status_code == 200


# Language ---------------------------------------------------------------------------------------


def test_english_browser_gets_english_labels_and_theme_names(client):
    browser_without_language(client)
    page = text_of(client.get("/", headers={"Accept-Language": "en"}))
    assert '<html lang="en">' in page
    assert ">Themes<" in page
    assert "Circular economy" in page


def test_without_a_language_header_the_site_is_dutch(client):
    browser_without_language(client)
    page = text_of(client.get("/"))
    assert '<html lang="nl">' in page
    assert "Circulaire economie" in page
    assert "Circular economy" not in page
    theme_page = text_of(client.get("/themes/duurzame-mobiliteit"))
    assert "slimmer reizen, schonere logistiek" in theme_page


def test_without_a_language_header_interface_labels_are_dutch(client):
    browser_without_language(client)
    page = text_of(client.get("/"))
    assert ">Thema&#39;s<" in page or ">Thema's<" in page
    assert ">Themes<" not in page


def test_choosing_english_switches_the_language_for_the_session(client):
    browser_without_language(client)
    response = client.post("/language/en", data={"next": "/themes/retail"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/themes/retail"
    page = text_of(client.get("/"))
    assert '<html lang="en">' in page
    assert "Circular economy" in page
    assert client.post("/language/nl").status_code == 303
    assert '<html lang="nl">' in text_of(client.get("/"))


def test_unknown_language_is_ignored(client):
    browser_without_language(client)
    assert client.post("/language/xx").status_code == 303
    assert '<html lang="nl">' in text_of(client.get("/"))


def test_language_switch_refuses_a_foreign_next(client):
    response = client.post("/language/en", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
