"""The demo region's families, planned from a seed: who they are and what happens to their referrals.

Planning is pure (no database), so the same seed and day always give the same families; writing them
through the services is `pathways.demo.region`. Everyone is made up: first names from a fixed list of common
Welsh, English and other names, with surnames invented for the demo (Welsh and English words for "dream",
"fable", "make-believe" and the like), so that no name is anyone's. Sealed details are fictional too: phone
numbers from Ofcom's drama ranges, streets that do not exist and addresses at example.org.

The first families follow SCENES in order, so that even a small demo has every route into a service, every
stage of a referral's life, unmet need in each group the gap map filters by, the MARAC's and the MATAC's
cases and the police extract's serial perpetrators; the rest are drawn at random from the ordinary ones.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field, replace
from typing import TypeVar

T = TypeVar("T")

AREAS = ("cardiff", "vale-of-glamorgan")

# How far a referral goes. "screened" is a Drive referral left waiting for Drive's screening and the
# MARAC's decision, which the meetings take it on from; the step targets start at "started".
TARGETS = (
    "received", "triaged", "offered", "accepted", "waiting", "started", "declined", "withdrawn",
    "step_up", "step_up_pending", "step_down", "screened",
)  # fmt: skip
PARTNER_TARGETS = ("triaged", "offered", "accepted", "started", "declined")
# A partner's case at the Cardiff MARAC: heard three weeks ago (minutes issued), heard last week (minutes
# not yet issued), new for the next meeting, heard three weeks ago and assessed again since (a repeat), or
# referred in by the social worker for the next meeting.
MARAC_ROLES = ("A", "B", "next", "repeat", "nominated")


@dataclass(frozen=True)
class Scene:
    """One kind of family story, as the region's services see it."""

    route: str
    referrer: str | None  # a demo login; None for the public self-referral form
    area: str = "cardiff"
    gender: str = "man"
    partner_gender: str = "woman"
    risk: str = "standard"
    been_to_marac: bool = False
    partner: str = "current_partner"  # or "ex_partner", or "" when no partner is named
    partner_contact: bool = True
    children: int | None = None  # None: drawn at random
    target: str = "started"
    partner_target: str = "started"
    marac: str = ""
    serial: bool = False  # one of the police extract's serial perpetrators (DEMO-P001 to DEMO-P008)
    language: str = ""  # "cy", or a language needing an interpreter
    shift: bool | None = None
    new_partner: bool = False  # a later referral names a new partner; the first one named an ex-partner
    nominated_to_matac: bool = False
    # The questions about behaviour and history (triagefile.CASE_FACTS) answered "yes"; a referrer answers
    # the rest "no", a self-referral leaves them not known.
    facts: tuple[str, ...] = ()


SW, IDVA, CLEAR, PROBATION, DRIVE = "socialworker", "idva", "practitioner", "probation", "drive"
SERIAL = ("serial_behaviour",)

