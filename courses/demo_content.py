"""The text of the demo courses: lessons written for this project, set in the fictional Republic of Kessara.

Every lesson follows the shape of the UN core pre-deployment lessons: aim, relevance,
learning outcomes, 45-60 minutes, a Markdown body (headings, lists, a short Kessara
scenario) and a summary. Nothing here describes a real country, person or unit.

``COURSES`` is read by ``courses.demo.courses_seed``; a course with ``translation_of``
names the code of the course it translates, which comes earlier in the list.
"""


def lesson(title: str, aim: str, relevance: str, outcomes: list[str], minutes: int, body: str, summary: str) -> dict:
    return {
        "title": title,
        "aim": aim,
        "relevance": relevance,
        "learning_outcomes": "\n".join(f"- {outcome}" for outcome in outcomes),
        "duration_minutes": minutes,
        "body": body.strip() + "\n",
        "summary": summary,
    }


# Community-oriented policing ----------------------------------------------------------------

COP_101 = {
    "code": "COP-101",
    "title": "Community-oriented policing",
    "language": "en",
    "summary": (
        "How a police station earns the trust of the people it serves: legitimacy, community "
        "mapping, confidence patrols, SARA problem-solving and measuring public confidence, "
        "with scenarios from Port-Kessar, Lamordé and Bir Tamsa."
    ),
    "competencies": ["COP", "HR"],
    "estimated_hours": "6.0",
    "validity_months": 36,
    "modules": [
        (
            "Trust and legitimacy",
            [
                lesson(
                    "Why legitimacy matters",
                    "To explain why people cooperate with police they see as legitimate, and what that means "
                    "for daily police work in Kessara.",
                    "After years of conflict many Kessarans avoid the police. Without information from the "
                    "public, no station can prevent or solve crime.",
                    [
                        "Learners will explain the link between legitimacy, cooperation and crime control.",
                        "Learners will list four sources of police legitimacy.",
                        "Learners will apply the idea of legitimacy to a contact at their own station.",
                    ],
                    45,
                    """
## What legitimacy is

Legitimacy is the public's belief that the police have the right to exercise authority and
that they ought to be obeyed. It is not the same as fear. People obey a feared police force
only while officers are watching; they help a legitimate one when nobody is watching.

## Where it comes from

- **Fairness**: people are treated equally, whatever their region, language or ethnic group.
- **Lawfulness**: officers act within the law and are held to account when they do not.
- **Effectiveness**: the police respond when called and follow up on cases.
- **Respect**: officers listen, explain decisions and treat people with dignity.

## Why it matters to a station

A station that is trusted receives tips, witnesses come forward and victims report crimes
early. A station that is distrusted learns about problems only when they turn violent.

## Scenario: the Grand Marché

Traders at the Grand Marché in Port-Kessar stopped reporting thefts after officers asked for
"fees" to open a file. The new station commander publicly banned the practice, posted the
free reporting procedure at the market gate and visited the traders' association each week.
Within three months, reported thefts doubled while actual losses fell.

*Discussion:* why did reported crime go up when the situation improved?
""",
                    "Legitimacy is earned through fair, lawful, effective and respectful policing; it turns "
                    "the community into the station's most important source of information.",
                ),
                lesson(
                    "Procedural justice on the street",
                    "To practise the four elements of procedural justice in ordinary police encounters.",
                    "Most contacts between police and public are short: a stop, a complaint, a question at the "
                    "front desk. Each one builds or spends trust.",
                    [
                        "Learners will list the four elements of procedural justice.",
                        "Learners will apply them during a vehicle stop and at the front desk.",
                    ],
                    50,
                    """
## The four elements

1. **Voice**: let the person tell their side before you decide.
2. **Neutrality**: decide on facts and law, and explain the reasons.
3. **Respect**: use a polite tone, names and titles; no insults, no shouting.
4. **Trustworthy motives**: show that you care about the person's problem.

## In practice

- Introduce yourself and give the reason for the stop.
- Explain what will happen next and how long it will take.
- If you cannot help, say who can, and write down the name and place.
- End the contact politely, even when you have issued a fine.

## Scenario: a checkpoint near Lamordé

A minibus driver is stopped at a checkpoint outside Lamordé. Passengers are tired and angry:
this is their third stop today. Sergeant Awa Traoré greets them, explains that the checkpoint
is looking for a stolen vehicle, checks the papers quickly and thanks the driver. One
passenger asks why the previous checkpoint demanded money. She notes the time and place and
explains how to file a complaint with the Inspectorate.

*Role-play:* in pairs, run the same stop twice, once without and once with the four elements.
Compare how the passengers felt.
""",
                    "Voice, neutrality, respect and trustworthy motives make even an unwelcome police contact "
                    "feel fair, and people who feel fairly treated are more likely to obey the law.",
                ),
            ],
        ),
        (
            "Knowing the community",
            [
                lesson(
                    "Community mapping",
                    "To build a simple community map of a station's area of responsibility.",
                    "Officers cannot serve a community they do not know. A map shows who lives where, who "
                    "has influence and where problems cluster.",
                    [
                        "Learners will list the information a community map should contain.",
                        "Learners will apply a mapping template to one neighbourhood.",
                        "Learners will explain how to keep a map up to date and protect sensitive entries.",
                    ],
                    60,
                    """
## What goes on the map

- **Places**: markets, schools, health centres, places of worship, water points, bus stations.
- **People and groups**: chiefs, imams and priests, women's and youth associations, traders.
- **Vulnerable groups**: displaced families, people with disabilities, street children.
- **Problems**: crime hot spots, land disputes, unlit roads, places where women feel unsafe.

## How to gather the information

1. Walk the area with a local guide; do not rely on the station's old files.
2. Hold separate meetings with women, young people and elders: each sees different problems.
3. Mark every entry with its source and date.

## Protecting the map

A community map can put people at risk if it falls into the wrong hands. Keep names of
informants off it, store it at the station and share it only with officers who need it.

## Scenario: Bir Tamsa

The Bir Tamsa Community Policing Unit maps the Hay el-Nour quarter. The elders say the main
problem is livestock theft. The women's group says it is the dark path to the water point,
where two assaults happened last month. Both entries go on the map.

*Exercise:* draw a map of your own station's area in 20 minutes and compare it with a colleague's.
""",
                    "A community map records places, people, vulnerable groups and problems, from many "
                    "voices; it must be kept current and protected.",
                ),
                lesson(
                    "Confidence patrols",
                    "To plan and conduct a foot patrol whose purpose is to build confidence, not only to deter.",
                    "Mobile patrols seen through a vehicle window do little for trust. Regular foot patrols "
                    "that stop and talk make officers known by name.",
                    [
                        "Learners will explain the difference between a deterrent patrol and a confidence patrol.",
                        "Learners will apply a patrol plan that includes contact points and a debrief.",
                    ],
                    45,
                    """
## Purpose

A confidence patrol aims to be **seen, known and approachable**. Officers walk, greet people,
listen to concerns and report back what they heard.

## Planning a patrol

- Choose the route from the community map and vary the times.
- Include **contact points**: a market stall, a school gate, a women's group meeting.
- Patrol in mixed teams where possible; women residents often speak more easily to women officers.
- Carry a notebook for concerns and a list of referral contacts.

## During the patrol

- Greet first; explain who you are and why you are there.
- Do not search or question people without a reason: that turns a confidence patrol into a raid.
- Promise only what the station can deliver.

## After the patrol

Debrief within the hour. Record each concern, who will act on it and when the team will
report back to the community.

## Scenario: Baie-Lumière fish market

A patrol from Baie-Lumière station visits the fish market at dawn every Tuesday. Fishermen
mention boats arriving at night without lights. The information reaches the Maritime Police,
who later intercept a fuel-smuggling boat.
""",
                    "A confidence patrol is planned around contact points, conducted with courtesy and "
                    "followed by a debrief and feedback to the community.",
                ),
            ],
        ),
        (
            "Solving problems together",
            [
                lesson(
                    "The SARA problem-solving model",
                    "To solve a recurring local problem with the community using Scanning, Analysis, Response "
                    "and Assessment.",
                    "Answering the same call again and again wastes police time. Problem-solving removes the "
                    "cause instead of treating the symptoms.",
                    [
                        "Learners will list the four stages of SARA.",
                        "Learners will apply SARA to a recurring problem in a Kessara scenario.",
                        "Learners will explain why partners outside the police are often part of the response.",
                    ],
                    60,
                    """
## The four stages

1. **Scanning**: identify a recurring problem that the community cares about.
2. **Analysis**: find out who, where, when and why, using records and conversations.
3. **Response**: choose actions with partners, not only arrests.
4. **Assessment**: check whether the problem decreased, and adjust.

## The problem triangle

Every recurring crime needs an **offender**, a **victim or target** and a **place**. Removing
one side of the triangle can stop the problem.

## Scenario: the Lamordé bus station

- *Scanning:* residents complain of phone snatching at the Lamordé bus station every evening.
- *Analysis:* records show 80% of incidents between 18:00 and 20:00, near the unlit eastern exit.
  Youth leaders say the snatchers are a small group of school drop-outs.
- *Response:* the municipality installs lights; transport unions post a steward at the exit;
  the station runs a patrol at peak time; a youth association offers an apprenticeship scheme.
- *Assessment:* after two months, incidents fall from 14 to 3 a month.

*Exercise:* in groups, take one problem from your community map through the four stages.
""",
                    "SARA moves a station from reacting to incidents to removing their causes, usually with "
                    "partners such as local authorities, unions and associations.",
                ),
                lesson(
                    "Measuring public confidence",
                    "To measure whether community-oriented policing is working, using simple and honest indicators.",
                    "Commanders and partners need evidence. Counting arrests says little about trust; asking "
                    "the public says more.",
                    [
                        "Learners will list three indicators of public confidence.",
                        "Learners will explain why a rise in reported crime can be a good sign.",
                        "Learners will apply a short survey at a community meeting.",
                    ],
                    45,
                    """
## Indicators

- **Survey answers**: "Would you call the police if you were a victim?" asked the same way each quarter.
- **Reporting**: the number of reports, especially from women and minorities.
- **Complaints**: complaints against officers, and how fast they are answered.
- **Participation**: attendance at community safety meetings.

## Reading the numbers

More reported crime can mean **more trust**, not more crime. Compare reports with survey
answers and with what partners such as health centres see.

Always break the results down by sex, age and neighbourhood: an average can hide a group
that has lost confidence.

## A simple survey

1. Five questions, in the local language, read aloud if needed.
2. At least 50 people from different groups.
3. No names recorded; explain how the answers will be used.

## Scenario: Port-Kessar

The Port-Kessar Community Policing Unit asks the same five questions every quarter. Men's
confidence rose from 41% to 58% in a year; women's stayed at 30%. The unit adds women
officers to its patrols and opens a women's desk on market days.
""",
                    "Confidence is measured by asking people, regularly and in the same way, and reading "
                    "reports, complaints and participation together, broken down by group.",
                ),
            ],
        ),
    ],
}


