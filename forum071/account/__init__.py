"""A member's own account: password, sessions, language, their data and its deletion."""
