"""The web UI (DESIGN.md §6, docs/control-api.md) in headless Debian chromium, driven through the
DevTools protocol against a real station and the test CSMS: the first paint comes from the state
and the frames inline in the page (no empty 'connecting' page, the log's history), every action
shows what its answer says (a rejected card with its tag and result, a refused command with its
HTTP status and reason), faults by everest-core name, the limit with what sets it, buttons only
when they make sense, the connection with why it is offline, and no horizontal overflow at 1280
and 390 px wide. The last test writes screenshots at both widths to tests/conformance/screenshots/
for a reviewer. Every wait is on a condition (the page's DOM, a CSMS message, the state)."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from pathlib import Path

import pytest
from ocpp.v16 import call
from ocpp.v16.enums import AuthorizationStatus

from chromium import Browser, chromium, screenshot
from core_steps import FAST_RECONNECT, booted, session, unplug_and_wait
from pricing_steps import FINAL_COST, USER_PRICE, cost_message, pricing, running_cost
from feature_steps import expiry_in

PNG = b"\x89PNG\r\n\x1a\n"
SHOTS = Path(__file__).resolve().parent / "screenshots"
TWO_EVSES = {"Core": {"NumberOfConnectors": 2}}


@pytest.fixture
def browser(tmp_path):
    binary = chromium()
    if binary is None:
        pytest.skip("no chromium (.ci/run installs it)")
    made = []

    def make() -> Browser:
        b = Browser(binary, tmp_path / f"browser{len(made)}")
        made.append(b)
        return b

    yield binary, make
    for b in made:
        b.close()


def js(value) -> str:
    """`value` as a JavaScript literal."""
    return json.dumps(value)


def card(n: int) -> str:
    """The JavaScript expression of connector `n`'s card."""
    return f"document.querySelector('#connectors .card[data-connector=\"{n}\"]')"


def in_card(n: int, selector: str) -> str:
    return f"{card(n)}?.querySelector({js(selector)})"


def disabled(page: Browser, n: int) -> dict:
    """Which of connector `n`'s buttons are disabled, by label."""
    return page.evaluate(
        f"Object.fromEntries([...{card(n)}.querySelectorAll('button')]"
        ".map((b) => [b.textContent, b.disabled]))")


def latest_result(page: Browser, contains: str, kind: str | None = None) -> str:
    """Waits until the newest line of the action results contains `contains` (and has the
    class `kind`); returns its text."""
    cond = f"document.querySelector('#results li')?.textContent.includes({js(contains)})"
    if kind is not None:
        cond += f" && document.querySelector('#results li').className === {js(kind)}"
    page.wait_for(cond)
    return page.evaluate("document.querySelector('#results li').textContent")


def swipe_on_page(page: Browser, tag: str, connector: int | None = None) -> None:
    """Types `tag` into the page's RFID form (for `connector`, or any) and submits it."""
    assert page.evaluate(
        f"document.getElementById('idtag').value = {js(tag)};"
        f"document.getElementById('swipefor').value = {js(str(connector or ''))};"
        "document.getElementById('swipe').requestSubmit(); true")


def click(page: Browser, expression: str) -> None:
    assert page.evaluate(f"(() => {{ const b = {expression}; b.click(); return true; }})()")


def no_overflow(page: Browser, width: int) -> None:
    """Nothing scrolls sideways in a window `width` px wide. (A phone's layout viewport grows to
    what is too wide, innerWidth with it: hence the check against `width` too.)"""
    sizes = page.evaluate("({scroll: document.documentElement.scrollWidth, "
                          "body: document.body.scrollWidth, inner: window.innerWidth, "
                          "client: document.documentElement.clientWidth})")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right"
        f" > {width} + 0.5).slice(0, 5).map((e) => e.tagName + '.' + e.className + '#' + e.id)")
    assert sizes["inner"] == width and sizes["scroll"] <= width and sizes["body"] <= width, (
        sizes, wide)


def set_width(page: Browser, width: int, height: int) -> None:
    """The window `width` x `height` (a phone when narrow), once the page has it."""
    page.viewport(width, height, mobile=width < 600)
    page.wait_for(f"document.documentElement.clientWidth <= {width}")