# Human rights in everyday policing -------------------------------------------------------------

HR_101 = {
    "code": "HR-101",
    "title": "Human rights in everyday policing",
    "language": "en",
    "summary": (
        "The legal basis of police powers, lawful arrest and detention, the use of force and "
        "firearms, and the protection of vulnerable persons, applied to the daily work of the "
        "Kessara National Police."
    ),
    "competencies": ["HR", "CD"],
    "estimated_hours": "6.0",
    "validity_months": 24,
    "modules": [
        (
            "The legal basis of police powers",
            [
                lesson(
                    "Where police powers come from",
                    "To explain that every police power comes from the law and is limited by it.",
                    "Officers who know the source and limits of their powers act confidently and are "
                    "protected when their actions are challenged.",
                    [
                        "Learners will explain the hierarchy of legal sources that govern police powers in Kessara.",
                        "Learners will list the human rights treaties that bind the Kessara National Police.",
                    ],
                    45,
                    """
## The hierarchy of law

1. **The Constitution of Kessara**: guarantees life, liberty, dignity and a fair trial.
2. **International treaties** ratified by Kessara, such as the International Covenant on
   Civil and Political Rights and the Convention against Torture.
3. **The Code of Criminal Procedure**: sets out arrest, search, custody and investigation.
4. **The Police Act and standing orders**: organise the service and its discipline.

A standing order can never authorise what the Constitution forbids.

## What this means for an officer

- Before acting, ask: *which law gives me this power?*
- An order from a superior does not make an unlawful act lawful.
- Torture and ill-treatment are forbidden in every circumstance, including emergencies.

## Scenario: an order at Ouadi Kessa

After a market robbery, a senior officer at Ouadi Kessa tells Corporal Issouf Koné to "bring
in every young man from the camp" for questioning. Koné knows the Code allows arrest only on
reasonable suspicion about a person. He asks for descriptions of the suspects, and with two
colleagues identifies and arrests the two men seen by witnesses.

*Discussion:* what could have happened to the case, and to the station's reputation, if he
had obeyed the first order?
""",
                    "Police powers come from the Constitution, treaties and laws, and stop where they stop; "
                    "unlawful orders must not be carried out.",
                ),
                lesson(
                    "Legality, necessity, proportionality, accountability",
                    "To apply the four principles that test every police action affecting human rights.",
                    "These four questions give officers a simple test to use in seconds, on the street or at "
                    "the station.",
                    [
                        "Learners will list the four principles.",
                        "Learners will apply them to searches, arrests and the use of force.",
                        "Learners will explain how an officer is held accountable.",
                    ],
                    50,
                    """
## The four questions

- **Legality**: is there a legal basis for what I am about to do?
- **Necessity**: is there no less intrusive way to reach the lawful aim?
- **Proportionality**: is the harm I cause in balance with the aim?
- **Accountability**: will I record it and can I justify it to a court, a commander and the public?

## Applying the test

| Action | Question to ask |
| --- | --- |
| Search of a house | Do I have a warrant, or does an urgent exception apply? |
| Handcuffing | Is the person likely to escape or harm someone? |
| Holding a suspect overnight | Is the legal time limit respected and recorded? |

## Scenario: Kanoumba roadblock

Officers at Kanoumba stop a trader and want to search every sack in his lorry. They have no
information about him. Applying the test, Inspector Grace Kamara limits the check to the
documents and a visual inspection, records the stop in the log, and lets him go.

*Exercise:* in groups, apply the four questions to three situations from your own work.
""",
                    "Legality, necessity, proportionality and accountability are the test of every police "
                    "action that touches a person's rights.",
                ),
            ],
        ),
        (
            "Arrest and detention",
            [
                lesson(
                    "Lawful arrest and the rights of the arrested person",
                    "To carry out an arrest that respects the law and the rights of the person arrested.",
                    "An unlawful arrest can free a guilty person and expose the officer and the state to "
                    "claims. A lawful one protects everyone.",
                    [
                        "Learners will list the rights of a person at the moment of arrest.",
                        "Learners will apply the correct arrest procedure in a role-play.",
                        "Learners will explain what must be written in the arrest record.",
                    ],
                    60,
                    """
## Grounds for arrest

Arrest only on a warrant, when a person is caught in the act, or on reasonable suspicion
based on facts, never on ethnicity, clothing or rumour alone.

## Rights at the moment of arrest

- To be told **why** they are arrested, in a language they understand.
- To remain silent and to have access to a **lawyer**.
- To have a **family member** informed.
- To see a **doctor** if injured or ill.
- To be brought before a **judge** within the legal time limit (48 hours in Kessara).

## The arrest record

Date, time, place, grounds, name of the arresting officer, injuries observed, property
taken, and the time each right was explained.

## Scenario: Bir Tamsa night arrest

Late at night, a patrol in Bir Tamsa arrests Mahamat A., who speaks only Arabic, for a
stabbing. Sergeant Khalil Brahim explains the reasons and rights in Arabic, notes a cut on
Mahamat's hand, calls the duty doctor and records everything. At court, the defence cannot
challenge the arrest, and the case proceeds on the evidence.
""",
                    "A lawful arrest has legal grounds, respects the arrested person's rights from the first "
                    "minute and is fully recorded.",
                ),
                lesson(
                    "Custody standards at the station",
                    "To keep detained persons safely and humanely in police custody.",
                    "Most ill-treatment and deaths in custody happen in the first hours at the station. "
                    "Good custody practice prevents them.",
                    [
                        "Learners will list the minimum standards for police cells.",
                        "Learners will explain why men, women and children are held separately.",
                        "Learners will apply the custody register correctly.",
                    ],
                    45,
                    """
## Minimum standards

- Clean cells with light, air, water and access to toilets.
- Food at regular times; medicines handed out as prescribed.
- **Separation**: women from men, children from adults, suspects from convicted persons.
- Women detainees guarded by women officers.
- No one held without an entry in the **custody register**.

## The custody register

Every entry, exit, visit, meal, medical check and transfer is written down, with the time
and the officer's name. The register is checked by the duty officer at every shift change
and by the prosecutor on inspection.

## Scenario: Grand Marché station

A 15-year-old boy arrested for theft is placed in the main cell with adult men. The duty
officer, Inspector Mireille Zongo, moves him to a separate room, calls the child protection
officer and informs his mother. She records the move and its reason in the register.

*Exercise:* inspect the cells of your station against this checklist and list three
improvements that cost nothing.
""",
                    "Humane custody means decent cells, separation of groups, a complete register and regular checks.",
                ),
            ],
        ),
        (
            "Use of force and vulnerable persons",
            [
                lesson(
                    "Use of force and firearms",
                    "To apply the UN Basic Principles on the Use of Force and Firearms to real decisions.",
                    "Decisions about force are taken in seconds and judged for years. Officers need clear "
                    "rules they have practised.",
                    [
                        "Learners will explain when force and firearms may be used.",
                        "Learners will list the duties after force has been used.",
                        "Learners will apply a graduated response in a scenario.",
                    ],
                    60,
                    """
## The rules

- Use **non-violent means first**: presence, communication, negotiation.
- Use force only when other means are ineffective, and only **as much as necessary**.
- Firearms only in self-defence or defence of others against an **imminent threat of death or
  serious injury**, and only when less extreme means are insufficient.
- Give a clear **warning** when there is time.

## After using force

1. Give medical assistance to anyone injured.
2. Inform the family of the injured person.
3. Report the incident to your commander in writing, the same day.

## Scenario: protest in Port-Kessar

A crowd blocks the road outside the ministry. Some throw stones. The Public Order Unit
commander keeps the firearms teams back, opens a dialogue with the organisers, isolates the
stone-throwers and makes three arrests. One protester is injured by a fall; officers give
first aid and call an ambulance. The written report is ready that evening.

*Discussion:* at what moment, if any, would firearms have been lawful?
""",
                    "Force is a last resort, used only as much as necessary, and always reported; firearms "
                    "only against an imminent threat to life.",
                ),
                lesson(
                    "Vulnerable persons and police ethics",
                    "To protect people at particular risk in police contact, and to act with integrity.",
                    "Children, women, people with disabilities, migrants and displaced persons face greater "
                    "risks in police hands. Ethics decide what happens when nobody checks.",
                    [
                        "Learners will list groups who need special protection in police contact.",
                        "Learners will explain the principle of the best interests of the child.",
                        "Learners will apply the code of conduct to an integrity dilemma.",
                    ],
                    45,
                    """
## People at particular risk

- **Children**: detention only as a last resort and for the shortest time; the best interests
  of the child come first.
- **Women**: searched by women officers; protected from sexual harassment and abuse.
- **Persons with disabilities**: reasonable accommodation, such as a sign-language interpreter.
- **Displaced persons and migrants**: often without documents, afraid to report crimes.

## Ethics and integrity

The Kessara National Police code of conduct asks officers to be **impartial, honest and
respectful**, and never to accept gifts or favours for their duties. Reporting misconduct by
a colleague is a duty, not a betrayal.

## Scenario: the camp at Ouadi Kessa

A displaced woman tells Corporal Nafissa Haroun that an officer demanded money to register her
complaint. Haroun records the complaint herself, tells the woman she will not pay anything,
and reports the officer to the station's conduct and discipline focal point.

*Exercise:* in groups, list the pressures that make a colleague stay silent, and one step
that helps each time.
""",
                    "Vulnerable persons need specific safeguards, and integrity means doing the right thing "
                    "and reporting wrongdoing even when it is uncomfortable.",
                ),
            ],
        ),
    ],
}


