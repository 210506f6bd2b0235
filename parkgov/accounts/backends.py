"""The authentication backend: Django's ModelBackend, with the profile fetched along with the user."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

PARK_LIMITED = "parkgov_park_limited"  # annotation: does the user's profile name parks (see scopes.scope_for)


class ProfileBackend(ModelBackend):
    """`get_user` (run on every request with a session) reads the user, the profile and whether the profile is
    restricted to parks in one query, where ModelBackend and the scope took three."""

    def get_user(self, user_id):
        from parkgov.accounts.models import Profile

        users = get_user_model()._default_manager.select_related("profile").annotate(**{
            PARK_LIMITED: Exists(Profile.zones.through.objects.filter(profile__user_id=OuterRef("pk")))})
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
