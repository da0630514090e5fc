"""A believable demo organisation, "Hôpital Saint-Exemple", built through the real services.

Idempotent: a second run finds the admin account and only prints the logins.
"""

from django.contrib.auth.hashers import make_password
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services as account_services
from accounts.models import User
from demo.chat_content import seed_chat
from demo.desk_content import seed_desks
from demo.feed_content import seed_feed
from groups import services
from groups.models import Group

ORGANISATION = "Hôpital Saint-Exemple"
DOMAIN = "saint-exemple.example"
PASSWORD = "relais-demo-2026"
ADMIN_EMAIL = f"admin@{DOMAIN}"
NURSE_EMAIL = f"nurse@{DOMAIN}"
GUEST_EMAIL = "guest@medtech-partner.example"

NURSING, CARDIO, ER, IT = "Soins infirmiers", "Cardiologie", "Urgences", "Informatique"
BIOMED, HR, QUALITY, COMMS, DIRECTION = ("Biomédical", "Ressources humaines", "Qualité",
                                         "Communication", "Direction")

# (email local part, name, job title, department)
STAFF = [
    ("admin", "Alice Lambert", "Administratrice du système d'information", IT),
    ("nurse", "Camille Martin", "Infirmière", CARDIO),
    ("h.bernard", "Hugo Bernard", "Technicien support", IT),
    ("s.dubois", "Sophie Dubois", "Cadre de santé", CARDIO),
    ("l.moreau", "Dr Lucas Moreau", "Cardiologue", CARDIO),
    ("e.laurent", "Dr Emma Laurent", "Cardiologue", CARDIO),
    ("t.simon", "Thomas Simon", "Infirmier", CARDIO),
    ("c.michel", "Chloé Michel", "Aide-soignante", CARDIO),
    ("n.lefebvre", "Dr Nathan Lefebvre", "Urgentiste", ER),
    ("l.leroy", "Léa Leroy", "Infirmière d'accueil et d'orientation", ER),
    ("m.roux", "Manon Roux", "Infirmière", ER),
    ("j.david", "Jules David", "Ambulancier", ER),
    ("i.bertrand", "Dr Inès Bertrand", "Cheffe de service", ER),
    ("a.morel", "Adam Morel", "Aide-soignant", ER),
    ("c.fournier", "Claire Fournier", "Directrice des soins", NURSING),
    ("p.girard", "Paul Girard", "Cadre supérieur de santé", NURSING),
    ("j.bonnet", "Julie Bonnet", "Infirmière hygiéniste", NURSING),
    ("r.dupont", "Romain Dupont", "Infirmier de nuit", NURSING),
    ("s.lambert", "Sarah Fontaine", "Infirmière de nuit", NURSING),
    ("a.rousseau", "Antoine Rousseau", "Responsable informatique", IT),
    ("m.vincent", "Marie Vincent", "Administratrice réseaux", IT),
    ("k.muller", "Kevin Muller", "Technicien support", IT),
    ("b.lefevre", "Baptiste Lefèvre", "Ingénieur biomédical", BIOMED),
    ("o.faure", "Océane Faure", "Technicienne biomédicale", BIOMED),
    ("g.andre", "Gabriel André", "Technicien biomédical", BIOMED),
    ("a.mercier", "Anaïs Mercier", "Responsable des ressources humaines", HR),
    ("v.blanc", "Victor Blanc", "Gestionnaire paie", HR),
    ("e.guerin", "Eva Guérin", "Chargée de recrutement", HR),
    ("l.boyer", "Louis Boyer", "Responsable qualité", QUALITY),
    ("z.garnier", "Zoé Garnier", "Ingénieure qualité et gestion des risques", QUALITY),
    ("a.chevalier", "Arthur Chevalier", "Pharmacien", QUALITY),
    ("j.francois", "Jade François", "Chargée de communication", COMMS),
    ("m.legrand", "Maxime Legrand", "Graphiste", COMMS),
    ("c.gauthier", "Dr Charlotte Gauthier", "Présidente de la CME", DIRECTION),
    ("h.garcia", "Henri Garcia", "Directeur général", DIRECTION),
    ("l.perrin", "Lina Perrin", "Assistante de direction", DIRECTION),
    ("e.robin", "Ethan Robin", "Brancardier", ER),
    ("m.clement", "Mila Clément", "Secrétaire médicale", CARDIO),
    ("n.morin", "Noah Morin", "Kinésithérapeute", CARDIO),
    ("r.nicolas", "Rose Nicolas", "Sage-femme", NURSING),
]

