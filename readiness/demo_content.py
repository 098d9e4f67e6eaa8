"""Two more demo courses, for the competencies every readiness profile asks and no course of
``courses.demo_content`` develops: protection of civilians (POC) and command and control
(CMD, for commanders). Same lesson shape and fictional Republic of Kessara; read by
``readiness.demo``. Nothing here describes a real country, person or unit.
"""

from courses.demo_content import lesson

POC_101 = {
    "code": "POC-101",
    "title": "Protection of civilians",
    "language": "en",
    "summary": (
        "What the national police do to protect civilians under threat of physical violence: "
        "recognising threats early, physical protection, a protective environment and working "
        "beside the mission and humanitarian partners, with scenarios from Kessara's border districts."
    ),
    "competencies": ["POC", "HR"],
    "estimated_hours": "4.0",
    "validity_months": 36,
    "modules": [
        (
            "The police role in protecting civilians",
            [
                lesson(
                    "What protection of civilians means",
                    "To explain what protecting civilians asks of a national police service, and how it "
                    "differs from ordinary crime prevention.",
                    "When armed groups threaten villages, people turn first to the nearest police post. "
                    "What officers do in the first hours often decides whether civilians are harmed.",
                    [
                        "Learners will explain the duty of the State to protect civilians from physical violence.",
                        "Learners will list the three tiers of protection: dialogue, physical protection, "
                        "a protective environment.",
                        "Learners will describe the police's part in each tier.",
                    ],
                    45,
                    """
## The duty to protect

The State protects everyone on its territory from physical violence, whoever threatens it:
armed groups, criminal gangs, militias, or members of the security forces themselves. The
police carry this duty every day, in every station and post.

## Three tiers

1. **Dialogue and engagement**: talking with communities, local leaders and, through the
   proper channels, with those who threaten them.
2. **Physical protection**: presence, patrols, escorts, safe areas and arrests.
3. **A protective environment**: investigations that end in trials, working courts and
   prisons, and a police that respects rights.

## Scenario: Tin-Aguel market day

Word reaches Tin-Aguel Border Post that armed men have been seen on the road to the weekly
market. The post commander sends two officers to the market entrance, informs the district
commander and asks the market committee to spread the word calmly. The market goes ahead
with a visible police presence; nothing happens.

*Discussion:* which tier did each action belong to?
""",
                    "Protecting civilians is a duty of the State that the police exercise through dialogue, "
                    "physical protection and building a protective environment.",
                ),
                lesson(
                    "Threats and early warning",
                    "To practise recognising threats to civilians early and reporting them so that others can act.",
                    "Most attacks on civilians are preceded by signs: rumours, movements, threats, people "
                    "leaving. A station that notices and reports them buys time.",
                    [
                        "Learners will list common early-warning signs in their area.",
                        "Learners will write a short threat report: who, what, where, when, source.",
                    ],
                    50,
                    """
## Signs to watch

- Families leaving a village, or markets and schools closing without reason.
- Threats posted, spoken or sent by phone; a sudden rise in thefts of livestock.
- Armed men seen where they were not before; roadblocks by unknown groups.

## Reporting

A threat report is short and factual: **who** is threatened, **what** was seen or heard,
**where**, **when**, and the **source** (seen by an officer, told by a trader, a rumour).
Send it the same day to the district, which shares it with the joint operations centre.

## Scenario: Ouadi Kessa

A teacher tells the duty officer that older pupils from two villages have stopped coming to
school since a quarrel over a well. Write the threat report, and say who should receive it.
""",
                    "Early warning is everyone's job: notice the signs, report them the same day in a short "
                    "factual form, and follow up.",
                ),
            ],
        ),
        (
            "Acting to protect",
            [
                lesson(
                    "Physical protection within the law",
                    "To apply the principles of lawful, necessary and proportionate force when protecting "
                    "civilians from violence.",
                    "Protection can require force. Force that is unlawful or excessive harms the very people "
                    "the police are there to protect, and the trust they depend on.",
                    [
                        "Learners will explain legality, necessity, proportionality and accountability.",
                        "Learners will plan a protective patrol and an escort for displaced families.",
                    ],
                    55,
                    """
## Principles

- **Legality**: act under the law and lawful orders only.
- **Necessity**: use force only when other means have failed or would fail.
- **Proportionality**: no more force than the threat requires.
- **Accountability**: report every use of force; the commander reviews it.

## Protective patrols and escorts

Plan the route with the community, vary times, keep radio contact, and brief every officer on
the rules for the use of force. Women officers on the patrol make it easier for women and
girls to report threats.

## Scenario: the road to Kanoumba

Thirty displaced families ask for an escort back to their village after the rains. Plan the
escort: officers, vehicles, timing, contacts, and what to do if the road is blocked.
""",
                    "Physical protection is lawful, necessary, proportionate and accounted for; planning with "
                    "the community makes it work.",
                ),
                lesson(
                    "Working with the mission and humanitarian partners",
                    "To describe who else protects civilians in Kessara and how the police coordinate with them.",
                    "The police are not alone: UN police, the mission's military, human rights officers and "
                    "humanitarian agencies all act. Without coordination, gaps and overlaps appear.",
                    [
                        "Learners will name the partners present in their district and their roles.",
                        "Learners will explain the humanitarian principles and why police respect them.",
                    ],
                    45,
                    """
## Who does what

- **Kessara National Police**: primary responsibility for public safety and law enforcement.
- **UN police (MINUSKE)**: advise, mentor and, where mandated, patrol jointly.
- **Humanitarian agencies**: shelter, food, health; they stay neutral and impartial.
- **Human rights officers**: monitor and report, including on the police.

## Coordination

Attend the district protection meeting, share threat reports, and agree who responds to
what. Never ask humanitarian staff to pass on information about suspects: their neutrality
keeps them, and the people they serve, safe.

## Scenario: Baie-Lumière

A humanitarian convoy asks for police presence at a distribution. Who decides, who is told,
and what do officers do and not do at the site?
""",
                    "Protection works when each partner knows its role; the police lead on public safety and "
                    "respect the humanitarian principles.",
                ),
            ],
        ),
    ],
}

