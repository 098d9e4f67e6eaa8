from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from organisations.identity import text_clean


class CaseInsensitiveModelBackend(ModelBackend):
    """Sign in with a username typed in any case: officers type their service number as
    printed ("NP-000123") while accounts are created in lower case. Surrounding spaces and
    direction marks do not count either (``organisations.identity``)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user_model = get_user_model()
        user = user_model._default_manager.filter(username__iexact=text_clean(username)).order_by("pk").first()
        if user is None:
            user_model().set_password(password)  # same work as a real check, against timing probes
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The signed-in user of a request, with their officer record (unit and service) in
        the same query: ``user_roles`` needs it on nearly every page."""
        user_model = get_user_model()
        try:
            # ``get``: ``first`` would add an ORDER BY to a lookup by primary key.
            user = user_model._default_manager.select_related("officer__unit", "officer__service").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        user.is_officer_loaded = True  # fresh from the database with this request
        return user