def watch_errors(page: Browser) -> None:
    assert page.evaluate("window.__errors = []; window.addEventListener('error', "
                         "(e) => window.__errors.push(e.message)); true")


def open_ui(make_station, csms, make_browser, *args, connectors=(1,), **kwargs):
    station = make_station(*args, **kwargs)
    booted(csms, station, connectors=connectors)
    page = make_browser()
    page.send("Page.navigate", url=f"http://{station.addr}/")
    assert page.wait_for(f"{in_card(connectors[-1], '.status')}?.textContent") == "Available"
    watch_errors(page)
    return station, page


def test_web_ui_shows_connectors_and_connection(make_station, csms, browser, tmp_path):
    binary, make_browser = browser
    station = make_station()
    csms.wait_for("StatusNotification", lambda p: p["connectorId"] == 1)
    station.wait_state(lambda s: s["ocpp"]["registration"] == "Accepted")
    url = f"http://{station.addr}/"

    png = screenshot(binary, url, tmp_path)
    data = png.read_bytes()
    assert data[:8] == PNG and len(data) > 10_000, len(data)
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 900)

    page = make_browser()
    page.send("Page.navigate", url=url)
    title = page.wait_for("document.querySelector('#connectors .card .title')?.textContent")
    assert title == "Connector 1"
    # The card's status badge (the h2's second span).
    assert page.wait_for(
        "document.querySelector('#connectors .card h2 .badge')?.textContent") == "Available"
    assert page.wait_for("document.getElementById('connected').textContent === 'connected' && "
                         "document.getElementById('registration').textContent")  == "Accepted"
    assert page.evaluate("document.getElementById('cpid').textContent") == "cp001"


def test_web_ui_follows_the_station_live(make_station, csms, browser):
    _, make_browser = browser
    station, page = open_ui(make_station, csms, make_browser)
    station.api("POST", "/connectors/1/plug-in")
    try:
        page.wait_for(f"{in_card(1, '.status')}.textContent === 'Preparing'", timeout=3)
    finally:
        print("page errors:", page.evaluate("window.__errors"))
    assert page.evaluate("window.__errors") == []


def test_with_a_token_the_page_asks_for_it_once(make_station, csms, browser):
    """settings.control_api_token: the page is a login form; the token typed once opens the UI
    (the cookie carries it), which then works as without a token: its commands and its event
    stream pass the token check."""
    _, make_browser = browser
    token = "web-ui-token-0123456789"

    def with_token(yaml: str) -> str:
        return re.sub(r"(\n  control_api: [^\n]*)", rf"\1\n  control_api_token: {token}", yaml,
                      count=1)

    station = make_station(wait=False, yaml_edit=with_token)
    station.token = token
    station.wait_api()
    booted(csms, station)
    page = make_browser()
    page.send("Page.navigate", url=f"http://{station.addr}/")
    page.wait_for("document.getElementById('login') !== null")
    assert page.evaluate("document.body.textContent.includes('cp001')") is False
    watch_errors(page)

    def login(value: str) -> None:
        assert page.evaluate(
            f"document.getElementById('token').value = {js(value)};"
            "document.getElementById('login').requestSubmit(); true")

    login("not-the-token-0123456789")
    assert "wrong token" in page.wait_for("document.getElementById('error').textContent")
    login(token)
    assert page.wait_for(f"{in_card(1, '.status')}?.textContent") == "Available"
    # The script cannot read the cookie; the live stream and a command pass with it.
    assert page.evaluate("document.cookie") == ""
    page.wait_for("document.getElementById('stream').textContent === 'live'")
    click(page, f"[...{card(1)}.querySelectorAll('button')].find((b) => b.textContent === 'Plug in')")
    page.wait_for(f"{in_card(1, '.status')}.textContent === 'Preparing'")
    assert station.state()["connectors"][0]["plugged"] is True


