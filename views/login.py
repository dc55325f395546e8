import streamlit as st

from ktm import webapp

webapp.language_switch()
if webapp.team_user() is not None:
    st.switch_page("views/overview.py")
webapp.login_form()
