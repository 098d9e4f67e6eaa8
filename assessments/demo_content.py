"""The demo question banks: one final assessment per English demo course, written for this
project from what the courses teach (``courses/demo_content.py``), and a pre-test for HR-101.

Each question is a ``services.questions_import`` dict (the keyword arguments of
``question_create``, with ``"scenario": {"title", "text"}`` for scenario items). Kessara,
its places and people are fictional.
"""

from decimal import Decimal

ONE = Decimal("1")


def single(text: str, right: str, wrong: list[str], explanation: str, competency: str, topic: str, **extra) -> dict:
    choices = [{"text": right, "correct": True}, *({"text": t, "correct": False} for t in wrong)]
    return _question("single", text, explanation, competency, topic, choices=choices, **extra)


def multiple(
    text: str, right: list[str], wrong: list[str], explanation: str, competency: str, topic: str, **extra
) -> dict:
    choices = [{"text": t, "correct": True} for t in right] + [{"text": t, "correct": False} for t in wrong]
    # Interleave so the right answers are not all first when choices are not shuffled.
    choices = choices[::2] + choices[1::2]
    return _question("multiple", text, explanation, competency, topic, choices=choices, **extra)


def true_false(text: str, is_true: bool, explanation: str, competency: str, topic: str, **extra) -> dict:
    choices = [{"text": "True", "correct": is_true}, {"text": "False", "correct": not is_true}]
    return _question("true_false", text, explanation, competency, topic, choices=choices, **extra)


def numeric(text: str, answer: str, explanation: str, competency: str, topic: str, tolerance: str = "0", **extra):
    return _question(
        "numeric",
        text,
        explanation,
        competency,
        topic,
        numeric_answer=Decimal(answer),
        numeric_tolerance=Decimal(tolerance),
        **extra,
    )


def short_text(text: str, accepted: list[str], explanation: str, competency: str, topic: str, **extra) -> dict:
    return _question("short_text", text, explanation, competency, topic, accepted_answers=accepted, **extra)


def essay(text: str, explanation: str, competency: str, topic: str, **extra) -> dict:
    return _question("essay", text, explanation, competency, topic, points=Decimal("4"), **extra)


def _question(kind: str, text: str, explanation: str, competency: str, topic: str, **extra) -> dict:
    return {
        "kind": kind,
        "text": text,
        "explanation": explanation,
        "competency": competency,
        "topic": topic,
        "points": extra.pop("points", ONE),
        "numeric_tolerance": extra.pop("numeric_tolerance", Decimal("0")),
        **extra,
    }


# Scenarios --------------------------------------------------------------------------------

MARKET_CROWD = {
    "title": "A crowd at the Grand Marché",
    "text": (
        "Saturday, 11:00, Grand Marché, Port-Kessar. Traders say a young man stole a phone; about "
        "forty people surround him, shouting, and two men hold his arms. You arrive with one "
        "colleague. The young man is bleeding from the nose. Some traders know you from your "
        "weekly foot patrol."
    ),
}
DOMESTIC_CALL = {
    "title": "A call to a house in Lamordé",
    "text": (
        "22:40. A neighbour calls the station: shouting and a child crying in a house in Lamordé. "
        "You arrive with a male colleague. A woman opens the door; she has a swollen eye and says "
        "everything is fine. Her husband stands behind her. A girl of about eight watches from "
        "the corridor."
    ),
}
CHECKPOINT = {
    "title": "A minibus at a checkpoint near Bir Tamsa",
    "text": (
        "You command a checkpoint on the road to Bir Tamsa. A minibus with fourteen passengers "
        "stops. The driver is nervous. A passenger says he saw a long package wrapped in a "
        "blanket under the rear seat. Among the passengers are three women and a man in a "
        "wheelchair."
    ),
}
BORDER_GROUP = {
    "title": "A group at the Ras el-Oued border post",
    "text": (
        "At 06:00 a pick-up arrives at the Ras el-Oued post with nine young women and a driver. "
        "The driver holds all their passports, which are new and have no stamps. He says they "
        "are going to work in a hotel abroad. One woman, when alone with you, says she does not "
        "know the name of the hotel and that she owes the driver money."
    ),
}
INFORMANT_REPORT = {
    "title": "A tip about a fuel boat",
    "text": (
        "A fisherman who has given the Maritime Police accurate information twice before says a "
        "boat will land smuggled fuel and three rifles at the Kanoumba beach on Thursday night. "
        "He heard it from his cousin, who works for the boat owner. Nothing else confirms it yet."
    ),
}