# SGBV first response ------------------------------------------------------------------------------

SGBV_101 = {
    "code": "SGBV-101",
    "title": "SGBV first response",
    "language": "en",
    "summary": (
        "What every front-line officer must do when a survivor of sexual or gender-based "
        "violence comes forward: understand SGBV, make a safe and survivor-centred first contact, "
        "refer to health, psychosocial and legal services, and keep information confidential."
    ),
    "competencies": ["SGBV", "CP", "HR"],
    "estimated_hours": "6.0",
    "validity_months": 24,
    "modules": [
        (
            "Understanding SGBV",
            [
                lesson(
                    "Forms, causes and consequences of SGBV",
                    "To explain what sexual and gender-based violence is, why it happens and how it harms survivors.",
                    "Officers who understand SGBV recognise it, take it seriously and avoid blaming survivors.",
                    [
                        "Learners will explain the difference between sex and gender.",
                        "Learners will list the main forms of SGBV seen in Kessara.",
                        "Learners will explain why survivors often do not report.",
                    ],
                    45,
                    """
## Definitions

**Gender-based violence** is harmful acts directed at a person because of their gender,
rooted in unequal power. **Sexual violence** is any sexual act without consent. Most survivors
are women and girls, but men and boys are survivors too.

## Forms seen in Kessara

- Rape and sexual assault, including by armed groups in the north.
- Domestic violence by a husband or relative.
- Forced and early marriage.
- Sexual exploitation: sex demanded for food, jobs, grades or documents.

## Why survivors stay silent

- Fear of the perpetrator, of rejection by family, or of losing their children.
- Shame and stigma in the community.
- Past experience of police who laughed, blamed or asked for money.

## Scenario: Baie-Lumière

A schoolgirl in Baie-Lumière tells her teacher that a neighbour abused her. Her family wants
to settle the matter with a payment from the neighbour's family. The teacher calls the
Women and Children Protection Desk.

*Discussion:* what pressures does the girl face, and what does the police response need to
overcome?
""",
                    "SGBV is rooted in unequal power, takes many forms and is under-reported; the police "
                    "response must not add to the harm.",
                ),
                lesson(
                    "Children and SGBV",
                    "To recognise the specific needs and rights of child survivors.",
                    "Children are a large share of SGBV survivors in Kessara and cannot be interviewed or "
                    "protected like adults.",
                    [
                        "Learners will explain the principle of the best interests of the child.",
                        "Learners will list signs that a child may be a survivor of abuse.",
                    ],
                    45,
                    """
## Principles

- The **best interests of the child** come before the needs of the investigation.
- Children have a right to be heard, in words they understand.
- Every child under 18 is a child, whatever local custom says about marriage or work.

## Signs of abuse

- Injuries that do not match the explanation given.
- Sudden changes: fear of a person or place, bed-wetting, withdrawal, leaving school.
- Sexual knowledge or behaviour unusual for the child's age.

## What the first officer does

1. Make sure the child is safe now; do not send them home to the suspected abuser.
2. Call the child protection officer; do not conduct a full interview yourself.
3. Speak to the child with a trusted adult present, never with the suspect.

## Scenario: Kanoumba market

A market trader brings a 12-year-old girl to Kanoumba station: she was found crying and
bleeding. The duty officer takes her to a quiet room, calls a woman colleague and the
child protection officer, and arranges immediate transport to the health centre.
""",
                    "Child survivors need protection first, specialist interviewers and the constant "
                    "presence of a trusted adult.",
                ),
            ],
        ),
        (
            "Survivor-centred first contact",
            [
                lesson(
                    "The first hour: safety and health",
                    "To take the right actions, in the right order, in the first hour after a survivor comes forward.",
                    "Medical care within 72 hours can prevent HIV and pregnancy; safety comes before any statement.",
                    [
                        "Learners will list the priorities of the first hour.",
                        "Learners will explain why medical care must not wait for a statement.",
                        "Learners will apply the first-hour checklist to a scenario.",
                    ],
                    50,
                    """
## Priorities, in order

1. **Safety**: is the survivor safe now? Is the perpetrator nearby?
2. **Health**: urgent medical care; post-exposure prophylaxis within 72 hours.
3. **Evidence**: advise the survivor not to wash or change clothes if possible, but never
   make care depend on evidence.
4. **Information**: explain options and let the survivor decide.

## What not to do

- Do not ask for money or a "medical certificate" before registering a complaint.
- Do not make the survivor repeat the story to several officers.
- Do not confront the survivor with the suspect.

## Scenario: Port-Kessar, Saturday night

A woman arrives at Port-Kessar Central Police Station at midnight, saying she was raped on
her way home. The duty officer, Sergeant Esther Mensah, takes her to the SGBV Desk room,
offers water, and asks only what is needed to assess safety. She calls the hospital's
one-stop centre and goes with her. The full statement is taken the next day.
""",
                    "Safety first, then health within 72 hours, then evidence and information; the survivor "
                    "decides what happens next.",
                ),
                lesson(
                    "Listening without harming",
                    "To conduct a first conversation with a survivor that respects their dignity and choices.",
                    "The first police conversation shapes whether a survivor continues with the case or "
                    "never speaks to the police again.",
                    [
                        "Learners will list the guiding principles of a survivor-centred approach.",
                        "Learners will apply open, non-judgmental questions in a role-play.",
                    ],
                    45,
                    """
## Guiding principles

- **Safety** of the survivor and their family.
- **Confidentiality**: information is shared only with consent, on a need-to-know basis.
- **Respect**: the survivor's choices guide every step.
- **Non-discrimination**: every survivor is treated equally.

## Good practice in conversation

- Offer a woman officer and an interpreter the survivor trusts.
- Use a private space; sit at the same level; put the uniform cap aside.
- Say: "You are not to blame", "Thank you for telling me", "Take your time".
- Avoid "why" questions that sound like blame: "Why were you out so late?"

## Scenario: Lamordé

A young man tells Inspector Clémence Sawadogo, hesitantly, that he was sexually assaulted
by two soldiers. She thanks him, believes him, does not laugh or express surprise, and
explains what can happen next. He agrees to see a doctor and returns a week later to make
a statement.

*Role-play:* in threes (officer, survivor, observer), practise the first five minutes.
""",
                    "A survivor-centred conversation is safe, private, respectful and non-judgmental, and "
                    "leaves decisions to the survivor.",
                ),
            ],
        ),
        (
            "Referral and confidentiality",
            [
                lesson(
                    "Referral pathways in Kessara",
                    "To refer survivors to health, psychosocial, legal and shelter services.",
                    "The police cannot meet all of a survivor's needs. A good referral connects them with "
                    "services they might never find alone.",
                    [
                        "Learners will list the services in the local referral pathway.",
                        "Learners will apply the referral form with the survivor's consent.",
                        "Learners will explain how to follow up on a referral.",
                    ],
                    45,
                    """
## The referral pathway

- **Health**: the one-stop centre at Port-Kessar hospital; district health centres.
- **Psychosocial support**: women's associations trained by UNDP and local NGOs.
- **Legal aid**: the Bar Association's free clinic; the prosecutor's SGBV focal point.
- **Shelter**: the safe house run by a women's NGO in Baie-Lumière.

## How to refer

1. Explain each service and ask what the survivor wants.
2. Fill in the referral form **only with consent**, sharing only what the service needs.
3. Accompany or arrange transport when possible.
4. Follow up: did the survivor receive the service?

## Scenario: Bir Tamsa

There is no one-stop centre in Bir Tamsa. The SGBV focal point keeps an up-to-date list of the
district nurse, the imam's wife who runs a women's group and the UN mission's human rights
office, and calls ahead before every referral.

*Exercise:* draw the referral pathway for your own district, with phone numbers.
""",
                    "Each station needs a current referral pathway; referrals need consent and follow-up.",
                ),
                lesson(
                    "Confidentiality and records",
                    "To protect survivors' information in files, conversations and communications.",
                    "A leaked name can expose a survivor to revenge, rejection or a second assault.",
                    [
                        "Learners will explain what information is confidential and who may see it.",
                        "Learners will apply safe storage and coding of SGBV files.",
                    ],
                    45,
                    """
## What is confidential

The survivor's identity, address, medical information and statement. Share them only with
people who need them for the case or the survivor's care, and only with consent, except
where the law requires it (for example, to protect a child).

## Safe records

- Keep SGBV files in a **locked cabinet** in the SGBV Desk, not on the front desk.
- Use a **case code** instead of the name on registers visible to other staff.
- Never discuss cases in the canteen, at home or on social media.
- Do not photograph documents on personal phones.

## Scenario: Grand Marché

A constable tells friends at the market about a rape case he overheard at the station. The
next day the survivor's family is insulted in the street and she withdraws her complaint.
The station commander opens a disciplinary procedure and moves all SGBV files to a locked
cabinet with a case-code register.

*Discussion:* which of these practices already exist in your station?
""",
                    "Confidentiality protects survivors and cases; it depends on coded registers, locked "
                    "files and disciplined talk.",
                ),
            ],
        ),
    ],
}


