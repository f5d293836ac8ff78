"""The reference page for bench/run: bare Flask + Flask-SQLAlchemy + SQLite.

One page, ``/``, lists the 20 newest of 50,000 rows ``items(id, title, created_at)`` (an index
on created_at) through a tiny template. forum071's pages are measured as a ratio to this: what
the same machine, Python and web server do for about the least work a database page can do.

    python bench/reference_app.py init PATH [--rows 50000]   # make the database
    REFERENCE_DATABASE=PATH gunicorn -w 2 --chdir bench 'reference_app:create_app()'
"""

from __future__ import annotations

import argparse
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask, render_template
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Index, Integer, String, insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

HERE = Path(__file__).resolve().parent
ROWS = 50_000
WORDS = ["circulair", "fiets", "campus", "haven", "markt", "talent", "data", "energie"]


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Item(db.Model):
    __tablename__ = "items"
    __table_args__ = (Index("ix_items_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)


def create_app(database: str | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(HERE / "templates"))
    path = database or os.environ["REFERENCE_DATABASE"]
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(path).resolve()}"
    db.init_app(app)

    @app.get("/")
    def newest():
        items = db.session.scalars(db.select(Item).order_by(Item.created_at.desc()).limit(20)).all()
        return render_template("items.html", items=items)

    return app


def init_database(path: Path, rows: int = ROWS, seed: int = 71) -> None:
    """(Re)create the reference database with ``rows`` deterministic items."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    app = create_app(str(path))
    rng = random.Random(seed)  # noqa: S311 - fake data
    start = datetime(2024, 11, 1, tzinfo=UTC).replace(tzinfo=None)
    with app.app_context():
        db.create_all()
        batch = []
        for number in range(1, rows + 1):
            title = " ".join(rng.choices(WORDS, k=rng.randint(3, 7))).capitalize()
            moment = start + timedelta(seconds=rng.randrange(0, 730 * 86400))
            batch.append({"id": number, "title": f"{title} {number}", "created_at": moment})
            if len(batch) == 10_000:
                db.session.execute(insert(Item), batch)
                batch.clear()
        if batch:
            db.session.execute(insert(Item), batch)
        db.session.commit()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create the reference database")
    init.add_argument("path", type=Path)
    init.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()
    if args.command == "init":
        init_database(args.path, args.rows)


if __name__ == "__main__":
    main()
