"""The HTTP layer both mocks share: the capped reader, the Allow header, the reset contract."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from mocks.common.http import ErrorShape, exception_handlers, read_capped, reset_route
from tests.servers import serve

CAP = 1024


class Refused(Exception):
    def __init__(self, status: int, code: str) -> None:
        self.status, self.code = status, code


def render(exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return JSONResponse({"code": exc.code}, status_code=exc.status)


SHAPE = ErrorShape(
    error=Refused,
    render=render,
    from_status=lambda request, status: Refused(status, f"http_{status}"),
    internal=lambda: Refused(500, "internal"),
)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    resets: list[str] = []

    async def size(request: Request) -> Response:
        body = await read_capped(request, CAP, lambda: Refused(413, "too_large"))
        return JSONResponse({"size": len(body)})

    async def bug(request: Request) -> Response:
        raise RuntimeError("a bug")

    async def resets_seen(request: Request) -> Response:
        return JSONResponse({"resets": len(resets)})

    app = Starlette(
        routes=[
            Route("/body", size, methods=["POST"]),
            Route("/body", resets_seen, methods=["GET"]),
            Route("/bug", bug, methods=["GET"]),
            reset_route(lambda request: resets.append(request.method)),
            Mount("/console", routes=[Route("/page", resets_seen, methods=["GET", "PUT"])]),
        ],
        exception_handlers=exception_handlers(SHAPE),
    )
    with serve(app) as base:
        yield base


def test_a_body_up_to_the_cap_is_read_whole(url: str) -> None:
    answer = requests.post(f"{url}/body", data=b"x" * CAP, timeout=10)
    assert answer.json() == {"size": CAP}


def test_a_declared_body_over_the_cap_is_refused(url: str) -> None:
    answer = requests.post(f"{url}/body", data=b"x" * (CAP + 1), timeout=10)
    assert (answer.status_code, answer.json()) == (413, {"code": "too_large"})


def test_a_chunked_body_over_the_cap_is_refused_while_streaming(url: str) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b"y" * 100

    answer = requests.post(f"{url}/body", data=chunks(), timeout=10)
    assert (answer.status_code, answer.json()) == (413, {"code": "too_large"})


def test_405_names_every_method_of_the_path_in_allow(url: str) -> None:
    answer = requests.delete(f"{url}/body", timeout=10)
    assert (answer.status_code, answer.json()) == (405, {"code": "http_405"})
    assert answer.headers["allow"] == "GET, HEAD, POST"


def test_405_inside_a_mounted_app_names_its_methods(url: str) -> None:
    answer = requests.delete(f"{url}/console/page", timeout=10)
    assert (answer.status_code, answer.headers["allow"]) == (405, "GET, HEAD, PUT")


def test_unknown_route_and_bug_answer_in_the_service_shape(url: str) -> None:
    missing = requests.get(f"{url}/nothing", timeout=10)
    assert (missing.status_code, missing.json()) == (404, {"code": "http_404"})
    bug = requests.get(f"{url}/bug", timeout=10)
    assert (bug.status_code, bug.json()) == (500, {"code": "internal"})
    assert bug.headers["content-type"] == "application/json"


def test_reset_contract_is_post_answering_204(url: str) -> None:
    before = requests.get(f"{url}/body", timeout=10).json()["resets"]
    answer = requests.post(f"{url}/_mock/reset", timeout=10)
    assert (answer.status_code, answer.content) == (204, b"")
    assert requests.get(f"{url}/body", timeout=10).json()["resets"] == before + 1
    wrong = requests.get(f"{url}/_mock/reset", timeout=10)
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