def test_first_paint_has_the_state_and_the_log_history(make_station, csms, browser):
    """(a) the cards and the header are there at the load event, from the state inline in the
    page, with the live stream blocked; (g) the log shows the station's last 200 frames, newest
    first; (f) with them, nothing overflows sideways at 1280 or 390 px."""
    _, make_browser = browser
    station = make_station()
    booted(csms, station)
    # Frames before the page opens: 120 GetConfiguration (240 frames, long answers) and the boot.
    for _ in range(120):
        csms.call(call.GetConfiguration())
    # The station keeps a copy of each frame a moment after it went out (an observer channel):
    # a last, recognisable answer in the copies means every frame before it is there too. It
    # need not be the newest copy: a Heartbeat may follow it (the interval is 2 s here).
    marker = "first-paint-last-answer"
    csms.call(call.GetConfiguration(key=[marker]))
    deadline = time.monotonic() + 15
    while True:
        before = station.api("GET", "/frames")["frames"]
        if any(f["frame"].startswith("[3") and marker in f["frame"] for f in before):
            break
        assert time.monotonic() < deadline, before[-1]["frame"][:200] if before else None
        time.sleep(0.05)
    assert len(before) == 200
    url = f"http://{station.addr}/"
    with urllib.request.urlopen(url, timeout=10) as r:
        html = r.read().decode()
    assert '"charge_point_id":"cp001"' in html and '"frames":[{' in html
    assert "/*INITIAL*/" not in html and "/*ERROR_TYPES*/" not in html

    page = make_browser()
    page.send("Page.enable")
    page.send("Network.enable")
    # No event stream: what the page shows comes from the page itself.
    page.send("Network.setBlockedURLs", urls=["*/api/v1/events*"])
    page.send("Page.navigate", url=url)
    page.wait_event("Page.loadEventFired")
    first = page.evaluate("""({
        cards: [...document.querySelectorAll('#connectors .card')].map((c) => c.querySelector('.title').textContent),
        status: document.querySelector('#connectors .card .status').textContent,
        connected: document.getElementById('connected').textContent,
        registration: document.getElementById('registration').textContent,
        cpid: document.getElementById('cpid').textContent,
        stream: document.getElementById('stream').textContent,
        rows: document.querySelectorAll('#log tbody tr').length,
        times: [...document.querySelectorAll('#log tbody td.time')].map((td) => td.title),
        frames: [...document.querySelectorAll('#log tbody summary')].map((s) => s.textContent),
        count: document.getElementById('logcount').textContent,
    })""")
    assert first["cards"] == ["Connector 1"], first["cards"]
    assert (first["status"], first["connected"], first["registration"], first["cpid"]) == (
        "Available", "connected", "Accepted", "cp001")
    assert first["stream"] != "live"
    assert first["rows"] == 200 and first["count"] == "200 frames, newest first"
    # Newest first; the frames the station had before the page was served are all there.
    assert first["times"] == sorted(first["times"], reverse=True)
    shown = set(first["frames"])
    missing = [f["frame"] for f in before if f["frame"] not in shown]
    # Frames sent between GET /frames and GET / may push the oldest few out of the 200.
    assert len(missing) <= 10, missing[:3]
    assert before[-1]["frame"] in shown

    # 200 rows, one frame opened whole: nothing wider than the window.
    no_overflow(page, 1280)
    assert page.evaluate("(() => { const d = [...document.querySelectorAll('#log details')]"
                         ".find((d) => d.textContent.includes('configurationKey'));"
                         " d.open = true; return true; })()")
    no_overflow(page, 1280)
    set_width(page, 390, 844)
    no_overflow(page, 390)


