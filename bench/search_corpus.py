"""The text of the search benchmark (bench/search.py): French and English hospital posts,
messages and documents, generated from the word lists below (nothing is downloaded).

``Corpus(seed)`` decides, deterministically, everything but the database ids: the people, the
groups (which ones the measured reader sees), the direct conversations, and for each of the
1,020,000 entries its kind, group or conversation, author, date and text. Every engine of the
benchmark (PostgreSQL, SQLite, tantivy) indexes the same rows in the same order.

A few rare words are planted in known rows (``PLANTED``): so many visible to the reader in their
groups, so many in their direct conversations, the rest where they may not look. The
benchmark checks that a search for each returns exactly the rows the reader may see.
"""

from __future__ import annotations

import bisect
import itertools
import random
from array import array
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# --- Sizes -----------------------------------------------------------------------------------

PEOPLE, GROUPS = 10_000, 2_000
PUBLIC_GROUPS = 12  # all of them among the reader's 30
READER_GROUPS = 30
GROUPS_PER_PERSON = (8, 24)
CONVERSATIONS, READER_CONVERSATIONS = 25_000, 40
# 1,000,000 posts and messages, 20,000 documents.
CONTENT = {"post": 420_000, "announcement": 10_000, "comment": 170_000,
           "message": 300_000, "direct": 100_000, "document": 20_000}
KIND_OF = {"direct": "message"}  # what a plan's kind is in search_entry
YEARS = 2

# Rare words, and where they are planted: (rows in the reader's groups, rows in the reader's
# direct conversations, rows in groups they cannot see, rows in conversations they are not in).
PLANTED = {
    "méthémoglobinémie": (9, 3, 100, 20),   # 12 to find: the first page holds them all
    "phéochromocytome": (50, 10, 300, 40),  # 60 to find: the first page holds 20 of them
    "Takotsubo": (2, 2, 20, 6),              # 4 to find, half of them in direct messages
    "rhabdomyolyse": (0, 0, 45, 5),          # none to find: all where the reader cannot look
}

# --- Word lists ------------------------------------------------------------------------------

FIRST = ["Camille", "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Louis", "Inès", "Jules", "Sarah",
         "Nathan", "Emma", "Mathis", "Jade", "Yanis", "Zoé", "Adam", "Lina", "Noah", "Alice",
         "Karim", "Fatou", "Julien", "Claire", "Thomas", "Amina", "Paul", "Élodie", "Marc",
         "Ana", "Sébastien", "Nadia", "Mehdi", "Agnès", "Olivier", "Hélène", "Rémi", "Maëlle",
         "Grégoire", "Josiane", "Kevin", "Sophie", "Ibrahim", "Laure", "Franck", "Céline"]
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David",
        "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
        "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Diallo", "Nguyen",
        "Benali", "Traoré", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Perrin",
        "Chevalier", "Gauthier", "Masson", "Marchand", "Duval", "Lemaire", "Noël", "Meyer"]
SERVICES = ["urgences", "réanimation", "cardiologie", "pédiatrie", "maternité", "néonatologie",
            "oncologie", "hématologie", "gériatrie", "neurologie", "néphrologie",
            "pneumologie", "chirurgie digestive", "chirurgie orthopédique", "bloc opératoire",
            "salle de réveil", "radiologie", "laboratoire", "pharmacie", "stérilisation",
            "psychiatrie", "soins palliatifs", "médecine interne", "endocrinologie",
            "dermatologie", "rééducation", "consultations externes", "hôpital de jour",
            "SMUR", "soins continus", "infectiologie", "gastro-entérologie", "urologie"]
SERVICES_EN = ["emergency", "intensive care", "cardiology", "paediatrics", "maternity",
               "neonatal unit", "oncology", "haematology", "geriatrics", "neurology",
               "nephrology", "respiratory medicine", "general surgery", "orthopaedics",
               "theatres", "recovery", "radiology", "laboratory", "pharmacy", "sterile services",
               "psychiatry", "palliative care", "internal medicine", "day hospital",
               "outpatients", "infectious diseases", "urology"]
ROLES = ["infirmière", "infirmier", "aide-soignante", "aide-soignant", "cadre de santé",
         "interne", "médecin", "sage-femme", "pharmacien", "kinésithérapeute", "brancardier",
         "secrétaire médicale", "manipulateur radio", "préparatrice en pharmacie",
         "agent de service hospitalier", "diététicienne", "psychologue", "assistante sociale",
         "infirmière anesthésiste", "infirmière de bloc", "praticien hospitalier"]