# Countering transnational organised crime ---------------------------------------------------------

TOC_201 = {
    "code": "TOC-201",
    "title": "Countering transnational organised crime",
    "language": "en",
    "summary": (
        "Regional organised crime threats around Kessara, the intelligence cycle, inter-agency "
        "transnational crime units and the safeguards that keep intelligence-led policing lawful."
    ),
    "competencies": ["TOC", "ILP", "HR"],
    "estimated_hours": "7.5",
    "validity_months": 36,
    "modules": [
        (
            "Regional threats",
            [
                lesson(
                    "Organised crime markets around Kessara",
                    "To describe the main organised crime markets affecting Kessara and its neighbours.",
                    "Officers who know how criminal markets work can see the local signs of a regional network.",
                    [
                        "Learners will list four organised crime markets in the region.",
                        "Learners will explain how a local crime links to a transnational network.",
                    ],
                    45,
                    """
## Markets in the region

- **Drugs**: cocaine transiting from the coast to the north; cannabis and synthetic pills.
- **Firearms**: weapons from past conflicts moving across the desert border.
- **Migrant smuggling and human trafficking**: through Ras el-Oued and Tin-Aguel.
- **Fuel and goods smuggling**: subsidised fuel carried by boat along the coast.
- **Environmental crime**: illegal fishing and timber.

## How networks operate

Networks are usually small, flexible groups linked by family, trade or ethnicity. They rely
on **facilitators**: transporters, document forgers, corrupt officials and money changers.

## Scenario: the Kanoumba garage

Kanoumba station investigates a string of car thefts. A mechanic admits that stolen cars are
re-registered with forged papers and driven across the land border. The same forger supplies
false passports to a smuggling network. A "local" theft case becomes the first thread of a
transnational investigation.

*Discussion:* which local crimes in your area could be part of a wider market?
""",
                    "Organised crime in the region is market-driven and networked; local offences are often "
                    "the visible end of a transnational chain.",
                ),
                lesson(
                    "Corruption and protection",
                    "To explain how organised crime depends on corruption, and how officers resist it.",
                    "A single corrupt officer at a checkpoint can open the way for tonnes of drugs or "
                    "hundreds of trafficked people.",
                    [
                        "Learners will explain how networks buy protection.",
                        "Learners will list integrity measures that protect investigations.",
                        "Learners will apply the reporting procedure for a bribery attempt.",
                    ],
                    50,
                    """
## How protection is bought

- Small regular payments at checkpoints and border posts.
- Gifts, loans or jobs for relatives.
- Threats against officers and their families when money fails.

## Integrity measures

- Rotate officers at checkpoints and border posts.
- Two-person rule for seizures, with a signed inventory.
- Declare approaches and gifts to the conduct and discipline focal point.
- Protect information on a need-to-know basis.

## Scenario: Tin-Aguel border post

A transporter offers Constable Zénaba Abakar an envelope "for the tea" to let his lorry pass
without inspection. She refuses, inspects the lorry, finds 40 undeclared jerrycans and
reports the offer to her post commander. The report is passed to the Transnational Crime
Unit, which links the transporter to a fuel network already under investigation.

*Discussion:* what support does an officer need from the commander to refuse the next
envelope, and the one after that? How would you protect Abakar and her family?
""",
                    "Organised crime buys protection; rotation, the two-person rule, declarations and need-to-know "
                    "protect officers and investigations.",
                ),
            ],
        ),
        (
            "The intelligence cycle",
            [
                lesson(
                    "From information to intelligence",
                    "To describe the intelligence cycle and the role of each officer in it.",
                    "Intelligence-led policing directs scarce resources to the greatest threats. It starts "
                    "with information gathered by ordinary officers.",
                    [
                        "Learners will list the stages of the intelligence cycle.",
                        "Learners will explain the difference between information and intelligence.",
                        "Learners will apply the cycle to a smuggling scenario.",
                    ],
                    60,
                    """
## The cycle

1. **Direction**: commanders set priorities and intelligence requirements.
2. **Collection**: patrols, informants, records, open sources, partner agencies.
3. **Evaluation**: how reliable is the source, how accurate is the information?
4. **Analysis**: linking pieces to show patterns, networks and trends.
5. **Dissemination**: products sent to those who must act.
6. **Feedback**: did the product help? What is still unknown?

Information is raw; **intelligence** is information that has been evaluated and analysed
to support a decision.

## Scenario: boats at Baie-Lumière

The Criminal Intelligence Service is asked to find out how fuel leaves the coast. Fishermen
report night boats (collection). An analyst compares reports with tide tables and seizure
records (analysis) and sees landings two nights before each market day. The Maritime Police
plan patrols on those nights (dissemination) and report two interceptions (feedback).

*Exercise:* write one intelligence requirement for a problem in your district, and name
the patrol, partner or record that could answer it.
""",
                    "The intelligence cycle turns raw information into products that guide action; every "
                    "officer is a collector.",
                ),
                lesson(
                    "Grading and handling information",
                    "To grade information and its source, and to handle it securely.",
                    "Ungraded rumours lead to wrongful arrests; leaked information gets sources killed.",
                    [
                        "Learners will apply a source and information grading system.",
                        "Learners will explain the handling codes that restrict dissemination.",
                    ],
                    45,
                    """
## Grading

The Kessara National Police uses a simple 3x3 grading:

| Source | Information |
| --- | --- |
| 1 Reliable | A Known directly to the source |
| 2 Untested | B Known indirectly, but corroborated |
| 3 Not reliable | C Cannot be judged |

A report graded **1A** may justify an operation; a **3C** needs corroboration first.

## Handling

- Each report carries a **handling code**: who may receive it and whether it may leave the police.
- Sources are recorded by **reference number**, never by name, in the report.
- Reports are logged when received, copied and destroyed.

## Scenario: Bir Tamsa

An anonymous caller says a weapons cache is hidden in a school. Graded 2C, the report is not
acted on alone. A community liaison officer confirms lorries unloading at night at a nearby
warehouse, not the school. A search warrant is obtained for the warehouse, and the school is
never raided.
""",
                    "Grading separates reliable intelligence from rumour; handling codes and source protection "
                    "keep people safe.",
                ),
            ],
        ),
        (
            "Working across agencies and borders",
            [
                lesson(
                    "Transnational crime units",
                    "To explain how an inter-agency transnational crime unit works with partners at home and abroad.",
                    "No single agency sees a whole network. Police, customs, immigration and prosecutors must "
                    "share information and plan together.",
                    [
                        "Learners will list the agencies represented in the Transnational Crime Unit.",
                        "Learners will explain the channels for international police cooperation.",
                        "Learners will apply a request for assistance to a neighbouring country.",
                    ],
                    50,
                    """
## The Transnational Crime Unit (TCU)

Kessara's TCU brings together police investigators, customs, immigration and a liaison
prosecutor, with mentoring from UNODC and UN Police. It investigates cases that cross
borders and supports stations and border posts.

## International channels

- **INTERPOL**: the National Central Bureau in Port-Kessar, notices and databases on stolen
  documents and vehicles.
- **Regional police cooperation** agreements with neighbouring states.
- **Mutual legal assistance** through the prosecutor for evidence to be used in court.

## Scenario: a trafficked group

Border officers at Ras el-Oued find 17 young women in a lorry, with false job contracts for a
neighbouring country. The TCU takes over, checks the passports against INTERPOL's database,
and through the liaison prosecutor sends a request for assistance to identify the recruiter.
The women are referred to protection services.

*Exercise:* list what information you would put in a first request to a neighbouring police service.
""",
                    "Transnational crime units combine agencies and use INTERPOL, regional and judicial channels "
                    "to follow networks across borders.",
                ),
                lesson(
                    "Safeguards: privacy, oversight and rights",
                    "To apply the safeguards that keep intelligence work and special techniques lawful.",
                    "Surveillance and informants intrude deeply into private life. Without safeguards they "
                    "destroy trust and cases.",
                    [
                        "Learners will explain the authorisation needed for special investigative techniques.",
                        "Learners will list the rights of suspects in transnational cases.",
                    ],
                    45,
                    """
## Special investigative techniques

Telephone interception, undercover operations and controlled deliveries are allowed only:

- when the **law** provides for them;
- with **written authorisation** from a judge or prosecutor;
- for **serious crimes**, when ordinary methods are not enough;
- for a **limited time**, with a record of every use.

## Rights that always apply

- The presumption of innocence and the right to a lawyer.
- No torture or coercion to obtain information, including from foreign partners.
- Personal data kept only as long as necessary, and corrected when wrong.

## Scenario: an urgent request

An investigator wants to intercept the phone of a suspected smuggler immediately, "before the
lorry leaves". The TCU commander refuses to act without authorisation and calls the duty
prosecutor, who issues a written 15-day authorisation within two hours. The evidence is
later admitted in court.

*Exercise:* list the records an investigator must keep when an interception ends, and who
may read them.
""",
                    "Special techniques need law, authorisation, seriousness and time limits; suspects' rights "
                    "apply in every transnational case.",
                ),
            ],
        ),
    ],
}


