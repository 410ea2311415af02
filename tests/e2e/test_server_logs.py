"""The logs of all three servers hold no OTP, no message text and no credential: a tour through
the outcomes, then a search of every line the stack's servers wrote in this session."""

from __future__ import annotations

import base64
import re
import time

from tests.e2e.conftest import Chain

OTP = re.compile(r"\b(\d{6})\b")


def tour(chain: Chain) -> None:
    msisdn = chain.wiring.user["profile"]["mobilePhone"]
    ok = chain.flow()
    sms = chain.wait_sms(msisdn, ok["hook"]["transactionId"])
    code = OTP.search(sms["content"])
    assert code
    chain.seen.add(code.group(1))
    chain.flow(channel="voice call")
    chain.flow(phone="021 12")
    chain.ezitxt.call("fault", "PUT", "/_mock/faults", json={"status": 500}, ok=(200, 204))
    chain.flow()
    chain.ezitxt.call("clear", "DELETE", "/_mock/faults", ok=(200, 204))


def test_no_secret_in_any_server_log(chain: Chain) -> None:
    tour(chain)
    time.sleep(0.3)  # let the servers write their last lines
    text = "\n".join(path.read_text(errors="replace") for path in chain.stack.log_files)
    assert "telephony hook" in text  # the connector's lines are there to be searched

    token = chain.wiring.auth_secret.split()[1]
    password = base64.b64decode(token).decode().split(":", 1)[1]
    secrets = {token, password, chain.stack.api_token, chain.wiring.user["profile"]["mobilePhone"]}
    secrets |= chain.seen  # every OTP and SMS text the tests saw on a handset
    assert chain.seen, "the tour produced codes to search for"
    for secret in secrets:
        assert secret not in text, f"a server log holds {secret[:3]}…"
    assert not re.search(r"\+6421\d{7}", text), "a full phone number in a log"