ROLES_EN = ["nurse", "senior nurse", "nursing assistant", "physician", "resident", "surgeon",
            "pharmacist", "technician", "midwife", "physiotherapist", "porter", "ward clerk",
            "healthcare assistant", "consultant", "anaesthetist", "dietitian"]
DRUGS = ["paracétamol", "amoxicilline", "héparine", "énoxaparine", "noradrénaline",
         "adrénaline", "insuline", "morphine", "vancomycine", "ceftriaxone", "furosémide",
         "amiodarone", "midazolam", "propofol", "kétamine", "oxytocine", "salbutamol",
         "chlorure de potassium", "metformine", "ondansétron", "tramadol", "gentamicine",
         "pipéracilline-tazobactam", "dexaméthasone", "hydrocortisone", "sufentanil",
         "néfopam", "oméprazole", "lévothyroxine", "méropénem", "cefazoline", "naloxone"]
EQUIPMENT = ["pompe à perfusion", "pousse-seringue électrique", "défibrillateur",
             "chariot d'urgence", "scope", "respirateur", "glucomètre", "tensiomètre",
             "lève-personne", "matelas anti-escarres", "aspirateur de mucosités", "échographe",
             "brancard", "fauteuil roulant", "bladder scan", "saturomètre",
             "chambre implantable", "pompe PCA", "électrocardiographe", "thermomètre tympanique"]
EQUIPMENT_EN = ["infusion pump", "syringe driver", "defibrillator", "crash trolley",
                "patient monitor", "ventilator", "glucose meter", "blood pressure monitor",
                "hoist", "pressure mattress", "suction unit", "ultrasound scanner",
                "wheelchair", "bladder scanner", "pulse oximeter", "ECG machine"]
ACTS = ["pose de voie veineuse périphérique", "prélèvement sanguin", "hémoculture",
        "transfusion de culot globulaire", "sondage urinaire", "pansement de cathéter central",
        "aspiration trachéale", "réfection de pansement", "ponction lombaire", "intubation",
        "électrocardiogramme", "gaz du sang artériel", "bilan entrée-sortie",
        "administration d'antibiotiques", "surveillance de la glycémie capillaire",
        "préparation cutanée de l'opéré", "mobilisation du patient", "toilette au lit",
        "évaluation de la douleur", "injection sous-cutanée", "pose de sonde gastrique"]
ACTS_EN = ["cannulation", "blood sampling", "blood cultures", "blood transfusion",
           "urinary catheterisation", "central line dressing", "tracheal suction",
           "wound dressing", "lumbar puncture", "intubation", "arterial blood gas",
           "fluid balance chart", "antibiotic administration", "capillary glucose monitoring",
           "pain assessment", "subcutaneous injection", "nasogastric tube insertion"]
DOCS = ["protocole", "procédure", "fiche réflexe", "mode opératoire", "note de service",
        "formulaire", "check-list", "guide de bonnes pratiques", "logigramme", "fiche technique"]
DOCS_EN = ["protocol", "procedure", "policy", "guideline", "checklist", "standard operating "
           "procedure", "form", "care pathway", "quick reference card"]
TOPICS = ["hygiène des mains", "prévention des chutes", "prise en charge du sepsis",
          "gestion de la douleur", "identitovigilance", "circuit du médicament",
          "transfusion sanguine", "précautions complémentaires contact",
          "bionettoyage des chambres", "accueil des nouveaux arrivants", "isolement septique",
          "déclaration des événements indésirables", "gestion des déchets",
          "vérification du chariot d'urgence", "antibioprophylaxie", "dépistage des BMR",
          "nutrition entérale", "surveillance post-opératoire", "contention physique",
          "sortie du patient", "prévention des escarres", "hémorragie de la délivrance",
          "arrêt cardio-respiratoire", "accident d'exposition au sang", "chimiothérapie orale",
          "perfusion sous-cutanée", "prévention de la légionellose", "plan blanc",
          "permanence des soins", "astreinte opérationnelle", "garde de pharmacie",
          "conciliation médicamenteuse", "antibiothérapie probabiliste"]
TOPICS_EN = ["hand hygiene", "falls prevention", "sepsis management", "pain management",
             "patient identification", "medicines management", "blood transfusion",
             "contact precautions", "cleaning of patient rooms", "staff induction",
             "incident reporting", "waste management", "crash trolley checks",
             "antibiotic prophylaxis", "pressure ulcer prevention", "cardiac arrest",
             "needlestick injury", "major incident plan", "on-call rota",
             "infusion therapy", "discharge planning", "delirium screening"]
DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
DAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre"]
BUILDINGS = ["A", "B", "C", "D", "Pasteur", "Laennec", "Curie", "Vésale", "Broca"]
TEAM_WORDS = ["Équipe", "Unité", "Pôle", "Groupe de travail", "Comité", "Cellule",
              "Réseau", "Staff", "Commission", "Planning"]

# Posts and messages, in French (about 70%) and English. {…} are filled from the lists above.
FR = [
    "Rappel : le {doc} « {topic} » a été mis à jour, merci d'en prendre connaissance avant "
    "votre prochaine garde.",
    "Qui peut me remplacer pour la garde de {day} soir en {service} ?",
    "L'astreinte de {service} est assurée ce week-end par le Dr {last}, joignable au poste "
    "{extension}.",
    "La pharmacie signale une rupture de {drug} ; utiliser l'alternative indiquée dans le "
    "protocole.",
    "Formation {equipment} {day} à {time} en salle de réunion du {floor}e étage.",
    "Audit d'hygiène des mains en {service} cette semaine : pensez à la friction "
    "hydroalcoolique avant et après chaque soin.",
    "Nouvelle procédure de {act} disponible dans la bibliothèque du groupe.",
    "Merci à toute l'équipe de nuit pour la prise en charge d'hier, belle coordination avec "
    "le SMUR.",
    "Le {equipment} de la chambre {room} est en panne, un ticket a été ouvert auprès du "
    "biomédical.",
    "Transmissions de {time} : {count} patients, dont {small} sous {drug} en perfusion "
    "continue.",
    "Attention : contrôle du chariot d'urgence chaque {day} et après chaque utilisation.",
    "Les plannings de {month} sont affichés, les échanges de garde se font avant le "
    "{date}.",
    "Suspicion de sepsis en {service} : appliquer le protocole, hémocultures avant "
    "l'antibiothérapie.",
    "La réunion de service est décalée à {day} {time}.",
    "Bienvenue à {first} {last}, nouvelle {role} en {service} à partir de {day}.",
    "Rappel identitovigilance : vérifier le bracelet avant chaque soin et chaque "
    "administration.",
    "Le circuit du médicament change en {service} : double contrôle pour {drug}.",
    "Quelqu'un a-t-il la fiche réflexe pour l'arrêt cardio-respiratoire en {service} ?",
    "Pensez à tracer l'évaluation de la douleur dans le dossier de soins.",
    "Exercice incendie {day} à {time} au bâtiment {building}, les patients ne sont pas "
    "déplacés.",
    "Vaccination antigrippale : permanence à la médecine du travail chaque {day} de {time} "
    "à {time2}.",
    "Le parking du personnel sera fermé {day} matin pour travaux.",
    "La pompe à perfusion doit être vérifiée avant chaque nouvelle poche, voir la procédure.",
    "Isolement contact en chambre {room} : surblouse et gants, friction avant et après.",
    "Déclaration d'événement indésirable faite pour l'erreur de débit de {drug}, analyse en "
    "CREX {day}.",
    "Besoin d'un renfort infirmier en {service} cette nuit, qui est disponible ?",
    "Le laboratoire rappelle que les tubes doivent être étiquetés au lit du patient.",
    "Sortie prévue {day} pour le patient de la chambre {room}, ordonnance à préparer par "
    "l'interne.",
    "Les résultats de l'audit sur la prévention des chutes sont disponibles.",
    "Merci de ranger la réserve de {service} après la livraison de la pharmacie.",
    "Le protocole de {topic} est validé par la commission, il s'applique dès {day}.",
    "{first}, peux-tu passer en {service} pour l'{act} de la chambre {room} ?",
    "Je prends l'astreinte de {day}, {first} prend celle de {day2}.",
    "La garde de {day} est couverte, merci {first} !",
    "Pour l'{act}, suivez la procédure à jour dans la bibliothèque, pas l'ancienne fiche.",
    "Perfusion : {drug} à passer sur une heure, débit à vérifier sur la pompe.",
    "Le staff pluridisciplinaire de {service} a lieu {day} à {time}.",
    "Pénurie de gants taille M, la logistique livre {day}.",
    "Les infirmières de {service} cherchent un créneau pour la formation {topic}.",
    "Rappel : la procédure d'hygiène des mains s'applique aussi aux visiteurs.",
    "Prochaine session de simulation en santé : {topic}, {day} {date}.",
    "La pharmacie centrale ferme à {time} {day}, la garde de pharmacie prend le relais.",
    "Merci de compléter le formulaire de {topic} avant la fin du mois.",
    "Qui a les clés de la salle de soins du {floor}e étage ?",
    "Patient de la chambre {room} transféré en {service} cette nuit, dossier suivi.",
    "Protocole de surveillance post-opératoire : constantes toutes les heures pendant six "
    "heures.",
    "Le bionettoyage de la chambre {room} est à refaire après la levée d'isolement.",
    "Ok pour moi, je passe à {time}.",
    "Vu, merci.",
    "Je transmets à l'équipe de {service}.",
]
EN = [
    "Reminder: the {doc_en} on {topic_en} has been updated; please read it before your next "
    "shift.",
    "Who can cover the on-call shift on {day_en} night in {service_en}?",
    "Hand hygiene audit on all wards this week: use the alcohol rub before and after each "
    "patient.",
    "Pharmacy reports a shortage of {drug}; use the alternative listed in the protocol.",
    "Training on the new {equipment_en} on {day_en} at {time_en} in the meeting room.",
    "Suspected sepsis in {service_en}: follow the sepsis protocol, blood cultures before "
    "antibiotics.",
    "The night shift handover moves to {time_en} from {day_en}.",
    "Thanks to everyone who covered the extra shifts during the weekend.",
    "The {equipment_en} in room {room} is broken; a ticket has been raised with clinical "
    "engineering.",
    "Please check the updated {topic_en} {doc_en} before your next shift.",
    "Welcome to {first} {last}, our new {role_en} in {service_en} from {day_en}.",
    "Fire drill on {day_en} at {time_en} in building {building}; patients are not moved.",
    "The {act_en} procedure has changed: see the new checklist in the library.",
    "Infusion of {drug} over one hour; check the rate on the pump.",
    "Can someone swap the on-call duty of the {nth} with me?",
    "Minutes of yesterday's meeting are in the group's documents.",
    "Flu vaccination sessions continue every {day_en} in the staff clinic.",
    "Incident report filed for the {drug} dose error; review at the safety huddle on "
    "{day_en}.",
    "The {service_en} team needs an extra nurse tonight, who is available?",
    "Discharge planned on {day_en} for the patient in room {room}.",
    "Pharmacy is closed after {time_en}; the on-call pharmacist takes over.",
    "The new {topic_en} {doc_en} applies from {day_en}.",
    "Noted, thanks.",
    "I'll be there at {time_en}.",
]
# Everyday chatter, with none of the words the benchmark searches for: most sentences of posts
# and messages (PLAIN_SHARE) come from here, so that a common word such as "protocole" is in a
# few percent of them, not in every other one.
PLAIN_SHARE = 0.7
PLAIN_FR = [
    "Bonne journée à tous !",
    "Merci pour votre aide hier soir.",
    "Quelqu'un a vu mon badge ? Je l'ai oublié en salle de pause.",
    "Le repas de fin d'année aura lieu le {date} au self.",
    "Le pot de départ de {first} est prévu {day} à {time} en salle de pause.",
    "Pensez à poser vos congés d'été avant la fin du mois.",
    "La machine à café du {floor}e étage est réparée.",
    "Je serai en retard de dix minutes, bouchons sur la rocade.",
    "Photos de la course solidaire en pièce jointe, bravo à tous les participants !",
    "Réunion des représentants du personnel {day} à {time}.",
    "Les vestiaires du bâtiment {building} sont fermés pour nettoyage {day}.",
    "Les badges d'accès seront renouvelés à partir du {date}.",
    "Qui vient au cours de yoga du {day} midi ?",
    "Le service informatique migre la messagerie {day} soir, coupure de trente minutes.",
    "L'ascenseur du bâtiment {building} est en maintenance jusqu'à {day}.",
    "Mise à jour du logiciel de planification {day} à {time}, pensez à enregistrer vos "
    "saisies.",
    "Les tenues propres sont livrées {day} matin à la lingerie.",
    "Le self propose un menu végétarien tous les {day}.",
    "Merci {first} pour le gâteau, il était délicieux !",
    "Les entretiens annuels commencent la semaine prochaine, les convocations arrivent par "
    "mail.",
    "Quelqu'un peut-il me prêter un chargeur de téléphone ?",
    "Je suis en formation toute la journée, joignable en fin d'après-midi.",
    "Le stationnement vélo a été agrandi devant le bâtiment {building}.",
    "Une collecte de jouets est organisée pour le service de {service} jusqu'au {date}.",
    "Rappel : les demandes de remboursement de frais sont à déposer avant le {date}.",
    "La navette entre les deux sites part toutes les vingt minutes à partir de {time}.",
    "Bravo à {first} {last} pour la soutenance de son mémoire !",
    "Le tableau des effectifs de {month} est en ligne.",
    "Les nouveaux téléphones DECT sont disponibles au secrétariat.",
    "La salle de réunion du {floor}e étage est réservée {day} de {time} à {time2}.",
    "Je cherche un covoiturage depuis la gare le {day} matin.",
    "Le comité social organise une sortie au théâtre le {date}.",
    "Réunion d'équipe annulée cette semaine, on se voit {day} prochain.",
    "Quelqu'un a-t-il le numéro du service technique ?",
    "Le wifi invité ne fonctionne plus au {floor}e étage, ticket ouvert.",
    "Merci de libérer les casiers non utilisés avant le {date}.",
    "Les résultats de l'enquête de satisfaction des patients sont plutôt bons ce trimestre.",
    "Les étudiants de troisième année arrivent {day} pour dix semaines de stage.",
    "La journée portes ouvertes de l'institut de formation a lieu le {date}.",
    "Attention, travaux de peinture dans le couloir du {floor}e étage toute la semaine.",
    "D'accord, je m'en occupe.",
    "Parfait, merci !",
    "Je regarde ça tout de suite.",
    "Bien reçu.",
    "C'est noté pour {day}.",
]
PLAIN_EN = [
    "Have a good weekend, everyone!",
    "Thanks for your help last night.",
    "Has anyone seen my badge? I left it in the break room.",
    "The leaving do for {first} is on {day_en} at {time_en} in the staff room.",
    "Please book your summer leave before the end of the month.",
    "The coffee machine on floor {floor} is fixed.",
    "Running ten minutes late, traffic on the ring road.",
    "Photos from the charity run attached; well done everyone!",
    "The lift in building {building} is under maintenance until {day_en}.",
    "The email system moves on {day_en} evening, thirty minutes of downtime.",
    "Appraisals start next week; invitations will come by email.",
    "The shuttle between the two sites leaves every twenty minutes from {time_en}.",
    "Congratulations to {first} {last} on passing the exam!",
    "The meeting room on floor {floor} is booked on {day_en} from {time_en}.",
    "Anyone driving from the station on {day_en} morning?",
    "Team meeting cancelled this week; see you next {day_en}.",
    "Students arrive on {day_en} for a ten-week placement.",
    "Sure, I'll take care of it.",
    "Perfect, thanks!",
    "Got it.",
    "Will do.",
]
# Sentences of documents (procedures, protocols, minutes), French then English.
DOC_FR = [
    "Objet : ce {doc} décrit la conduite à tenir pour la {topic} en {service}.",
    "Domaine d'application : l'ensemble des professionnels médicaux et paramédicaux du pôle, "
    "y compris les intérimaires et les étudiants.",
    "Responsabilités : le cadre de santé veille à l'application du présent document ; "
    "l'{role} réalise les soins et en assure la traçabilité.",
    "Étape {small} : {act}, après friction hydroalcoolique des mains et vérification de "
    "l'identité du patient.",
    "Étape {small} : préparer le matériel nécessaire ({equipment}, compresses stériles, "
    "antiseptique) sur un plateau désinfecté.",
    "Étape {small} : administrer le {drug} selon la prescription médicale, contrôler le "
    "débit de la pompe à perfusion toutes les heures.",
    "Surveillance : constantes, douleur, point de ponction et tolérance du traitement, "
    "notées dans le dossier de soins.",
    "En cas de signe de gravité (hypotension, marbrures, confusion), appeler le médecin de "
    "garde et appliquer le protocole sepsis.",
    "Traçabilité : l'acte est tracé dans le dossier patient informatisé avec l'heure et le "
    "nom du soignant.",
    "Hygiène : port de gants non stériles, tablier à usage unique, friction des mains avant "
    "et après le soin.",
    "Élimination des déchets : les piquants et tranchants sont jetés dans le collecteur "
    "dédié, les déchets souillés dans la filière DASRI.",
    "Gestion des risques : toute erreur ou tout presque-accident fait l'objet d'une "
    "déclaration d'événement indésirable.",
    "La nuit et le week-end, l'astreinte de {service} est joignable par le standard au "
    "poste {extension}.",
    "La pharmacie à usage intérieur délivre le {drug} sur ordonnance nominative ; hors "
    "ouverture, contacter la garde de pharmacie.",
    "Critères d'alerte : fréquence respiratoire supérieure à 22, pression artérielle "
    "systolique inférieure à 100, lactates supérieurs à 2.",
    "Ce document annule et remplace la version du {date} {year}.",
    "Références : recommandations de la Haute Autorité de santé, bonnes pratiques de la "
    "Société française d'hygiène hospitalière.",
    "Rédaction : {first} {last}, {role} ; vérification : cadre supérieur de santé ; "
    "approbation : direction des soins.",
    "Indicateurs de suivi : taux de conformité de l'audit, nombre d'événements indésirables "
    "déclarés, délai de prise en charge.",
    "Formation : chaque nouvel arrivant suit la session {topic} dans le mois de son "
    "arrivée.",
    "Matériel : {equipment}, chariot de soins, solution hydroalcoolique, gants, compresses.",
    "Les modalités de l'astreinte opérationnelle et de la permanence des soins figurent en "
    "annexe.",
    "Compte rendu de la réunion du {date} : présents {count} professionnels de {service}.",
    "Points abordés : {topic}, organisation des gardes, bilan de l'audit d'hygiène.",
    "Décision : le {doc} sera révisé avant le {date} par le groupe de travail.",
]
DOC_EN = [
    "Purpose: this {doc_en} describes what to do for {topic_en} in {service_en}.",
    "Scope: all medical and nursing staff of the division, including agency staff and "
    "students.",
    "Responsibilities: the ward manager ensures this document is applied; the {role_en} "
    "carries out the care and records it.",
    "Step {small}: {act_en}, after hand hygiene and checking the patient's identity.",
    "Step {small}: prepare the equipment ({equipment_en}, sterile gauze, antiseptic) on a "
    "clean tray.",
    "Step {small}: give {drug} as prescribed and check the infusion pump rate every hour.",
    "Monitoring: vital signs, pain, insertion site and tolerance, recorded in the care "
    "notes.",
    "If there are signs of deterioration, call the doctor on call and follow the sepsis "
    "protocol.",
    "Records: the procedure is documented in the electronic patient record with the time "
    "and the name of the nurse.",
    "Waste: sharps go in the sharps bin, contaminated waste in the clinical waste stream.",
    "Risk management: every error or near miss is reported through the incident system.",
    "References: national guidance on infection prevention and control.",
    "This document replaces the version of {date_en}.",
    "Training: every new starter attends the {topic_en} session within a month.",
]


