"""The demo chat: a lived-in cardiology channel with a thread, an urgent message, direct
conversations for the demo nurse, spread over the morning. Built through the real services."""

from datetime import timedelta

from django.utils import timezone

from chat import services
from chat.models import Message
from groups.models import Group


def _say(people, conversation, who, body, minutes_ago, **extra) -> Message:
    message, _created = services.send_message(author=people[who], conversation=conversation,
                                              body=body, **extra)
    # Services stamp "now"; the demo spreads the conversation over the morning instead.
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    Message.objects.filter(id=message.id).update(created=moment)
    if message.thread_root_id:
        Message.objects.filter(id=message.thread_root_id).update(last_reply_at=moment)
    return message


def seed_chat(people: dict) -> None:
    cardio = Group.objects.get(name="Cardiologie").channel
    services.set_urgent_allowed(actor=people["s.dubois"], conversation=cardio, allowed=True)
    _say(people, cardio, "s.dubois", "Bonjour à tous ☀️ Transmissions à 7h30 en salle de "
         "pause, comme d'habitude.", 190)
    _say(people, cardio, "t.simon", "Bien noté. Le chariot d'urgence du couloir B a été "
         "vérifié cette nuit ✅", 175)
    rounds = _say(people, cardio, "l.moreau", "Visite à 10h : on commence par la **chambre "
                  "12**, puis les entrées de la nuit.", 120)
    _say(people, cardio, "nurse", "La chambre 12 sera prête, le bilan est parti au labo.", 112,
         thread_root_id=rounds.id)
    _say(people, cardio, "e.laurent", "Je vous rejoins pour la 14 : échographie de contrôle "
         "à prévoir.", 105, thread_root_id=rounds.id)
    _say(people, cardio, "l.moreau", "Parfait, merci @Camille Martin.", 100,
         thread_root_id=rounds.id, also_in_channel=True)
    _say(people, cardio, "c.michel", "Qui a emprunté le tensiomètre mobile ? Il manque en "
         "salle de soins.", 60)
    question = cardio.messages.order_by("-seq").first()
    services.react(user=people["t.simon"], message=question, emoji="👀")
    _say(people, cardio, "s.dubois", "Rappel : la formation défibrillateur de cet après-midi "
         "est **obligatoire** pour les nouveaux arrivants.", 30, urgent=True)
    latest = _say(people, cardio, "n.morin", "Kiné de la chambre 8 décalée à 15h, la famille "
                  "est prévenue.", 12)
    services.react(user=people["nurse"], message=latest, emoji="👍")
    services.react(user=people["s.dubois"], message=latest, emoji="👍")
    # The demo nurse has read the channel up to the formation reminder.
    services.mark_read(user=people["nurse"], conversation=cardio,
                       message_id=cardio.messages.get(urgent=True).id)

    direct, _created = services.start_direct(user=people["h.bernard"],
                                             user_ids=[people["nurse"].id])
    _say(people, direct, "nurse", "Bonjour Hugo, l'imprimante du poste infirmier affiche "
         "« bourrage » mais il n'y a rien dedans.", 95)
    _say(people, direct, "h.bernard", "Je passe dans 10 minutes. En attendant, pouvez-vous "
         "l'éteindre et la rallumer ?", 90)
    _say(people, direct, "h.bernard", "C'est réparé : un capteur encrassé. Dites-moi si ça "
         "recommence.", 40)

    small, _created = services.start_direct(
        user=people["s.dubois"], user_ids=[people["nurse"].id, people["t.simon"].id])
    _say(people, small, "s.dubois", "Pouvez-vous échanger vos gardes du 24 ? Merci de me "
         "confirmer ici.", 70)
    _say(people, small, "t.simon", "D'accord pour moi.", 65)