# COP-101 ------------------------------------------------------------------------------------

COP_101 = [
    multiple(
        "Which of these are elements of police legitimacy taught in this course?",
        ["Fairness", "Lawfulness", "Respect"],
        ["Secrecy", "Speed of arrests"],
        "Legitimacy rests on fairness, lawfulness, effectiveness and respect. Secrecy and arrest "
        "figures do not make people trust the police.",
        "COP",
        "Trust and legitimacy",
    ),
    single(
        "In procedural justice, what does 'voice' mean?",
        "Letting the person tell their side before you decide",
        [
            "Speaking loudly so that everyone hears the decision",
            "Letting the community vote on the decision",
            "Recording the conversation on a phone",
        ],
        "Voice: people accept a decision more readily when they were heard before it was taken.",
        "COP",
        "Procedural justice",
    ),
    true_false(
        "A rise in the number of crimes reported to the station always means that crime is rising.",
        False,
        "More reports can mean more trust in the police. Compare reports with survey answers "
        "before drawing conclusions.",
        "COP",
        "Measuring confidence",
    ),
    short_text(
        "Name the first step of the SARA problem-solving model.",
        ["Scanning", "Scan"],
        "SARA: Scanning, Analysis, Response, Assessment. Scanning identifies a recurring problem the "
        "community cares about.",
        "COP",
        "Problem solving",
    ),
    single(
        "A recurring crime needs an offender, a victim or target, and what third element?",
        "A place",
        ["A witness", "A weapon", "A motive recorded by the police"],
        "The problem triangle: offender, victim or target, and place. Removing one side can stop the problem.",
        "COP",
        "Problem solving",
    ),
    single(
        "What is the main aim of a confidence patrol?",
        "To be seen, known and approachable",
        ["To make as many arrests as possible", "To check identity papers", "To escort officials"],
        "A confidence patrol is about contact: officers walk, greet people and listen.",
        "COP",
        "Confidence patrols",
    ),
    multiple(
        "Which of these belong on a community map of your station's area?",
        ["Water points and markets", "Places where women feel unsafe", "Women's and youth associations"],
        ["The home addresses of every officer", "Political party membership of residents"],
        "A community map shows places, people and groups, vulnerable groups and problems; never "
        "officers' homes or people's political views.",
        "COP",
        "Community mapping",
    ),
    single(
        "You arrive at the crowd. What do you do first?",
        "Call for backup, move in calmly, and take the young man into your protection",
        [
            "Wait at a distance until the crowd calms down by itself",
            "Arrest the two men holding him",
            "Fire a warning shot to disperse the crowd",
        ],
        "His life and safety come first. Calm presence, communication and backup are the first "
        "means; force or warning shots would put everyone at risk.",
        "COP",
        "Scenario judgement",
        scenario=MARKET_CROWD,
    ),
    single(
        "How do you use the traders who know you from your foot patrol?",
        "Ask them by name to help calm the others and to make space",
        [
            "Ask them to hold the suspect until backup arrives",
            "Ignore them so as to remain neutral",
            "Ask them to search the suspect for the phone",
        ],
        "Trust built on patrol pays off here: known contacts can calm a crowd. Holding or "
        "searching a suspect is police work, never delegated.",
        "COP",
        "Scenario judgement",
        scenario=MARKET_CROWD,
    ),
    true_false(
        "Once the young man is safe, he should be seen by a medical worker before any questioning.",
        True,
        "He is injured. A person in police hands gets medical care when injured, and this is recorded.",
        "HR",
        "Scenario judgement",
        scenario=MARKET_CROWD,
    ),
]


# HR-101 -------------------------------------------------------------------------------------

