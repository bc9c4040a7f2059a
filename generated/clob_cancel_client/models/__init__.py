"""Contains all the data models used in inputs/outputs"""

from .api_credentials import ApiCredentials
from .api_keys_response import ApiKeysResponse
from .cancel_market_orders_request import CancelMarketOrdersRequest
from .cancel_order_request import CancelOrderRequest
from .cancel_orders_response import CancelOrdersResponse
from .cancel_orders_response_not_canceled import CancelOrdersResponseNotCanceled
from .error_response import ErrorResponse
from .heartbeat_mismatch import HeartbeatMismatch
from .heartbeat_request import HeartbeatRequest
from .heartbeat_response import HeartbeatResponse
from .rate_limit_tier_response import RateLimitTierResponse

__all__ = (
    "ApiCredentials",
    "ApiKeysResponse",
    "CancelMarketOrdersRequest",
    "CancelOrderRequest",
    "CancelOrdersResponse",
    "CancelOrdersResponseNotCanceled",
    "ErrorResponse",
    "HeartbeatMismatch",
    "HeartbeatRequest",
    "HeartbeatResponse",
    "RateLimitTierResponse",
)
