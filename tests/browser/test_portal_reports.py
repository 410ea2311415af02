"""The portal's troubleshooting pages in a real browser: Mobile Report (filters, paging, search,
a message's status history), the Handsets inbox, and issue 13's test 3: a number whose handset
rejects SMS shows ``Rejected`` in the message's history."""

from __future__ import annotations

import time

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import EzitxtServer, Shot, portal_sign_in

pytestmark = pytest.mark.slow

REJECTING = "+64210000001"  # test number 01: the carrier rejects every SMS
WAIT_S = 5.0


def gateway(ezitxt: EzitxtServer, name: str = "okta-hook") -> tuple[requests.Session, str]:
    """An application and its secret, made through the JSON API (the browser tests the pages)."""
    http = requests.Session()
    http.trust_env = False
    assert http.post(ezitxt.url("/api/applications"), json={"name": name}).status_code == 201
    made = http.post(ezitxt.url(f"/api/applications/{name}/password")).json()
    return http, made["oktaSetupValues"]["authenticationSecret"]


def send(http: requests.Session, ezitxt: EzitxtServer, secret: str, **body: str) -> str:
    answer = http.post(
        ezitxt.url("/rest/sms/v2/messages"), json=body, headers={"Authorization": secret}
    )
    assert answer.status_code == 202, answer.text
    message_id: str = answer.json()["id"]
    return message_id


