"""Errors that are the user's to fix: the CLI prints them as one line, without a traceback."""


class UserError(ValueError):
    """A bad option, file or environment id; the message says what to do."""
