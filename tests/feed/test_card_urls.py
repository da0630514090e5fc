"""The post card builds its action addresses from the post's address; they must stay the
addresses the URLconf gives those actions."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ACTIONS = {"card": "card/", "edit": "edit/", "delete": "delete/", "pin": "pin/",
           "comment": "comments/", "react": "react/", "vote": "vote/", "voters": "voters/",
           "acknowledge": "acknowledge/", "receipts": "receipts/"}


@pytest.mark.parametrize(("name", "suffix"), ACTIONS.items())
def test_card_action_addresses_match_the_urlconf(name, suffix):
    assert reverse(f"feed:{name}", args=[42]) == reverse("feed:post", args=[42]) + suffix