# (name, visibility, colour, allow_guests, description, owner, admins, members)
GROUPS = [
    ("Cardiologie", "public", "red", False,
     "Le service de cardiologie : organisation, protocoles et vie du service.",
     "s.dubois", ["l.moreau"], ["nurse", "e.laurent", "t.simon", "c.michel", "m.clement",
                                "n.morin"]),
    ("Urgences", "public", "orange", False,
     "Accueil des urgences adultes : plannings, consignes et retours d'expérience.",
     "i.bertrand", ["l.leroy"], ["n.lefebvre", "m.roux", "j.david", "a.morel", "e.robin"]),
    ("Soins infirmiers", "public", "teal", False,
     "La communauté des soignants : pratiques, formations et hygiène.",
     "c.fournier", ["p.girard"], ["nurse", "j.bonnet", "r.dupont", "s.lambert", "t.simon",
                                  "m.roux", "l.leroy", "r.nicolas"]),
    ("Informatique", "public", "blue", False,
     "La DSI : incidents, maintenances programmées et nouveautés.",
     "a.rousseau", ["admin"], ["h.bernard", "m.vincent", "k.muller"]),
    ("Biomédical", "public", "indigo", False,
     "Parc d'équipements, maintenance et matériovigilance.",
     "b.lefevre", [], ["o.faure", "g.andre"]),
    ("Ressources humaines", "public", "purple", False,
     "Paie, recrutement, formation et vie au travail.",
     "a.mercier", [], ["v.blanc", "e.guerin"]),
    ("Qualité et gestion des risques", "public", "green", False,
     "Certification, événements indésirables et relecture des documents patients.",
     "l.boyer", ["z.garnier"], ["a.chevalier", "j.bonnet"]),
    ("Communication", "public", "pink", False,
     "Actualités de l'hôpital, journal interne et réseaux sociaux.",
     "j.francois", [], ["m.legrand"]),
    ("Cadres de santé", "private", "slate", False,
     "L'espace des cadres : plannings, effectifs et sujets sensibles.",
     "c.fournier", ["p.girard"], ["s.dubois", "l.leroy"]),
    ("Cellule de crise", "secret", "red", False,
     "Plan blanc et gestion des situations sanitaires exceptionnelles.",
     "h.garcia", ["c.gauthier"], ["i.bertrand", "c.fournier", "a.rousseau", "l.boyer"]),
    ("Club course à pied", "public", "green", False,
     "Entraînements du mardi midi et les courses solidaires de la région.",
     "t.simon", [], ["nurse", "h.bernard", "o.faure", "m.legrand", "e.guerin"]),
    ("Projet IRM MedTech", "private", "indigo", True,
     "Installation de la nouvelle IRM avec notre partenaire MedTech Partner.",
     "b.lefevre", ["a.rousseau"], ["g.andre", "m.vincent", "l.moreau"]),
]


class Command(BaseCommand):
    help = f"Load the demo organisation “{ORGANISATION}” (safe to run again)."

    def handle(self, *args, **options):
        if User.objects.filter(email=ADMIN_EMAIL).exists():
            self.stdout.write("The demo organisation is already loaded.")
        else:
            with transaction.atomic():
                self.seed()
            self.stdout.write(self.style.SUCCESS(f"Loaded the demo organisation “{ORGANISATION}”."))
        self.print_logins()

    def seed(self):
        Site.objects.update_or_create(id=1, defaults={"name": ORGANISATION,
                                                      "domain": "127.0.0.1:8000"})
        people = {}
        for local, name, title, department in STAFF:
            people[local] = account_services.create_user(
                email=f"{local}@{DOMAIN}", display_name=name,
                job_title=title, department=department, is_staff=(local == "admin"),
                phone=f"+33 1 40 00 {len(people):02d} {10 + len(people):02d}")
        people["admin"].is_superuser = True
        people["admin"].save(update_fields=["is_superuser"])
        guest = account_services.create_user(
            email=GUEST_EMAIL, display_name="Marc Janssens",
            kind=User.Kind.GUEST, job_title="Chef de projet IRM", department="MedTech Partner",
            language="en")
        # One hash for every demo account: hashing 41 times would take seconds.
        User.objects.filter(pk__in=[p.pk for p in (*people.values(), guest)]).update(
            password=make_password(PASSWORD))

        admin = people["admin"]
        services.create_group(creator=admin, name="Tout le personnel", is_all_staff=True,
                              colour="teal",
                              description="Le groupe de tout l'établissement : annonces de la "
                                          "direction et informations de l'hôpital.")
        for name, visibility, colour, allow_guests, text, owner, admins, members in GROUPS:
            group = services.create_group(creator=people[owner], name=name, description=text,
                                          visibility=visibility, colour=colour,
                                          allow_guests=allow_guests)
            for local in admins:
                services.add_member(actor=people[owner], group=group, user=people[local],
                                    role="admin")
            for local in members:
                services.add_member(actor=people[owner], group=group, user=people[local])
            if allow_guests:
                services.add_member(actor=people[owner], group=group, user=guest)
        cadres = Group.objects.get(name="Cadres de santé")
        services.request_to_join(user=people["t.simon"], group=cadres,
                                 message="Je fais fonction de cadre en cardiologie ce mois-ci.")
        services.request_to_join(user=people["m.roux"], group=cadres)
        seed_feed(people)
        seed_chat(people)
        seed_desks(people)

    def print_logins(self):
        self.stdout.write(f"\nDemo logins (password for all: {PASSWORD})")
        self.stdout.write(f"  organisation admin  {ADMIN_EMAIL}")
        self.stdout.write(f"  nurse               {NURSE_EMAIL}")
        self.stdout.write(f"  external guest      {GUEST_EMAIL}")
