"""Payment gateways behind one interface (see `base.Gateway`); `get_gateway` picks one."""

from payments.gateways.base import (
    CheckoutStart,
    CheckoutState,
    Gateway,
    GatewayError,
    ProviderRefund,
    RefundResult,
    get_gateway,
    online_gateway,
)

__all__ = [
    "CheckoutStart",
    "CheckoutState",
    "Gateway",
    "GatewayError",
    "ProviderRefund",
    "RefundResult",
    "get_gateway",
    "online_gateway",
]
