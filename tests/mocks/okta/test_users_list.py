"""``GET /api/v1/users``: the list Okta's SDKs call (``list_users()``), with ``q``, ``filter``,
``search``, ``limit`` and ``Link`` paging as Okta's listUsers documents them."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from tests.mocks.okta.conftest import Org, assert_valid

USERS = "/api/v1/users"


def add(org: Org, first: str, last: str, *, activate: bool = True, **extra: str) -> str:
    login = f"{first.lower()}.{last.lower()}@example.com"
    profile = {"firstName": first, "lastName": last, "email": login, "login": login, **extra}
    response = org.api(
        "POST", f"{USERS}?activate={str(activate).lower()}", json={"profile": profile}
    )
    assert response.status_code == 200, response.text
    user_id: str = response.json()["id"]
    return user_id


def ids(response: requests.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [user["id"] for user in response.json()]


def links(response: requests.Response) -> dict[str, str]:
    return {
        rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["link"])
    }


@pytest.fixture
def people(org: Org) -> dict[str, str]:
    return {
        "ana": add(org, "Ana", "Ngata", mobilePhone="+64211234567", department="Support"),
        "aroha": add(org, "Aroha", "Smith", department="Engineering"),
        "ben": add(org, "Ben", "Anders", activate=False, department="Engineering"),
        "kiri": add(org, "Kiri", "Te", department="Support"),
    }


def test_list_gives_every_user_as_okta_renders_them(org: Org, people: dict[str, str]) -> None:
    response = org.api("GET", USERS)
    assert ids(response) == list(people.values())
    assert org.api("GET", f"{USERS}/{people['ana']}").json() == response.json()[0]
    assert set(links(response)) == {"self"}


def test_limit_and_after_page_through_with_link_next(org: Org, people: dict[str, str]) -> None:
    seen: list[str] = []
    url = f"{org.url}{USERS}?limit=3"
    for _ in range(5):
        page = org.http.get(url, timeout=10)
        seen += ids(page)
        url = links(page).get("next", "")
        if not url:
            break
    assert seen == list(people.values())
    first = org.api("GET", USERS, params={"limit": "3"})
    assert links(first)["next"].endswith(f"limit=3&after={people['ben']}")


def test_q_is_a_starts_with_on_names_and_email(org: Org, people: dict[str, str]) -> None:
    assert ids(org.api("GET", USERS, params={"q": "ar"})) == [people["aroha"]]
    assert ids(org.api("GET", USERS, params={"q": "AN"})) == [people["ana"], people["ben"]]
    assert ids(org.api("GET", USERS, params={"q": "kiri.te@"})) == [people["kiri"]]
    # q does not page: at most limit users, no next link.
    one = org.api("GET", USERS, params={"q": "a", "limit": "1"})
    assert len(ids(one)) == 1 and "next" not in links(one)


@pytest.mark.parametrize(
    ("expression", "who"),
    [
        ('status eq "STAGED"', ["ben"]),
        ('profile.login eq "kiri.te@example.com"', ["kiri"]),
        ('profile.firstName eq "Ana" or profile.lastName eq "Te"', ["ana", "kiri"]),
        ('status eq "ACTIVE" and (profile.lastName eq "Smith" or profile.lastName eq "Te")',
         ["aroha", "kiri"]),
        ('lastUpdated gt "2000-01-01T00:00:00.000Z"', ["ana", "aroha", "ben", "kiri"]),
        ('lastUpdated lt "2000-01-01T00:00:00.000Z"', []),
    ],
)  # fmt: skip
def test_filter(org: Org, people: dict[str, str], expression: str, who: list[str]) -> None:
    assert ids(org.api("GET", USERS, params={"filter": expression})) == [people[w] for w in who]


@pytest.mark.parametrize(
    "expression",
    [
        'profile.login eq "KIRI.TE@example.com"',  # filter values are case-sensitive
        'profile.department eq "Support"',  # not a filter attribute
        'profile.firstName sw "A"',  # filter takes eq only
        'status eq "ACTIVE" and',
        "status eq ACTIVE",
        '(status eq "ACTIVE"',
        "",
    ],
)
def test_filter_takes_only_what_okta_documents(
    org: Org, people: dict[str, str], expression: str
) -> None:
    response = org.api("GET", USERS, params={"filter": expression})
    if expression.startswith("profile.login"):
        assert ids(response) == []
        return
    assert response.status_code == 400, response.text
    body: dict[str, Any] = response.json()
    assert_valid("okta/error", body)
    assert (body["errorCode"], body["errorSummary"]) == ("E0000031", "Invalid search criteria.")


@pytest.mark.parametrize(
    ("expression", "who"),
    [
        ('profile.department eq "engineering"', ["aroha", "ben"]),
        ('profile.firstName sw "a"', ["ana", "aroha"]),
        ('profile.email co "smith"', ["aroha"]),
        ("profile.mobilePhone pr", ["ana"]),
        ('status eq "active" and profile.department eq "Support"', ["ana", "kiri"]),
        ('(status lt "STAGED" or status gt "STAGED")', ["ana", "aroha", "kiri"]),
        ('created gt "2000-01-01T00:00:00.000Z" and type.id sw "oty"',
         ["ana", "aroha", "ben", "kiri"]),
    ],
)  # fmt: skip
def test_search(org: Org, people: dict[str, str], expression: str, who: list[str]) -> None:
    assert ids(org.api("GET", USERS, params={"search": expression})) == [people[w] for w in who]


def test_search_refuses_ne_and_co_outside_the_four_attributes(org: Org) -> None:
    for expression in ('status ne "ACTIVE"', 'profile.department co "eng"'):
        response = org.api("GET", USERS, params={"search": expression})
        assert (response.status_code, response.json()["errorCode"]) == (400, "E0000031")


def test_search_sorts_and_pages(org: Org, people: dict[str, str]) -> None:
    params = {"search": 'status eq "ACTIVE"', "sortBy": "profile.lastName", "sortOrder": "desc"}
    assert ids(org.api("GET", USERS, params=params)) == [
        people["kiri"],
        people["aroha"],
        people["ana"],
    ]
    first = org.api("GET", USERS, params={**params, "limit": "2"})
    second = org.http.get(links(first)["next"], timeout=10)
    assert ids(first) + ids(second) == [people["kiri"], people["aroha"], people["ana"]]


@pytest.mark.parametrize("limit", ["0", "-1", "ten", "1.5"])
def test_bad_limit_is_400(org: Org, limit: str) -> None:
    response = org.api("GET", USERS, params={"limit": limit})
    assert (response.status_code, response.json()["errorCode"]) == (400, "E0000001")


def test_limit_is_capped_at_200_a_page(org: Org) -> None:
    for n in range(201):
        add(org, f"User{n}", "Many")
    capped = org.api("GET", USERS, params={"limit": "5000"})
    assert len(ids(capped)) == 200 and "next" in links(capped)
    assert len(ids(org.api("GET", USERS))) == 200