# Border management ---------------------------------------------------------------------------------

BM_201 = {
    "code": "BM-201",
    "title": "Border management",
    "language": "en",
    "summary": (
        "The legal framework of Kessara's borders, examining documents and detecting impostors, "
        "risk indicators without discrimination, and the rights of migrants, refugees and victims "
        "of trafficking, for officers at Ras el-Oued, Tin-Aguel and Kanoumba."
    ),
    "competencies": ["BM", "HR"],
    "estimated_hours": "6.0",
    "validity_months": 36,
    "modules": [
        (
            "The legal framework",
            [
                lesson(
                    "Sovereignty, law and the border post",
                    "To explain the legal powers and duties of border police officers in Kessara.",
                    "Border officers decide who enters the country. Those decisions must rest on law, not "
                    "on discretion or payment.",
                    [
                        "Learners will list the laws that govern entry and exit in Kessara.",
                        "Learners will explain the powers of border officers to check, refuse and detain.",
                    ],
                    45,
                    """
## The law at the border

- **The Immigration Act**: conditions of entry, visas, refusal of entry.
- **The Customs Code**: goods and cash; shared controls with customs officers.
- **The Code of Criminal Procedure**: arrest and detention of suspects at the border.

## Powers and limits

- Officers may check travel documents and ask about the purpose of travel.
- A refusal of entry must be **written**, give the reason and mention the right to appeal.
- A person may be held at the post only for the time allowed by law and must be recorded in
  the register.

## Integrity at the post

Every entry and exit is recorded. Fees are paid only against an official receipt, displayed
on a board at the post in French, Arabic and English.

## Scenario: Ras el-Oued

A herder crosses daily with his camels between Kessara and the neighbouring country and
has no passport. The post commander applies the cross-border herding agreement, issues a
free seasonal pass and records it, instead of fining him each day.
""",
                    "Border officers act under the Immigration Act, the Customs Code and criminal procedure; "
                    "refusals and holds are written and recorded.",
                ),
                lesson(
                    "International obligations at the border",
                    "To apply Kessara's obligations on refugees, trafficking and smuggling at the border.",
                    "Treaties ratified by Kessara bind every border officer, even at the most remote post.",
                    [
                        "Learners will explain the principle of non-refoulement.",
                        "Learners will list the protocols against trafficking and smuggling.",
                        "Learners will apply the referral procedure for an asylum request.",
                    ],
                    45,
                    """
## Key obligations

- **The 1951 Refugee Convention**: people fleeing persecution may ask for asylum.
- **Non-refoulement**: no one may be returned to a country where they face persecution,
  torture or serious harm.
- **The Palermo Protocols**: against trafficking in persons and the smuggling of migrants.
  Trafficked persons are victims, not offenders; smuggled migrants are not punished merely
  for being smuggled.

## At the post

- Anyone who expresses fear of return is **referred** to the national refugee commission;
  officers do not decide the asylum claim themselves.
- Record the request and give the person a written receipt.

## Scenario: Tin-Aguel

A family arrives at night, without documents, saying armed men burnt their village. The
duty officer records their request, gives them water and shelter at the post, and informs
the refugee commission and UNHCR's field office the next morning.

*Discussion:* what would the consequences be of turning the family back?
""",
                    "Non-refoulement and the Palermo Protocols apply at every post; asylum requests are "
                    "recorded and referred, never decided at the barrier.",
                ),
            ],
        ),
        (
            "Documents and impostors",
            [
                lesson(
                    "Examining travel documents",
                    "To examine a passport or identity card systematically for signs of forgery or alteration.",
                    "Forged and altered documents are the main tool of smugglers, traffickers and wanted persons.",
                    [
                        "Learners will list the security features of the Kessara passport.",
                        "Learners will apply a systematic first-line document check.",
                    ],
                    60,
                    """
## A systematic check

1. **Overall look and feel**: paper, weight, binding, printing quality.
2. **Security features**: watermark, security thread, UV-reactive ink, laminate.
3. **Data page**: check for scratched or replaced photos, mismatched fonts, altered dates.
4. **Machine-readable zone**: does it match the data printed above?
5. **Databases**: check against INTERPOL's stolen and lost travel documents database.

## Tools at the post

A magnifier, an ultraviolet lamp and a reference manual of genuine documents. Where there is
no connection, record document numbers and check them when the link returns.

## Scenario: Kanoumba land border

Constable Patience Sesay checks a passport with a neat photo. Under the UV lamp, the photo
area does not glow as it should, and the laminate is lifted at one corner. The holder admits
that the passport belongs to his cousin. The document is seized and the case is recorded.

*Exercise:* examine the sample documents on your table and list every anomaly you find.
""",
                    "A systematic check moves from the whole document to its security features, data page "
                    "and databases.",
                ),
                lesson(
                    "Detecting impostors",
                    "To detect a person using a genuine document that belongs to someone else.",
                    "Impostors carry genuine documents, so the document check alone will not stop them.",
                    [
                        "Learners will apply facial comparison using stable features.",
                        "Learners will explain how to question a suspected impostor respectfully.",
                    ],
                    45,
                    """
## Comparing the face

Compare features that do not change with age or weight: **ears**, the shape of the nose,
the distance between the eyes, scars and moles. Hair, beard and weight change easily.

## Questions that help

- Ask for details the real holder would know: date and place of birth, parents' names.
- Ask open questions about the journey and compare answers with tickets and luggage.
- Speak calmly. Nervousness alone proves nothing; many honest travellers are nervous at a border.

## Scenario: Ras el-Oued

A young woman presents a genuine passport. Her ears and the shape of her chin do not match
the photo, and she hesitates over the date of birth. In a private room, with a woman
officer, she explains that a man took her own passport and gave her this one, promising a
job abroad. The officers treat her as a possible victim of trafficking and call the TCU.
""",
                    "Impostors are found by comparing stable facial features and asking respectful questions; "
                    "some impostors are themselves victims.",
                ),
            ],
        ),
        (
            "Risk and rights",
            [
                lesson(
                    "Risk indicators and profiling without discrimination",
                    "To use behaviour- and intelligence-based risk indicators instead of ethnic profiling.",
                    "Profiling by appearance is unlawful, insults honest travellers and misses criminals who "
                    "do not fit the stereotype.",
                    [
                        "Learners will list lawful risk indicators at the border.",
                        "Learners will explain why ethnic profiling is discriminatory and ineffective.",
                        "Learners will apply risk indicators to a passenger flow exercise.",
                    ],
                    50,
                    """
## Lawful risk indicators

- **Travel pattern**: a route or ticket that does not fit the stated purpose.
- **Documents**: new passport with no stamps, on a known smuggling route.
- **Behaviour**: a person who does not hold their own documents; a companion who answers
  every question.
- **Intelligence**: alerts and profiles issued by the TCU with a specific basis.

## What is not an indicator

Ethnicity, religion, language, dress or nationality alone. Decisions based on them are
discrimination and are forbidden by the Constitution.

## Scenario: Ras el-Oued bus

Every bus from the north used to be fully searched if the passengers were from one ethnic
group. The new post commander replaces this with the TCU's indicator list. Searches fall by
two thirds, complaints stop, and seizures of smuggled cash increase. Passengers from the north now greet officers at the
post instead of avoiding their eyes.

*Exercise:* in groups, rank ten passenger descriptions by risk and justify each ranking.
""",
                    "Risk indicators rest on behaviour, documents, travel patterns and intelligence, never on "
                    "identity alone.",
                ),
                lesson(
                    "Migrants, refugees and trafficking victims",
                    "To identify and protect vulnerable people in mixed migration flows.",
                    "Refugees, migrants and trafficking victims travel on the same roads and buses. Officers "
                    "must tell them apart and protect each one.",
                    [
                        "Learners will explain the difference between smuggling and trafficking.",
                        "Learners will list indicators of trafficking.",
                        "Learners will apply the referral procedure for a presumed victim.",
                    ],
                    45,
                    """
## Smuggling and trafficking

- **Smuggling**: a person pays to cross a border illegally; the relationship ends at arrival.
- **Trafficking**: a person is recruited or moved by force, fraud or coercion **for
  exploitation**; consent obtained by deception does not count.

## Indicators of trafficking

- Someone else holds the person's documents or money.
- Debts to a recruiter; promises of work that do not make sense.
- Fear, scripted answers, signs of violence; children travelling without parents.

## Protecting presumed victims

1. Separate the person from the suspected trafficker, safely.
2. Do not arrest or fine them for immigration offences.
3. Refer them to the protection services and inform the TCU.

## Scenario: Kanoumba

Three boys aged about 14 travel with a man who says he is their uncle and holds all three
birth certificates. Interviewed separately, the boys say they will work on a plantation to
repay their transport. The officers refer the boys to the child protection officer and
arrest the man.
""",
                    "Mixed flows carry refugees, migrants and trafficking victims; officers identify indicators, "
                    "protect victims and refer them.",
                ),
            ],
        ),
    ],
}


