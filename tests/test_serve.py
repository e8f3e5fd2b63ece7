"""`triage serve`: the app in a browser, behind the same login. The options and refusals are
run in-process; the browser tests start the server and drive Debian's Chromium through
Playwright, reading the screen from xterm.js's own buffer, as the person would see it."""

from __future__ import annotations

import csv
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import OS_LOGIN, PASSWORD, SAMPLES, Run, write_requests_csv
from tests.mesh_server import free_port, make_certificates
from tests.test_deciding import PRACTICE
from triage.cli import main
from triage.web_server import is_this_computer_only

CHROMIUM = "/usr/bin/chromium"
# Requests a clerk can decide (an MGUS, a bariatric and an eating-disorder request), given
# names that appear nowhere else, so seeing one means seeing the patient's record.
PATIENTS = {"S04": "Olwen Trevethan", "S05": "Ifor Penhallow", "S06": "Morwenna Tregarthen"}
_START_SECONDS = 60.0  # a Python process per browser, on a busy two-core machine
_SCREEN_SECONDS = 60.0


# --- the options and refusals -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("127.3.2.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),  # every address
        ("::", False),
        ("192.168.1.20", False),
        ("triage.harbour-street.nhs.uk", False),
    ],
)
def test_only_loopback_addresses_count_as_this_computer(host: str, local: bool) -> None:
    assert is_this_computer_only(host) is local


def test_serving_beyond_this_computer_without_tls_is_refused(run: Run, db_path: Path) -> None:
    ran = run("--db", db_path, "serve", "--host", "0.0.0.0")
    assert ran.status == 1
    assert ran.err_lines == [
        "triage: error: serving on 0.0.0.0 without TLS would send passwords and patient details "
        "across the network in clear text: give --certificate and --key (or keep to 127.0.0.1)"
    ]


def test_a_certificate_needs_its_key_and_the_demo_is_not_served(run: Run, db_path: Path) -> None:
    ran = run("--db", db_path, "serve", "--certificate", db_path)
    assert ran.status == 2 and "give --certificate and --key together" in ran.err
    ran = run("--demo", "serve")
    assert ran.status == 2 and "the demo has no passwords, so it is not served" in ran.err


