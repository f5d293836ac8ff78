"""Atom feeds of the latest threads, a theme, a project and a thread's posts."""
