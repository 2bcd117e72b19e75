"""The dev CSMS's web UI (docs/dev-csms.md) in headless Debian chromium, against `ferrocharge
sil`, used as a person would: the charge point appears live, RemoteStartTransaction is sent from
the form generated from its schema and its answer shows beside it, the transaction appears with
its meter values drawn, a charging profile is composed in the period editor with its preview
chart and the composite schedule comes back drawn, a form with a bad value cannot be sent, and
a tag added in the page is listed. Screenshots go to tests/conformance/screenshots/
(csms-ui-*.png). Every wait is on the page's DOM or the station's state."""

from __future__ import annotations

import json
import time

import pytest

from chromium import Browser, chromium
from dev_csms import Sil
from test_dev_csms import POWER, connector
from test_web_ui import SHOTS, click, no_overflow, set_width, watch_errors

PNG = b"\x89PNG\r\n\x1a\n"


def js(value) -> str:
    return json.dumps(value)


@pytest.fixture
def ui(ferrocharge_bin, tmp_path):
    binary = chromium()
    if binary is None:
        pytest.skip("no chromium (.ci/run installs it)")
    dir = tmp_path / "sil"
    dir.mkdir()
    sil = Sil(ferrocharge_bin, dir, ocpp_overrides=POWER)
    page = None
    try:
        sil.wait_booted()
        page = Browser(binary, tmp_path / "browser")
        page.send("Page.navigate", url=f"http://{sil.csms_http}/")
        page.wait_for("document.querySelector('#cp-list .cp[data-id=\"cp001\"] .badge')"
                      "?.textContent === 'connected'")
        watch_errors(page)
        yield sil, page
    finally:
        if page is not None:
            page.close()
        sil.stop()


def set_field(page: Browser, name: str, value: str) -> None:
    """Types `value` into the form field of JSON path `name`."""
    assert page.evaluate(
        f"(() => {{ const i = document.querySelector('#form-box [name=' + JSON.stringify({js(name)}) + ']');"
        f" i.value = {js(value)}; i.dispatchEvent(new Event('input')); return true; }})()")


def choose_action(page: Browser, action: str) -> None:
    assert page.evaluate(f"(() => {{ const s = document.getElementById('action'); s.value = {js(action)};"
                         " s.dispatchEvent(new Event('change')); return s.value; })()") == action


def newest_call(page: Browser, action: str, outcome: str) -> str:
    """Waits until the newest request shown is `action` with `outcome`; returns its text."""
    page.wait_for(f"document.querySelector('#calls li')?.dataset.action === {js(action)} && "
                  f"document.querySelector('#calls li .outcome').textContent === {js(outcome)}")
    return page.evaluate("document.querySelector('#calls li').textContent")


def test_remote_start_from_the_form_shows_the_transaction_with_its_meter_values(ui):
    sil, page = ui
    # The charge point as its BootNotification and StatusNotifications told.
    facts = page.evaluate("document.getElementById('cp-facts').textContent")
    assert "ferrocharge / SIL" in facts and "profile 0 (no TLS, no Basic auth, no client certificate)" in facts
    page.wait_for("[...document.querySelectorAll('#cp-connectors tbody tr')].map(r => r.cells[1].textContent)"
                  ".join() === 'Available,Available'")

    sil.api("POST", "/connectors/1/plug-in")
    page.wait_for("document.querySelector('#cp-list .cp .chips').textContent.includes('1: Preparing')")
    choose_action(page, "RemoteStartTransaction")
    # The form's defaults: connector 1, the first Accepted tag.
    assert page.evaluate("document.querySelector('#form-box [name=\"idTag\"]').value") == "DEADBEEF"
    assert page.evaluate("document.querySelector('#form-box [name=\"connectorId\"]').value") == "1"
    click(page, "document.getElementById('send-button')")
    text = newest_call(page, "RemoteStartTransaction", "answered")
    assert '"status": "Accepted"' in text
    # The CSMS's id (positive), not the placeholder the station shows until the answer.
    state = sil.wait_state(lambda s: (connector(s)["transaction_id"] or 0) > 0)
    tx_id = connector(state)["transaction_id"]
    page.wait_for(f"document.getElementById('cp-facts').textContent.includes('#{tx_id}')")

    SHOTS.mkdir(exist_ok=True)
    set_width(page, 1280, 900)
    no_overflow(page, 1280)
    shot = SHOTS / "csms-ui-charge-point-1280.png"
    assert page.capture(shot)[0] == 1280
    # A phone: nothing scrolls sideways (wide tables scroll in their own box).
    set_width(page, 390, 844)
    no_overflow(page, 390)
    assert page.capture(SHOTS / "csms-ui-charge-point-390.png")[0] == 390
    set_width(page, 1280, 900)

    # The transaction, live, with its energy and power drawn from its meter values.
    click(page, "document.querySelector('nav.tabs button[data-view=\"transactions\"]')")
    row = f"document.querySelector('#transactions tr[data-id=\"{tx_id}\"]')"
    page.wait_for(f"{row}?.cells[3].textContent === 'DEADBEEF' && {row}.cells[8].textContent === 'running'")
    sil.wait_csms(lambda t: t["meter_value_count"] >= 3, f"/transactions/{tx_id}")
    click(page, row)
    page.wait_for("document.querySelectorAll('#tx-detail svg.chart').length === 2 && "
                  "document.querySelectorAll('#tx-detail svg.chart')[1].querySelectorAll('circle').length >= 2")
    assert page.evaluate("document.querySelectorAll('#tx-detail h3')[2].textContent") == "Power"
    shot = SHOTS / "csms-ui-transaction-1280.png"
    assert page.capture(shot)[0] == 1280
    assert page.evaluate("window.__errors") == []