def test_a_certificate_or_key_that_cannot_be_used_is_one_line(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    certificates = make_certificates(tmp_path)
    cert, key = certificates.server_cert, certificates.server_key
    missing = tmp_path / "missing.pem"
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("not a key\n", encoding="utf-8")
    not_pem.chmod(0o600)
    shared_key = tmp_path / "shared-key.pem"
    shared_key.write_bytes(key.read_bytes())
    shared_key.chmod(0o644)
    cases = {
        (cert, missing): f"triage: error: {missing}: no such key file",
        (missing, key): f"triage: error: {missing}: no such file",
        (cert, not_pem): f"triage: error: cannot use {cert} and {not_pem} for TLS: they must "
        "be a PEM certificate and the private key that goes with it",
        (cert, certificates.client_key): f"triage: error: cannot use {cert} and "
        f"{certificates.client_key} for TLS: they must be a PEM certificate and the private key "
        "that goes with it",  # a key, but not this certificate's
        (cert, shared_key): f"triage: error: {shared_key}: the TLS key can be read by others; "
        f"make it private: chmod 600 {shared_key}",
    }
    for (certificate, private_key), said in cases.items():
        ran = run("--db", db_path, "serve", "--certificate", certificate, "--key", private_key)
        assert (ran.status, ran.err_lines) == (1, [said])


def test_a_missing_database_is_said_before_anything_is_served(run: Run, tmp_path: Path) -> None:
    ran = run("--db", tmp_path / "typo.db", "serve")
    assert ran.status == 1
    assert ran.err_lines[0].startswith(f"triage: error: no database at {tmp_path / 'typo.db'}")


def test_the_served_app_asks_everyone_to_log_in_and_keeps_no_session(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    """What each browser session runs (`--served`): even with the operator's password file set
    and their session open, it opens on the login screen offering no name, and a login there
    leaves no session behind for the next browser to find."""
    assert run("--db", db_path, "users", "list").status == 0  # pat, the operator, logged in
    sessions = Path(os.environ["XDG_STATE_HOME"]) / "shared-care-triage" / "sessions"
    kept = {path: path.read_text() for path in sessions.iterdir()}
    assert kept  # pat's session is there to be misused
    opened: list[tuple[str, str]] = []

    def open_ui(workspace: object, log_in: Callable[..., Any], name: str) -> None:
        assert workspace is None  # nobody is logged in, whatever the environment says
        opened.append((name, log_in(OS_LOGIN, PASSWORD, None).user.name))

    with pytest.raises(SystemExit) as exited:
        main(["--db", str(db_path), "--served"], open_ui=open_ui)
    assert exited.value.code == 0
    assert opened == [("", OS_LOGIN)]  # no name offered; logged in with the password typed
    assert {path: path.read_text() for path in sessions.iterdir()} == kept  # none new, none renewed

    with pytest.raises(SystemExit) as exited:
        main(["--db", str(db_path), "--served", "queue"], open_ui=open_ui)
    assert exited.value.code == 2  # it opens the app and nothing else


# --- in a browser -----------------------------------------------------------------------------


@dataclass
class Served:
    url: str
    database: Path
    process: subprocess.Popen[bytes]
    output: Path

    def app_processes(self) -> set[int]:
        """The sessions' app processes: the server's children (each is exec'd by its shell)."""
        children = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # it ended as we looked
            if int(fields[1]) == self.process.pid:
                children.add(int(stat.parent.name))
        return children


def practice_to_serve(run: Run, db_path: Path, tmp_path: Path) -> Path:
    """A practice's database: pat its manager, cleo a clerk with her password, and three
    requests from named patients."""
    password_file = Path(os.environ["TRIAGE_PASSWORD_FILE"])
    for args in (
        PRACTICE,
        ("policy", "activate", "weymouth-portland-pcn"),
        ("users", "add", "cleo", "--role", "clerk", "--password-file", password_file),
    ):
        assert run("--db", db_path, *args).status == 0
    with (SAMPLES / "requests.csv").open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        samples = {row["ref"]: row for row in reader}
        columns = list(reader.fieldnames or [])
    rows = [
        [name if column == "patient_name" else samples[ref][column] for column in columns]
        for ref, name in PATIENTS.items()
    ]
    requests = write_requests_csv(tmp_path / "requests.csv", rows, columns)
    assert run("--db", db_path, "import", requests).status == 0
    return db_path


def start_serving(database: Path, tmp_path: Path, *options: str) -> Served:
    """`triage serve` in a process of its own, as a practice runs it, with the operator's own
    password file and open session in its environment (which no browser may use)."""
    port = free_port()
    output = tmp_path / "serve.out"
    with output.open("wb") as log:
        command = [sys.executable, "-m", "screens", "--db", str(database), "serve"]
        process = subprocess.Popen(
            [*command, "--port", str(port), *options],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
        )
    scheme = "https" if "--certificate" in options else "http"
    served = Served(f"{scheme}://127.0.0.1:{port}/", database, process, output)
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"triage serve stopped: {output.read_text()}")
        if "serving the app at" in output.read_text():
            return served
        time.sleep(0.2)
    stop_serving(served)
    raise AssertionError(f"triage serve did not start: {output.read_text()}")


def stop_serving(served: Served) -> None:
    served.process.send_signal(signal.SIGINT)  # Ctrl+C
    try:
        served.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.wait()


@pytest.fixture
def served(run: Run, db_path: Path, tmp_path: Path) -> Iterator[Served]:
    server = start_serving(practice_to_serve(run, db_path, tmp_path), tmp_path)
    yield server
    stop_serving(server)


def _browser_missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (Debian's package `chromium`)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (`pip install playwright`)"
    return None


# Catches xterm.js's Terminal as textual-serve's page makes it (`this.terminal = new Terminal`),
# so the test reads the screen from xterm's own buffer: what the person sees, as text.
_CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    window.triageTerminal = value;
    Object.defineProperty(this, "terminal", {value, writable: true, enumerable: true});
  },
});
"""
_SCREEN_TEXT = """() => {
  const terminal = window.triageTerminal;
  if (!terminal) return "";
  const buffer = terminal.buffer.active, lines = [];
  for (let row = 0; row < buffer.length; row++) lines.push(buffer.getLine(row).translateToString(true));
  return lines.join("\\n");
}"""


@dataclass
class Browser:
    """One person's browser: its own context (no cookies or storage shared with another)."""

    page: Any
    received: list[str] = field(default_factory=list)  # what the server sent, as it came

    def screen(self) -> str:
        return str(self.page.evaluate(_SCREEN_TEXT))

    def wait_to_see(self, *texts: str) -> str:
        deadline = time.monotonic() + _SCREEN_SECONDS
        while time.monotonic() < deadline:
            shown = self.screen()
            if all(text in shown for text in texts):
                return shown
            time.sleep(0.2)
        raise AssertionError(f"never saw {texts} in:\n{self.screen()}")

    def type(self, *keys: str) -> None:
        """Keys at a person's pace: Textual moves the focus (Tab) while later keys arrive."""
        self.page.focus(".xterm-helper-textarea")  # where xterm.js takes the keyboard's keys
        for key in keys:
            if key[:1].isupper():  # "Enter", "Tab", "F4"...
                self.page.keyboard.press(key)
            else:
                self.page.keyboard.type(key, delay=40)
            time.sleep(0.5)

    def everything_served(self) -> str:
        """The page, and every byte of the app's screen it was sent."""
        return str(self.page.content()) + "".join(self.received)


