"""Who is calling the API: a bearer token (scripts, other systems) or the logged-in browser user."""

from ninja.security import HttpBearer, SessionAuth

from parkgov.accounts.scopes import Scope, scope_for
from parkgov.accounts.services import user_for_token


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`; tokens come from `parkgov token 用户名` (only the SHA-256 is stored)."""

    def authenticate(self, request, token):
        user = user_for_token(token) if token else None
        if user is not None:
            request.user = user  # history rows and audit use request.user
        return user


class BrowserSession(SessionAuth):
    """The logged-in browser user (django-ninja checks CSRF for unsafe methods).

    Skipped when nobody is logged in, so a request without a valid token answers 401, not a CSRF 403.
    """

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


def scope_of(request) -> Scope:
    """The data scope of the authenticated caller (PermissionDenied for an account without a role)."""
    return scope_for(request.auth)
