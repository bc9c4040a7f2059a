"""The seed command for the test server of foreign.py, as a team would write one for its
staging server: it places SEED_COUNT open orders of SEED_OWNER through the server's own route
and prints one JSON object per line. Standard library only (it runs as `python seed_command.py`).
"""

import json
import os
import sys
import urllib.request

ROUTE = "/staging-only/place-test-orders"


def main() -> int:
    asked = {
        "count": int(os.environ["SEED_COUNT"]),
        "owner": os.environ["SEED_OWNER"],
        "api_key": os.environ["CLOB_API_KEY"],
    }
    request = urllib.request.Request(
        os.environ["CLOB_API_URL"].rstrip("/") + ROUTE,
        data=json.dumps(asked).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        for order in json.load(answer):
            print(json.dumps(order))
    return 0


if __name__ == "__main__":
    sys.exit(main())
