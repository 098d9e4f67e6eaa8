"""``Authorization: Token <key>`` for the API, against ``ApiToken`` (``organisations.tokens``).

A subclass of DRF's ``TokenAuthentication`` for its header parsing and its error answers,
and so that drf-spectacular's token scheme (which matches subclasses) names it
``tokenAuth`` in the OpenAPI schema, as before. DRF's own ``Token`` model is not used.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from organisations import tokens
from organisations.models import ApiToken


class ApiTokenAuthentication(TokenAuthentication):
    """A token that is unknown, revoked or expired, or whose user was deactivated, answers 401.

    ``request.auth`` is the ``ApiToken``; its ``last_used_at`` is written at most once a
    minute (``tokens.api_token_touch``), not on every request.
    """

    keyword = "Token"
    model = ApiToken

    def authenticate_credentials(self, key):
        token = tokens.api_token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("Token has expired; request a new one."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        tokens.api_token_touch(token=token, now=now)
        return token.user, token
