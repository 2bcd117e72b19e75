"""The web UI (DESIGN.md §6) in headless Debian chromium: it shows the connector cards with the
status the station reported and the CSMS connection; a screenshot is a real image."""

from __future__ import annotations

import pytest

from chromium import Browser, chromium, screenshot

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def browser(tmp_path):
    binary = chromium()
    if binary is None:
        pytest.skip("no chromium (.ci/run installs it)")
    made = []

    def make() -> Browser:
        b = Browser(binary, tmp_path)
        made.append(b)
        return b

    yield binary, make
    for b in made:
        b.close()


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



def open_ui(make_station, csms, make_browser):
    station = make_station()
    csms.wait_for("StatusNotification", lambda p: p["connectorId"] == 1)
    station.wait_state(lambda s: s["ocpp"]["registration"] == "Accepted")
    page = make_browser()
    page.send("Page.navigate", url=f"http://{station.addr}/")
    assert page.wait_for(
        "document.querySelector('#connectors .card h2 .badge')?.textContent") == "Available"
    return station, page


def test_web_ui_follows_the_station_live(make_station, csms, browser):
    _, make_browser = browser
    station, page = open_ui(make_station, csms, make_browser)
    assert page.evaluate("window.__errors = []; window.addEventListener('error', "
                         "(e) => window.__errors.push(e.message)); true")
    station.api("POST", "/connectors/1/plug-in")
    try:
        page.wait_for("document.querySelector('#connectors .card h2 .badge').textContent "
                      "=== 'Preparing'", timeout=3)
    finally:
        print("page errors:", page.evaluate("window.__errors"))
    assert page.evaluate("window.__errors") == []
