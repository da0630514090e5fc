from django.contrib.auth.decorators import login_required
from django.http import Http404


def _todo(*args, **kwargs):
    raise Http404


group_list = create_group = group_detail = edit_group = members = invite = join = login_required(_todo)
request_to_join = decide_request = leave = archive = change_role = remove_member = login_required(_todo)
