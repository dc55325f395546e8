"""The AppTest fixtures of tests/app, shared with the survey form tests.

`app_env` here is the app on an empty database file: each test writes its own wave and
invitations before the first run, so the demo world is not seeded and the rows are known.
"""

import pytest

from tests.app.conftest import empty_app_env, team_password_hash  # noqa: F401


@pytest.fixture
def app_env(empty_app_env):  # noqa: F811
    return empty_app_env
