from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse


def _todo(*args, **kwargs):
    raise Http404


directory = login_required(_todo)
profile = login_required(_todo)
edit_profile = login_required(_todo)
change_avatar = login_required(_todo)
tokens = login_required(_todo)
revoke_token = login_required(_todo)
avatar_image = login_required(_todo)
accept_invitation = _todo
