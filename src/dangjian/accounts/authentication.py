"""API token authentication that obeys the account policy (DESIGN §11).

DRF's TokenAuthentication refuses only inactive users. A token also stops working while
the account is expired or its owner must change the password: a token must never be the
way around the forced change the pages and session API calls enforce.
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .policy import account_refusal, password_refusal


class PolicyTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if refusal := account_refusal(user):
            raise exceptions.AuthenticationFailed(refusal)
        if refusal := password_refusal(user):
            raise exceptions.PermissionDenied(refusal)
        return user, token
