"""`python -m jobs`: the scheduler without the web app (what `crm jobs start` runs)."""
from __future__ import annotations

import argparse
import logging
import sys

import crm.services  # noqa: F401  (the audit hooks every process registers)
from crm.config import from_environment
from jobs.scheduler import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m jobs", description=__doc__)
    parser.add_argument("--lease-seconds", type=float, default=30)
    parser.add_argument("--sync-seconds", type=float, default=60)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    serve(from_environment(), lease_seconds=args.lease_seconds, sync_seconds=args.sync_seconds,
          echo=lambda message: print(message, file=sys.stderr, flush=True))


if __name__ == "__main__":
    main()
