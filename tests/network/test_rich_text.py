import pytest

from accounts.models import User
from network import rich_text
from tests.conftest import make_user


def render(source, mentionable=None):
    return rich_text.render(source, mentionable=mentionable)


# --- Markdown, sanitised ------------------------------------------------------------------------

def test_markdown_is_rendered():
    html = render("# Titre\n\n**gras** et *italique*\n\n- un\n- deux\n\n`code`").html
    for fragment in ("<h1>Titre</h1>", "<strong>gras</strong>", "<em>italique</em>",
                     "<li>un</li>", "<code>code</code>"):
        assert fragment in html


def test_single_newlines_are_line_breaks():
    assert "ligne 1<br>\nligne 2" in render("ligne 1\nligne 2").html


@pytest.mark.parametrize(("source", "forbidden"), [
    ("<script>alert(1)</script>", "<script"),
    ("<script>alert(1)</script>", "alert(1)"),
    ("[click](javascript:alert(1))", "javascript:"),
    ("[click](JaVaScRiPt:alert(1))", "javascript:"),
    ("<a href=\"javascript:alert(1)\">x</a>", "javascript:"),
    ("<img src=x onerror=alert(1)>", "onerror"),
    ("<p onclick=\"steal()\">x</p>", "onclick"),
    ("<iframe src=\"https://evil.example\"></iframe>", "<iframe"),
    ("<style>body{display:none}</style>", "<style"),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
    ("<svg onload=alert(1)>", "<svg"),
])
def test_dangerous_html_is_removed(source, forbidden):
    assert forbidden not in render(source).html.lower()


def test_bare_links_are_linked_with_noopener():
    html = render("Voir https://intranet.example/protocole?id=3, merci.").html
    assert ('<a href="https://intranet.example/protocole?id=3" '
            'rel="noopener noreferrer nofollow">https://intranet.example/protocole?id=3</a>, '
            'merci.') in html


def test_markdown_links_get_noopener_too():
    html = render("[le protocole](https://intranet.example/p)").html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert 'href="https://intranet.example/p"' in html


def test_a_link_already_written_in_markdown_is_not_linked_twice():
    html = render("[https://a.example](https://a.example) and <https://b.example>").html
    assert html.count("<a ") == 2


def test_plain_excerpt_is_one_line_of_text():
    assert rich_text.plain_excerpt("# Titre\n\n**gras** <b>&amp;</b>\n\nsuite") == \
        "Titre gras & suite"
    assert rich_text.plain_excerpt("mot " * 100, length=20) == "mot mot mot mot mot…"


# --- mentions -----------------------------------------------------------------------------------

@pytest.fixture
def people(db):
    return {
        "hugo": make_user("hugo.bernard@hopital.example", "Hugo Bernard"),
        "jp": make_user("jp@hopital.example", "Jean-Pierre O'Neil"),
        "elodie": make_user("elodie@hopital.example", "Élodie Durand"),
        "hugo_b": make_user("hugo.b@hopital.example", "Hugo"),
    }


def everyone():
    return User.objects.all()


def test_a_mention_is_linked_to_the_profile(people):
    hugo = people["hugo"]
    rendered = render("Merci @Hugo Bernard.", everyone())
    assert rendered.mentioned_ids == [hugo.id]
    assert (f'<a class="mention" href="/people/{hugo.id}/" data-user-id="{hugo.id}">'
            f"@Hugo Bernard</a>.") in rendered.html


def test_the_longest_name_wins(people):
    rendered = render("@Hugo Bernard et @Hugo tout court", everyone())
    assert rendered.mentioned_ids == [people["hugo"].id, people["hugo_b"].id]


def test_mentions_are_case_insensitive_and_keep_the_real_name(people):
    rendered = render("cc @hugo bernard", everyone())
    assert rendered.mentioned_ids == [people["hugo"].id]
    assert ">@Hugo Bernard</a>" in rendered.html


def test_names_with_hyphens_apostrophes_and_accents(people):
    rendered = render("@Jean-Pierre O'Neil et @Élodie Durand", everyone())
    assert rendered.mentioned_ids == [people["jp"].id, people["elodie"].id]


def test_a_person_mentioned_twice_is_counted_once(people):
    assert render("@Hugo Bernard @Hugo Bernard", everyone()).mentioned_ids == [people["hugo"].id]


def test_only_mentionable_people_are_mentioned(people):
    rendered = render("@Hugo Bernard", User.objects.exclude(id__in=[people["hugo"].id,
                                                                    people["hugo_b"].id]))
    assert rendered.mentioned_ids == []
    assert 'class="mention"' not in rendered.html
    assert render("@Hugo Bernard").mentioned_ids == []


def test_a_link_whose_address_is_refused_is_left_as_plain_text():
    html = render('[lien](javascript:alert(3)) et <a href="data:text/html,x" title="t">brut</a> '
                  'mais [ok](https://a.example "titre")').html
    assert html == ('<p>lien et brut mais <a href="https://a.example" title="titre" '
                    'rel="noopener noreferrer nofollow">ok</a></p>')


def test_who_may_be_mentioned_is_asked_only_when_the_text_names_someone(people):
    asked = []

    def mentionable():
        asked.append(True)
        return everyone()

    assert render("No one named here, mail me at a@b.example", mentionable).mentioned_ids == []
    assert asked == []
    assert render("cc @Hugo Bernard", mentionable).mentioned_ids == [people["hugo"].id]
    assert asked == [True]


def test_two_people_with_the_same_name_are_not_mentioned_nor_a_shorter_namesake(people):
    make_user("hugo.bernard2@hopital.example", "Hugo Bernard")
    rendered = render("@Hugo Bernard", everyone())
    assert rendered.mentioned_ids == []
    assert "@Hugo Bernard" in rendered.html and 'class="mention"' not in rendered.html


def test_a_longer_text_that_names_nobody_falls_back_to_a_shorter_name(people):
    rendered = render("@Hugo Martin est absent", everyone())
    assert rendered.mentioned_ids == [people["hugo_b"].id]
    assert ">@Hugo</a> Martin est absent" in rendered.html


def test_inactive_people_are_not_mentioned(people):
    people["hugo"].is_active = False
    people["hugo"].save(update_fields=["is_active"])
    assert render("@Hugo Bernard", User.objects.exclude(id=people["hugo_b"].id)
                  ).mentioned_ids == []


def test_an_email_address_is_not_a_mention(people):
    assert render("écrire à hugo@Hugo Bernard", everyone()).mentioned_ids == []


def test_display_names_are_escaped_in_the_link(people):
    rendered = render("Bravo @Jean-Pierre O'Neil", everyone())
    assert ">@Jean-Pierre O&#x27;Neil</a>" in rendered.html


def test_a_text_never_sees_what_an_earlier_one_defined():
    # Converters are reused (one per thread): each text starts from nothing.
    first = render("Voir [le protocole][p].\n\n"
                   "[p]: https://intranet.example/sepsis\n\n```\ncode\n```")
    assert 'href="https://intranet.example/sepsis"' in first.html
    second = render("Voir [le protocole][p].")
    assert "intranet.example" not in second.html and "[le protocole][p]" in second.html
    assert "<code>" not in second.html
