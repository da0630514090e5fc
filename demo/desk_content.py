"""The demo request desks: the IT desk (forms, categories, service hours, targets, an emoji
route to the biomedical desk) with three months of tickets, so the queue is lived in and the
metrics page has a history; a biomedical desk and an HR desk. Built through the real services,
then dated back (services stamp "now")."""

from __future__ import annotations

import random
from datetime import time, timedelta

from django.utils import timezone

from desk import selectors, services, setup
from desk.intake import RequestForm
from desk.models import FormField, MeToo, Priority, TargetTime, Ticket, TicketChange
from groups.models import Group

K = FormField.Kind
WEEKDAYS = range(5)
IT_AGENTS = ["h.bernard", "m.vincent", "k.muller"]
# (form name, category, fields)
IT_FORMS = [
    ("Problème de Wi-Fi", "Wi-Fi et réseau", [
        {"label": "Bâtiment", "kind": K.SINGLE_CHOICE, "required": True,
         "choices": ["Bâtiment A", "Bâtiment B", "Bâtiment C", "Urgences"]},
        {"label": "Étage", "kind": K.SINGLE_CHOICE, "required": True,
         "choices": ["Rez-de-chaussée", "1er étage", "2e étage", "3e étage"]},
        {"label": "Appareil", "kind": K.SINGLE_CHOICE, "required": True,
         "choices": ["Ordinateur fixe", "Ordinateur portable", "Chariot de soins",
                     "Tablette", "Téléphone"]},
        {"label": "Depuis quand ?", "kind": K.DATE, "required": False},
        {"label": "Détails", "kind": K.LONG_TEXT, "required": False,
         "help_text": "Ce que vous voyez à l'écran, les autres personnes touchées…"},
    ]),
    ("Imprimante", "Imprimantes", [
        {"label": "Lieu", "kind": K.SHORT_TEXT, "required": True,
         "help_text": "Service et pièce, par exemple « Cardiologie, poste de soins »."},
        {"label": "Numéro d'inventaire", "kind": K.SHORT_TEXT, "required": False},
        {"label": "Problème", "kind": K.SINGLE_CHOICE, "required": True,
         "choices": ["Bourrage", "N'imprime plus", "Qualité d'impression", "Autre"]},
    ]),
    ("Demande d'accès", "Comptes et accès", [
        {"label": "Logiciel", "kind": K.SINGLE_CHOICE, "required": True,
         "choices": ["Dossier patient", "Prescription", "Planning", "Messagerie"]},
        {"label": "Pour qui ?", "kind": K.PERSON, "required": True},
        {"label": "À partir du", "kind": K.DATE, "required": True},
        {"label": "Justification", "kind": K.LONG_TEXT, "required": False},
    ]),
]
CATEGORIES = ["Wi-Fi et réseau", "Poste de travail", "Imprimantes", "Logiciels métiers",
              "Comptes et accès", "Téléphonie"]
# Minutes of service time: (first response, resolution) per priority.
TARGETS = {Priority.URGENT: (30, 240), Priority.HIGH: (120, 600),
           Priority.NORMAL: (240, 1800), Priority.LOW: (480, 3000)}
TITLES = {
    "Wi-Fi et réseau": ["Wi-Fi très lent au 2e étage", "Pas de réseau sur le chariot de soins",
                        "Le Wi-Fi se coupe en salle de réunion", "Borne Wi-Fi qui clignote"],
    "Poste de travail": ["Écran noir au démarrage", "Clavier qui ne répond plus",
                         "Le poste redémarre tout seul", "Souris sans fil à remplacer"],
    "Imprimantes": ["Bourrage papier au poste de soins", "L'imprimante n'imprime plus",
                    "Étiquettes mal alignées", "Toner vide en consultation"],
    "Logiciels métiers": ["Le dossier patient est très lent", "Erreur à l'ouverture des "
                          "prescriptions", "Planning inaccessible", "Export PDF impossible"],
    "Comptes et accès": ["Mot de passe bloqué", "Accès au dossier patient pour une nouvelle "
                         "infirmière", "Badge qui n'ouvre plus la pharmacie",
                         "Compte de messagerie pour un interne"],
    "Téléphonie": ["DECT qui ne sonne plus", "Poste fixe sans tonalité",
                   "Renvoi d'appel à configurer"],
}
REQUESTERS = ["nurse", "t.simon", "c.michel", "s.dubois", "l.moreau", "m.roux", "l.leroy",
              "j.david", "r.dupont", "s.lambert", "j.bonnet", "p.girard", "m.clement",
              "n.morin", "e.robin", "a.morel", "r.nicolas", "v.blanc", "j.francois"]