@pytest.fixture
def browsers() -> Iterator[Callable[[str], Browser]]:
    missing = _browser_missing()
    if missing:
        if os.environ.get("TRIAGE_REQUIRE_BROWSER"):  # CI: a skipped browser test is a failure
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

        def open_page(url: str) -> Browser:
            context = chromium.new_context(
                viewport={"width": 1280, "height": 800}, ignore_https_errors=True
            )
            context.add_init_script(_CATCH_TERMINAL)
            page = context.new_page()
            browser = Browser(page)

            def on_websocket(websocket: Any) -> None:
                def received(payload: bytes | str) -> None:
                    text = (
                        payload if isinstance(payload, str) else payload.decode("utf-8", "replace")
                    )
                    browser.received.append(text)

                websocket.on("framereceived", received)

            page.on("websocket", on_websocket)
            page.goto(url)
            return browser

        yield open_page
        chromium.close()


def assert_shows_no_patient(browser: Browser) -> None:
    served = browser.everything_served() + browser.screen()
    for ref, name in PATIENTS.items():
        assert name not in served and name.split()[1] not in served, ref


def test_in_a_browser_a_clerk_logs_in_decides_and_sees_it_in_the_log(
    served: Served, browsers: Callable[[str], Browser], run: Run, tmp_path: Path
) -> None:
    clerk = browsers(served.url)
    login = clerk.wait_to_see("Log in to shared-care triage", "your user name")
    assert OS_LOGIN not in login  # the operator's name is not offered (nor given away)
    assert_shows_no_patient(clerk)

    clerk.type("cleo", "Tab", PASSWORD)
    clerk.wait_to_see("cleo", "•" * len(PASSWORD))
    clerk.type("Enter")
    # Every row's ref, not only the first drawn: the browser paints a frame as its bytes arrive,
    # so one look can catch the table half drawn (seen once in CI). The full name is the pane's.
    clerk.wait_to_see("cleo (clerk)", "Olwen Trevethan", *PATIENTS)
    clerk.type("a")  # accept the policy's suggestion for the request the cursor is on
    clerk.type("F4")
    log = clerk.wait_to_see("Decision log", "decision")
    assert "cleo" in log

    export = tmp_path / "decided.jsonl"
    assert run("--db", served.database, "log", "export", "--out", export).status == 0
    decisions = [json.loads(line) for line in export.read_text().splitlines()]
    assert len(decisions) == 1
    assert decisions[0]["decided_by"] == "cleo"
    assert decisions[0]["patient_name"] in PATIENTS.values()

    (session,) = served.app_processes()
    clerk.type("q")  # quitting in the browser ends that session's process
    clerk.page.wait_for_selector("body.-closed", timeout=_SCREEN_SECONDS * 1000)
    deadline = time.monotonic() + _SCREEN_SECONDS
    while session in served.app_processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert session not in served.app_processes()


