"""A real server process with the demo loaded, and Debian's Chromium via Playwright."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = {**os.environ, "SCHAKEL_DATA_DIR": str(data_dir)}
    env.pop("SCHAKEL_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "schakel", "demo"],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = _free_port()
    log = open(Path(data_dir) / "server.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "schakel", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("server did not start")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("SCHAKEL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} ontbreekt")
        pytest.skip(f"{CHROMIUM} ontbreekt (installeer Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, locale="nl-NL")
    tab = context.new_page()
    errors: list[str] = []
    # A 401 on a failed log-in is an expected answer, not a page error; CSP
    # violations and script errors are.
    tab.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "status of 401" not in msg.text
            else None
        ),
    )
    yield tab
    context.close()
    assert not errors, f"browser console errors: {errors}"


def log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    from schakel.services.demo import demo_password

    page.goto("/login")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(demo_password())
    page.get_by_role("button", name="Inloggen").click()
