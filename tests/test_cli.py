"""Command-line tasks that operators run."""

from __future__ import annotations

from sqlalchemy import select

from forum071.extensions import db
from forum071.models import Notification, Post


def test_rerender_renders_stored_html_again_and_keeps_mentions(app, make, runner):
    author_id = make.user("auteur_cli")
    make.user("genoemd_lid")
    thread_id = make.thread(author_id, body="Vraag aan @genoemd_lid: **klopt** dit?")
    post_id = make.first_post_id(thread_id)
    with app.app_context():
        post = db.session.get(Post, post_id)
        post.body_html = "<p>stale</p>"
        db.session.commit()
        notifications_before = db.session.scalar(select(db.func.count(Notification.id)))

    result = runner.invoke(args=["rerender"])

    assert result.exit_code == 0, result.output
    assert "Re-rendered 1 posts" in result.output
    with app.app_context():
        html = db.session.get(Post, post_id).body_html
        notifications_after = db.session.scalar(select(db.func.count(Notification.id)))
    assert "<strong>klopt</strong>" in html
    assert 'href="/users/genoemd_lid"' in html
    assert notifications_after == notifications_before