SCENES: tuple[Scene, ...] = (
    # The police extract's eight serial perpetrators: odd numbers live in the Vale, even in Cardiff.
    Scene("probation", PROBATION, risk="high", target="triaged", serial=True, facts=SERIAL),
    Scene("marac", PROBATION, risk="high", target="started", marac="A", serial=True, facts=SERIAL),
    Scene("police", PROBATION, risk="medium", target="triaged", serial=True, shift=True, facts=SERIAL),
    Scene("probation", PROBATION, risk="high", target="withdrawn", serial=True, facts=SERIAL),
    Scene("court", PROBATION, risk="medium", target="received", serial=True, facts=SERIAL),
    Scene("marac", SW, risk="high", target="screened", marac="A", serial=True, facts=SERIAL),
    Scene("police", PROBATION, risk="high", target="triaged", serial=True, facts=SERIAL),
    Scene("marac", SW, risk="high", target="declined", serial=True, partner="ex_partner", facts=SERIAL),
    # Cardiff families through CLEAR, at every stage, with their partners' support at RISE.
    Scene("childrens_services", SW, target="started", children=2),
    Scene("self", None, target="triaged", partner_target="triaged"),
    Scene("childrens_services", SW, target="offered", partner_target="offered", marac="B"),
    Scene("iris", CLEAR, target="waiting", partner_target="accepted", shift=True),
    Scene("childrens_services", SW, target="declined", marac="A"),
    Scene("childrens_services", SW, target="withdrawn", partner_target="declined"),
    Scene("childrens_services", SW, target="received", children=1),
    Scene("childrens_services", SW, target="step_up", been_to_marac=True, marac="next"),
    Scene("iris", CLEAR, target="step_up_pending", been_to_marac=True, risk="medium"),
    Scene("marac", PROBATION, risk="high", target="step_down", partner_target="accepted"),
    Scene("marac", SW, risk="high", target="offered", partner_target="accepted", marac="B"),
    Scene("childrens_services", SW, target="started", marac="B", language="cy"),
    Scene("self", None, target="accepted", partner_target="started", marac="repeat"),
    Scene("childrens_services", SW, target="accepted", marac="next", children=3),
    Scene("childrens_services", SW, target="started", marac="nominated", language="Polish"),
    Scene("self", None, target="offered", language="cy", new_partner=True),
    # Unmet need: the Vale has no early intervention, no service in the region takes a woman outside
    # MARAC, CLEAR works with men and their female partners only and needs the partner's details, and
    # GP and CAFCASS referrals have no route in.
    Scene("self", None, area="vale-of-glamorgan", target="triaged"),
    Scene("self", None, gender="woman", partner_gender="man", target="triaged"),
    Scene("childrens_services", SW, partner_gender="man", target="triaged"),
    Scene("childrens_services", SW, partner_contact=False, target="triaged", shift=True),
    Scene("gp_health", CLEAR, target="triaged", language="Arabic"),
    Scene("cafcass", SW, risk="medium", target="triaged", nominated_to_matac=True),
    Scene("probation", PROBATION, area="vale-of-glamorgan", target="triaged", shift=True),
    Scene("self", None, area="vale-of-glamorgan", target="triaged", language="Bengali"),
    # What the referrer knows of behaviour and history changes triage: entrenched behaviour at medium risk
    # needs the medium tier, which Cardiff no longer has, so CLEAR is ruled out and the family-tier service
    # taken is placed below need; concerns about sexual harm go to the sexual-violence services; Drive
    # works with high-harm men but usually not with mutual violence, which it is cautioned about.
    Scene("childrens_services", SW, risk="medium", target="triaged", facts=("entrenched_behaviour",)),
    Scene(
        "police",
        PROBATION,
        risk="medium",
        target="triaged",
        facts=("entrenched_behaviour", "convictions_or_orders"),
    ),
    Scene("childrens_services", SW, target="triaged", facts=("sexual_harm_concern",)),
    Scene("marac", SW, risk="high", target="offered", facts=("mutual_violence",)),
    # Criminal justice programmes, which no demo agency runs: the referral waits with them.
    Scene("court", PROBATION, risk="medium", target="triaged", area="vale-of-glamorgan"),
    Scene("probation", PROBATION, risk="high", target="triaged"),
)

# The ordinary families after the scenes: the same routes, drawn with these weights.
COMMON: tuple[tuple[Scene, int], ...] = (
    (Scene("childrens_services", SW), 9),
    (Scene("self", None), 6),
    (Scene("iris", CLEAR), 2),
    (Scene("self", None, area="vale-of-glamorgan"), 3),
    (Scene("probation", PROBATION, risk="medium"), 3),
    (Scene("probation", PROBATION, risk="standard", area="vale-of-glamorgan"), 2),
    (Scene("court", PROBATION, risk="high"), 2),
    (Scene("police", PROBATION, risk="medium"), 2),
    (Scene("marac", SW, risk="high"), 2),
    (Scene("childrens_services", SW, partner_contact=False), 1),
    (Scene("gp_health", CLEAR), 1),
    (Scene("cafcass", SW, risk="medium"), 1),
    (Scene("self", None, gender="woman", partner_gender="man"), 1),
)
COMMON_TARGETS = (
    ("started", 6), ("triaged", 4), ("offered", 3), ("accepted", 3), ("waiting", 2), ("declined", 2),
    ("withdrawn", 2), ("received", 1),
)  # fmt: skip

