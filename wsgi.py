"""Entry point for production servers: gunicorn wsgi:app."""

from forum071 import create_app

app = create_app()