HR_101 = [
    numeric(
        "Within how many hours must an arrested person be brought before a judge in Kessara?",
        "48",
        "The Code of Criminal Procedure sets 48 hours. Every hour beyond it is unlawful detention.",
        "HR",
        "Arrest and custody",
    ),
    multiple(
        "Which principles must every use of police power meet?",
        ["Legality", "Necessity", "Proportionality", "Accountability"],
        ["Popularity", "Speed"],
        "Legality, necessity, proportionality and accountability: a legal basis, no less intrusive "
        "way, a harm in balance with the aim, and a record you can justify.",
        "HR",
        "Principles",
    ),
    single(
        "When may an officer use a firearm?",
        "In self-defence or defence of others against an imminent threat of death or serious injury",
        [
            "To stop any fleeing suspect",
            "To protect property from theft",
            "Whenever a commander orders it",
        ],
        "Firearms only against an imminent threat of death or serious injury, and only when less "
        "extreme means are not enough.",
        "HR",
        "Use of force",
    ),
    multiple(
        "Which are rights of an arrested person?",
        ["To be told why, in a language they understand", "To have a family member informed", "To see a doctor"],
        ["To choose the police station", "To be released on request"],
        "Also: to remain silent and have a lawyer, and to be brought before a judge within 48 hours.",
        "HR",
        "Arrest and custody",
    ),
    true_false(
        "A person may be held in a cell for a short time without an entry in the custody register "
        "while the duty officer is busy.",
        False,
        "No one is held without an entry in the custody register: unrecorded detention is where "
        "ill-treatment and disappearances begin.",
        "HR",
        "Arrest and custody",
    ),
    single(
        "Who should search a woman suspect?",
        "A woman officer",
        ["Any officer, with a witness", "The arresting officer", "A family member of the suspect"],
        "Women are searched by women officers.",
        "HR",
        "Vulnerable groups",
    ),
    short_text(
        "In custody, children are held separately from whom?",
        ["adults", "adult detainees", "adult prisoners"],
        "Separation: women from men, children from adults, suspects from convicted persons.",
        "HR",
        "Arrest and custody",
    ),
    single(
        "A trader offers you a bag of rice 'for your trouble' after you recover his stolen goods. What do you do?",
        "Refuse politely and explain that officers accept no gifts for their duties",
        [
            "Accept it and share it with the station",
            "Accept it if the value is small",
            "Accept it and record it in the occurrence book",
        ],
        "The code of conduct: never accept gifts or favours for your duties, whatever their value.",
        "CD",
        "Code of conduct",
    ),
    single(
        "The woman says everything is fine. What do you do?",
        "Ask to speak with her alone, out of the husband's hearing, and check on the child",
        [
            "Leave, since she says everything is fine",
            "Tell the husband to calm down and leave",
            "Arrest both of them to calm the situation",
        ],
        "A visible injury and a frightened child are reasons to look further. Victims often cannot "
        "speak freely in front of the abuser.",
        "SGBV",
        "Scenario judgement",
        scenario=DOMESTIC_CALL,
    ),
    single(
        "She tells you privately that he hit her. What is your first concern?",
        "Her safety and the child's tonight",
        [
            "Getting a written statement at once",
            "Persuading her to reconcile with her husband",
            "Finding the neighbour who called",
        ],
        "Safety first, then health, then evidence and information, with her choices guiding each step.",
        "SGBV",
        "Scenario judgement",
        scenario=DOMESTIC_CALL,
    ),
    true_false(
        "If she refuses to make a complaint tonight, the call is closed and nothing is recorded.",
        False,
        "The call and what you saw are recorded; she is told about her options and the services "
        "that can help, and the SGBV focal point is informed.",
        "SGBV",
        "Scenario judgement",
        scenario=DOMESTIC_CALL,
    ),
]