# --- names -------------------------------------------------------------------------------------------------

MEN_WELSH = ("Rhys", "Owain", "Dylan", "Gethin", "Iwan", "Aled", "Huw", "Emyr", "Gruffydd", "Tomos", "Ioan",
             "Cai", "Steffan", "Geraint", "Dafydd", "Llŷr")  # fmt: skip
WOMEN_WELSH = ("Carys", "Ffion", "Seren", "Angharad", "Elin", "Lowri", "Mali", "Nia", "Cerys", "Manon",
               "Heledd", "Alaw", "Sioned", "Nerys", "Megan", "Gwenllian")  # fmt: skip
MEN_ENGLISH = ("Jack", "Liam", "Daniel", "Ryan", "Mark", "Kieran", "Jamie", "Lee", "Craig", "Scott", "Adam",
               "Nathan", "Connor", "Dean", "Carl", "Wayne")  # fmt: skip
WOMEN_ENGLISH = ("Emma", "Chloe", "Sophie", "Jade", "Leanne", "Kayleigh", "Gemma", "Amy", "Hannah", "Zoe",
                 "Stacey", "Rebecca", "Charlotte", "Lisa", "Donna", "Katie")  # fmt: skip
CHILDREN = ("Alfie", "Harri", "Osian", "Noah", "Evie", "Ela", "Mia", "Poppy", "Jac", "Elis", "Isla", "Nel",
            "Leo", "Ruby", "Macsen", "Lili")  # fmt: skip
# Made-up surnames: Welsh and English words for make-believe, shaped like family names.
SURNAMES_WELSH = (
    "Pantyffug", "Cwmbreuddwyd", "Nantychwedl", "Brynffantasi", "Glyndychymyg", "Llysffug", "Maesychwedl",
    "Penbreuddwyd", "Treffugiol", "Coedychwedl", "Rhosdychymyg", "Cefnffug",
)  # fmt: skip
SURNAMES_ENGLISH = (
    "Fernwhistle", "Quillbottle", "Pebbleworth", "Thistlemop", "Copperspoon", "Marrowmint", "Wrenfeather",
    "Brackenwhim", "Puddlecombe", "Tumblethorn", "Mossfiddle", "Larkspindle",
)  # fmt: skip
# People who need an interpreter: a first name from their language and a surname meaning "made up" in it.
OTHER_LANGUAGES = {
    "Polish": (("Piotr", "Tomasz", "Marek"), ("Agnieszka", "Kasia", "Ewa"), "Zmyślony", "Zmyślona"),
    "Arabic": (("Ahmed", "Yusuf", "Omar"), ("Amina", "Layla", "Huda"), "Khayali", "Khayali"),
    "Bengali": (("Rahim", "Sohel", "Arif"), ("Nasrin", "Shirin", "Rupa"), "Kalponik", "Kalponik"),
}

# Sealed details: streets that do not exist, towns of the person's area, and Ofcom's drama numbers.
STREETS = (
    "Heol Ffug", "Lôn Dychymyg", "Stryd y Chwedl", "Rhodfa Breuddwyd", "Cilgant Ffantasi", "Makebelieve Lane",
    "Figment Street", "Pretence Road", "Daydream Close", "Invention Way",
)  # fmt: skip
TOWNS = {"cardiff": ("Cardiff",), "vale-of-glamorgan": ("Barry", "Penarth", "Llantwit Major", "Cowbridge")}
SCHOOLS = ("Ysgol Gynradd Dychymyg", "Ysgol y Chwedlau", "Figment Primary School", "Daydream Primary School",
           "Ysgol Uwchradd Ffug")  # fmt: skip
