"""Log in with a username (staff, or the ID number / tax code of citizens and organisations),
an e-mail address or a phone number written any usual way."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from motcua.accounts.identifiers import looks_like_phone, normalise_phone


class EmailOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        identifier = username.strip()
        user_model = get_user_model()
        matches = Q(username__iexact=identifier) | Q(email__iexact=identifier)
        if looks_like_phone(identifier):
            matches |= Q(phone=normalise_phone(identifier))
        candidates = user_model.objects.filter(matches)[:2]
        if len(candidates) != 1:
            # Run the hasher anyway so that timing does not reveal which identifiers exist.
            user_model().set_password(password)
            return None
        user = candidates[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