# Pre-test: the same topics, asked before the course so the statistics page shows the gain.
HR_101_PRETEST = [
    numeric(
        "Within how many hours must an arrested person be brought before a judge in Kessara?",
        "48",
        "The Code of Criminal Procedure sets 48 hours.",
        "HR",
        "Arrest and custody",
    ),
    single(
        "When may an officer use a firearm?",
        "In self-defence or defence of others against an imminent threat of death or serious injury",
        ["To stop any fleeing suspect", "To protect property from theft", "Whenever a commander orders it"],
        "Only against an imminent threat of death or serious injury.",
        "HR",
        "Use of force",
    ),
    true_false(
        "A person may be held briefly without an entry in the custody register.",
        False,
        "No one is held without an entry in the custody register.",
        "HR",
        "Arrest and custody",
    ),
    single(
        "Who should search a woman suspect?",
        "A woman officer",
        ["Any officer, with a witness", "The arresting officer", "A family member of the suspect"],
        "Women are searched by women officers.",
        "HR",
        "Vulnerable groups",
    ),
    multiple(
        "Which principles must every use of police power meet?",
        ["Legality", "Necessity", "Proportionality", "Accountability"],
        ["Popularity", "Speed"],
        "Legality, necessity, proportionality and accountability.",
        "HR",
        "Principles",
    ),
    true_false(
        "Officers may accept small gifts from grateful citizens.",
        False,
        "Never accept gifts or favours for your duties.",
        "CD",
        "Code of conduct",
    ),
]


# SGBV-101 -----------------------------------------------------------------------------------

SGBV_101 = [
    numeric(
        "Within how many hours of an assault can medical care (post-exposure prophylaxis) prevent HIV?",
        "72",
        "Post-exposure prophylaxis works within 72 hours: health comes right after safety.",
        "SGBV",
        "First response",
    ),
    single(
        "In what order does the first responder act?",
        "Safety, health, evidence, information",
        [
            "Evidence, safety, information, health",
            "Information, evidence, health, safety",
            "Health, information, safety, evidence",
        ],
        "Safety first, then health, then evidence, then information; the survivor decides.",
        "SGBV",
        "First response",
    ),
    multiple(
        "Which are guiding principles when working with a survivor?",
        ["Safety", "Confidentiality", "Respect for the survivor's choices", "Non-discrimination"],
        ["Speed of the investigation above all", "Mediation with the perpetrator"],
        "Safety, confidentiality, respect and non-discrimination. Mediation with the perpetrator "
        "puts the survivor at risk.",
        "SGBV",
        "Survivor-centred approach",
    ),
    true_false(
        "A referral form may be sent to the health centre without the survivor's consent if it helps the case.",
        False,
        "Referral forms are filled in only with consent, sharing only what the service needs.",
        "SGBV",
        "Referral",
    ),
    short_text(
        "On registers visible to other staff, what replaces the survivor's name?",
        ["a case code", "case code", "the case code", "case number", "a case number"],
        "A case code keeps the survivor's identity confidential; files go in a locked cabinet.",
        "SGBV",
        "Confidentiality",
    ),
    single(
        "With a child survivor, what comes before the needs of the investigation?",
        "The best interests of the child",
        ["The parents' wishes", "The prosecutor's deadline", "The officer's report"],
        "The best interests of the child come first.",
        "CP",
        "Children",
    ),
    single(
        "Where should SGBV case files be kept?",
        "In a locked cabinet in the SGBV Desk",
        ["On the front desk, for quick access", "In the officer's car", "At the survivor's home"],
        "Files are confidential and locked away, not on the front desk.",
        "SGBV",
        "Confidentiality",
    ),
    true_false(
        "Advise a survivor not to wash or change clothes if possible, but never make care wait for evidence.",
        True,
        "Evidence matters, but health and safety come first.",
        "SGBV",
        "First response",
        scenario=DOMESTIC_CALL,
    ),
    single(
        "The woman at the door in Lamordé will not talk while her husband is present. Who should speak with her?",
        "A woman officer if possible, privately and out of the husband's hearing",
        ["Your male colleague, in front of the husband", "The neighbour who called", "The girl, as a witness"],
        "Survivors speak more freely to a woman officer, in private. Children are not used as "
        "witnesses against a parent at the door.",
        "SGBV",
        "Scenario judgement",
        scenario=DOMESTIC_CALL,
    ),
    essay(
        "Describe the first five minutes of your conversation with a survivor who comes to the "
        "station to report a rape. What do you say and do, and what do you avoid?",
        "A good answer: a private place, a woman officer if she wishes, introduce yourself, say she "
        "is believed and safe here, ask about injuries and offer the one-stop centre within 72 "
        "hours, explain options and confidentiality, let her decide; avoid blame, repeated "
        "questioning and delays for paperwork.",
        "SGBV",
        "First response",
    ),
]