# Translations -----------------------------------------------------------------------------------

COP_101_FR = {
    "code": "COP-101-FR",
    "title": "Police de proximité",
    "language": "fr",
    "translation_of": "COP-101",
    "summary": (
        "Comment un commissariat gagne la confiance de la population : légitimité, cartographie "
        "communautaire, patrouilles de confiance et résolution de problèmes selon la méthode SARA, "
        "avec des mises en situation à Port-Kessar, Lamordé et Bir Tamsa."
    ),
    "competencies": ["COP", "HR"],
    "estimated_hours": "3.0",
    "validity_months": 36,
    "modules": [
        (
            "Confiance et légitimité",
            [
                lesson(
                    "Pourquoi la légitimité compte",
                    "Expliquer pourquoi la population coopère avec une police qu'elle estime légitime.",
                    "Après des années de conflit, beaucoup de Kessarans évitent la police. Sans informations "
                    "venant du public, aucun commissariat ne peut prévenir ni élucider les infractions.",
                    [
                        "Les apprenants expliqueront le lien entre légitimité, coopération et lutte contre la "
                        "criminalité.",
                        "Les apprenants énuméreront quatre sources de la légitimité policière.",
                    ],
                    45,
                    """
## Qu'est-ce que la légitimité ?

La légitimité est la conviction de la population que la police a le droit d'exercer son
autorité et qu'il faut lui obéir. Ce n'est pas la peur : on obéit à une police crainte
seulement quand elle regarde ; on aide une police légitime même quand personne ne regarde.

## D'où vient-elle ?

- **L'équité** : chacun est traité de la même manière, quelle que soit sa région ou sa langue.
- **La légalité** : les policiers agissent dans le cadre de la loi et en répondent.
- **L'efficacité** : la police vient quand on l'appelle et suit les dossiers.
- **Le respect** : les agents écoutent, expliquent leurs décisions et respectent la dignité de chacun.

## Mise en situation : le Grand Marché

Au Grand Marché de Port-Kessar, les commerçants ne signalaient plus les vols depuis que des
agents exigeaient des « frais » pour ouvrir un dossier. Le nouveau commandant interdit
publiquement cette pratique, affiche la procédure gratuite à l'entrée du marché et rencontre
chaque semaine l'association des commerçants. En trois mois, les plaintes doublent alors que
les pertes réelles diminuent.

*Discussion :* pourquoi les plaintes augmentent-elles quand la situation s'améliore ?
""",
                    "La légitimité se gagne par une police équitable, légale, efficace et respectueuse ; elle "
                    "fait de la population la première source d'information du commissariat.",
                ),
            ],
        ),
        (
            "Connaître la communauté",
            [
                lesson(
                    "La cartographie communautaire",
                    "Établir une carte communautaire simple de la zone de responsabilité d'un commissariat.",
                    "On ne peut pas servir une communauté que l'on ne connaît pas. La carte montre qui vit où, "
                    "qui a de l'influence et où se concentrent les problèmes.",
                    [
                        "Les apprenants énuméreront les informations qu'une carte communautaire doit contenir.",
                        "Les apprenants appliqueront un modèle de cartographie à un quartier.",
                        "Les apprenants expliqueront comment protéger les informations sensibles.",
                    ],
                    60,
                    """
## Ce que contient la carte

- **Les lieux** : marchés, écoles, centres de santé, lieux de culte, points d'eau, gares routières.
- **Les personnes et les groupes** : chefs, imams et prêtres, associations de femmes et de jeunes.
- **Les groupes vulnérables** : familles déplacées, personnes handicapées, enfants des rues.
- **Les problèmes** : points chauds, conflits fonciers, rues sans éclairage, lieux où les femmes
  ne se sentent pas en sécurité.

## Recueillir l'information

1. Parcourir le quartier avec un guide local.
2. Rencontrer séparément les femmes, les jeunes et les anciens : chacun voit d'autres problèmes.
3. Noter la source et la date de chaque information.

## Mise en situation : Bir Tamsa

L'unité de police de proximité de Bir Tamsa cartographie le quartier Hay el-Nour. Les anciens
citent le vol de bétail ; le groupement de femmes cite le chemin sombre qui mène au point
d'eau, où deux agressions ont eu lieu le mois dernier. Les deux problèmes figurent sur la carte.
""",
                    "La carte communautaire rassemble lieux, personnes, groupes vulnérables et problèmes, à partir "
                    "de nombreuses voix ; elle doit être tenue à jour et protégée.",
                ),
            ],
        ),
        (
            "Résoudre les problèmes ensemble",
            [
                lesson(
                    "La méthode SARA",
                    "Résoudre un problème récurrent avec la communauté grâce aux étapes Analyse de la situation, "
                    "Recherche des causes, Action et Évaluation (SARA).",
                    "Répondre sans cesse au même appel épuise les effectifs. La résolution de problèmes "
                    "s'attaque aux causes plutôt qu'aux symptômes.",
                    [
                        "Les apprenants énuméreront les quatre étapes de la méthode SARA.",
                        "Les apprenants appliqueront la méthode à un problème récurrent de leur secteur.",
                    ],
                    60,
                    """
## Les quatre étapes

1. **Repérage** (*Scanning*) : identifier un problème récurrent qui préoccupe la population.
2. **Analyse** : qui, où, quand et pourquoi, à partir des registres et des entretiens.
3. **Réponse** : choisir des actions avec des partenaires, pas seulement des arrestations.
4. **Appréciation** (*Assessment*) : vérifier si le problème a diminué, puis ajuster.

## Mise en situation : la gare routière de Lamordé

- *Repérage :* les habitants se plaignent de vols de téléphones chaque soir à la gare routière.
- *Analyse :* 80 % des faits ont lieu entre 18 h et 20 h, près de la sortie est, sans éclairage.
- *Réponse :* la mairie installe des lampadaires, les syndicats de transport placent un
  surveillant à la sortie, le commissariat patrouille aux heures de pointe et une association
  propose des formations aux jeunes déscolarisés.
- *Appréciation :* en deux mois, les vols passent de 14 à 3 par mois.

*Exercice :* en groupe, appliquez les quatre étapes à un problème de votre carte communautaire.
""",
                    "La méthode SARA fait passer le commissariat de la réaction à la prévention, le plus souvent "
                    "avec des partenaires locaux.",
                ),
            ],
        ),
    ],
}

