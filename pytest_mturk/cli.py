"""``pytest-mturk serve``: run the fake MTurk as an HTTP server.

Every problem it can name (a busy port, a bad option value, a state file it will not use) is one
line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from pytest_mturk.transport.http11 import DEFAULT_TIMEOUT, MAX_BODY

USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line (argparse prints its usage first; `--help` shows it).
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


class _Fail(Exception):
    """A problem to report in one line (exit status 2)."""


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r} (a number, 0-65535)") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {text!r} (a number, 0-65535)")
    return port


def _positive(kind: type[Any], what: str) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid {what} {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"invalid {what} {text!r} (must be above 0)")
        return value

    return parse


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"invalid number {text!r} (must be 0 or more)")
    return value


def _money(text: str) -> str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"invalid amount {text!r} (e.g. 100.00)") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"invalid amount {text!r} (e.g. 100.00)")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="pytest-mturk", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    serve = sub.add_parser(
        "serve",
        help="answer MTurk requests over HTTP",
        description="Answer MTurk requests over HTTP: the sandbox at the root URL and at "
        "/sandbox, production at /production, the control API at /_pytest_mturk/, the worker "
        "and requester pages at /worker/ and /requester/.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=_port, default=0, help="0 picks a free port")
    serve.add_argument(
        "--environment",
        choices=("sandbox", "production"),
        default="sandbox",
        help="what the root URL stands for (both are always at /sandbox and /production)",
    )
    serve.add_argument("--seed", type=int, default=None, help="repeatable ids and Faker values")
    serve.add_argument(
        "--balance", type=_money, default=None, help="production prepaid balance (10000.00)"
    )
    serve.add_argument(
        "--autopilot",
        type=_count,
        default=0,
        metavar="N",
        help="N simulated workers do every open assignment",
    )
    serve.add_argument(
        "--state",
        metavar="FILE",
        default=None,
        help="keep the whole state in FILE (and FILE.journal) across restarts",
    )
    serve.add_argument(
        "--timeout",
        type=_positive(float, "timeout"),
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"idle connections and slow requests time out (default {DEFAULT_TIMEOUT:g})",
    )
    serve.add_argument(
        "--max-body",
        type=_positive(int, "size"),
        default=MAX_BODY,
        metavar="BYTES",
        help=f"the largest request body accepted (default {MAX_BODY})",
    )
    serve.add_argument(
        "--token",
        default=None,
        help="the control API's token (generated when listening off loopback)",
    )
    serve.add_argument("--verbose", action="store_true", help="log one line per request on stderr")
    serve.add_argument(
        "--open",
        action="store_true",
        help="print the worker page's URL last, to open in a browser",
    )
    serve.add_argument(
        "--open-browser",
        action="store_true",
        help="open the worker page in the default browser (implies --open)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _serve(args)
    except _Fail as exc:
        print(f"pytest-mturk: error: {exc}", file=sys.stderr, flush=True)
        return USAGE_ERROR


def _serve(args: argparse.Namespace) -> int:
    # Deferred: `--help` and option errors should not pay for importing the fake.
    from pytest_mturk.fake import MTurkFake

    durable: Any = None
    options: dict[str, Any] = {
        "seed": args.seed,
        "balance": args.balance,
        "autopilot": args.autopilot or None,
    }
    server_options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "environment": args.environment,
        "verbose": args.verbose,
        "timeout": args.timeout,
        "max_body": args.max_body,
        "token": args.token,
    }
    if args.state is not None:
        from pytest_mturk.durable import DurableState, StateFileError

        try:
            durable = DurableState.open(args.state, options)
        except StateFileError as exc:
            raise _Fail(str(exc)) from None
    try:
        if durable is not None:
            server = durable.serve(**server_options)
        else:
            fake = MTurkFake(**{k: v for k, v in options.items() if v is not None})
            server = fake.serve(**server_options)
    except OSError as exc:
        if durable is not None:
            durable.close()
        where = f"{args.host}:{args.port}"
        reason = exc.strerror or str(exc)
        raise _Fail(f"cannot listen on {where}: {reason}") from None
    # The handler is in place before the URLs are printed: whoever reads them may stop us at once.
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    _announce(server, args)
    try:
        server.serve_forever()
    finally:
        server.stop()
        if durable is not None:
            durable.close()
    return 0


def _announce(server: Any, args: argparse.Namespace) -> None:
    lines = [
        f"pytest-mturk: fake MTurk ({args.environment}) at {server.url}",
        f"  sandbox:     {server.url_for('sandbox')}",
        f"  production:  {server.url_for('production')}",
        f"  control API: {server.control_url}/",
    ]
    if server.token is not None:
        lines.append(f"  control API token (header X-Pytest-Mturk-Token): {server.token}")
    if args.state is not None:
        lines.append(f"  state: {os.path.abspath(args.state)}")
    lines.append(f"  export AWS_ENDPOINT_URL_MTURK={server.url}")
    lines.append(f"  worker page:    {server.worker_url}")
    lines.append(f"  requester page: {server.requester_url}")
    if args.open or args.open_browser:
        lines.append(f"pytest-mturk: open the worker page: {server.worker_url}")
    print("\n".join(lines), flush=True)
    if args.open_browser:
        import webbrowser  # deferred: only --open-browser needs it

        if not webbrowser.open(server.worker_url):
            print(
                "pytest-mturk: no browser could be started here; open the URL above yourself",
                file=sys.stderr,
                flush=True,
            )


if __name__ == "__main__":
    sys.exit(main())
