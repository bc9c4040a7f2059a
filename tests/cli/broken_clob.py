"""A broken mock for the CLI tests: it reports an id it was never asked about as canceled (the
answer of a server that breaks the contract, and a partial failure for the CLI to word)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

from clob_cancel_mock import MockClob
from clob_cancel_mock.orders import CancelResult


class InventsAnId(MockClob):
    def cancel_response(self, result: CancelResult, headers: Mapping[str, str]) -> Response:
        invented = CancelResult(
            canceled=[*result.canceled, "0xnever-asked"], not_canceled=result.not_canceled
        )
        return super().cancel_response(invented, headers)
