"""What changed between two questionnaire versions: items added, removed, reworded (per
language) and changed in type or answer scale. Plain data in, plain data out."""

from __future__ import annotations

from dataclasses import dataclass, field

from survey.schema import Item, Questionnaire


@dataclass(frozen=True)
class Reworded:
    item: str
    language: str
    old: str
    new: str


@dataclass(frozen=True)
class VersionDiff:
    added: list[str] = field(default_factory=list)  # item ids, in the new version's order
    removed: list[str] = field(default_factory=list)  # item ids, in the old version's order
    reworded: list[Reworded] = field(default_factory=list)  # label text per language
    rescaled: list[str] = field(default_factory=list)  # type, scale, choices or statements

    @property
    def same(self) -> bool:
        return not (self.added or self.removed or self.reworded or self.rescaled)


def _answer_form(q: Questionnaire, item: Item) -> tuple:
    """What an answer means: its type, scale, options (codes and labels) and statements."""
    return (
        item.type,
        item.scale,
        item.na,
        tuple((code, tuple(sorted(label.items()))) for code, label in q.choice_options(item)),
        tuple(tuple(sorted(s.items())) for s in item.statements or ()),
    )


def compare_questionnaires(old: Questionnaire, new: Questionnaire) -> VersionDiff:
    before = {it.id: it for it in old.items()}
    after = {it.id: it for it in new.items()}
    reworded: list[Reworded] = []
    rescaled: list[str] = []
    for item_id, it in after.items():
        was = before.get(item_id)
        if was is None:
            continue
        for lang in sorted(set(was.label) | set(it.label)):
            a, b = was.label.get(lang, ""), it.label.get(lang, "")
            if a.strip() != b.strip():
                reworded.append(Reworded(item_id, lang, a, b))
        if _answer_form(old, was) != _answer_form(new, it):
            rescaled.append(item_id)
    return VersionDiff(
        added=[i for i in after if i not in before],
        removed=[i for i in before if i not in after],
        reworded=reworded,
        rescaled=rescaled,
    )
