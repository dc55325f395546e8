"""Notes on a result: what the analysis did, or could not do, as a code with its parameters.

The analysis says what happened in numbers and codes; ``report.wording`` says it to people,
in Dutch or English. A note is hashable (its parameters are a tuple), so a column of notes
can be de-duplicated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Note:
    code: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def args(self) -> dict[str, Any]:
        return dict(self.params)


def note(code: str, **params: Any) -> Note:
    """A Note; list parameters become tuples (hashable)."""
    return Note(code, tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
