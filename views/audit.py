"""Auditlogboek: who did what, when, on which wave (the audit trail, append-only)."""

import pandas as pd
import streamlit as st

from ktm import webapp
from ktm.services import audit as audit_svc
from ktm.webapp import t

webapp.require_page("audit")
st.title(t("Auditlogboek", "Audit trail"))
st.caption(
    t(
        "Elke handeling die gegevens wijzigt of persoonsgegevens vrijgeeft, met wie, wanneer en "
        "op welke bevraging. De toepassing kan deze rijen niet wijzigen of wissen. Ook op de "
        "opdrachtregel: `ktm audit`.",
        "Every action that changes data or reveals personal data, with who, when and on which "
        "wave. The application cannot change or delete these rows. On the command line too: "
        "`ktm audit`.",
    )
)
lang = 1 if webapp.lang() == "en" else 0
kinds = {"": t("Alle handelingen", "All actions")} | {
    k: v[lang] for k, v in audit_svc.ACTIONS.items()
}
kind = st.selectbox(t("Handeling", "Action"), list(kinds), format_func=kinds.get, key="audit_kind")
rows = audit_svc.entries(webapp.engine(), action=kind or None, limit=1000)
if not rows:
    st.info(t("Nog niets vastgelegd.", "Nothing recorded yet."))
    st.stop()
table = pd.DataFrame(
    {
        t("Wanneer (UTC)", "When (UTC)"): [
            pd.Timestamp(r["at"]).strftime("%Y-%m-%d %H:%M:%S") for r in rows
        ],  # fmt: skip
        t("Wie", "Who"): [r["actor"] for r in rows],
        t("Rol", "Role"): [r["role"] or "" for r in rows],
        t("Handeling", "Action"): [
            audit_svc.ACTIONS.get(r["action"], (r["action"],) * 2)[lang] for r in rows
        ],  # fmt: skip
        t("Bevraging", "Wave"): [
            f"{r['wave_name']} ({r['wave_id']})" if r["wave_id"] is not None else "" for r in rows
        ],
        t("Details", "Details"): [
            ", ".join(f"{k}: {v}" for k, v in (r["details"] or {}).items()) for r in rows
        ],
    }
)
st.dataframe(table, hide_index=True, width="stretch")
