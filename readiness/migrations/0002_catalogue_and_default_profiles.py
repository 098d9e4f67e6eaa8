"""The competency catalogue of ../shared/DOMAIN.md and the requirement profiles to start from.

The default profile (every unit type without its own) asks 80% of eligible officers for
the core competencies, 80% of commanders for command and control, a vetting gate (80% of
eligible officers finally certified, the Timor-Leste criterion) and 20% women (the
Liberia target). Specialised units add their own competency as a gate. Admins and
mission leaders edit them afterwards; this runs once.
"""

from decimal import Decimal

from django.db import migrations

CATALOGUE = [
    ("COP", "Community-oriented policing", "operations"),
    ("ILP", "Intelligence-led policing", "operations"),
    ("INV", "Criminal investigation", "operations"),
    ("POP", "Public order and public safety", "operations"),
    ("HR", "Human rights in policing (arrest, detention, use of force)", "cross_cutting"),
    ("SGBV", "Preventing and investigating sexual and gender-based violence", "cross_cutting"),
    ("CP", "Child protection", "cross_cutting"),
    ("POC", "Protection of civilians", "cross_cutting"),
    ("CD", "Conduct and discipline", "cross_cutting"),
    ("CMD", "Command and control", "command"),
    ("ADM", "Police administration (records, HR, equipment)", "administration"),
    ("TOT", "Training of trainers, mentoring and advising", "capacity"),
    ("TOC", "Countering transnational organised crime", "operations"),
    ("BM", "Border management", "operations"),
]
CORE = ["HR", "COP", "SGBV", "CD", "POC"]
SPECIALISED = {
    "border_post": ("Border post", "BM"),
    "sgbv": ("SGBV / women and children protection unit", "SGBV"),
    "transnational_crime": ("Transnational crime unit", "TOC"),
    "public_order": ("Public order unit", "POP"),
    "training_centre": ("Police training centre", "TOT"),
}


def seed(apps, schema_editor):
    Competency = apps.get_model("readiness", "Competency")
    Profile = apps.get_model("readiness", "RequirementProfile")
    Requirement = apps.get_model("readiness", "Requirement")
    for order, (code, name, area) in enumerate(CATALOGUE, start=1):
        Competency.objects.update_or_create(code=code, defaults={"name": name, "area": area, "order": order})

    def profile(name: str, unit_type: str, gate: str | None = None) -> None:
        created = Profile.objects.create(name=name, unit_type=unit_type)
        for code in CORE:
            Requirement.objects.create(profile=created, competency_id=code, target=Decimal("0.800"))
        Requirement.objects.create(
            profile=created, competency_id="CMD", population="commanders", target=Decimal("0.800")
        )
        if gate:
            Requirement.objects.update_or_create(
                profile=created,
                competency_id=gate,
                defaults={"target": Decimal("0.800"), "is_gate": True, "weight": Decimal("2")},
            )

    if not Profile.objects.exists():
        profile("Default: core competencies, vetting gate, women's share", "")
        for unit_type, (label, gate) in SPECIALISED.items():
            profile(f"{label}: core competencies and {gate} as a gate", unit_type, gate)


class Migration(migrations.Migration):
    dependencies = [("readiness", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
