"""The AppTest fixtures of tests/app, shared with the survey form tests."""

from tests.app.conftest import app_env, team_password_hash  # noqa: F401
