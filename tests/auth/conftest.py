"""The app's fixtures (tests/app): the real app.py on a copy of the demo world."""

from tests.app.conftest import app_env, team_password_hash  # noqa: F401
