"""`make fuzz`: schemathesis against a live `vwed serve` on loopback, bounded in examples and time.

The server gets a fresh data dir, no scheduler (nothing stored ever falls due), an executor for the
runs the fuzzer asks for (test scripts and run-now run in the sandbox, which has no network), and an
egress guard that refuses every destination (`VWED_EGRESS_PUBLIC=false`, empty allow-list): a
generated webhook, robot or WeCom URL is refused before even a DNS lookup, so no packet leaves the
machine. Exit status 0 when schemathesis found nothing; its report is printed as it runs.

Environment: `FUZZ_MAX_EXAMPLES` (default 25 per operation), `FUZZ_SECONDS` (wall-clock limit, default
900), `FUZZ_SEED` (default 1), `FUZZ_CHECKS` (default `all`), `FUZZ_EXCLUDE_CHECKS` (see EXCLUDED).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.hostile.server import ADMIN_TOKEN, hostile_server, server_log

BIN = Path(sys.executable).parent
CONFIG = Path(__file__).with_name("schemathesis.toml")
# Checks that judge behaviour this API has on purpose:
# - positive_data_acceptance: valid ids of rows that do not exist answer 404, valid but refused
#   values (an unknown tenant's channel, a schedule that never fires) answer 400;
# - unsupported_method: a static path below an id parameter (`PUT /api/notification-channels/check-result`)
#   is taken by the id route of that method (`PUT /api/notification-channels/{channel_id}`), whose id check
#   answers 400, not 405; every real 405 carries an `Allow` header (allow_header_conformance runs);
# - use_after_free: `DELETE /api/script/projects/{id}` archives the project (it stays readable, with
#   `status: archived`, and can be re-activated), as documented.
EXCLUDED = "positive_data_acceptance,unsupported_method,use_after_free"


# `vwed serve` with nothing falling due and nothing reachable outside (see the module docstring).
SERVER_ENV = {
    "VWED_SCHEDULER_ENABLED": "false",
    "VWED_EXECUTOR_CONCURRENCY": "2",
    "VWED_EGRESS_PUBLIC": "false",
    "VWED_EGRESS_ALLOW": "",
    "VWED_AI_BASE_URL": "",
}


def main() -> int:
    examples = os.environ.get("FUZZ_MAX_EXAMPLES", "25")
    seconds = float(os.environ.get("FUZZ_SECONDS", "900"))
    seed = os.environ.get("FUZZ_SEED", "1")
    checks = os.environ.get("FUZZ_CHECKS", "all")
    excluded = os.environ.get("FUZZ_EXCLUDE_CHECKS", EXCLUDED)
    with (
        tempfile.TemporaryDirectory(prefix="vwed-fuzz-") as tmp,
        hostile_server(Path(tmp), **SERVER_ENV) as server,
    ):
        command = [
            str(BIN / "schemathesis"),
            "--no-color",
            "--config-file",
            str(CONFIG),
            "run",
            f"{server.url}/openapi.json",
            "--header",
            f"Authorization: Bearer {ADMIN_TOKEN}",
            "--checks",
            checks,
            "--max-examples",
            examples,
            "--seed",
            seed,
            "--workers",
            "1",
            "--request-timeout",
            "30",
        ]
        if excluded:
            command += ["--exclude-checks", excluded]
        print("$", " ".join(command).replace(ADMIN_TOKEN, "<token>"), flush=True)
        try:
            code = subprocess.run(command, timeout=seconds, check=False).returncode
        except subprocess.TimeoutExpired:
            print(f"fuzz: stopped at the {seconds:g} s wall-clock limit", flush=True)
            code = 1
        errors = server_log(server)
        if "Traceback" in errors:
            print("fuzz: the server logged tracebacks:\n" + errors[-20000:], flush=True)
            code = code or 1
        return code


if __name__ == "__main__":
    sys.exit(main())