LANGUAGE_ETHNICITY = {"Polish": "white_other", "Arabic": "arab", "Bengali": "asian"}
ETHNICITIES = (("white_british", 30), ("white_other", 3), ("mixed", 2), ("asian", 2), ("black", 2),
               ("arab", 1), ("not_known", 4))  # fmt: skip
WORK_PATTERNS = (("shift_work", 3), ("regular_hours", 4), ("not_working", 2), ("not_known", 2))


@dataclass(frozen=True)
class Member:
    """One person of a family, as the referral form would give them."""

    given_name: str
    family_name: str
    gender: str
    born: datetime.date
    area: str
    language: str = "en"  # "en", "cy" or "other"
    other_language: str = ""
    interpreter: bool = False
    work_pattern: str = "not_known"
    disability: bool | None = None
    ethnicity: str = "not_known"
    police_reference: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    school: str = ""


@dataclass(frozen=True)
class Family:
    number: int
    scene: Scene
    target: str
    began: int  # days before today that the first referral was received
    perpetrator: Member
    partner: Member | None
    children: tuple[Member, ...] = ()
    new_partner: Member | None = None
    people: int = field(default=0)


def _weighted(rng: random.Random, pairs: tuple[tuple[T, int], ...]) -> T:
    return rng.choices([p for p, _w in pairs], weights=[w for _p, w in pairs])[0]


