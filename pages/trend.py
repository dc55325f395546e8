import streamlit as st

from ktm import webapp
from ktm.webapp import t

webapp.require_team()
wave = webapp.wave_selector()
st.title(t("Trend", "Trend"))
st.info(t("Deze pagina volgt.", "This page is coming."))
