"""Changing a member's own profile."""

from __future__ import annotations

from ..models import User


def update_profile(user: User, organisation: str, bio: str) -> User:
    """Set what a member says about themself; both are plain text, shown escaped."""
    user.organisation = organisation.strip()
    user.bio = bio.strip()
    return user
