import streamlit as st

from ktm.webapp import t

st.title(t("Wat doen we met uw feedback?", "What we do with your feedback"))
st.info(t("Deze pagina volgt.", "This page is coming."))
