"""The engagement loops end to end, as people use them, through the pages and the API."""

from __future__ import annotations

import re
import uuid

from tests.conftest import CSRFClient
from tests.smtp_server import confirm_from_outbox

PASSWORD = "paars-fiets-onder-de-brug"


def register(app, username: str, role: str) -> CSRFClient:
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        "/auth/register",
        data={
            "username": username,
            "email": f"{username}@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "role": role,
            "organisation": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    # Registration no longer logs in: confirm the address, then log in.
    confirm_from_outbox(app, client, f"{username}@example.org")
    response = client.post("/auth/login", data={"login": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def start_thread(client: CSRFClient, **fields: object) -> int:
    response = client.post("/threads/new", data={"submission_id": uuid.uuid4().hex, **fields})
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(re.search(r"/threads/(\d+)", response.headers["Location"]).group(1))


def test_student_answers_entrepreneur_accepts_and_student_is_notified(app):
    entrepreneur = register(app, "ondernemer_eva", "entrepreneur")
    student = register(app, "student_sam", "student")
    thread_id = start_thread(
        entrepreneur,
        kind="question",
        theme="circulaire-economie",
        projects=["masterclass-circulaire-economie"],
        title="Welk plastic kunnen we zelf 3D-printen?",
        body="We hebben veel plastic afval. Welke soorten zijn geschikt?",
    )

    reply = student.post(
        f"/threads/{thread_id}/reply",
        data={
            "body": "PLA en PETG werken goed; begin met PETG-flessen.",
            "submission_id": uuid.uuid4().hex,
        },
    )
    assert reply.status_code == 303
    answer_id = app.test_client().get(f"/api/v1/threads/{thread_id}").get_json()["posts"][1]["id"]

    accepted = entrepreneur.post(f"/threads/{thread_id}/accept", data={"post_id": str(answer_id)})
    assert accepted.status_code == 303

    thread = app.test_client().get(f"/api/v1/threads/{thread_id}").get_json()
    assert thread["answered"] is True
    assert thread["accepted_post_id"] == answer_id
    assert thread["mix"] == {"entrepreneurs": True, "education": True, "government": False}
    unanswered = app.test_client().get("/api/v1/threads?answered=false").get_json()
    assert thread_id not in [item["id"] for item in unanswered["items"]]

    page = student.get(f"/threads/{thread_id}", follow_redirects=True).get_data(as_text=True)
    assert "PLA en PETG werken goed" in page
    notifications = student.get("/notifications").get_data(as_text=True)
    assert "accepted your answer" in notifications
    assert "Welk plastic kunnen we zelf 3D-printen?" in notifications


def test_a_pitch_gets_two_updates_and_its_followers_see_both(app):
    pitcher = register(app, "pitcher_piet", "entrepreneur")
    follower = register(app, "volger_vera", "official")
    thread_id = start_thread(
        pitcher,
        kind="pitch",
        theme="retail",
        title="Een leeg winkelpand als werkplaats voor reparaties",
        body="Wij willen een leeg pand gebruiken als repair-werkplaats.",
        stage="idea",
        ask="Een pand in de binnenstad",
        ask_categories=["location"],
    )
    followed = follower.post(f"/threads/{thread_id}/follow")
    assert followed.status_code == 303

    for stage, ask, body in (
        ("in_development", "Een studententeam voor de inrichting", "We hebben een pand."),
        ("pilot", "Een eerste klant", "De proefperiode van drie maanden is begonnen."),
    ):
        response = pitcher.post(
            f"/threads/{thread_id}/updates/new",
            data={"body": body, "stage": stage, "ask": ask, "submission_id": uuid.uuid4().hex},
        )
        assert response.status_code == 303, response.get_data(as_text=True)

    api = app.test_client().get(f"/api/v1/threads/{thread_id}").get_json()
    assert api["stage"] == "pilot"
    assert api["ask"] == "Een eerste klant"
    page = follower.get(f"/threads/{thread_id}", follow_redirects=True).get_data(as_text=True)
    assert page.index("De proefperiode") < page.index("We hebben een pand.")
    notifications = follower.get("/notifications").get_data(as_text=True)
    assert notifications.count("posted a progress update") == 2
