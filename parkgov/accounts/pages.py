"""What the pages of every app share: login, the user's scope and the domain it needs, a service's NotFound as the
404 page, and how a posted step reports its outcome. Apps import this (not `parkgov.web`, which imports them)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from parkgov.accounts.scopes import scope_for
from parkgov.errors import ConflictError, InputError, NotFound


def request_scope(request):
    """The scope of the request's user, worked out once per request (the view and the navigation both ask)."""
    if getattr(request, "_parkgov_scope", None) is None:
        request._parkgov_scope = scope_for(request.user)
    return request._parkgov_scope


def scoped(domain: str | None = None, *, write=False):
    """Login and, if `domain` is given, read (or write) access to it; passes `scope` to the view."""

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


def scoped_page(domain, *, write=False):
    """Login, the user's scope (passed to the view as `scope`) and read (or write) access to `domain`; NotFound
    from a service becomes the 404 page."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            scope = request_scope(request)
            scope.require(domain, write=write)
            try:
                return view(request, *args, scope=scope, **kwargs)
            except NotFound as exc:
                raise Http404(str(exc)) from exc

        return wrapper

    return decorate


def run_step(request, write, done: str) -> bool:
    """Run `write()` in one transaction; the outcome becomes the message shown on the next page (a refused step
    names why, nothing of it is written). True when it was done."""
    try:
        with transaction.atomic():
            write()
    except (InputError, PermissionDenied, ConflictError) as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, done)
    return True


def form_errors(request, form) -> None:
    """A form's errors as one message, each after its field's label."""
    messages.error(request, " ".join(f"{form.fields[name].label if name in form.fields else ''} {e}".strip()
                                     for name, errors in form.errors.items() for e in errors))