@dataclass(frozen=True)
class GroupSpec:
    name: str
    slug: str
    visibility: str
    description: str


@dataclass(frozen=True)
class PersonSpec:
    email: str
    display_name: str
    job_title: str
    department: str


class Filler:
    """Fills a template's {slots} from the word lists."""

    def __init__(self, rng: random.Random):
        self.lists = {
            "service": SERVICES, "service_en": SERVICES_EN, "role": ROLES, "role_en": ROLES_EN,
            "drug": DRUGS, "equipment": EQUIPMENT, "equipment_en": EQUIPMENT_EN, "act": ACTS,
            "act_en": ACTS_EN, "doc": DOCS, "doc_en": DOCS_EN, "topic": TOPICS,
            "topic_en": TOPICS_EN, "day": DAYS, "day2": DAYS, "day_en": DAYS_EN,
            "month": MONTHS, "first": FIRST, "last": LAST, "building": BUILDINGS,
        }
        number, choice = rng.randint, rng.choice
        self.made = {
            "date": lambda: f"{number(1, 28)} {choice(MONTHS)}",
            "date_en": lambda: f"{number(1, 28)} {choice(MONTHS)}",
            "year": lambda: str(number(2015, 2025)),
            "time": lambda: f"{number(6, 21)}h{choice(('', '15', '30'))}",
            "time2": lambda: f"{number(6, 21)}h{choice(('', '15', '30'))}",
            "time_en": lambda: f"{number(6, 21)}:{choice(('00', '15', '30', '45'))}",
            "room": lambda: str(number(1, 40) * 10 + number(0, 9)),
            "extension": lambda: str(number(2000, 8999)),
            "floor": lambda: str(number(1, 9)),
            "count": lambda: str(number(8, 34)),
            "small": lambda: str(number(1, 9)),
            "nth": lambda: f"{number(4, 28)}th",
        }
        self.choice = choice

    def __getitem__(self, slot: str) -> str:
        words = self.lists.get(slot)
        return self.choice(words) if words is not None else self.made[slot]()


