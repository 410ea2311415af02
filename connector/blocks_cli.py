"""``ezitxt-okta blocks``: the destination prefixes conversion feedback has blocked, and how an
admin lifts one (README "Conversion feedback").

Reads the Redis the replicas share (``EZITXT_HOOK_REDIS_URL``, or ``--redis-url``): ``list``
prints each block (prefix, application, level, time left); ``lift PREFIX`` removes the block
(of every application, or ``--application``), forgets the prefix's strikes, so that its next
block starts again at the shortest, and starts its count afresh. With the memory store the
blocks live in the connector's process: a restart clears them, and
``EZITXT_HOOK_CONVERSION_ALLOW_PREFIXES`` lifts them for good.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

HELP = "List the prefixes blocked for low conversion, or lift one (Redis state)."
REDIS_URL_ENV = "EZITXT_HOOK_REDIS_URL"
_PREFIX = re.compile(r"\+[1-9][0-9]{0,14}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis-url", default=None, help=f"the replicas' Redis (default: ${REDIS_URL_ENV})"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="every block in place")
    lift = actions.add_parser("lift", help="lift a prefix's block and forget its strikes")
    lift.add_argument("prefix", help="the prefix as listed, e.g. +64211")
    lift.add_argument("--application", default=None, help="only this EZITXT application's")


def run(args: argparse.Namespace) -> int:
    url = args.redis_url or os.environ.get(REDIS_URL_ENV)
    if not url:
        sys.stderr.write(
            f"ezitxt-okta blocks: no Redis ({REDIS_URL_ENV} or --redis-url). With the memory "
            "store, blocks live in the connector's process: restart it to clear them, and set "
            "EZITXT_HOOK_CONVERSION_ALLOW_PREFIXES to keep a prefix from being blocked.\n"
        )
        return 2
    from redis import Redis
    from redis.exceptions import RedisError

    from connector.redis_conversion import lift_block, list_blocks
    from connector.state import mask_url

    client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        if args.action == "list":
            blocks = list_blocks(client)
            if not blocks:
                sys.stdout.write("no prefix is blocked\n")
            for application, block, left_s in blocks:
                sys.stdout.write(
                    f"{block.prefix}\tapplication={application}\tlevel={block.level}"
                    f"\tleft={left_s}s\n"
                )
            return 0
        if _PREFIX.fullmatch(args.prefix) is None:
            sys.stderr.write("ezitxt-okta blocks lift: PREFIX is E.164 style, e.g. +64211\n")
            return 2
        lifted = lift_block(client, args.prefix, args.application)
        scope = f" of {args.application}" if args.application else ""
        sys.stdout.write(
            f"lifted {lifted} block(s) of {args.prefix}{scope}; strikes and counts forgotten\n"
        )
        return 0
    except RedisError as exc:
        sys.stderr.write(f"ezitxt-okta blocks: Redis at {mask_url(url)}: {type(exc).__name__}\n")
        return 1
    finally:
        client.close()
