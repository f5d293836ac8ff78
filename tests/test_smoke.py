from tests.smtp_server import confirm_from_outbox


def test_front_page_lists_themes(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Circulaire economie" in response.get_data(as_text=True)


def test_register_then_ask_question(app, client, auth):
    response = client.post(
        "/auth/register",
        data={
            "username": "ondernemer1",
            "email": "o1@example.org",
            "password": "paars-fiets-onder-de-brug",
            "confirm": "paars-fiets-onder-de-brug",
            "role": "entrepreneur",
            "organisation": "Fietsenmakerij De Spaak",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    # Registration no longer logs in: confirm the address, log in, then post.
    confirm_from_outbox(app, client, "o1@example.org")
    assert auth.login("ondernemer1", "paars-fiets-onder-de-brug").status_code == 302
    response = client.post(
        "/threads/new",
        data={
            "kind": "question",
            "theme": "circulaire-economie",
            "projects": ["masterclass-circulaire-economie"],
            "title": "Wie recyclet ons plastic afval?",
            "body": "We zoeken een **partner** voor plastic.",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    page = client.get(response.headers["Location"])
    assert "Wie recyclet ons plastic afval?" in page.get_data(as_text=True)
