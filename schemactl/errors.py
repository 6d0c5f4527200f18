"""Errors users see, and the exit codes, defined once."""
from __future__ import annotations

EXIT_OK = 0  # success; with --detailed-exitcode: in sync
EXIT_ERROR = 1  # any error, including invalid input and click usage errors
EXIT_CHANGES = 2  # only with --detailed-exitcode: changes pending


class SchemactlError(Exception):
    """An error with a message fit for the user; the CLI prints it as one line and exits 1."""


class ConnectionFailed(SchemactlError):
    """The cluster could not be reached or refused us (`credentials`: refused what we sent)."""

    def __init__(self, message: str, credentials: bool = False):
        super().__init__(message)
        self.credentials = credentials


class RequestRefused(SchemactlError):
    """The cluster answered a write with an error status; `status` says which."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during an apply's step; the message names the step and what to do next."""