REPLIES = ["Je regarde ça tout de suite.", "Pouvez-vous redémarrer l'appareil et me dire si "
           "le problème persiste ?", "Un technicien passe dans la matinée.",
           "C'est corrigé, merci de confirmer de votre côté."]


def _desk(people, group_name, prefix, owner, agents, on_call):
    group = Group.objects.get(name=group_name)
    desk = setup.create_desk(actor=people[owner], group=group, prefix=prefix,
                             time_zone="Europe/Paris")
    for local in agents:
        setup.set_agent(actor=people[owner], desk=desk, user=people[local],
                        on_call=local == on_call)
    setup.set_service_hours(actor=people[owner], desk=desk,
                            periods=[(day, time(8), time(18)) for day in WEEKDAYS])
    for priority, (first, resolution) in TARGETS.items():
        setup.set_target(actor=people[owner], desk=desk, priority=priority,
                         first_response_minutes=first, resolution_minutes=resolution)
    return desk


def seed_desks(people: dict) -> None:
    it = _desk(people, "Informatique", "IT", "a.rousseau", IT_AGENTS, on_call="m.vincent")
    biomed = _desk(people, "Biomédical", "BIO", "b.lefevre", ["o.faure", "g.andre"],
                   on_call="g.andre")
    hr = _desk(people, "Ressources humaines", "RH", "a.mercier", ["v.blanc", "e.guerin"],
               on_call=None)
    owner = people["a.rousseau"]
    categories = {name: setup.save_category(actor=owner, desk=it, name=name)
                  for name in CATEGORIES}
    for name, category, fields in IT_FORMS:
        setup.save_form(actor=owner, desk=it, name=name, category=categories[category],
                        fields=fields)
    setup.save_category(actor=people["b.lefevre"], desk=biomed, name="Panne d'équipement")
    setup.save_category(actor=people["a.mercier"], desk=hr, name="Paie")
    urgent = setup.save_category(actor=owner, desk=it, name="Panne critique", urgent=True)
    setup.set_route(actor=owner, desk=it, emoji="🩺", target=biomed.group)
    _history(people, it, categories)
    _today(people, it, urgent)


def _today(people, desk, urgent) -> None:
    """What is happening now: the demo nurse's Wi-Fi request through its form, an urgent
    outage nobody has taken yet."""
    nurse = people["nurse"]
    wifi = desk.forms.get(name="Problème de Wi-Fi")
    answers = {"Bâtiment": "Bâtiment B", "Étage": "2e étage", "Appareil": "Chariot de soins",
               "Détails": "Le chariot perd la connexion dès qu'on entre dans les chambres "
                          "8 à 12 ; les autres postes du service aussi."}
    data = {"title": "Le chariot de soins perd le Wi-Fi en cardiologie", "priority": "normal"}
    data |= {field.key: answers[field.label] for field in wifi.fields.all()
             if field.label in answers}
    form = RequestForm(data=data, desk=desk, intake_form=wifi, requester=nurse,
                       priorities=Priority.choices)
    if not form.is_valid():
        raise ValueError(form.errors.as_text())
    rows, _files = form.answers()
    services.file_request(requester=nurse, desk=desk, title=form.cleaned_data["title"],
                          intake_form=wifi, answers=rows, priority="normal")
    services.file_request(requester=people["l.leroy"], desk=desk, category=urgent,
                          title="Dossier patient inaccessible à l'accueil des urgences")


