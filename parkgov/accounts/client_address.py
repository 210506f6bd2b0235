"""The client's IP address for login throttling (django-axes' AXES_CLIENT_IP_CALLABLE), issue 13.

`X-Forwarded-For` is a header anyone can send. It is believed only when the request comes from a proxy named in
PARKGOV_TRUSTED_PROXIES (addresses or networks), and then only as far as the chain stays within those proxies:
the right-most address that is not a trusted proxy is the client. From any other peer the header is ignored and
the peer's own address (REMOTE_ADDR) is the client.
"""

import ipaddress
from functools import cache

from django.conf import settings


@cache
def _trusted(networks: tuple) -> tuple:
    return tuple(ipaddress.ip_network(n, strict=False) for n in networks)


def _is_trusted(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request) -> str:
    """The address login failures are counted against (see the module docstring)."""
    peer = request.META.get("REMOTE_ADDR", "")
    networks = _trusted(tuple(settings.PARKGOV_TRUSTED_PROXIES))
    if not _is_trusted(peer, networks):
        return peer
    chain = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for address in reversed(chain):
        if not _is_trusted(address, networks):
            try:
                return str(ipaddress.ip_address(address))
            except ValueError:  # a proxy passed on garbage: count it against the proxy itself
                return peer
    return chain[0] if chain else peer
