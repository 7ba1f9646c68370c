"""`rasa run` with its HTTP API token taken from the environment (`RASA_AUTH_TOKEN`).

`rasa run --auth-token <token>` puts the token in the process list: /proc/<pid>/cmdline is
readable by every user of the machine. This entry point reads the token from the environment
and hands it to Rasa inside the process, so the command line holds none:

    RASA_AUTH_TOKEN=... python -m scripts.rasa_server --model models/caredesk.tar.gz ...

Takes `rasa run`'s arguments; the HTTP API is always on and always needs the token.
"""

from __future__ import annotations

import os
import sys

TOKEN_ENV = "RASA_AUTH_TOKEN"  # noqa: S105 - the variable's name, not a secret
TOKEN_FLAG = "--auth-token"  # noqa: S105 - Rasa's option, not a secret


def rasa_argv(args: list[str], token: str) -> list[str]:
    """The arguments Rasa parses (in this process's memory, not its command line)."""
    return ["rasa", "run", "--enable-api", *args, TOKEN_FLAG, token]


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if any(arg == TOKEN_FLAG or arg.startswith(TOKEN_FLAG + "=") for arg in args):
        print(f"pass the token in {TOKEN_ENV}, not on the command line", file=sys.stderr)
        return 2
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        print(f"{TOKEN_ENV} is not set (environment or .env): refusing to start", file=sys.stderr)
        return 2
    from rasa.__main__ import main as rasa_main

    from scripts.action_answers import install

    install()  # the action server's answers checked without re-checking their schema
    # Rasa reads sys.argv; replacing this list does not change /proc/<pid>/cmdline.
    sys.argv = rasa_argv(args, token)
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
