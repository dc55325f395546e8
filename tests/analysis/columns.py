"""A stand-in for survey.schema.Column in the analysis tests: the analysis modules are
duck-typed on these attributes, so their tests need not build a questionnaire."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Col:
    name: str
    type: str = "scale5"
    kind: str = "scale"
    scale_min: float | None = 1
    scale_max: float | None = 5
    reverse: bool = False
    dimension: str | None = None
    role: str = "driver"
    item_id: str = ""
    label: dict = field(default_factory=dict)

    def __post_init__(self):
        self.item_id = self.item_id or self.name
        self.label = self.label or {"nl": f"Vraag {self.name}", "en": f"Question {self.name}"}


def overall(name: str = "tevredenheid") -> Col:
    """The overall-satisfaction item (0-10) the score, driver and trend tests share."""
    return Col(
        name,
        type="rating10",
        kind="rating",
        scale_min=0,
        scale_max=10,
        role="overall",
        dimension="globaal",
    )
