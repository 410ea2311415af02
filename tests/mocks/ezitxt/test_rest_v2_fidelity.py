"""Where mock EZITXT used to differ from REST v2: ``reference`` null on a read message, and an
empty ``source`` refused as too short."""

from __future__ import annotations

from tests.mocks.ezitxt.conftest import Gateway, assert_valid

URL = "/rest/sms/v2/messages"
DEST = "+64211234567"


def test_a_message_sent_without_reference_has_no_reference_key(gw: Gateway) -> None:
    message_id = gw.accepted(destination=DEST, content="Your code is 11111")
    response = gw.http.get(f"{gw.base}{URL}", params={"id": message_id}, headers=gw.auth)
    body = response.json()
    assert_valid("message", body)
    assert "reference" not in body
    assert None not in body.values()


def test_a_reference_is_given_back_as_sent(gw: Gateway) -> None:
    reference = "uS5871kJThSsU8qlA1LTcg"
    message_id = gw.accepted(destination=DEST, reference=reference)
    body = gw.http.get(f"{gw.base}{URL}", params={"id": message_id}, headers=gw.auth).json()
    assert body["reference"] == reference


def test_an_empty_source_is_accepted_and_means_the_default_source(gw: Gateway) -> None:
    message_id = gw.accepted(destination=DEST, source="")
    body = gw.http.get(f"{gw.base}{URL}", params={"id": message_id}, headers=gw.auth).json()
    assert body["source"] == "3400"
