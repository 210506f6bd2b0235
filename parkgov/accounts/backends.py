"""The authentication backend: Django's ModelBackend, with the profile fetched along with the user."""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models.expressions import RawSQL

PARK_LIMITED = "parkgov_park_limited"  # annotation: does the user's profile name parks (see scopes.scope_for)


class ProfileBackend(ModelBackend):
    """`get_user` (run on every request with a session) reads the user, the profile and whether the profile is
    restricted to parks in one query, where ModelBackend and the scope took three."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("profile").annotate(
            **{PARK_LIMITED: RawSQL(_park_limited_sql(), ())})
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


@cache
def _park_limited_sql() -> str:
    """EXISTS over the profile's parks, written out once: Django's Exists(OuterRef) took 0.6 ms a request to
    compile (measured), a third of the whole query's cost."""
    from parkgov.accounts.models import Profile

    users, profiles = get_user_model()._meta.db_table, Profile._meta.db_table
    parks = Profile.zones.through._meta.db_table
    return (f'EXISTS (SELECT 1 FROM "{parks}" INNER JOIN "{profiles}" ON "{profiles}"."id" = "{parks}"."profile_id" '
            f'WHERE "{profiles}"."user_id" = "{users}"."id")')
