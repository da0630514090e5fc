"""The demo feed: posts, an announcement to acknowledge, a poll, comments and reactions,
spread over the last days so the home page looks lived in. Built through the real services."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from feed import services
from feed.models import Post
from groups.models import Group, Membership

ROTA_CSV = ("Date;Jour;Nuit;Astreinte\n"
            "01/12;Dr Emma Laurent;Dr Lucas Moreau;Sophie Dubois\n"
            "02/12;Dr Lucas Moreau;Dr Emma Laurent;Thomas Simon\n"
            "03/12;Dr Emma Laurent;Dr Lucas Moreau;Chloé Michel\n")


def _age(post: Post, hours: float) -> None:
    # Services stamp "now"; the demo spreads posts over the past days instead.
    Post.objects.filter(id=post.id).update(created=timezone.now() - timedelta(hours=hours))


def seed_feed(people: dict) -> None:
    # The demo's members "joined" a month ago, so announcements find them in their audience.
    Membership.objects.update(joined_at=timezone.now() - timedelta(days=30))
    groups = {g.name: g for g in Group.objects.all()}
    all_staff = next(g for g in groups.values() if g.is_all_staff)

    welcome = services.create_post(
        author=people["j.francois"], group=all_staff,
        body="**Bienvenue sur Relais !** Le nouveau réseau de l'hôpital remplace les listes "
             "de diffusion : actualités, annonces, discussions de service. Posez vos questions "
             "en commentaire, @Hugo Bernard et l'équipe informatique vous répondent.")
    _age(welcome, 70)
    services.react(user=people["h.bernard"], post=welcome, emoji="🎉")
    services.react(user=people["nurse"], post=welcome, emoji="👍")
    services.react(user=people["c.fournier"], post=welcome, emoji="👍")
    services.add_comment(author=people["nurse"], post=welcome,
                         body="Est-ce qu'on peut l'installer sur le téléphone du service ?")
    question = welcome.comments.first()
    services.add_comment(author=people["h.bernard"], post=welcome, parent=question,
                         body="Oui : ouvrez l'adresse dans le navigateur puis « Ajouter à "
                              "l'écran d'accueil ».")

    protocol = services.create_post(
        author=people["admin"], group=all_staff, kind=Post.Kind.ANNOUNCEMENT, requires_ack=True,
        ack_deadline=timezone.now() + timedelta(days=5),
        body="## Nouveau protocole d'hygiène des mains\n\nÀ compter du 1er décembre, la "
             "friction hydro-alcoolique remplace le lavage simple avant et après chaque "
             "contact patient.\n\n- 30 secondes de friction, jusqu'au séchage complet\n"
             "- pas de bijoux ni de montre aux poignets\n- ongles courts, sans vernis\n\n"
             "Merci de confirmer que vous avez lu et compris ce protocole.")
    _age(protocol, 20)
    for local in ("c.fournier", "p.girard", "j.bonnet", "s.dubois", "l.moreau", "h.bernard"):
        services.record_views(user=people[local], post_ids=[protocol.id])
    for local in ("c.fournier", "p.girard", "j.bonnet", "s.dubois"):
        services.acknowledge(user=people[local], post=protocol)

    rota = services.create_post(
        author=people["s.dubois"], group=groups["Cardiologie"], kind=Post.Kind.ANNOUNCEMENT,
        body="Le planning des gardes de décembre est en ligne. Les échanges de garde se font "
             "avant le 25 novembre auprès de moi.",
        # Kept in the group's documents (Attachments folder), found by search like them.
        attachments=[SimpleUploadedFile("Planning gardes décembre.csv", ROTA_CSV.encode())])
    _age(rota, 30)
    services.set_pinned(actor=people["s.dubois"], post=rota, pinned=True)

    poll = services.create_post(
        author=people["t.simon"], group=groups["Club course à pied"], kind=Post.Kind.POLL,
        body="On s'inscrit ensemble à la course solidaire du 14 décembre ?",
        poll=services.PollSpec(question="Quelle distance pour la course solidaire ?",
                               options=["5 km", "10 km", "Semi-marathon", "Je viens encourager"]))
    _age(poll, 8)
    options = list(poll.poll.options.all())
    for local, option in (("nurse", 1), ("h.bernard", 0), ("o.faure", 1), ("m.legrand", 3)):
        services.vote(user=people[local], poll=poll.poll, option_ids=[options[option].id])

    maintenance = services.create_post(
        author=people["m.vincent"], group=groups["Informatique"],
        body="Maintenance du réseau Wi-Fi du bâtiment B **jeudi de 6 h à 7 h**. Les postes "
             "fixes ne sont pas concernés.")
    _age(maintenance, 4)
    services.add_comment(author=people["k.muller"], post=maintenance,
                         body="Je préviens les urgences, merci !")

    cardio = services.create_post(
        author=people["l.moreau"], group=groups["Cardiologie"],
        body="Bravo à toute l'équipe pour la certification de l'unité de soins intensifs "
             "cardiologiques 👏 Merci @Camille Martin pour la préparation des audits.")
    _age(cardio, 2)
    for local in ("nurse", "s.dubois", "e.laurent", "t.simon"):
        services.react(user=people[local], post=cardio, emoji="❤️")