def test_every_action_shows_its_result(make_station, csms, browser):
    """(b) a card the CSMS rejects says Invalid or Blocked with its tag, on the card and in the
    results; an accepted one says Accepted at its connector; a refused command shows its HTTP
    status and reason; one that starts something says what."""
    _, make_browser = browser
    plain = csms.tag_status
    csms.tag_status = lambda tag: AuthorizationStatus.blocked if tag == "STOLEN1" else plain(tag)
    station, page = open_ui(make_station, csms, make_browser)

    swipe_on_page(page, "BADCARD")
    text = latest_result(page, "BADCARD: Invalid", "bad")
    assert text.endswith("RFID cardBADCARD: Invalid at connector 1"), text
    auth = in_card(1, ".alert.auth")
    page.wait_for(f"{auth}.dataset.result === 'Invalid'")
    assert page.evaluate(f"[{auth}.hidden, {auth}.className, {auth}.querySelector('.tag').textContent,"
                         f" {auth}.querySelector('.result').textContent]") == [
        False, "alert auth bad", "BADCARD", "Invalid"]

    swipe_on_page(page, "STOLEN1")
    latest_result(page, "STOLEN1: Blocked", "bad")
    page.wait_for(f"{auth}.dataset.result === 'Blocked' && "
                  f"{auth}.querySelector('.tag').textContent === 'STOLEN1'")
    assert "bad" in page.evaluate(f"{auth}.className")

    station.api("POST", "/connectors/1/plug-in")
    swipe_on_page(page, "RFID1")
    latest_result(page, "RFID1: Accepted at connector 1", "ok")
    page.wait_for(f"{auth}.dataset.result === 'Accepted' && "
                  f"{auth}.querySelector('.tag').textContent === 'RFID1'")
    assert page.evaluate(f"{auth}.className") == "alert auth ok"
    # The transaction that follows, on the card.
    page.wait_for(f"{in_card(1, '.tx')}.textContent.startsWith('#1 · RFID1 · since')")

    # A reservation for another tag: on the card, and a card that may not use it is Refused,
    # with why.
    station.api("POST", "/connectors/1/unplug")
    assert csms.call(call.ReserveNow(connector_id=1, expiry_date=expiry_in(600), id_tag="TAG2",
                                     reservation_id=7)) == {"status": "Accepted"}
    page.wait_for(f"{in_card(1, '.reservation')}.textContent.startsWith('#7 for TAG2 until ')")
    swipe_on_page(page, "RFID1")
    text = latest_result(page, "RFID1: Refused", "bad")
    assert " — " in text, text  # the detail says why
    page.wait_for(f"{auth}.dataset.result === 'Refused'")

    # A refused command: the button is forced on (no car pause is possible without a car).
    page.wait_for(f"{in_card(1, '[data-action=ev-pause]')}.disabled")
    click(page, f"Object.assign({in_card(1, '[data-action=ev-pause]')}, {{disabled: false}})")
    text = latest_result(page, "HTTP 409 Conflict — ", "bad")
    assert "EV pause (connector 1)" in text and "no car" in text, text

    # A command that starts something says what.
    click(page, "document.getElementById('disconnect')")
    latest_result(page, "done", "ok")
    page.wait_for("!document.getElementById('connect').disabled")
    click(page, "document.getElementById('connect')")
    text = latest_result(page, "started: connecting to the CSMS", "info")
    assert "Connect to the CSMS" in text
    assert page.evaluate("window.__errors") == []


def test_faults_by_name_and_the_limit_explained(make_station, csms, browser):
    """(c) a raised fault shows by its everest-core name with the OCPP error code, and only the
    faults that are not raised can be raised, only raised ones cleared; (d) the limit says what
    sets it."""
    _, make_browser = browser
    station, page = open_ui(make_station, csms, make_browser)
    limit = page.evaluate(f"{in_card(1, '.limit')}.textContent")
    assert limit.startswith("32 A offered · set by: EVSE maximum"), limit
    assert page.evaluate(f"{in_card(1, '.alert.fault')}.hidden") is True
    assert page.evaluate(f"{in_card(1, '.clear-type')}.disabled") is True

    station.api("POST", "/connectors/1/errors",
                {"type": "evse_board_support/MREC4OverCurrentFailure", "raise": True})
    fault = in_card(1, ".alert.fault")
    page.wait_for(f"!{fault}.hidden")
    shown = page.evaluate(f"""({{
        names: [...{fault}.querySelectorAll('.faults li')].map((li) => li.textContent),
        ocpp: {fault}.querySelector('.ocpp-error').textContent,
        status: {in_card(1, '.status')}.textContent,
        raisable: [...{in_card(1, '.raise-type')}.options].map((o) => o.value),
        clearable: [...{in_card(1, '.clear-type')}.options].map((o) => o.value),
        clear: {in_card(1, '[data-fault=clear]')}.disabled,
    }})""")
    assert shown["names"] == ["evse_board_support/MREC4OverCurrentFailure"], shown
    assert shown["ocpp"].startswith("OCPP (StatusNotification): errorCode OverCurrentFailure"), shown
    assert shown["status"] == "Faulted"
    assert "evse_board_support/MREC4OverCurrentFailure" not in shown["raisable"]
    assert "evse_board_support/DiodeFault" in shown["raisable"]
    assert shown["clearable"] == ["evse_board_support/MREC4OverCurrentFailure"]
    assert shown["clear"] is False

    # Cleared from the page.
    click(page, in_card(1, "[data-fault=clear]"))
    text = latest_result(page, "done", "ok")
    assert "Clear evse_board_support/MREC4OverCurrentFailure (connector 1)" in text
    page.wait_for(f"{fault}.hidden && {in_card(1, '[data-fault=clear]')}.disabled")

    # A car that draws less than offered sets the limit.
    session(csms, station)
    page.wait_for(f"{in_card(1, '.limit')}.textContent.includes('set by: the car draws less')")
    assert page.evaluate("window.__errors") == []


