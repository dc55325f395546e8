"""The sampling core's refusals of a design, as a code with its parameters.

A design the team asks for (sample size, margin of error, minimum per stratum, S_h, ...) that
cannot be made raises :class:`DesignError`: still a ValueError with an English message for an
analyst at the Python prompt, and a ``code`` with ``params`` (plain numbers, names, lists) from
which the presentation layer words it for people (ktm.services.messages), in their language.
"""

from __future__ import annotations

from typing import Any


class DesignError(ValueError):
    """A design that cannot be made: ``code`` says which refusal, ``params`` its figures."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params
