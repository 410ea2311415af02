"""200 sign-ins at once: every one answered inside Okta's 3 s, one message per SUCCESSFUL answer,
none lost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.e2e.conftest import Chain

SIGN_INS = 200


def test_200_concurrent_sign_ins(chain: Chain) -> None:
    # 200 numbers in 200 prefixes (+6421100… to +6421299…), as 200 people's phones are: the
    # connector's per-prefix limit (100 an hour) is production's, and this is no pump.
    numbers = [f"+6421{100 + n:03d}{n:04d}" for n in range(SIGN_INS)]

    def sign_in(msisdn: str) -> dict[str, Any]:
        return chain.flow(phone=msisdn)

    with ThreadPoolExecutor(max_workers=SIGN_INS) as pool:
        flows = list(pool.map(sign_in, numbers))

    assert all(f["hook"] and f["hook"]["durationMs"] < 3000 for f in flows), [
        f["hook"] for f in flows if not f["hook"] or f["hook"]["durationMs"] >= 3000
    ]
    outcomes = [f["outcome"] for f in flows]
    assert set(outcomes) <= {"SUCCESSFUL", "PENDING"}, outcomes
    successful = {f["hook"]["transactionId"] for f in flows if f["outcome"] == "SUCCESSFUL"}
    assert len(successful) == outcomes.count("SUCCESSFUL")

    stored: dict[str, list[str]] = {}
    page = 1
    while True:
        found = chain.report(application=chain.wiring.application, pageSize=500, page=page)
        for row in found["items"]:
            if row["destination"] in numbers:
                stored.setdefault(row["destination"], []).append(row["messageId"])
        if page * 500 >= found["total"]:
            break
        page += 1
    assert successful <= {i for ids in stored.values() for i in ids}  # none lost
    assert all(len(ids) == 1 for ids in stored.values())  # none sent twice
    assert len(stored) == SIGN_INS
