"""forum071: the regional forum of Economie071."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import click
from flask import Flask

from .urls import SiteFlask

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
# A checkout keeps templates/, static/ and migrations/ at the top; an installed wheel carries
# them inside the package (setup.py's build step) and its compiled catalogues too.
INSTALLED = (PACKAGE_DIR / "templates").is_dir()
APP_FILES = PACKAGE_DIR if INSTALLED else ROOT


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the forum application."""
    app = SiteFlask(
        __name__,
        template_folder=str(APP_FILES / "templates"),
        static_folder=str(APP_FILES / "static"),
        # An install gets Flask's <prefix>/var/forum071-instance: never the package folder,
        # which may be read-only.
        instance_path=None if INSTALLED else str(ROOT / "instance"),
        instance_relative_config=True,
    )
    app.config.from_object("forum071.config")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)
    # A read-only install whose database is configured elsewhere needs no instance folder.
    with contextlib.suppress(OSError):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        database_path = Path(app.instance_path) / "forum071.sqlite"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database_path}"

    _refuse_default_secret(app)
    _trust_proxies(app)

    from . import (
        auth,
        cli,
        database,
        errors,
        fragments,
        i18n,
        labels,
        logs,
        mail,
        page_cache,
        pagination,
        passwords,
        ratelimits,
        security,
        sqlite,
        urls,
    )
    from .extensions import csrf, db, login_manager, migrate
    from .permissions import register_template_helpers
    from .rendering import markup_from_stored

    logs.init_app(app)
    passwords.configure_hasher(
        time_cost=app.config["PASSWORD_HASH_TIME_COST"],
        memory_cost=app.config["PASSWORD_HASH_MEMORY_COST"],
        parallelism=app.config["PASSWORD_HASH_PARALLELISM"],
    )
    db.init_app(app)
    database.init_app(app)
    sqlite.init_app(app)
    migrate.init_app(app, db, directory=str(APP_FILES / "migrations"))
    csrf.init_app(app)
    auth.init_login(app, login_manager)
    i18n.init_app(app)
    security.init_app(app)
    security.init_url_converters(app)
    errors.init_app(app)
    cli.init_app(app)
    mail.init_app(app)
    register_template_helpers(app)
    labels.init_app(app)
    pagination.init_app(app)
    urls.init_app(app)
    fragments.init_app(app)
    page_cache.init_app(app)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["cooked"] = markup_from_stored

    from .account.views import bp as account_bp
    from .api.views import bp as api_bp
    from .auth import confirm, reset  # noqa: F401 (add the confirmation and reset views)
    from .auth.views import bp as auth_bp
    from .feeds.views import bp as feeds_bp
    from .health import bp as health_bp
    from .main.views import bp as main_bp
    from .moderation import flags as moderation_flags
    from .moderation import log as moderation_log
    from .moderation import posts as moderation_posts
    from .moderation import queue as moderation_queue
    from .moderation import threads as moderation_threads
    from .moderation import users as moderation_users
    from .notifications.views import bp as notifications_bp
    from .pitches.views import bp as pitches_bp
    from .projects.views import bp as projects_bp
    from .questions.views import bp as questions_bp
    from .search.views import bp as search_bp
    from .themes.views import bp as themes_bp
    from .threads import edit_views  # noqa: F401 (adds its views to threads_bp)
    from .threads.views import bp as threads_bp
    from .threads.views import init_template_helpers as init_thread_helpers
    from .users.views import bp as users_bp

    for blueprint in (
        main_bp,
        auth_bp,
        account_bp,
        themes_bp,
        projects_bp,
        threads_bp,
        questions_bp,
        pitches_bp,
        notifications_bp,
        users_bp,
        search_bp,
        moderation_queue.bp,
        moderation_posts.bp,
        moderation_threads.bp,
        moderation_users.bp,
        moderation_log.bp,
        moderation_flags.bp,
        api_bp,
        feeds_bp,
        health_bp,
    ):
        app.register_blueprint(blueprint)
    init_thread_helpers(app)
    # Last: the limiter wraps the views the blueprints registered.
    ratelimits.init_app(app)
    return app


def _refuse_default_secret(app: Flask) -> None:
    """Refuse to serve requests with the public development key outside debug and tests.

    Maintenance commands (``flask db upgrade``, ``flask seed``) sign nothing, so they may run
    before a key is configured; serving (``flask run``, gunicorn) may not.
    """
    from .config import DEV_SECRET_KEY

    if app.config["SECRET_KEY"] != DEV_SECRET_KEY or app.debug or app.testing:
        return
    click_context = click.get_current_context(silent=True)
    serving = click_context is None or click_context.command.name == "run"
    if serving:
        raise RuntimeError(
            "forum071 refuses to serve with the built-in development SECRET_KEY. Set "
            "FLASK_SECRET_KEY (python -c 'import secrets; print(secrets.token_hex(32))') "
            "or SECRET_KEY in instance/config.py, or run with --debug for local development."
        )


def _trust_proxies(app: Flask) -> None:
    """Believe what the reverse proxies in front say, and only that: the client's address
    (X-Forwarded-For, PROXY_FIX_X_FOR proxies; rate limits count per address) and the scheme
    (X-Forwarded-Proto, PROXY_FIX_X_PROTO; feeds and the API give https:// addresses behind a
    TLS proxy). Headers no configured proxy sets could come from anyone."""
    for_proxies = int(app.config.get("PROXY_FIX_X_FOR", 0) or 0)
    proto_proxies = int(app.config.get("PROXY_FIX_X_PROTO", 0) or 0)
    if for_proxies > 0 or proto_proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=for_proxies, x_proto=proto_proxies, x_host=0, x_port=0, x_prefix=0
        )