def test_buttons_follow_the_state(make_station, csms, browser, tmp_path):
    """(e) buttons are enabled only when they make sense: the car's buttons from the car, Stop
    transaction with a transaction, Disconnect / Connect from the connection; offline, the
    banner says why and what waits for the CSMS."""
    _, make_browser = browser
    station, page = open_ui(make_station, csms, make_browser,
                            ocpp_overrides={"Internal": FAST_RECONNECT})
    assert disabled(page, 1) == {
        "Plug in": False, "Unplug": True, "EV pause": True, "EV resume": True,
        "Stop transaction": True, "Emergency stop": True, "Raise fault": False,
        "Clear fault": True}
    station.api("POST", "/connectors/1/plug-in")
    page.wait_for(f"{in_card(1, '[data-action=plug-in]')}.disabled")
    # The car waits for the EVSE to offer power: nothing to pause or resume yet.
    assert disabled(page, 1) == {
        "Plug in": True, "Unplug": False, "EV pause": True, "EV resume": True,
        "Stop transaction": True, "Emergency stop": True, "Raise fault": False,
        "Clear fault": True}
    station.api("POST", "/tokens", {"id_tag": "RFID1"})
    page.wait_for(f"!{in_card(1, '[data-stop=Local]')}.disabled && "
                  f"!{in_card(1, '[data-action=ev-pause]')}.disabled")
    assert disabled(page, 1) == {
        "Plug in": True, "Unplug": False, "EV pause": False, "EV resume": True,
        "Stop transaction": False, "Emergency stop": False, "Raise fault": False,
        "Clear fault": True}

    # The connection: Disconnect from the page; the banner says why and what is queued.
    assert page.evaluate("[document.getElementById('disconnect').disabled, "
                         "document.getElementById('connect').disabled, "
                         "document.getElementById('offline').hidden]") == [False, True, True]
    click(page, "document.getElementById('disconnect')")
    latest_result(page, "done", "ok")
    page.wait_for("document.getElementById('connected').textContent === 'offline'")
    assert page.evaluate("[document.getElementById('disconnect').disabled, "
                         "document.getElementById('connect').disabled]") == [True, False]
    banner = "document.getElementById('offline')"
    assert re.search(r"The connection ended at \d\d:\d\d:\d\d: disconnected — disconnect "
                     r"requested", page.evaluate(f"!{banner}.hidden && {banner}.textContent"))
    station.wait_state(lambda s: s["ocpp"]["queued"] > 0)
    page.wait_for(f"/\\d+ messages? waits? for the CSMS/.test({banner}.textContent)")
    page.wait_for("/wait/.test(document.getElementById('queued').textContent)")

    click(page, "document.getElementById('connect')")
    latest_result(page, "started: connecting to the CSMS", "info")
    page.wait_for("document.getElementById('connected').textContent === 'connected' && "
                  f"{banner}.hidden && document.getElementById('queued').textContent === 'nothing queued'")
    assert page.evaluate("[document.getElementById('disconnect').disabled, "
                         "document.getElementById('connect').disabled]") == [False, True]

    # The CSMS goes away: the station keeps trying; Disconnect stops it, Connect starts again.
    csms.go_offline()
    page.wait_for(f"!{banner}.hidden && {banner}.textContent.includes('keeps trying')")
    page.wait_for(f"{banner}.textContent.includes('The last attempt failed at ') && "
                  f"{banner}.textContent.includes(': http_status — ')")
    assert page.evaluate("[document.getElementById('disconnect').disabled, "
                         "document.getElementById('connect').disabled]") == [False, True]
    click(page, "document.getElementById('disconnect')")
    latest_result(page, "done", "ok")
    page.wait_for(f"{banner}.textContent.includes('disconnected on request')")
    assert page.evaluate("[document.getElementById('disconnect').disabled, "
                         "document.getElementById('connect').disabled]") == [True, False]
    csms.go_online()
    click(page, "document.getElementById('connect')")
    page.wait_for("document.getElementById('connected').textContent === 'connected'")
    assert page.evaluate("window.__errors") == []