def _history(people, desk, categories) -> None:
    """Three months of past tickets, most of them done, with working-hours timings. Written in
    bulk as an import of past data would be (the services would also post ~500 channel
    messages, seconds of work nobody reads): the tickets, their changes and "me too"s, enough
    for the queue and the metrics. The last few days are acted through the services."""
    rng = random.Random(7)  # noqa: S311 (a repeatable demo, not a secret)
    hours = selectors.hours_of(desk)
    targets = {t.priority: t for t in TargetTime.objects.filter(desk=desk)}
    now = timezone.now()
    tickets, changes, me_too = [], [], []
    for index in range(150):
        days_ago = 90 - index * 84 // 150
        filed = hours.add_minutes(now - timedelta(days=days_ago, hours=rng.randint(0, 9)),
                                  rng.randint(0, 120))
        category = rng.choice(CATEGORIES)
        priority = rng.choices(list(TARGETS), weights=[1, 3, 10, 3])[0]
        agent = people[rng.choice(IT_AGENTS)]
        target = targets[priority]
        answered = hours.add_minutes(filed, rng.randint(3, target.first_response_minutes * 3 // 2))
        resolved = hours.add_minutes(answered, rng.randint(20, target.resolution_minutes))
        closed = resolved + timedelta(days=2) if rng.random() < 0.7 else None
        status = Ticket.Status.CLOSED if closed else Ticket.Status.RESOLVED
        tickets.append(Ticket(
            desk=desk, number=index + 1, title=rng.choice(TITLES[category]),
            requester=people[rng.choice(REQUESTERS)], status=status, priority=priority,
            category=categories[category], assignee=agent, source=Ticket.Source.FORM,
            created=filed, updated=closed or resolved, first_response_at=answered,
            resolved_at=resolved, closed_at=closed,
            first_response_due=hours.add_minutes(filed, target.first_response_minutes),
            resolution_due=hours.add_minutes(filed, target.resolution_minutes)))
    Ticket.objects.bulk_create(tickets)
    desk.next_number = len(tickets) + 1
    desk.save(update_fields=["next_number"])
    for ticket in Ticket.objects.filter(desk=desk):
        agent = ticket.assignee
        changes += [
            TicketChange(ticket=ticket, actor=agent, field="assignee", new=str(agent.pk),
                         created=ticket.first_response_at),
            TicketChange(ticket=ticket, actor=agent, field="status", old="new",
                         new="in_progress", created=ticket.first_response_at),
            TicketChange(ticket=ticket, actor=agent, field="status", old="in_progress",
                         new="resolved", created=ticket.resolved_at)]
        if ticket.closed_at:
            changes.append(TicketChange(ticket=ticket, actor=agent, field="status",
                                        old="resolved", new="closed", created=ticket.closed_at))
        if rng.random() < 0.25:
            others = [p for p in REQUESTERS if people[p].pk != ticket.requester_id]
            for local in rng.sample(others, rng.randint(1, 3)):
                me_too.append(MeToo(ticket=ticket, user=people[local],
                                    created=ticket.created + timedelta(minutes=30)))
    TicketChange.objects.bulk_create(changes)
    MeToo.objects.bulk_create(me_too)
    for ticket in Ticket.objects.filter(me_too__isnull=False).distinct():
        Ticket.objects.filter(pk=ticket.pk).update(me_too_count=ticket.me_too.count())
    _recent(people, desk, categories, rng)


def _recent(people, desk, categories, rng) -> None:
    """This week's requests, acted through the services: taken, answered in their thread,
    one waiting on its requester, two nobody has taken yet."""
    for index, (local, category, title) in enumerate([
            ("t.simon", "Imprimantes", "Bourrage papier au poste de soins"),
            ("m.roux", "Logiciels métiers", "Le dossier patient est très lent"),
            ("s.dubois", "Comptes et accès", "Accès au dossier patient pour une nouvelle "
                                             "infirmière"),
            ("j.bonnet", "Poste de travail", "Écran noir au démarrage"),
            ("r.dupont", "Téléphonie", "DECT qui ne sonne plus")]):
        ticket = services.file_request(requester=people[local], desk=desk, title=title,
                                       category=categories[category])
        if index >= 3:
            continue
        agent = people[IT_AGENTS[index]]
        services.update_ticket(actor=agent, ticket=ticket, assignee=agent, status="in_progress")
        services.comment(actor=agent, ticket=ticket, body=REPLIES[index])
        if index == 0:
            services.me_too(user=people["c.michel"], ticket=ticket)
        if index == 1:
            services.update_ticket(actor=agent, ticket=ticket, status="waiting")