CMD_201 = {
    "code": "CMD-201",
    "title": "Station command and administration",
    "language": "en",
    "summary": (
        "For commanders of stations, posts and units: command responsibility, briefing and "
        "supervision, records and equipment, and conduct and discipline, the basics a unit must "
        "show before it takes over security tasks."
    ),
    "competencies": ["CMD", "ADM", "CD"],
    "estimated_hours": "8.0",
    "validity_months": 36,
    "modules": [
        (
            "Command and control",
            [
                lesson(
                    "The commander's responsibilities",
                    "To explain what a unit commander answers for, and to whom.",
                    "A unit is handed over when it can run itself: that starts with a commander who knows "
                    "what they answer for.",
                    [
                        "Learners will list a commander's responsibilities for operations, people, resources "
                        "and conduct.",
                        "Learners will explain command responsibility for subordinates' actions.",
                    ],
                    50,
                    """
## What a commander answers for

- **Operations**: that the unit responds to calls and carries out its tasks.
- **People**: duty rosters, welfare, training and fair treatment.
- **Resources**: vehicles, weapons, radios, fuel and money, recorded and accounted for.
- **Conduct**: that officers respect the law and human rights, and that misconduct is dealt with.

## Command responsibility

A commander who knew, or should have known, of abuses and did not act shares responsibility
for them. Supervising is not optional.

## Scenario: a new commander at Ras el-Oued

An inspector takes command of Ras el-Oued Border Post. In the first week she finds no
weapons register, a duty roster written in pencil and a complaint about an officer taking
money from travellers. In what order does she act, and why?
""",
                    "A commander answers for operations, people, resources and conduct, including what "
                    "subordinates do.",
                ),
                lesson(
                    "Briefing, tasking and supervision",
                    "To practise giving a clear briefing and supervising a shift.",
                    "Most failures on a shift come from unclear tasks. A five-minute briefing prevents them.",
                    [
                        "Learners will give a shift briefing covering situation, tasks, coordination and safety.",
                        "Learners will plan supervision visits during a shift.",
                    ],
                    45,
                    """
## The shift briefing

1. **Situation**: what happened since the last shift; threats and wanted persons.
2. **Tasks**: who does what, where, until when.
3. **Coordination**: radio call signs, who to call, neighbouring units.
4. **Safety and conduct**: reminders on use of force, detainees' rights, courtesy.

## Supervision

Visit patrols and the front desk during the shift, check the occurrence book and the cells,
and record each visit. Praise good work where others can hear it.

## Exercise

Give the morning briefing for Lamordé Police Station on a market day with a football match in
the afternoon.
""",
                    "Brief clearly, task precisely and supervise visibly: that is control.",
                ),
            ],
        ),
        (
            "Administration and discipline",
            [
                lesson(
                    "Records, duty rosters and equipment",
                    "To describe the records a station keeps and why each matters.",
                    "Assessors check records first: they show whether a unit works when nobody is watching.",
                    [
                        "Learners will list the registers a station keeps.",
                        "Learners will check a weapons and equipment register against stock.",
                    ],
                    50,
                    """
## The registers

- Occurrence book and crime register.
- Detention register: name, time in and out, reason, rights explained, visits.
- Weapons and ammunition register, signed at each issue and return.
- Vehicle log, fuel and equipment registers.
- Duty roster and leave register.

## Keeping them

Write in ink, never tear out pages, correct with a single line and a signature. The commander
checks and signs the registers every week.

## Exercise

The weapons register of Kanoumba Police Station shows 24 rifles; 23 are in the armoury. What
do you do, in what order, and what do you write?
""",
                    "Complete, checked registers show a unit that works; they are the first thing assessors read.",
                ),
                lesson(
                    "Conduct and discipline in the unit",
                    "To apply the disciplinary procedure fairly and promptly.",
                    "Misconduct left unpunished spreads, and the public sees it first.",
                    [
                        "Learners will explain the steps of the disciplinary procedure.",
                        "Learners will distinguish matters the commander handles from those referred to the "
                        "Inspectorate or prosecutor.",
                    ],
                    45,
                    """
## The procedure

1. Receive every complaint and record it, whoever makes it.
2. Protect the complainant and any evidence.
3. Minor breaches: hear the officer, decide, record the sanction.
4. Serious misconduct (corruption, violence, sexual exploitation and abuse): refer at once to
   the Inspectorate, and to the prosecutor where it is a crime.
5. Tell the complainant what was done.

## Fairness

The officer is heard before any decision; the same breach gets the same sanction, whoever
commits it.

## Scenario: the Grand Marché again

Traders complain that two officers take "fees" to open a file. One officer is the
commander's nephew. What does the commander do?
""",
                    "Every complaint recorded, serious cases referred, minor ones decided fairly and promptly.",
                ),
            ],
        ),
    ],
}

COURSES: tuple[dict, ...] = (POC_101, CMD_201)
