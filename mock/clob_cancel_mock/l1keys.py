"""The L1 operations (create and derive API credentials), proven by an EIP-712 signature of the
signer's key: a mixin of :class:`~clob_cancel_mock.clob.MockClob`, which holds the keys."""

from __future__ import annotations

import base64
import re
import secrets
import threading
import uuid
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from .accounts import Account, l1_signer
from .contract import Operation
from .wire import ApiError, json_response, repeated_poly_header

_NONCE = re.compile(r"[0-9]{1,78}")
_L1_SIGNATURE = re.compile(r"0x[0-9a-fA-F]{130}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


class L1Operations:
    """POST /auth/api-key and GET /auth/derive-api-key over the mock's L1 keys."""

    L1_UNAUTHORIZED = "Invalid L1 Request headers"
    CANNOT_CREATE = "Could not create api key"
    CANNOT_DERIVE = "Could not derive api key!"

    chain_id: int
    _lock: threading.Lock
    _l1_keys: dict[tuple[str, int], Account]

    def _register(self, account: Account, nonce: int) -> None:
        raise NotImplementedError

    if TYPE_CHECKING:  # L2Authentication's, which a MockClob has beside this mixin

        def timestamp_ok(self, timestamp: str) -> bool: ...

    def l1_identity(self, request: Request) -> tuple[str, int]:
        """(address, nonce) proven by the L1 headers' EIP-712 signature, or 401."""
        repeated = repeated_poly_header(request)
        if repeated is not None:
            raise ApiError(401, f"{self.L1_UNAUTHORIZED}: {repeated} sent more than once")
        headers = request.headers
        address = headers.get("poly_address") or ""
        signature = headers.get("poly_signature") or ""
        timestamp = headers.get("poly_timestamp") or ""
        nonce = headers.get("poly_nonce") or ""
        unauthorized = ApiError(401, self.L1_UNAUTHORIZED)
        if not (
            _ADDRESS.fullmatch(address)
            and _L1_SIGNATURE.fullmatch(signature)
            and _NONCE.fullmatch(nonce)
            and int(nonce) < 2**256
            and self.timestamp_ok(timestamp)
        ):
            raise unauthorized
        try:
            signer = l1_signer(address, timestamp, int(nonce), self.chain_id, signature)
        except Exception:  # eth-account raises several types for unrecoverable signatures
            raise unauthorized from None
        if signer.lower() != address.lower():
            raise unauthorized
        return address, int(nonce)

    def op_create_api_key(
        self, op: Operation, request: Request, body: bytes, account: None
    ) -> Response:
        address, nonce = self.l1_identity(request)
        with self._lock:
            if (address.lower(), nonce) in self._l1_keys:
                raise ApiError(400, self.CANNOT_CREATE)
            created = Account(
                api_key=str(uuid.uuid4()),
                secret=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                passphrase=secrets.token_hex(32),
                address=address,
            )
            self._register(created, nonce)
        return json_response(200, _creds_json(created))

    def op_derive_api_key(
        self, op: Operation, request: Request, body: bytes, account: None
    ) -> Response:
        address, nonce = self.l1_identity(request)
        with self._lock:
            found = self._l1_keys.get((address.lower(), nonce))
        if found is None:
            raise ApiError(400, self.CANNOT_DERIVE)
        return json_response(200, _creds_json(found))


def _creds_json(account: Account) -> dict[str, str]:
    return {"apiKey": account.api_key, "secret": account.secret, "passphrase": account.passphrase}
