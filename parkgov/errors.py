"""One error hierarchy for parkgov, mapped once to CLI exit codes (and later to HTTP and Excel reports)."""


class ParkgovError(Exception):
    """Base class: a problem the user can understand and act on; the message is Chinese and complete."""

    exit_code = 1


class ConfigError(ParkgovError):
    """Settings or environment are invalid."""

    exit_code = 2


class UsageError(ParkgovError):
    """A command-line option has a value the command does not accept."""

    exit_code = 2


class InputError(ParkgovError):
    """A file or value given by the user cannot be accepted."""

    exit_code = 1


class ImportRejected(InputError):
    """An import found errors; nothing was written. Carries the report."""

    def __init__(self, message, report=None):
        super().__init__(message)
        self.report = report


class NotFound(ParkgovError):
    """A named record does not exist."""

    exit_code = 1


class ConflictError(ParkgovError):
    """Someone else changed the record since it was read (optimistic locking)."""

    exit_code = 1
