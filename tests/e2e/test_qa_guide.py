"""The README's QA guide works as written: its ``sh`` blocks, run in order with bash against
the running stack, all succeed (curl -f fails on any HTTP error)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.e2e.conftest import Chain

README = Path(__file__).resolve().parents[2] / "README.md"


def guide_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    guide = text.split("## QA guide", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", guide, flags=re.S)


def test_every_curl_example_of_the_qa_guide_works(chain: Chain) -> None:
    blocks = guide_blocks()
    assert len(blocks) >= 6
    assert chain.stack.tls is not None
    urls = chain.stack.urls
    env = {
        **os.environ,
        "EZ": urls.ezitxt,
        "HOOK": urls.connector,
        "OKTA": urls.okta,
        "TOKEN": chain.stack.api_token,
        "CA": str(chain.stack.tls.ca_pem),
    }
    script = "set -euo pipefail\n" + "\n".join(blocks)
    done = subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"result":"SUCCESS"' in done.stdout.replace(" ", "")
    assert "inline_hook" in done.stdout
