"""The AppTest fixtures of tests/app, for the login checks of the team pages."""

from tests.app.conftest import app_env, team_password_hash  # noqa: F401