# TOC-201 ------------------------------------------------------------------------------------

TOC_201 = [
    single(
        "What turns information into intelligence?",
        "Evaluation and analysis",
        ["Collection by an informant", "Classification as secret", "Sending it to a commander"],
        "Intelligence is information that has been evaluated and analysed so that it can guide action.",
        "TOC",
        "Intelligence",
    ),
    numeric(
        "How many stages does the intelligence cycle taught in this course have?",
        "6",
        "Direction, collection, evaluation, analysis, dissemination, feedback.",
        "TOC",
        "Intelligence",
    ),
    single(
        "A report graded 3C means what for an operation?",
        "It needs corroboration first",
        ["It may justify an operation on its own", "It must be destroyed", "It goes straight to court"],
        "A 1A report may justify an operation; a 3C needs corroboration.",
        "TOC",
        "Intelligence",
    ),
    true_false(
        "Sources are recorded by name in intelligence reports so that the reader can judge them.",
        False,
        "Sources are recorded by reference number, never by name.",
        "TOC",
        "Source protection",
    ),
    multiple(
        "Special investigative techniques may be used when...",
        ["The law provides for them", "A judge or prosecutor authorised them in writing", "The crime is serious"],
        ["The suspect is a foreigner", "The station commander agrees orally"],
        "Law, written authorisation, serious crime, and a limited time with a record of every use.",
        "TOC",
        "Special investigative techniques",
    ),
    short_text(
        "Which international police organisation has its National Central Bureau in Port-Kessar?",
        ["INTERPOL", "ICPO-INTERPOL", "International Criminal Police Organization"],
        "INTERPOL's National Central Bureau gives access to notices and databases.",
        "TOC",
        "Cooperation",
    ),
    single(
        "Besides couriers, where should investigations focus to disrupt a network?",
        "On facilitators: transporters, forgers, corrupt officials, money changers",
        ["On the couriers' families", "On the buyers in the market only", "On the seized goods only"],
        "Facilitators are harder to replace than couriers.",
        "TOC",
        "Networks",
    ),
    single(
        "How do you grade the fisherman's tip, as a source and as information?",
        "A reliable source, but second-hand information not yet confirmed",
        [
            "An unreliable source and false information",
            "Completely reliable and confirmed: act at once",
            "Impossible to grade without his name in the report",
        ],
        "His record makes him reliable; the cousin's word is second-hand, so the information needs corroboration.",
        "TOC",
        "Scenario judgement",
        scenario=INFORMANT_REPORT,
    ),
    single(
        "What is the best next step?",
        "Seek corroboration (patrol reports, maritime partners) and plan a lawful operation with the prosecutor",
        [
            "Arrest the cousin tonight",
            "Publish a warning on the radio",
            "Ignore it until the boat is seen",
        ],
        "Corroborate, then plan with the prosecutor: the evidence must stand in court.",
        "TOC",
        "Scenario judgement",
        scenario=INFORMANT_REPORT,
    ),
    true_false(
        "You may tell the boat owner's staff that the tip came from a fisherman, to reassure them.",
        False,
        "Never reveal a source, even indirectly: it endangers the source and the operation.",
        "TOC",
        "Scenario judgement",
        scenario=INFORMANT_REPORT,
    ),
]


# BM-201 -------------------------------------------------------------------------------------