def test_the_offline_view(make_station, csms, browser):
    """Offline: a card no list knows is Invalid with the reason, a transaction started offline
    shows its placeholder as not confirmed by the CSMS, the queue grows; once connected again
    the CSMS's id replaces the placeholder. Screenshot: web-ui-offline-1280.png."""
    _, make_browser = browser
    station, page = open_ui(make_station, csms, make_browser)
    click(page, "document.getElementById('disconnect')")
    page.wait_for("document.getElementById('connected').textContent === 'offline'")
    swipe_on_page(page, "BADCARD")
    text = latest_result(page, "BADCARD: Invalid", "bad")
    detail = station.state()["connectors"][0]["authorization"]["detail"]
    assert detail and text.endswith("BADCARD: Invalid at connector 1 — " + detail), (text, detail)
    page.wait_for(f"{in_card(1, '.alert.auth .detail')}.textContent === {js(detail)}")

    station.api("POST", "/connectors/1/plug-in")
    station.api("POST", "/tokens", {"id_tag": "RFID1", "prevalidated": True})
    tx = in_card(1, ".tx")
    page.wait_for(f"/^#-\\d+ · RFID1 · since .*pending — not yet confirmed by the CSMS/"
                  f".test({tx}.textContent)")
    station.wait_state(lambda s: s["ocpp"]["queued"] > 0)
    page.wait_for("/messages? waits? for the CSMS/.test(document.getElementById('queued').textContent)"
                  " && /waits? for the CSMS \\(sent once connected\\)/"
                  ".test(document.getElementById('offline').textContent)")
    page.wait_for(f"{in_card(1, '.car')}.textContent === 'plugged in, drawing power'")
    SHOTS.mkdir(exist_ok=True)
    shot = SHOTS / "web-ui-offline-1280.png"
    assert page.capture(shot)[0] == 1280
    print("screenshot:", shot)

    click(page, "document.getElementById('connect')")
    page.wait_for(f"{tx}.textContent.startsWith('#1 · RFID1 · since') && "
                  f"!{tx}.textContent.includes('pending')", timeout=20)
    page.wait_for("document.getElementById('queued').textContent === 'nothing queued'")
    assert page.evaluate("window.__errors") == []


def test_the_security_log_panel_lists_the_last_events_newest_first(make_station, csms, browser):
    """The security log's last events, newest first, a critical one marked; a new one shows live
    and does not make the page overflow at 390 px."""
    _, make_browser = browser
    station, page = open_ui(make_station, csms, make_browser)
    first = "document.querySelector('#security li')"
    page.wait_for(f"{first}?.querySelector('.kind')?.textContent === 'StartupOfTheDevice'")
    station.api("POST", "/security-events",
                {"type": "TamperDetectionActivated", "tech_info": "enclosure opened"})
    page.wait_for(f"{first}.querySelector('.kind').textContent === 'TamperDetectionActivated'")
    assert page.evaluate(f"{first}.querySelector('.badge').textContent") == "critical"
    assert page.evaluate(f"{first}.querySelector('.info').textContent") == "enclosure opened"
    station.api("POST", "/security-events", {"type": "InvalidMessages"})
    page.wait_for(f"{first}.querySelector('.kind').textContent === 'InvalidMessages'")
    assert page.evaluate(f"{first}.querySelector('.badge')") is None
    assert page.evaluate("[...document.querySelectorAll('#security .kind')]"
                         ".map((e) => e.textContent)") == [
        "InvalidMessages", "TamperDetectionActivated", "StartupOfTheDevice"]
    set_width(page, 390, 844)
    no_overflow(page, 390)
    assert page.evaluate("window.__errors") == []


