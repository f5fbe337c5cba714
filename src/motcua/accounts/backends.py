"""Log in with a username, an e-mail address or a phone number."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class EmailOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        identifier = username.strip()
        user_model = get_user_model()
        candidates = user_model.objects.filter(
            Q(username__iexact=identifier) | Q(email__iexact=identifier) | Q(phone=identifier)
        )[:2]
        if len(candidates) != 1:
            # Run the hasher anyway so that timing does not reveal which identifiers exist.
            user_model().set_password(password)
            return None
        user = candidates[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