HR_101_FR = {
    "code": "HR-101-FR",
    "title": "Les droits de l'homme dans le travail policier quotidien",
    "language": "fr",
    "translation_of": "HR-101",
    "summary": (
        "Le fondement juridique des pouvoirs de police, l'arrestation et la garde à vue, l'usage de la "
        "force et la protection des personnes vulnérables, appliqués au travail quotidien de la Police "
        "nationale du Kessara."
    ),
    "competencies": ["HR", "CD"],
    "estimated_hours": "3.0",
    "validity_months": 24,
    "modules": [
        (
            "Le fondement juridique des pouvoirs de police",
            [
                lesson(
                    "Légalité, nécessité, proportionnalité, responsabilité",
                    "Appliquer les quatre principes qui encadrent toute action policière portant atteinte aux droits.",
                    "Ces quatre questions offrent un test simple, utilisable en quelques secondes, dans la rue "
                    "comme au commissariat.",
                    [
                        "Les apprenants énuméreront les quatre principes.",
                        "Les apprenants appliqueront ces principes aux fouilles, aux arrestations et à l'usage de "
                        "la force.",
                    ],
                    50,
                    """
## Les quatre questions

- **Légalité** : quelle loi m'autorise à agir ?
- **Nécessité** : n'existe-t-il pas un moyen moins contraignant d'atteindre le but légitime ?
- **Proportionnalité** : le tort causé est-il en rapport avec le but poursuivi ?
- **Responsabilité** : vais-je consigner mon action et pourrai-je la justifier devant un juge,
  un chef et la population ?

Un ordre d'un supérieur ne rend jamais légal un acte illégal. La torture et les mauvais
traitements sont interdits en toutes circonstances.

## Mise en situation : le barrage de Kanoumba

Des agents veulent fouiller tous les sacs du camion d'un commerçant sur lequel ils n'ont
aucune information. L'inspectrice Grace Kamara applique les quatre questions : elle limite
le contrôle aux documents et à une inspection visuelle, consigne le contrôle au registre et
laisse repartir le commerçant.

*Exercice :* en groupe, appliquez les quatre questions à trois situations tirées de votre travail.
""",
                    "Légalité, nécessité, proportionnalité et responsabilité constituent le test de toute action "
                    "policière qui touche aux droits d'une personne.",
                ),
            ],
        ),
        (
            "Arrestation et garde à vue",
            [
                lesson(
                    "L'arrestation régulière et les droits de la personne arrêtée",
                    "Procéder à une arrestation conforme à la loi et aux droits de la personne arrêtée.",
                    "Une arrestation irrégulière peut libérer un coupable et engager la responsabilité de l'agent "
                    "et de l'État.",
                    [
                        "Les apprenants énuméreront les droits de la personne au moment de l'arrestation.",
                        "Les apprenants expliqueront ce que doit contenir le procès-verbal d'arrestation.",
                    ],
                    50,
                    """
## Les motifs d'arrestation

On n'arrête que sur mandat, en cas de flagrant délit ou sur la base de soupçons raisonnables
fondés sur des faits, jamais sur l'origine ethnique, la tenue ou une rumeur.

## Les droits au moment de l'arrestation

- Être informé des **motifs** de l'arrestation, dans une langue comprise.
- Garder le silence et être assisté d'un **avocat**.
- Faire prévenir un **membre de sa famille**.
- Voir un **médecin** en cas de blessure ou de maladie.
- Être présenté à un **juge** dans le délai légal (48 heures au Kessara).

## Mise en situation : une nuit à Bir Tamsa

Une patrouille arrête de nuit un homme qui ne parle qu'arabe, soupçonné d'un coup de couteau.
Le sergent Khalil Brahim lui explique en arabe les motifs et ses droits, note une coupure à la
main, appelle le médecin de garde et consigne le tout. Devant le tribunal, la défense ne peut
contester la régularité de l'arrestation.
""",
                    "Une arrestation régulière repose sur des motifs légaux, respecte les droits de la personne "
                    "dès la première minute et est entièrement consignée.",
                ),
            ],
        ),
        (
            "Usage de la force et personnes vulnérables",
            [
                lesson(
                    "L'usage de la force et des armes à feu",
                    "Appliquer les Principes de base des Nations Unies sur le recours à la force et l'utilisation "
                    "des armes à feu.",
                    "Les décisions sur la force se prennent en quelques secondes et sont jugées pendant des années.",
                    [
                        "Les apprenants expliqueront dans quels cas la force et les armes à feu peuvent être "
                        "utilisées.",
                        "Les apprenants énuméreront les obligations après un usage de la force.",
                    ],
                    60,
                    """
## Les règles

- Recourir d'abord aux **moyens non violents** : présence, dialogue, négociation.
- N'utiliser la force que si ces moyens sont inefficaces, et **seulement dans la mesure nécessaire**.
- Les armes à feu uniquement en cas de légitime défense ou de défense d'autrui contre une
  **menace imminente de mort ou de blessure grave**.
- Donner un **avertissement** clair quand le temps le permet.

## Après l'usage de la force

1. Porter secours aux blessés.
2. Informer la famille des personnes blessées.
3. Rendre compte par écrit au chef, le jour même.

## Mise en situation : manifestation à Port-Kessar

Une foule bloque la route devant le ministère ; quelques personnes lancent des pierres. Le
commandant de l'unité de maintien de l'ordre tient les équipes armées en retrait, ouvre le
dialogue avec les organisateurs, isole les lanceurs de pierres et procède à trois
interpellations. Un manifestant blessé dans une chute reçoit les premiers soins.
""",
                    "La force est un dernier recours, proportionnée et toujours signalée ; les armes à feu ne "
                    "s'emploient que face à une menace imminente pour la vie.",
                ),
            ],
        ),
    ],
}

