"""The organisation that runs the measurement: the names people read in the pages, the e-mails
and the workbook. ``ktm.config`` builds it from the settings (KTM_ORG_*), so another team of
the department can run its own measurement with the same tool; the defaults are the e-loket's.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Organisation:
    department: str = "Departement Zorg"  # its Dutch name, used in both languages' sentences
    department_en: str = "Flemish Department of Care"
    team: str = "Zorgberoepen"
    contact: str = "1700"  # how respondents reach the team (the Flemish info line)

    @property
    def sender_name(self) -> str:
        """The e-mails' display name."""
        return f"{self.department} – {self.team}"

    def names(self) -> dict[str, str]:
        """The names as template fields: {department}, {department_en}, {team}, {contact}."""
        return {
            "department": self.department,
            "department_en": self.department_en,
            "team": self.team,
            "contact": self.contact,
        }
