"""View decorator that enforces the user's scope (one place; pages, exports and partials all use it)."""

from functools import wraps

from django.contrib.auth.decorators import login_required

from parkgov.accounts.scopes import scope_for


def scoped(domain: str | None = None, *, write=False):
    """Require login and, if `domain` is given, read (or write) access to it; passes `scope` to the view."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            scope = request_scope(request)
            if domain:
                scope.require(domain, write=write)
            return view(request, *args, scope=scope, **kwargs)

        return wrapper

    return decorate


def request_scope(request):
    """The scope of the request's user, worked out once per request (the view and the navigation both ask)."""
    if getattr(request, "_parkgov_scope", None) is None:
        request._parkgov_scope = scope_for(request.user)
    return request._parkgov_scope
