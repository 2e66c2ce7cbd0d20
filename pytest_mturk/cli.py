"""``pytest-mturk serve``: run the fake MTurk as an HTTP server."""

from __future__ import annotations

import argparse
import sys

from pytest_mturk.fake import MTurkFake


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pytest-mturk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="answer MTurk requests over HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--environment", choices=("sandbox", "production"), default="sandbox")
    serve.add_argument("--seed", type=int, default=None)
    serve.add_argument("--balance", default="10000.00", help="production prepaid balance")
    serve.add_argument(
        "--autopilot",
        type=int,
        default=0,
        metavar="N",
        help="N simulated workers do every open assignment",
    )
    serve.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    fake = MTurkFake(seed=args.seed, balance=args.balance, autopilot=args.autopilot or None)
    server = fake.serve(
        host=args.host, port=args.port, environment=args.environment, verbose=args.verbose
    )
    print(f"pytest-mturk: fake MTurk ({args.environment}) at {server.url}", flush=True)
    print(f"  export AWS_ENDPOINT_URL_MTURK={server.url}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
