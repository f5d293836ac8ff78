"""Forms of the follow, support and notification buttons."""

from __future__ import annotations

from wtforms import HiddenField

from ..forms import ActionForm


class ButtonForm(ActionForm):
    """A POST button (support, follow, mark read): its CSRF token and where to go back to.

    ``next`` is only followed when it is a path on this site (security.safe_next_url).
    """

    next = HiddenField()
