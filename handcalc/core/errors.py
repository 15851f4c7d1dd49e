"""The one error type a user ever sees: a field and what was expected of it."""

from __future__ import annotations


class SpecError(Exception):
    """A problem with a spec or a request, named by the field it concerns.

    ``str(err)`` is one line: ``layers[1].weights: expected 3×2, got 2×3``.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message

    def __reduce__(self) -> tuple:
        """Pickled as (field, message): an error raised in a worker process reaches its caller whole."""
        return type(self), (self.field, self.message)