def settled(ezitxt: EzitxtServer, message_id: str, status: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while ezitxt.backend.store.message(message_id).status != status:  # type: ignore[union-attr]
        assert time.monotonic() < deadline, f"{message_id} never reached {status}"
        time.sleep(0.02)


def test_rejected_number_shows_rejected_in_the_history(
    page: Page, ezitxt: EzitxtServer, shot: Shot
) -> None:
    http, secret = gateway(ezitxt)
    with http:
        message_id = send(http, ezitxt, secret, destination=REJECTING, content="Code 482913")
    settled(ezitxt, message_id, "rejected")
    portal_sign_in(page, ezitxt, shot)
    page.get_by_role("link", name="Mobile Report").click()
    page.get_by_label("Destination").fill(REJECTING)
    page.get_by_role("button", name="Apply filters").click()
    rows = page.locator("#report tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("rejected")
    shot(page, "mobile-report-rejected-number")
    rows.first.get_by_role("link").click()
    history = page.locator("#history")
    expect(history).to_contain_text("Rejected")
    expect(history.locator("tbody tr").last).to_contain_text("Rejected by carrier")
    expect(page.locator("#current-status")).to_have_text("rejected")
    shot(page, "message-history-rejected")
    # And the handset never received it.
    page.get_by_role("link", name="Handsets").click()
    page.get_by_label("Phone number").fill(REJECTING)
    page.get_by_role("button", name="Open inbox").click()
    expect(page.get_by_text("No message has arrived on this phone.")).to_be_visible()
    expect(page.get_by_text("Test number: rejected")).to_be_visible()
    shot(page, "handset-rejected-number")


def test_handset_inbox_shows_the_code(page: Page, ezitxt: EzitxtServer, shot: Shot) -> None:
    http, secret = gateway(ezitxt)
    with http:
        first = send(http, ezitxt, secret, destination="+64211234567", content="Code 111111")
        second = send(http, ezitxt, secret, destination="+64211234567", content="Code 222222")
    settled(ezitxt, first, "received")
    settled(ezitxt, second, "received")
    portal_sign_in(page, ezitxt, shot)
    page.get_by_role("link", name="Handsets").click()
    shot(page, "handsets-empty")
    page.get_by_label("Phone number").fill("+64211234567")
    page.get_by_role("button", name="Open inbox").click()
    texts = page.locator(".sms .text")
    expect(texts).to_have_count(2)
    expect(texts.first).to_have_text("Code 222222")  # newest first
    shot(page, "handset-inbox")


def test_mobile_report_search_filters_and_paging(
    page: Page, ezitxt: EzitxtServer, shot: Shot
) -> None:
    http, secret = gateway(ezitxt)
    with http:
        ids = [
            send(http, ezitxt, secret, destination=f"+6421555{n:04d}", content=f"Code {n:06d}")
            for n in range(30)
        ]
        unicode_id = send(http, ezitxt, secret, destination="+64215550100", content="Kōd 123456")
        hostile = send(http, ezitxt, secret, destination="+64215550101", content="<b>x</b>")
        other_http, other_secret = gateway(ezitxt, "billing-alerts")
        with other_http:
            other = send(other_http, ezitxt, other_secret, destination="+64215550102", content="x")
    for message_id in [*ids, unicode_id, hostile, other]:
        settled(ezitxt, message_id, "received")
    portal_sign_in(page, ezitxt, shot)
    page.get_by_role("link", name="Mobile Report").click()
    expect(page.locator("#matching")).to_contain_text("33 messages")
    expect(page.locator("#report tbody tr")).to_have_count(33)
    expect(page.locator("#report tbody")).not_to_contain_text("Code 000001")  # content hidden
    shot(page, "mobile-report")

    # Paging: 25 a page, newest first; Older, then Newer, by keyset.
    page.get_by_label("Rows per page").select_option("25")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#report tbody tr")).to_have_count(25)
    page.get_by_role("link", name="Older ›").click()
    expect(page.locator("#report tbody tr")).to_have_count(8)
    expect(page.locator("#report tbody tr").last.get_by_role("link")).to_have_attribute(
        "href", f"/reports/mobile/{ids[0]}"
    )
    shot(page, "mobile-report-older-page")
    page.get_by_role("link", name="‹ Newer").click()
    expect(page.locator("#report tbody tr")).to_have_count(25)
    expect(page.locator("#report tbody tr").first.get_by_role("link")).to_have_attribute(
        "href", f"/reports/mobile/{other}"
    )

    # Filters: application, character set, status, origin, time frame; content shown on request.
    page.get_by_role("link", name="Reset").click()
    page.get_by_label("Application").select_option("billing-alerts")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#report tbody tr")).to_have_count(1)
    page.get_by_label("Application").select_option("")
    page.get_by_label("Character set").select_option("UCS2")
    page.get_by_label("Show content").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#report tbody tr")).to_have_count(1)
    expect(page.locator("#report tbody")).to_contain_text("Kōd 123456")
    shot(page, "mobile-report-ucs2-with-content")
    page.get_by_label("Character set").select_option("")
    page.get_by_label("Status").select_option("rejected")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No message matches.")).to_be_visible()
    page.get_by_label("Status").select_option("received")
    page.get_by_label("Origin").select_option("MT")
    page.get_by_label("Time frame").select_option("1h")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#matching")).to_contain_text("33 messages in the last hour")
    page.get_by_label("Origin").select_option("MO")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No message matches.")).to_be_visible()
    page.get_by_label("Origin").select_option("")
    page.get_by_label("Time frame").select_option("custom")
    page.get_by_label("To (UTC)").fill("2020-01-01T00:00")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No message matches.")).to_be_visible()

    # A hostile content is shown as text.
    page.get_by_role("link", name="Reset").click()
    page.get_by_role("link", name="Show content").click()
    expect(page.locator("#report tbody")).to_contain_text("<b>x</b>")
    assert page.locator("#report tbody b").count() == 0

    # Search by Message ID, then the message's page.
    page.get_by_placeholder("Message ID").fill(ids[7])
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#report tbody tr")).to_have_count(1)
    shot(page, "mobile-report-search")
    page.locator("#report tbody tr").first.get_by_role("link").click()
    expect(page.get_by_role("heading", name=f"Message {ids[7]}")).to_be_visible()
    expect(page.locator("#history tbody tr")).to_have_count(5)
    expect(page.locator("#history")).to_contain_text("Received by handset")
    expect(page.get_by_text("Code 000007")).to_have_count(0)
    page.get_by_role("link", name="Show content").click()
    expect(page.locator("#content")).to_have_text("Code 000007")
    shot(page, "message-page")
    page.goto(ezitxt.url("/reports/mobile/no-such-id"))
    expect(page.get_by_role("heading", name="No such message")).to_be_visible()
    shot(page, "message-not-found")