BM_201 = [
    true_false(
        "A refusal of entry may be given orally if the traveller understands the reason.",
        False,
        "A refusal of entry is written, gives the reason and mentions the right to appeal.",
        "BM",
        "Legal framework",
    ),
    single(
        "What does non-refoulement mean?",
        "No one may be returned to a country where they face persecution",
        [
            "No one may enter without a visa",
            "Refugees must stay in the first country they reach",
            "Border guards may not search refugees",
        ],
        "Non-refoulement protects people fleeing persecution; anyone who fears return is referred "
        "to the refugee commission.",
        "BM",
        "Protection",
    ),
    numeric(
        "In which year was the Refugee Convention signed?",
        "1951",
        "The 1951 Refugee Convention.",
        "BM",
        "Protection",
    ),
    multiple(
        "Which are security features to check on a passport?",
        ["Watermark", "Security thread", "UV-reactive ink"],
        ["The colour of the owner's eyes", "The number of visa stamps"],
        "Also the laminate, the data page and the machine-readable zone.",
        "BM",
        "Document examination",
    ),
    single(
        "Comparing a face with a passport photo, which features are most reliable?",
        "Ears and the shape of the nose",
        ["Hair style", "Weight", "Beard"],
        "Compare features that do not change with age or weight.",
        "BM",
        "Impostors",
    ),
    short_text(
        "Which INTERPOL database holds stolen and lost travel documents? (its three-letter name)",
        ["SLTD"],
        "SLTD: Stolen and Lost Travel Documents.",
        "BM",
        "Document examination",
    ),
    single(
        "What distinguishes trafficking from smuggling?",
        "Trafficking is for exploitation, through force, fraud or coercion",
        [
            "Trafficking always crosses a border",
            "Smuggling always involves children",
            "There is no difference in law",
        ],
        "Smuggling ends at arrival; trafficking is for exploitation, and consent obtained by deception does not count.",
        "BM",
        "Trafficking",
    ),
    multiple(
        "Which signs in this group point to possible trafficking?",
        ["The driver holds all the passports", "A debt owed to the driver", "Vague details of the job"],
        ["The women are young", "They travel early in the morning"],
        "Control of documents, debt bondage and vague job offers are indicators; age or travel time are not.",
        "BM",
        "Scenario judgement",
        scenario=BORDER_GROUP,
    ),
    single(
        "What do you do with the women?",
        "Separate them from the driver, interview them privately and refer them to protection services",
        [
            "Refuse them entry and send them back with the driver",
            "Arrest them for using false documents",
            "Let them continue, as their passports are genuine",
        ],
        "Possible victims are protected, not punished; the driver is the suspect.",
        "BM",
        "Scenario judgement",
        scenario=BORDER_GROUP,
    ),
    single(
        "The passenger reports a long package under the rear seat of the minibus. How do you search?",
        "Ask everyone to step out safely, secure the area, and search the vehicle with a colleague covering",
        [
            "Search every passenger's body at once, including the women, yourself",
            "Let the minibus go: a passenger's word is not enough",
            "Ask the driver to fetch the package for you",
        ],
        "A possible weapon: secure people and area first, search methodically. Women are searched "
        "by women officers, and the man in the wheelchair is helped out with dignity.",
        "BM",
        "Scenario judgement",
        scenario=CHECKPOINT,
    ),
    true_false(
        "The man in the wheelchair may be left inside the minibus during the search to save time.",
        False,
        "Everyone leaves a vehicle that may hold a weapon; he is helped out with dignity "
        "(reasonable accommodation), not left at risk.",
        "HR",
        "Scenario judgement",
        scenario=CHECKPOINT,
    ),
]


# The assessments ----------------------------------------------------------------------------

FINAL_TITLE = "Final assessment: {title}"
PRETEST_TITLE = "Pre-test: {title}"

BANKS = {
    "COP-101": COP_101,
    "HR-101": HR_101,
    "SGBV-101": SGBV_101,
    "TOC-201": TOC_201,
    "BM-201": BM_201,
}
PRETESTS = {"HR-101": HR_101_PRETEST}

INSTRUCTIONS = (
    "Answer every question; scenario questions share a case text. You need 70% to pass and "
    "have three attempts. Your answers and the explanations are shown after you submit."
)
PRETEST_INSTRUCTIONS = (
    "Answer before you start the course: this pre-test does not count towards completion. "
    "It shows you, and your trainers, what the course adds."
)
