from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``; a token older than ``API_TOKEN_TTL`` is refused."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token.created < timezone.now() - settings.API_TOKEN_TTL:
            raise exceptions.AuthenticationFailed(_("Token has expired; request a new one."))
        return user, token