SGBV_101_AR = {
    "code": "SGBV-101-AR",
    "title": "الاستجابة الأولى للعنف الجنسي والعنف القائم على النوع الاجتماعي",
    "language": "ar",
    "translation_of": "SGBV-101",
    "summary": (
        "ما يجب على كل شرطي في الخطوط الأمامية فعله عندما يتقدّم أحد الناجين من العنف الجنسي أو العنف "
        "القائم على النوع الاجتماعي: فهم هذا العنف، وأول اتصال آمن يتمحور حول الناجي، والإحالة إلى "
        "الخدمات، والحفاظ على السرية."
    ),
    "competencies": ["SGBV", "CP", "HR"],
    "estimated_hours": "3.0",
    "validity_months": 24,
    "modules": [
        (
            "فهم العنف الجنسي والعنف القائم على النوع الاجتماعي",
            [
                lesson(
                    "أشكال العنف وأسبابه وعواقبه",
                    "شرح ماهية العنف الجنسي والعنف القائم على النوع الاجتماعي، وأسبابه، وأضراره على الناجين.",
                    "الشرطي الذي يفهم هذا العنف يتعرّف عليه ويأخذه بجدية ولا يلوم الناجين.",
                    [
                        "سيشرح المتدرّبون الفرق بين الجنس البيولوجي والنوع الاجتماعي.",
                        "سيعدّد المتدرّبون أهم أشكال هذا العنف في كيسارا.",
                        "سيشرح المتدرّبون لماذا لا يبلّغ كثير من الناجين عن العنف.",
                    ],
                    45,
                    """
## تعريفات

**العنف القائم على النوع الاجتماعي** هو كل فعل ضارّ يُرتكب ضد شخص بسبب نوعه الاجتماعي،
ويستند إلى اختلال في موازين القوة. و**العنف الجنسي** هو أي فعل جنسي يقع دون رضا. أغلب
الناجين من النساء والفتيات، لكن الرجال والفتيان قد يكونون ناجين أيضًا.

## أشكال العنف في كيسارا

- الاغتصاب والاعتداء الجنسي، بما في ذلك من قِبل الجماعات المسلحة في الشمال.
- العنف الأسري من الزوج أو أحد الأقارب.
- الزواج القسري وزواج الأطفال.
- الاستغلال الجنسي مقابل الطعام أو العمل أو الوثائق.

## لماذا يصمت الناجون؟

- الخوف من الجاني أو من نبذ الأسرة.
- العار والوصم في المجتمع.
- تجارب سابقة مع شرطة سخرت منهم أو لامتهم أو طلبت منهم مالًا.

## حالة تطبيقية: بير تامسة

تخبر فتاة في بير تامسة معلّمتها بأن أحد الجيران اعتدى عليها. تريد أسرتها تسوية الأمر بمبلغ
من المال تدفعه أسرة الجار. تتصل المعلّمة بوحدة حماية النساء والأطفال.

*نقاش:* ما الضغوط التي تواجهها الفتاة، وكيف ينبغي أن تتجاوزها استجابة الشرطة؟
""",
                    "ينبع هذا العنف من اختلال موازين القوة، ويتخذ أشكالًا كثيرة، ونادرًا ما يُبلَّغ عنه؛ ويجب "
                    "ألا تزيد استجابة الشرطة من الضرر.",
                ),
            ],
        ),
        (
            "أول اتصال يتمحور حول الناجي",
            [
                lesson(
                    "الساعة الأولى: السلامة والصحة",
                    "اتخاذ الإجراءات الصحيحة، بالترتيب الصحيح، في الساعة الأولى بعد تقدّم الناجي.",
                    "الرعاية الطبية خلال 72 ساعة قد تمنع الإصابة بفيروس نقص المناعة البشرية والحمل، والسلامة "
                    "تأتي قبل أي إفادة.",
                    [
                        "سيعدّد المتدرّبون أولويات الساعة الأولى.",
                        "سيشرح المتدرّبون لماذا لا يجوز تأخير الرعاية الطبية من أجل أخذ الإفادة.",
                    ],
                    50,
                    """
## الأولويات بالترتيب

1. **السلامة**: هل الناجي في أمان الآن؟ هل الجاني قريب؟
2. **الصحة**: رعاية طبية عاجلة، والوقاية بعد التعرّض خلال 72 ساعة.
3. **الأدلة**: ننصح الناجي بعدم الاغتسال أو تغيير الملابس إن أمكن، دون أن نجعل الرعاية
   مشروطة بالأدلة أبدًا.
4. **المعلومات**: نشرح الخيارات المتاحة ونترك القرار للناجي.

## ما يجب تجنّبه

- لا تطلب مالًا أو «شهادة طبية» قبل تسجيل الشكوى.
- لا تجعل الناجي يكرّر روايته أمام عدة أفراد من الشرطة.
- لا تواجه الناجي بالمشتبه فيه.

## حالة تطبيقية: بور كيسار

تصل امرأة إلى مركز شرطة بور كيسار المركزي في منتصف الليل وتقول إنها اغتُصبت في طريق
عودتها إلى البيت. تأخذها الرقيبة إستير منساه إلى غرفة مكتب العنف الجنسي، وتقدّم لها الماء،
ولا تسأل إلا ما يلزم لتقدير سلامتها، ثم تتصل بمركز الخدمات المتكاملة في المستشفى وترافقها
إليه. وتؤخذ الإفادة الكاملة في اليوم التالي.
""",
                    "السلامة أولًا، ثم الصحة خلال 72 ساعة، ثم الأدلة والمعلومات؛ والناجي هو من يقرّر الخطوة التالية.",
                ),
            ],
        ),
        (
            "الإحالة والسرية",
            [
                lesson(
                    "مسارات الإحالة والحفاظ على السرية",
                    "إحالة الناجين إلى الخدمات الصحية والنفسية والاجتماعية والقانونية، وحماية معلوماتهم.",
                    "لا تستطيع الشرطة وحدها تلبية كل احتياجات الناجي، وتسريب اسمه قد يعرّضه للانتقام أو النبذ.",
                    [
                        "سيعدّد المتدرّبون الخدمات المتوفرة في مسار الإحالة المحلي.",
                        "سيطبّق المتدرّبون نموذج الإحالة بموافقة الناجي.",
                        "سيشرح المتدرّبون قواعد حفظ ملفات العنف الجنسي.",
                    ],
                    45,
                    """
## مسار الإحالة

- **الصحة**: مركز الخدمات المتكاملة في مستشفى بور كيسار والمراكز الصحية في المقاطعات.
- **الدعم النفسي والاجتماعي**: الجمعيات النسائية والمنظمات المحلية.
- **المساعدة القانونية**: العيادة المجانية لنقابة المحامين ومكتب النيابة المختص.
- **الإيواء**: دار الإيواء الآمنة في باي لوميير.

## كيف نحيل؟

1. نشرح كل خدمة ونسأل الناجي عمّا يريده.
2. نملأ نموذج الإحالة **بموافقته فقط**، ولا نشارك إلا ما تحتاجه الجهة المعنية.
3. نتابع: هل حصل الناجي على الخدمة؟

## السرية

- تُحفظ الملفات في **خزانة مقفلة** بمكتب العنف الجنسي.
- يُستخدم **رمز للقضية** بدل الاسم في السجلات التي يراها الآخرون.
- لا تُناقش القضايا في المقصف أو في البيت أو على وسائل التواصل الاجتماعي.

## حالة تطبيقية: السوق الكبير

تحدّث شرطي أصدقاءه في السوق عن قضية اغتصاب سمع بها في المركز، فتعرّضت أسرة الناجية
للإهانة في اليوم التالي وسحبت شكواها. فتح قائد المركز إجراءً تأديبيًا ونقل كل الملفات
إلى خزانة مقفلة مع سجل مرمّز.
""",
                    "لكل مركز مسار إحالة محدّث، والإحالة تحتاج إلى الموافقة والمتابعة، والسرية تحمي الناجين والقضايا.",
                ),
            ],
        ),
    ],
}


COURSES: tuple[dict, ...] = (COP_101, HR_101, SGBV_101, TOC_201, BM_201, COP_101_FR, HR_101_FR, SGBV_101_AR)