@dataclass
class Row:
    """One entry of the index, with indexes into the corpus' people, groups, conversations."""

    kind: str
    object_id: int
    group: int | None      # index into Corpus.groups
    conversation: int | None  # index into Corpus.conversations (direct messages)
    author: int | None     # index into Corpus.people
    title: str
    body: str
    created: datetime
    extra: dict


class Corpus:
    def __init__(self, seed: int, now: datetime | None = None):
        self.seed = seed
        rng = random.Random(seed)
        self.now = now or datetime(2026, 11, 1, tzinfo=UTC)
        self.people = [self._person(i, rng) for i in range(PEOPLE)]
        self.reader_email = "reader@bench.example"
        self.groups, popularity = self._groups(rng)
        # The reader: every public group and 18 private or secret ones of all sizes.
        public = [i for i, g in enumerate(self.groups) if g.visibility == "public"]
        closed = [i for i, g in enumerate(self.groups) if g.visibility != "public"]
        self.reader_groups = sorted(public + rng.sample(closed, READER_GROUPS - len(public)))
        self.memberships = self._memberships(rng)
        self.conversations = self._conversations(rng)
        self.reader_conversations = [i for i, people in enumerate(self.conversations)
                                     if -1 in people]
        self._popularity = popularity
        self._plan(rng)

    # -- who and where --------------------------------------------------------------------

    @staticmethod
    def _person(i: int, rng: random.Random) -> PersonSpec:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        return PersonSpec(email=f"person{i}@bench.example", display_name=name,
                          job_title=rng.choice(ROLES), department=rng.choice(SERVICES))

    @staticmethod
    def _groups(rng: random.Random) -> tuple[list[GroupSpec], list[float]]:
        groups = []
        for i in range(GROUPS):
            if i < PUBLIC_GROUPS:
                visibility = "public"
            else:
                visibility = "private" if rng.random() < 0.7 else "secret"
            service = rng.choice(SERVICES)
            name = f"{rng.choice(TEAM_WORDS)} {service} {i}"
            description = (f"Groupe de l'équipe de {service} : {rng.choice(TOPICS)}, "
                           f"{rng.choice(TOPICS)} et organisation des gardes.")
            groups.append(GroupSpec(name=name, slug=f"bench-group-{i}", visibility=visibility,
                                    description=description))
        # How much each group talks: long-tailed; public groups among the 200 busiest.
        ranks = list(range(GROUPS))
        rng.shuffle(ranks)
        busy = rng.sample(range(200), PUBLIC_GROUPS)
        for i in range(PUBLIC_GROUPS):
            swap = ranks.index(busy[i])
            ranks[i], ranks[swap] = ranks[swap], ranks[i]
        popularity = [(rank + 10) ** -0.8 for rank in ranks]
        return groups, popularity

    def _memberships(self, rng: random.Random) -> list[tuple[int, int]]:
        """(group index, person index); person -1 is the reader."""
        rows = [(g, -1) for g in self.reader_groups]
        for person in range(PEOPLE):
            for g in rng.sample(range(GROUPS), rng.randint(*GROUPS_PER_PERSON)):
                rows.append((g, person))
        return rows

    def _conversations(self, rng: random.Random) -> list[tuple[int, ...]]:
        """People (indexes; -1 the reader) of each direct conversation."""
        conversations = []
        for i in range(CONVERSATIONS):
            size = 2 if rng.random() < 0.8 else rng.randint(3, 5)
            people = rng.sample(range(PEOPLE), size)
            if i % (CONVERSATIONS // READER_CONVERSATIONS) == 0:
                people[0] = -1
            conversations.append(tuple(people))
        return conversations

    # -- the entries ----------------------------------------------------------------------

    def _plan(self, rng: random.Random) -> None:
        kinds = [kind for kind, count in CONTENT.items() for _ in range(count)]
        rng.shuffle(kinds)
        self.kinds = kinds
        cumulative = list(itertools.accumulate(self._popularity))
        total = cumulative[-1]
        n = len(kinds)
        self.places = array("i", [0] * n)  # group index, or conversation index for direct
        for i, kind in enumerate(kinds):
            if kind == "direct":
                self.places[i] = rng.randrange(len(self.conversations))
            else:
                self.places[i] = min(bisect.bisect(cumulative, rng.random() * total),
                                     GROUPS - 1)
        reader_groups = set(self.reader_groups)
        reader_conversations = set(self.reader_conversations)

        def where(i: int) -> str:
            if kinds[i] == "direct":
                return "mine_direct" if self.places[i] in reader_conversations else \
                    "other_direct"
            return "mine_group" if self.places[i] in reader_groups else "other_group"

        pools: dict[str, list[int]] = {"mine_group": [], "mine_direct": [], "other_group": [],
                                       "other_direct": []}
        for i in range(n):
            pools[where(i)].append(i)
        self.planted: dict[int, list[str]] = {}
        self.planted_rows: dict[str, list[int]] = {}
        for word, counts in PLANTED.items():
            chosen = []
            for pool, count in zip(("mine_group", "mine_direct", "other_group",
                                    "other_direct"), counts, strict=True):
                chosen += rng.sample(pools[pool], count)
            self.planted_rows[word] = sorted(chosen)
            for i in chosen:
                self.planted.setdefault(i, []).append(word)
        self.visible_share = (len(pools["mine_group"]) + len(pools["mine_direct"])) / n

    def __len__(self) -> int:
        return len(self.kinds)

    def rows(self):
        """Every content entry, oldest first (ids grow with time, as in production)."""
        rng = random.Random(self.seed + 1)
        fill = Filler(rng)
        start = self.now - timedelta(days=365 * YEARS)
        step = timedelta(days=365 * YEARS) / len(self.kinds)
        counters = dict.fromkeys(CONTENT, 0)
        conversation_of_group = {}
        last_post = 0
        for i, plan_kind in enumerate(self.kinds):
            counters[plan_kind] += 1
            kind = KIND_OF.get(plan_kind, plan_kind)
            object_id = counters[plan_kind] + (CONTENT["message"] if plan_kind == "direct"
                                               else 0)
            place = self.places[i]
            english = rng.random() < 0.3
            created = start + step * i + timedelta(seconds=rng.random() * 30)
            title, extra = "", {}
            if plan_kind == "document":
                title, body = self._document(rng, fill, english)
                extra = {"file_type": rng.choice(("pdf", "pdf", "doc", "sheet", "text")),
                         "folder_id": None}
            else:
                body = self._message(rng, fill, english, plan_kind)
            for word in self.planted.get(i, ()):
                body = self._plant(rng, fill, body, word)
            if plan_kind == "post" or plan_kind == "announcement":
                last_post = object_id
            elif plan_kind == "comment":
                extra = {"post_id": max(1, last_post - rng.randrange(50))}
            elif plan_kind == "message":
                extra = {"conversation_id": conversation_of_group.setdefault(
                    place, len(conversation_of_group) + CONVERSATIONS + 1)}
            elif plan_kind == "direct":
                extra = {"conversation_id": place + 1}
            direct = plan_kind == "direct"
            yield Row(kind=kind, object_id=object_id, group=None if direct else place,
                      conversation=place if direct else None,
                      author=self._author(rng, place, direct), title=title, body=body,
                      created=created, extra=extra)

    def _author(self, rng: random.Random, place: int, direct: bool) -> int:
        if direct:
            return rng.choice(self.conversations[place])
        return rng.randrange(PEOPLE)

    @staticmethod
    def _message(rng: random.Random, fill: Filler, english: bool, kind: str) -> str:
        templates, plain = (EN, PLAIN_EN) if english else (FR, PLAIN_FR)
        sentences = {"post": (1, 4), "announcement": (2, 5), "comment": (1, 2),
                     "message": (1, 2), "direct": (1, 2)}[kind]
        count = rng.randint(*sentences)
        return " ".join(rng.choice(plain if rng.random() < PLAIN_SHARE else templates)
                        .format_map(fill) for _ in range(count))

    @staticmethod
    def _document(rng: random.Random, fill: Filler, english: bool) -> tuple[str, str]:
        if english:
            title = (f"{rng.choice(DOCS_EN).capitalize()} \u2013 {rng.choice(TOPICS_EN)} "
                     f"({rng.choice(SERVICES_EN)}) v{rng.randint(1, 6)}")
            templates = DOC_EN
        else:
            title = (f"{rng.choice(DOCS).capitalize()} {rng.choice(TOPICS)} \u2013 "
                     f"{rng.choice(SERVICES)} v{rng.randint(1, 6)}")
            templates = DOC_FR
        # Extracted text of a few pages: 1.5 to 8 KB.
        target = rng.randint(1500, 8000)
        parts, size = [], 0
        while size < target:
            sentence = rng.choice(templates).format_map(fill)
            parts.append(sentence)
            size += len(sentence) + 1
        return title, " ".join(parts)

    @staticmethod
    def _plant(rng: random.Random, fill: Filler, body: str, word: str) -> str:
        sentence = rng.choice([
            "Cas de {word} signalé ce matin, voir avec l'interne de garde.",
            "Suspicion de {word} : bilan complet et avis spécialisé.",
            "Un point sur la {word} au prochain staff.",
            "Case of {word} admitted overnight; please review.",
        ]).format(word=word)
        return f"{body} {sentence}"

    def describe_plants(self) -> dict[str, dict[str, int]]:
        labels = ("in the reader's groups", "in the reader's direct conversations",
                  "in other groups", "in other conversations")
        return {word: dict(zip(labels, counts, strict=True)) for word, counts in PLANTED.items()}
