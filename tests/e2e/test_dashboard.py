"""The dashboard in a real browser against the whole local stack: log in, health, live socket."""

from __future__ import annotations

from typing import Any

from devstack.local.runner import DEMO_EMAIL, DEMO_PASSWORD
from tests.support.devstack import DevstackProcess


def _dashboard(devstack: DevstackProcess) -> str:
    return f"http://localhost:{devstack.ports['DASHBOARD_PORT']}/"


def _new_page(browser: Any) -> Any:
    page = browser.new_page()
    page.set_default_timeout(20_000)
    return page


def _submit_login(page: Any, devstack: DevstackProcess, password: str) -> None:
    page.goto(_dashboard(devstack))
    page.fill("input[name=email]", DEMO_EMAIL)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_demo_user_logs_in_sees_health_and_a_live_socket(devstack: DevstackProcess, browser: Any) -> None:
    page = _new_page(browser)
    _submit_login(page, devstack, DEMO_PASSWORD)

    page.wait_for_selector("#app-view:not([hidden])")
    assert page.text_content("#who") == f"{DEMO_EMAIL} (admin)"
    page.wait_for_selector("#components li")
    assert "mongodb" in page.text_content("#components")
    # THEN the live socket opens and a ping makes the whole round trip (browser → gateway → ws
    # function → @connections → browser)
    page.wait_for_function("document.getElementById('ws-state').textContent === 'open'")
    page.wait_for_function("document.getElementById('events').textContent.includes('pong')")
    page.close()


def test_wrong_password_shows_the_error_and_its_trace_id(devstack: DevstackProcess, browser: Any) -> None:
    page = _new_page(browser)
    _submit_login(page, devstack, "not-the-password")
    page.wait_for_function("document.getElementById('login-error').textContent.length > 0")
    message = page.text_content("#login-error") or ""
    assert "trace" in message
    assert page.is_visible("#login-view")
    page.close()


def test_logout_returns_to_the_login_form_and_revokes_the_token(devstack: DevstackProcess, browser: Any) -> None:
    page = _new_page(browser)
    _submit_login(page, devstack, DEMO_PASSWORD)
    page.wait_for_selector("#app-view:not([hidden])")
    token = page.evaluate("sessionStorage.getItem('tradecore.token')")
    page.click("#logout")
    page.wait_for_selector("#login-view:not([hidden])")

    import requests

    response = requests.get(
        f"{devstack.core_url}/api/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 401
    page.close()
