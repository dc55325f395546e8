"""XSRF protection in the running server (issue 11 item 4), not only in .streamlit/config.toml:
the page sets Streamlit's XSRF cookie, and a state-changing request (a file upload, as on the
team's frame upload) without the matching token is refused with 403."""

from __future__ import annotations

import urllib.error
import urllib.request

from tests.browser.conftest import settle


def test_the_running_server_enforces_xsrf(survey_world, page):
    page.goto(f"{survey_world.url}/feedback")
    settle(page)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert "_streamlit_xsrf" in cookies, sorted(cookies)

    request = urllib.request.Request(  # noqa: S310 (a local test server)
        f"{survey_world.url}/_stcore/upload_file/some-session/some-file",
        data=b"--x--",
        method="PUT",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    try:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
        status = 200
    except urllib.error.HTTPError as exc:
        status = exc.code
    assert status == 403  # without XSRF protection: 400 (unknown session) instead
