import streamlit as st

from ktm import webapp
from ktm.webapp import t

webapp.engine()
st.title(t("Tevredenheid over het e-loket", "Satisfaction with the e-loket"))
st.info(
    t(
        "Deze bevraging is bereikbaar via uw persoonlijke link.",
        "This survey is reached through your personal link.",
    )
)