def test_screenshots_at_1280_and_390(make_station, csms, browser):
    """(h) two connectors: one charging, one with a raised fault and a rejected card, with the
    log: screenshots at 1280 and 390 px wide (tests/conformance/screenshots/), and nothing
    overflows sideways at either width."""
    _, make_browser = browser
    station, page = open_ui(make_station, csms, make_browser, "config-sil-ocpp.yaml",
                            connectors=(1, 2), ocpp_overrides=TWO_EVSES)
    session(csms, station, "RFID1", connector=1)
    station.api("POST", "/connectors/2/plug-in")
    station.api("POST", "/connectors/2/errors",
                {"type": "evse_board_support/MREC4OverCurrentFailure", "raise": True})
    swipe_on_page(page, "BADCARD", connector=2)
    latest_result(page, "BADCARD: Invalid at connector 2", "bad")
    page.wait_for(f"{in_card(2, '.alert.auth')}.dataset.result === 'Invalid' && "
                  f"!{in_card(2, '.alert.fault')}.hidden && "
                  f"{in_card(1, '.status')}.textContent === 'Charging' && "
                  f"{in_card(1, '.tx')}.textContent.startsWith('#1 · RFID1') && "
                  "document.querySelectorAll('#log tbody tr').length > 20")

    SHOTS.mkdir(exist_ok=True)
    set_width(page, 1280, 900)
    no_overflow(page, 1280)
    wide = SHOTS / "web-ui-1280.png"
    assert page.capture(wide)[0] == 1280
    set_width(page, 390, 844)
    no_overflow(page, 390)
    phone = SHOTS / "web-ui-390.png"
    assert page.capture(phone)[0] == 390
    for png in (wide, phone):
        data = png.read_bytes()
        assert data[:8] == PNG and len(data) > 10_000
        print("screenshot:", png)
    assert page.evaluate("window.__errors") == []


def test_web_ui_shows_the_price_and_the_cost(make_station, csms, browser):
    """(i) California Pricing: before a session the default price, then the driver's price
    (SetUserPrice) in every language, the running cost, and the final cost with its receipt
    link after the session; nothing overflows at 390 px (screenshots web-ui-pricing-*.png)."""
    _, make_browser = browser
    csms.user_prices["RFID1"] = USER_PRICE
    station, page = open_ui(make_station, csms, make_browser,
                            ocpp_overrides=pricing(wait_ms=5000))
    assert page.wait_for(f"{in_card(1, '.price')}?.textContent") == \
        "This is the pricedefault price · 3.14/kWh · 0.42/h"
    assert page.evaluate(f"{in_card(1, '.cost')}.textContent") == "no session yet"
    _, tx_id = session(csms, station)
    page.wait_for(f"{in_card(1, '.price .text')}?.textContent === 'GBP 0.12/kWh, no idle fee'")
    assert "driver's price (SetUserPrice) for RFID1" in page.evaluate(
        f"{in_card(1, '.price')}.textContent")
    assert "nl: €0.12/kWh, geen idle fee" in page.evaluate(f"{in_card(1, '.price')}.textContent")
    cost_message(csms, "RunningCost", running_cost(tx_id))
    page.wait_for(f"{in_card(1, '.cost')}.textContent.startsWith('1.345 so far')")
    assert "from 2029-12-31 19:00 (UTC-08:00): 0.1/kWh · 4/h · 84.84 flat" in page.evaluate(
        f"{in_card(1, '.price')}.textContent")
    unplug_and_wait(csms, station, tx_id)
    cost_message(csms, "FinalCost", {**FINAL_COST, "transactionId": tx_id})
    page.wait_for(f"{in_card(1, '.cost')}.textContent.startsWith('3.31 final')")
    link = page.evaluate(f"{in_card(1, '.cost a')}.href")
    assert link == FINAL_COST["qrCodeText"]

    SHOTS.mkdir(exist_ok=True)
    for width, height in ((1280, 900), (390, 844)):
        set_width(page, width, height)
        no_overflow(page, width)
        png = SHOTS / f"web-ui-pricing-{width}.png"
        assert page.capture(png)[0] == width
        print("screenshot:", png)
    assert page.evaluate("window.__errors") == []