def test_a_browser_that_has_not_logged_in_sees_only_the_login_screen(
    served: Served, browsers: Callable[[str], Browser]
) -> None:
    clerk = browsers(served.url)
    clerk.wait_to_see("Log in to shared-care triage")
    clerk.type("cleo", "Tab", PASSWORD)
    clerk.wait_to_see("•" * len(PASSWORD))
    clerk.type("Enter")
    clerk.wait_to_see("cleo (clerk)", "Olwen Trevethan")

    stranger = browsers(served.url)  # another browser, while cleo is logged in
    stranger.wait_to_see("Log in to shared-care triage")
    stranger.type("F2", "F4", "F3")  # the app's screens wait for a login
    screen = stranger.wait_to_see("Log in to shared-care triage")
    assert "cleo" not in screen and "Decision log" not in screen
    assert_shows_no_patient(stranger)
    assert len(served.app_processes()) == 2  # a session (a process) each


def test_with_a_certificate_the_app_is_served_over_tls_to_its_own_pages_only(
    run: Run, db_path: Path, tmp_path: Path
) -> None:
    certificates = make_certificates(tmp_path)
    server = start_serving(
        db_path, tmp_path, "--certificate", str(certificates.server_cert),
        "--key", str(certificates.server_key),
    )  # fmt: skip
    try:
        trusted = ssl.create_default_context(cafile=str(certificates.ca))
        with urllib.request.urlopen(server.url, context=trusted, timeout=30) as page:
            html = page.read().decode()
        assert f'data-session-websocket-url="wss://127.0.0.1:{server.url.split(":")[2]}ws"' in html
        with pytest.raises(OSError):  # nothing is said in clear text
            urllib.request.urlopen(server.url.replace("https", "http"), timeout=30)
        assert login_screen_over_websocket(server.url, trusted, origin=server.url[:-1])
        with pytest.raises(Exception, match="403"):  # a page elsewhere may not open the app
            login_screen_over_websocket(server.url, trusted, origin="https://elsewhere.example")
    finally:
        stop_serving(server)


def login_screen_over_websocket(url: str, tls: ssl.SSLContext, origin: str) -> bool:
    """Open a session as the page's script does, and wait for the login screen to arrive."""
    import asyncio

    import aiohttp

    async def session() -> bool:
        address = url.replace("https", "wss") + "ws?width=100&height=30"
        async with (
            aiohttp.ClientSession() as client,
            client.ws_connect(address, ssl=tls, headers={"Origin": origin}) as websocket,
        ):
            screen = ""
            async with asyncio.timeout(_SCREEN_SECONDS):
                async for message in websocket:
                    if message.type == aiohttp.WSMsgType.BINARY:
                        screen += message.data.decode("utf-8", "replace")
                    if "Log in to shared-care triage" in screen:
                        await websocket.send_str(json.dumps(["stdin", "\x1b"]))  # Escape: quit
                        return True
            return False

    return asyncio.run(session())
