"""The errors a front end shows as one line, without a traceback."""


class UserError(ValueError):
    """A bad option, file, profile or environment that the user can fix; the message says
    what to do. The CLI prints it as one line and exits with 2."""


class RunFailed(RuntimeError):
    """A run stopped with an error that is not the user's doing (the learner crashed, say),
    after releasing every key and saving what it could. The CLI prints one line and exits 1."""