class _Planner:
    def __init__(self, seed: int, today: datetime.date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - made-up demo data, not a secret
        self.today = today
        self.phones = iter(self.rng.sample(range(1000), 1000))
        self.landlines = iter(self.rng.sample(range(1000), 1000))
        self.police_numbers = {area: [n for n in range(9, 160) if AREAS[n % 2] == area] for area in AREAS}
        for numbers in self.police_numbers.values():
            self.rng.shuffle(numbers)

    def phone(self) -> str:
        number = next(self.phones, None)
        if number is None:  # more people than drama numbers: they are fictional, so they may repeat
            number = self.rng.randrange(1000)
        return f"07700 900{number:03d}"

    def landline(self) -> str:
        number = next(self.landlines, None)
        return f"029 2018 {self.rng.randrange(1000) if number is None else number:04d}"

    def address(self, area: str) -> str:
        return f"{self.rng.randint(1, 140)} {self.rng.choice(STREETS)}, {self.rng.choice(TOWNS[area])}"

    def born(self, low: int, high: int) -> datetime.date:
        return self.today - datetime.timedelta(days=self.rng.randint(low * 365 + 30, high * 365 + 300))

    def adult(self, gender: str, area: str, language: str, *, surname: str | None = None) -> Member:
        rng = self.rng
        welsh = language == "cy" or (language == "" and rng.random() < 0.3)
        other = OTHER_LANGUAGES.get(language)
        if other is not None:
            men, women, his, hers = other
            given = rng.choice(men if gender == "man" else women)
            family = his if gender == "man" else hers
        else:
            if gender == "man":
                names = MEN_WELSH if welsh else MEN_ENGLISH
            elif gender == "woman":
                names = WOMEN_WELSH if welsh else WOMEN_ENGLISH
            else:
                names = rng.choice((MEN_WELSH, WOMEN_WELSH, MEN_ENGLISH, WOMEN_ENGLISH))
            given = rng.choice(names)
            family = surname or rng.choice(SURNAMES_WELSH if welsh else SURNAMES_ENGLISH)
        return Member(
            given_name=given,
            family_name=family,
            gender=gender,
            born=self.born(19, 56),
            area=area,
            language="cy" if language == "cy" else ("other" if other else "en"),
            other_language=language if other else "",
            interpreter=other is not None,
            work_pattern=_weighted(rng, WORK_PATTERNS),
            disability=True if rng.random() < 0.1 else (None if rng.random() < 0.4 else False),
            ethnicity=LANGUAGE_ETHNICITY.get(language) or _weighted(rng, ETHNICITIES),
        )

    def family(self, number: int, scene: Scene, target: str) -> Family:
        rng = self.rng
        area = scene.area
        police_reference = ""
        if scene.serial:
            area = AREAS[number % 2]
            police_reference = f"DEMO-P{number:03d}"
        elif scene.route in ("police", "probation", "court", "marac") and rng.random() < 0.6:
            free = self.police_numbers[area]
            if free:
                police_reference = f"DEMO-P{free.pop():03d}"
        him = self.adult(scene.gender, area, scene.language)
        work = {True: "shift_work", False: "regular_hours", None: him.work_pattern}[scene.shift]
        him = replace(
            him,
            work_pattern=work,
            police_reference=police_reference,
            phone=self.phone(),
            address=self.address(area) if rng.random() < 0.5 else "",
        )
        partner = None
        if scene.partner:
            together = scene.partner == "current_partner" and rng.random() < 0.4
            language = scene.language if scene.language and scene.language != "cy" else ""
            partner = self.adult(
                scene.partner_gender, area, language, surname=him.family_name if together else None
            )
            if scene.partner_contact:
                partner = replace(
                    partner,
                    phone=self.phone() if rng.random() < 0.85 else self.landline(),
                    address=self.address(area),
                    email=f"{partner.given_name.lower()}.{number}@example.org" if rng.random() < 0.3 else "",
                )
            if police_reference:
                partner = replace(partner, police_reference=police_reference.replace("-P", "-V") + "0")
        count = scene.children if scene.children is not None else _weighted(rng, ((0, 4), (1, 3), (2, 3)))
        mother = partner or him
        children = tuple(
            Member(
                given_name=rng.choice(CHILDREN),
                family_name=rng.choice((him.family_name, mother.family_name)),
                gender=rng.choice(("man", "woman")),
                born=self.born(0, 15),
                area=area,
                address=mother.address,
                school=rng.choice(SCHOOLS) if rng.random() < 0.7 else "",
            )
            for _ in range(count)
        )
        new_partner = None
        if scene.new_partner:
            new_partner = replace(
                self.adult("woman", area, ""), phone=self.phone(), address=self.address(area)
            )
        began = self.began(target, scene)
        people = 1 + (partner is not None) + len(children) + (new_partner is not None)
        return Family(number, scene, target, began, him, partner, children, new_partner, people)

    def began(self, target: str, scene: Scene) -> int:
        if scene.marac in ("A", "repeat") or target == "screened":
            return self.rng.randint(40, 120)
        if scene.marac in ("B",):
            return self.rng.randint(25, 90)
        low, high = {
            "received": (0, 2), "triaged": (3, 25), "offered": (12, 35), "accepted": (20, 50),
            "waiting": (25, 60), "started": (60, 300), "declined": (20, 250), "withdrawn": (20, 250),
            "step_up": (150, 300), "step_up_pending": (90, 200), "step_down": (150, 300),
        }[target]  # fmt: skip
        return self.rng.randint(low, high)


def plan_families(*, people: int, seed: int, today: datetime.date) -> list[Family]:
    """Families until they hold `people` people: the scenes first, then ordinary families."""
    planner = _Planner(seed, today)
    families: list[Family] = []
    total = 0
    while total < people:
        number = len(families) + 1
        if number <= len(SCENES):
            scene = SCENES[number - 1]
            target = scene.target
        else:
            scene = replace(
                _weighted(planner.rng, COMMON),
                language=planner.rng.choice(("", "", "", "", "", "cy")),
            )
            target = _weighted(planner.rng, COMMON_TARGETS)
            if planner.rng.random() < 0.15:
                scene = replace(scene, partner="ex_partner")
        family = planner.family(number, scene, target)
        families.append(family)
        total += family.people
    return families