def test_a_charging_profile_is_composed_previewed_and_its_composite_schedule_drawn(ui):
    sil, page = ui
    choose_action(page, "SetChargingProfile")
    base = "csChargingProfiles.chargingSchedule.chargingSchedulePeriod"
    set_field(page, base + "[0].limit", "20")
    click(page, "document.querySelector('#form-box .prop.block .array > button')")
    set_field(page, base + "[1].startPeriod", "600")
    set_field(page, base + "[1].limit", "8")
    # The preview draws both periods.
    page.wait_for("[...document.querySelectorAll('#form-box .preview svg text.value')].map(t => t.textContent)"
                  ".join() === '20 A,8 A'")
    # A bad value: the field says why and Send is disabled until it is fixed.
    set_field(page, base + "[1].limit", "8.05")
    page.wait_for("document.getElementById('send-button').disabled")
    error = page.evaluate("document.querySelector('#form-box .prop[data-path=' + "
                          f"JSON.stringify({js(base + '[1].limit')}) + '] .field-error').textContent")
    assert error == base + "[1].limit must be a multiple of 0.1", error
    set_field(page, base + "[1].limit", "8")
    page.wait_for("!document.getElementById('send-button').disabled")
    click(page, "document.getElementById('send-button')")
    newest_call(page, "SetChargingProfile", "answered")
    sil.wait_state(lambda s: connector(s)["limit_a"] == 20)

    choose_action(page, "GetCompositeSchedule")
    set_field(page, "duration", "1200")
    click(page, "document.getElementById('send-button')")
    newest_call(page, "GetCompositeSchedule", "answered")
    labels = page.evaluate("[...document.querySelectorAll('#calls li')][0].querySelectorAll('svg text.value').length")
    assert labels == 2, labels
    SHOTS.mkdir(exist_ok=True)
    set_width(page, 1280, 900)
    shot = SHOTS / "csms-ui-smart-charging-1280.png"
    assert page.capture(shot)[0] == 1280
    data = shot.read_bytes()
    assert data[:8] == PNG and len(data) > 10_000
    assert page.evaluate("window.__errors") == []


def test_a_tag_added_in_the_page_is_listed_and_used(ui):
    sil, page = ui
    click(page, "document.querySelector('nav.tabs button[data-view=\"tags\"]')")
    assert page.evaluate("document.getElementById('tag-add-button').disabled") is True
    assert page.evaluate("(() => { const i = document.getElementById('tag-id'); i.value = 'PAGECARD';"
                         " i.dispatchEvent(new Event('input')); return document.getElementById('tag-add-button').disabled; })()") is False
    click(page, "document.getElementById('tag-add-button')")
    page.wait_for("document.querySelector('#tags tr[data-tag=\"PAGECARD\"]')?.cells[4].textContent === 'Accepted'")
    assert sil.csms("GET", "/tags/PAGECARD")["status"] == "Accepted"
    sil.api("POST", "/connectors/1/plug-in")
    sil.api("POST", "/tokens", {"id_tag": "PAGECARD", "connectors": [1]})
    sil.wait_state(lambda s: connector(s)["transaction_id"] is not None)
    assert page.evaluate("window.__errors") == []


def test_pricing_is_edited_in_the_page(ui):
    """The Pricing view: `sil` prices sessions; a tag's tariff changed in place and saved is what
    the CSMS has and what the next session's price says; a negative price cannot be saved."""
    sil, page = ui
    click(page, "document.querySelector('nav.tabs button[data-view=\"pricing\"]')")
    page.wait_for("document.getElementById('pricing-on').checked === true && "
                  "document.querySelector('#tariffs tr[data-tag=\"DEADBEEF\"]') !== null")
    assert page.evaluate("document.getElementById('pricing-save').disabled") is True
    field = "document.querySelector('#tariffs tr[data-tag=\"DEADBEEF\"] input[data-field=\"kwh_price\"]')"
    assert page.evaluate(f"(() => {{ const i = {field}; i.value = '-1'; i.dispatchEvent(new Event('input'));"
                         " return document.getElementById('pricing-save').disabled; })()") is True
    assert page.evaluate("document.getElementById('pricing-error').textContent") == \
        "DEADBEEF: prices are 0 or more"
    assert page.evaluate(f"(() => {{ const i = {field}; i.value = '0.42'; i.dispatchEvent(new Event('input'));"
                         " return document.getElementById('pricing-save').disabled; })()") is False
    click(page, "document.getElementById('pricing-save')")
    page.wait_for("document.getElementById('pricing-save').disabled === true")
    # The button is disabled as soon as the PUT leaves, before its answer: wait for the CSMS
    # to have the price (reading it once right away raced the PUT and saw the old 0.3).
    deadline = time.monotonic() + 10
    while sil.csms("GET", "/pricing")["tags"]["DEADBEEF"]["kwh_price"] != 0.42:
        assert time.monotonic() < deadline, "the CSMS never got the saved price"
        time.sleep(0.05)
    # Saved: the form is clean again, so the button stays disabled.
    assert page.evaluate("document.getElementById('pricing-save').disabled") is True
    sil.api("POST", "/connectors/1/plug-in")
    sil.api("POST", "/tokens", {"id_tag": "DEADBEEF", "connectors": [1]})
    sil.wait_state(lambda s: (connector(s)["pricing"] or {}).get("text") ==
                   "0.42 USD/kWh + 0.50 USD per session")
    SHOTS.mkdir(exist_ok=True)
    set_width(page, 1280, 900)
    no_overflow(page, 1280)
    assert page.capture(SHOTS / "csms-ui-pricing.png")[0] == 1280
    assert page.evaluate("window.__errors") == []
