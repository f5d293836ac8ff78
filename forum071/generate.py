"""Deterministic bench data: many fictional users, threads, posts, supports and follows.

``flask --app forum071 generate --users 500 --threads 2000 --posts 50000 --seed 71`` fills a
migrated and seeded (themes, projects) database. The same options give the same rows, byte for
byte: every choice comes from one ``random.Random(seed)`` and every date from ``--now`` (a
fixed default), never from the clock.

Two halves:

- building (``build_plan`` and the ``iter_*`` row generators) is pure: it reads nothing from
  the database but a ``Context`` (the ids of the seeded themes and projects and where new ids
  start) and returns plain row dicts;
- inserting (``insert_plan``) writes those rows with SQLAlchemy Core ``insert()`` executemany,
  a few thousand rows per statement and one transaction per batch, then sets the counters that
  need all rows (accepted answers, theme and project thread counts, PostgreSQL sequences).

The shape of the data: activity is Zipf-like (a few users write most posts, a few threads get
most replies, one theme holds about half of the threads), bodies are Markdown of a few hundred
characters from a Dutch/English vocabulary about the region's themes, dates spread over the
two years before ``--now`` and posts in a thread follow each other in time.

Markdown is rendered with ``render_markdown`` once per fragment, not once per post (about
1 ms each, too slow for a million posts): a body is an opening paragraph, a middle block
(list, quote or paragraph) and a closing line, each drawn from a pool of pre-rendered
fragments, joined by blank lines. Each fragment is a complete block, so the HTML of the
joined text is the joined HTML of the parts.

Marker words: ``MARKER_WORDS`` are made-up words planted in a known share of the posts, spread
over the kinds of thread, so a benchmark can search for "a word in about 20 posts":
``zonnedakpilot`` is in 0.04 % of the posts (20 of 50,000).

Generated users are ``gebruiker_0001`` … with addresses at example.org; they all have the demo
password (``forum071-demo-only``), so never generate into a real forum (the command refuses
when accounts other than the demo users exist).
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate, islice
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, select, text, update

from .models import (
    SECTOR_OF_ROLE,
    AskCategory,
    ContentState,
    PitchStage,
    PitchUpdate,
    Post,
    Project,
    ProjectFollow,
    Role,
    Sector,
    Support,
    Theme,
    ThemeFollow,
    Thread,
    ThreadFollow,
    ThreadKind,
    User,
    project_themes,
    slugify,
    thread_projects,
)

# A fixed reference date: "now" for the generated data unless --now says otherwise.
DEFAULT_NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SPAN_DAYS = 730

# Made-up words planted in a known share of the posts: word -> share of all posts.
MARKER_WORDS: dict[str, float] = {
    "zonnedakpilot": 0.0004,  # 20 in 50,000 posts: the benchmark's rare search word
    "kringloopkompas": 0.004,  # 200 in 50,000
    "fietsdeelhub": 0.02,  # 1,000 in 50,000
}
RARE_WORD = "zonnedakpilot"
GENERATED_PASSWORD = "forum071-demo-only"  # noqa: S105 - fictional bench accounts only
USERNAME_PREFIX = "gebruiker_"

# Share of threads per theme, busiest first (which theme is busiest is drawn from the seed):
# the busiest holds about half, so page 50 of it exists from 2,000 threads on.
BUSIEST_THEME_SHARE = 0.52
KIND_WEIGHTS = {ThreadKind.DISCUSSION: 0.5, ThreadKind.QUESTION: 0.3, ThreadKind.PITCH: 0.2}
ROLE_WEIGHTS = {Role.ENTREPRENEUR: 0.45, Role.STUDENT: 0.35, Role.OFFICIAL: 0.20}
STAGE_WEIGHTS = {
    PitchStage.IDEA: 0.35,
    PitchStage.IN_DEVELOPMENT: 0.3,
    PitchStage.PILOT: 0.2,
    PitchStage.REALISED: 0.1,
    PitchStage.STOPPED: 0.05,
}
STAGE_ORDER = [
    PitchStage.IDEA,
    PitchStage.IN_DEVELOPMENT,
    PitchStage.PILOT,
    PitchStage.REALISED,
]

# ----------------------------------------------------------------------------------------
# Vocabulary: fictional, about the region's themes, Dutch first with some English.
# ----------------------------------------------------------------------------------------

PLACES = [
    "Leiden", "Katwijk", "Leiderdorp", "Oegstgeest", "Voorschoten", "Zoeterwoude",
    "het Bio Science Park", "de Leidse binnenstad", "Rijnsburg", "de Oude Rijnzone",
    "Zoeterwoude-Dorp", "de Merenwijk", "het stationsgebied", "Katwijk aan Zee",
]  # fmt: skip
TOPICS_NL = [
    "circulaire bouwmaterialen", "hergebruik van plastic", "een repaircafé voor bedrijven",
    "deelfietsen voor forenzen", "slimme laadpalen", "schonere stadslogistiek",
    "stages in de techniek", "een leerwerkplek in de zorg", "een hybride leeromgeving",
    "de toekomst van het bedrijventerrein", "parkmanagement", "zonnepanelen op bedrijfsdaken",
    "leegstand in winkelstraten", "een regionale webwinkel", "de retailvisie",
    "sensoren in de openbare ruimte", "een open dataplatform", "Internet of Things voor het mkb",
    "citymarketing voor stad en kust", "een welkomstpakket voor expats",
    "huisvesting voor internationale studenten", "kennisdeling tussen ondernemers",
    "een kringloopwinkel voor kantoormeubilair", "warmtenetten", "groene daken",
    "een mobiliteitsplan voor werkgevers", "studententeams voor ondernemers",
    "omscholing naar de techniek", "de energietransitie in het mkb", "een innovatiehub",
]  # fmt: skip
TOPICS_EN = [
    "circular building materials", "shared bikes for commuters", "smart charging points",
    "internships in engineering", "the future of business parks", "vacant shops",
    "open data for small businesses", "welcoming expats", "housing international students",
    "student teams for local firms", "the energy transition", "green roofs",
]  # fmt: skip
ADJECTIVES = [
    "duurzame", "slimme", "regionale", "praktische", "betaalbare", "nieuwe", "kleinschalige",
    "gezamenlijke", "lokale", "innovatieve", "eerlijke", "circulaire",
]  # fmt: skip
NOUNS = [
    "ondernemers", "studenten", "gemeenten", "werkgevers", "winkeliers", "docenten",
    "expats", "onderzoekers", "bewoners", "starters", "mbo-studenten", "installateurs",
]  # fmt: skip
VERBS = [
    "verbinden", "versnellen", "opschalen", "uitproberen", "financieren", "organiseren",
    "verduurzamen", "meten", "delen", "verbeteren",
]  # fmt: skip
PRODUCTS = [
    "Kringloopkast", "RijnRit", "Leerlab071", "DakDelen", "StraatSensor", "WelkomWijzer",
    "BouwBank", "TalentTafel", "Laadlint", "WinkelWacht", "DuinData", "Fietsfabriek",
]  # fmt: skip
ORGANISATIONS = {
    Role.ENTREPRENEUR: [
        "Installatiebedrijf Rijnzicht", "Bakkerij Het Zoete Duin", "Studio Zijlpoort",
        "Drukkerij De Vaart", "Fietsmakerij Morspoort", "Adviesbureau Groene Haven",
        "Transport Oude Rijn", "Koffiebranderij Breestraat", "Bouwbedrijf Duinrand",
    ],
    Role.STUDENT: [
        "hbo-student techniek", "mbo-student zorg", "masterstudent bestuurskunde",
        "student informatica", "student bedrijfskunde", "promovendus biowetenschappen",
    ],
    Role.OFFICIAL: [
        "Gemeente Leiden", "Gemeente Katwijk", "Gemeente Leiderdorp", "Gemeente Oegstgeest",
        "Gemeente Voorschoten", "Gemeente Zoeterwoude",
    ],
}  # fmt: skip
ASKS = [
    "Wij zoeken een eerste klant die het een half jaar wil proberen.",
    "Een studententeam dat de gebruikers interviewt.",
    "Een plek op een bedrijventerrein om te testen.",
    "Contact met een gemeente die wil meedenken over de vergunning.",
    "Een kleine investering om de pilot te kunnen starten.",
    "Looking for someone with experience in sensors and data.",
]  # fmt: skip


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        place=rng.choice(PLACES),
        topic=rng.choice(TOPICS_NL),
        topic2=rng.choice(TOPICS_NL),
        topic_en=rng.choice(TOPICS_EN),
        adj=rng.choice(ADJECTIVES),
        noun=rng.choice(NOUNS),
        noun2=rng.choice(NOUNS),
        verb=rng.choice(VERBS),
        product=rng.choice(PRODUCTS),
        n=rng.randint(2, 40),
        slug=slugify(rng.choice(TOPICS_NL)),
    )


TITLES = {
    ThreadKind.QUESTION: [
        "Hoe kunnen we {topic} {verb} in {place}?",
        "Wie heeft ervaring met {topic}?",
        "Vraag: werkt {topic} ook voor kleine {noun}?",
        "How do we handle {topic_en} in {place}?",
        "Welke regels gelden voor {topic} in {place}?",
    ],
    ThreadKind.PITCH: [
        "{product}: {adj} oplossing voor {topic}",
        "Pitch {product} - {topic} in {place}",
        "{product} brengt {noun} en {noun2} samen",
        "{product}: {topic_en} made in {place}",
    ],
    ThreadKind.DISCUSSION: [
        "{topic} in {place}: waar staan we?",
        "Discussie: {adj} aanpak voor {topic}",
        "Wat betekent {topic} voor {noun}?",
        "Lessen uit {place} over {topic}",
        "Let's talk about {topic_en}",
    ],
}
OPENINGS = [
    "In {place} zien we dat **{topic}** steeds vaker ter sprake komt. Veel {noun} willen "
    "meedoen, maar weten niet waar ze moeten beginnen.",
    "Vorige maand spraken we met {n} {noun} over {topic}. De conclusie: het kan, als "
    "{noun2} en gemeenten het samen oppakken.",
    "Wij werken in {place} aan {topic} en lopen tegen dezelfde vragen aan als veel andere "
    "{noun}. Hoe {verb} we dit zonder grote investering?",
    "Een korte update over {topic}: na {n} weken proberen blijkt dat een **{adj} aanpak** "
    "beter werkt dan we dachten.",
    "Sinds de Masterclass denk ik na over {topic}. Zie ook "
    "[dit overzicht](https://example.org/{slug}) met eerdere ervaringen uit de regio.",
    "In our team we looked at {topic_en} in {place}. The main lesson: start small and "
    "involve {noun} from day one.",
    "De vraag van vandaag: hoe {verb} we {topic} in {place}? Er zijn al {n} initiatieven, "
    "maar ze weten elkaar nog niet te vinden.",
    "Goed om te lezen dat meer {noun} bezig zijn met {topic}. Bij ons in {place} speelt "
    "hetzelfde rond {topic2}.",
]
MIDDLE_PARAGRAPHS = [
    "Wat ons betreft zijn er drie voorwaarden: **tijd**, een vaste contactpersoon en ruimte "
    "om fouten te maken.",
    "Het belangrijkste is dat {noun} en {noun2} elkaar leren kennen. Daarvoor is een "
    "[bijeenkomst in {place}](https://example.org/agenda/{slug}) een mooi begin.",
    "Volgens ons kun je {topic} pas **{verb}** als de gemeente meedoet.",
    "Students could help here: a project of {n} weeks is often enough to test the idea.",
]
LIST_ITEMS = [
    "een **pilot** van {n} weken", "afspraken met {noun}", "een vaste plek in {place}",
    "subsidie voor {topic}", "een studententeam", "meten wat het oplevert",
    "[de handreiking](https://example.org/{slug})", "a clear owner for {topic_en}",
    "contact met de gemeente", "een {adj} planning",
]  # fmt: skip
QUOTES = [
    "> Begin klein, leer snel en deel wat werkt.",
    "> Zonder {noun} geen {topic}.",
    "> The best ideas come from mixing {noun} with {noun2}.",
]
CLOSINGS = [
    "Wie denkt er mee?", "Reacties zijn welkom, ook van {noun}.",
    "Meer weten? Stuur een bericht of kom langs in {place}.", "Thanks for reading!",
    "Ik hoor graag jullie ervaringen.", "Volgende keer meer over {topic2}.",
    "Any thoughts from the {noun} here?", "Dank aan iedereen die al reageerde.",
]  # fmt: skip
# "{{word}}" survives _fill as "{word}"; the marker word is put in after that.
MARKER_SENTENCES = [
    "Zie ook de {{word}} in {place}: die loopt nu {n} weken.",
    "Wie doet mee aan de {{word}}?",
    "De {{word}} van {product} zoekt nog {noun}.",
    "Our {{word}} started with {n} partners.",
]


def _middle_block(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        marker = "-" if rng.random() < 0.6 else "1."
        items = rng.sample(LIST_ITEMS, rng.randint(2, 4))
        intro = _fill(rng, "Wat we nodig hebben voor {topic}:")
        return intro + "\n\n" + "\n".join(f"{marker} {_fill(rng, item)}" for item in items)
    if roll < 0.5:
        return _fill(rng, rng.choice(QUOTES))
    return _fill(rng, rng.choice(MIDDLE_PARAGRAPHS))


@dataclass
class BodyPool:
    """Pre-rendered Markdown fragments; a body is one opening, one middle and one closing."""

    openings: list[tuple[str, str]]
    middles: list[tuple[str, str]]
    closings: list[tuple[str, str]]
    markers: dict[str, list[tuple[str, str]]]

    def body(
        self, a: int, b: int, c: int, markers: Iterable[tuple[str, int]] = ()
    ) -> tuple[str, str]:
        """The Markdown and HTML of body (a, b, c) with the marker sentences (word, variant)."""
        parts = [self.openings[a], self.middles[b]]
        parts.extend(self.markers[word][variant] for word, variant in markers)
        parts.append(self.closings[c])
        return "\n\n".join(p[0] for p in parts), "".join(p[1] for p in parts)


def build_body_pool(rng: random.Random, size: int) -> BodyPool:
    """Render ``size`` openings and middles (and fewer closings, marker sentences) once."""
    from .rendering import render_markdown

    def rendered(source: str) -> tuple[str, str]:
        return source, str(render_markdown(source))

    def openings() -> str:
        text = _fill(rng, rng.choice(OPENINGS))
        if rng.random() < 0.5:
            text += " " + _fill(rng, rng.choice(OPENINGS))
        return text

    closing_count = max(10, size // 3)
    return BodyPool(
        openings=[rendered(openings()) for _ in range(size)],
        middles=[rendered(_middle_block(rng)) for _ in range(size)],
        closings=[rendered(_fill(rng, rng.choice(CLOSINGS))) for _ in range(closing_count)],
        markers={
            word: [
                rendered(_fill(rng, sentence).replace("{word}", word))
                for sentence in MARKER_SENTENCES
                for _ in range(3)
            ]
            for word in MARKER_WORDS
        },
    )


# ----------------------------------------------------------------------------------------
# The plan: everything decided up front, posts kept as compact arrays.
# ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerateSpec:
    users: int
    threads: int
    posts: int
    seed: int = 71
    now: datetime = DEFAULT_NOW
    span_days: int = SPAN_DAYS


@dataclass(frozen=True)
class Context:
    """What the database holds already: seeded themes and projects, where new ids start."""

    theme_ids: list[int]
    project_ids: list[int]
    projects_of_theme: dict[int, list[int]]
    first_user_id: int = 1
    first_thread_id: int = 1
    first_post_id: int = 1
    first_update_id: int = 1


@dataclass
class Plan:
    spec: GenerateSpec
    context: Context
    pool: BodyPool
    users: list[dict[str, Any]]
    user_roles: list[str]  # by user index
    threads: list[dict[str, Any]]
    thread_projects: list[dict[str, int]]
    # Per post, in insert order (thread by thread, number 1..n): thread index, author index,
    # created_at as epoch seconds, support count.
    post_thread: array
    post_author: array
    post_time: array
    post_supports: array
    thread_first_post: array  # index of each thread's opening post in the arrays above
    accepted: dict[int, int]  # thread index -> post index of its accepted answer
    markers: dict[int, list[tuple[str, int]]]  # post index -> planted (word, variant)
    marker_counts: dict[str, int]
    pitch_updates: list[dict[str, Any]]
    theme_follows: list[dict[str, Any]]
    project_follows: list[dict[str, Any]]

    def user_id(self, index: int) -> int:
        return self.context.first_user_id + index

    def thread_id(self, index: int) -> int:
        return self.context.first_thread_id + index

    def post_id(self, index: int) -> int:
        return self.context.first_post_id + index


def _when(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _zipf_cum_weights(count: int, exponent: float, offset: float = 1.0) -> list[float]:
    return list(accumulate(1.0 / (rank + offset) ** exponent for rank in range(count)))


def marker_count(word: str, posts: int) -> int:
    """How many posts get the marker word: its share of ``posts``, at least one."""
    return max(1, round(posts * MARKER_WORDS[word]))


def theme_shares(count: int) -> list[float]:
    """Share of threads per theme rank: the busiest about half, the rest Zipf-like."""
    if count == 1:
        return [1.0]
    rest = [1.0 / (rank + 1) ** 1.1 for rank in range(count - 1)]
    total = sum(rest)
    return [BUSIEST_THEME_SHARE] + [(1 - BUSIEST_THEME_SHARE) * w / total for w in rest]


def _quota(total: int, shares: list[float]) -> list[int]:
    """Split ``total`` into whole counts by ``shares`` (largest remainders get the rest)."""
    exact = [total * share for share in shares]
    counts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def build_plan(spec: GenerateSpec, context: Context, pool_size: int | None = None) -> Plan:
    """Decide every row (but the posts' texts, drawn lazily from the plan) from the seed."""
    if spec.posts < spec.threads:
        raise ValueError("every thread has an opening post: --posts must be >= --threads")
    if not context.theme_ids:
        raise ValueError("no themes: run `flask seed` first")
    rng = random.Random(spec.seed)
    now = int(spec.now.timestamp())
    start = now - spec.span_days * 86400
    pool = build_body_pool(
        random.Random(rng.getrandbits(64)),
        pool_size or min(1500, max(30, spec.posts // 25)),
    )

    # Users: roles, organisations, Zipf-like activity over a shuffled order.
    width = max(4, len(str(spec.users)))
    roles = rng.choices(list(ROLE_WEIGHTS), weights=list(ROLE_WEIGHTS.values()), k=spec.users)
    password_hash = _password_hash(rng)
    users: list[dict[str, Any]] = []
    for index in range(spec.users):
        name = f"{USERNAME_PREFIX}{index + 1:0{width}d}"
        role = roles[index]
        users.append(
            {
                "id": context.first_user_id + index,
                "username": name,
                "email": f"{name}@example.org",
                "password_hash": password_hash,
                "role": role.value,
                "organisation": rng.choice(ORGANISATIONS[role]),
                "bio": "",
                "official_verified": role == Role.OFFICIAL and rng.random() < 0.8,
                "session_token": f"gen{spec.seed}-{index}-{rng.getrandbits(96):024x}",
                "created_at": _when(start - rng.randrange(0, 90 * 86400)),
                "published_post_count": 0,
                "suspended_at": None,
                "suspended_until": None,
                "suspension_reason": "",
            }
        )
    activity = list(range(spec.users))
    rng.shuffle(activity)
    user_cum = _zipf_cum_weights(spec.users, 1.0, offset=2.0)

    def pick_users(k: int) -> list[int]:
        return [activity[i] for i in rng.choices(range(spec.users), cum_weights=user_cum, k=k)]

    # Threads: theme by quota (the busiest theme drawn from the seed), kind, projects, author.
    theme_order = list(context.theme_ids)
    rng.shuffle(theme_order)
    theme_of_thread = [
        theme_id
        for theme_id, count in zip(
            theme_order, _quota(spec.threads, theme_shares(len(theme_order))), strict=True
        )
        for _ in range(count)
    ]
    rng.shuffle(theme_of_thread)
    kinds = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()), k=spec.threads)
    thread_authors = pick_users(spec.threads)
    # Threads start over the span, more of them recently (the forum grows).
    starts = sorted(start + int((now - start - 3600) * rng.random() ** 0.8)
                    for _ in range(spec.threads))  # fmt: skip

    # Replies: a few threads get most of them.
    replies = spec.posts - spec.threads
    popularity = list(range(spec.threads))
    rng.shuffle(popularity)
    thread_cum = _zipf_cum_weights(spec.threads, 0.9, offset=4.0)
    reply_counts = [0] * spec.threads
    for rank in rng.choices(range(spec.threads), cum_weights=thread_cum, k=replies):
        reply_counts[popularity[rank]] += 1
    reply_authors = iter(pick_users(replies))

    post_thread = array("i")
    post_author = array("i")
    post_time = array("q")
    thread_first_post = array("q")
    threads: list[dict[str, Any]] = []
    links: list[dict[str, int]] = []
    accepted: dict[int, int] = {}
    updates: list[dict[str, Any]] = []
    published = [0] * spec.users
    sector_column = {
        Sector.ENTREPRENEURS: "has_entrepreneurs",
        Sector.EDUCATION: "has_education",
        Sector.GOVERNMENT: "has_government",
    }
    for index in range(spec.threads):
        kind = kinds[index]
        author = thread_authors[index]
        created = starts[index]
        count = 1 + reply_counts[index]
        window = min(now - created, int(rng.expovariate(1 / 20) * 86400) + 3600 * count)
        times = [created, *sorted(created + rng.randrange(0, max(window, 1))
                                  for _ in range(count - 1))]  # fmt: skip
        authors = [author, *islice(reply_authors, count - 1)]
        first = len(post_thread)
        thread_first_post.append(first)
        post_thread.extend([index] * count)
        post_author.extend(authors)
        post_time.extend(times)
        flags = {"has_entrepreneurs": False, "has_education": False, "has_government": False}
        for poster in authors:
            published[poster] += 1
        for role in {roles[poster] for poster in authors}:
            flags[sector_column[SECTOR_OF_ROLE[role.value]]] = True
        theme_id = theme_of_thread[index]
        title = _fill(rng, rng.choice(TITLES[kind]))
        row: dict[str, Any] = {
            "id": context.first_thread_id + index,
            "kind": kind.value,
            "title": title,
            "slug": slugify(title),
            "theme_id": theme_id,
            "author_id": context.first_user_id + author,
            "created_at": _when(created),
            "last_post_at": _when(times[-1]),
            "last_poster_id": context.first_user_id + authors[-1],
            "post_count": count,
            "accepted_post_id": None,
            "stage": None,
            "ask": "",
            "ask_categories": [],
            "closed_at": None,
            "closed_by_id": None,
            "outcome": None,
            "summary": "",
            "duplicate_of_id": None,
            **flags,
            "state": ContentState.PUBLISHED.value,
            "locked": False,
            "pinned": False,
            "pinned_globally": False,
        }
        if kind == ThreadKind.QUESTION and count > 1 and rng.random() < 0.55:
            # The accepted answer: a reply, more often an early one.
            number = 2 + int((count - 1) * rng.random() ** 2)
            accepted[index] = first + number - 1
            if rng.random() < 0.3:
                row.update(closed_at=_when(times[-1]), closed_by_id=row["author_id"],
                           outcome="answered")  # fmt: skip
        if kind == ThreadKind.PITCH:
            stage = rng.choices(list(STAGE_WEIGHTS), weights=list(STAGE_WEIGHTS.values()))[0]
            row["stage"] = stage.value
            row["ask"] = rng.choice(ASKS)
            row["ask_categories"] = sorted(
                rng.sample([c.value for c in AskCategory], rng.randint(0, 3))
            )
            # One progress update per step past "idea", dated within the thread's life.
            steps = (
                STAGE_ORDER[1 : STAGE_ORDER.index(stage) + 1]
                if stage in STAGE_ORDER
                else [*STAGE_ORDER[1 : rng.randint(1, 3)], PitchStage.STOPPED]
            )
            when = sorted(rng.randint(created, max(created, times[-1])) for _ in steps)
            for step, moment in zip(steps, when, strict=True):
                body, html = pool.body(
                    rng.randrange(len(pool.openings)),
                    rng.randrange(len(pool.middles)),
                    rng.randrange(len(pool.closings)),
                )
                updates.append(
                    {
                        "id": context.first_update_id + len(updates),
                        "thread_id": row["id"],
                        "author_id": row["author_id"],
                        "body": body,
                        "body_html": html,
                        "stage": step.value,
                        "ask": row["ask"],
                        "ask_categories": row["ask_categories"],
                        "created_at": _when(moment),
                        "client_token": None,
                    }
                )
        threads.append(row)
        # 0-2 projects, preferably of the thread's theme.
        candidates = context.projects_of_theme.get(theme_id) or context.project_ids
        wanted = rng.choices((0, 1, 2), weights=(0.4, 0.4, 0.2))[0]
        for project_id in sorted(rng.sample(candidates, min(wanted, len(candidates)))):
            links.append({"thread_id": row["id"], "project_id": project_id})

    for index, count in enumerate(published):
        users[index]["published_post_count"] = count

    # Supports: most posts none, some a few, capped by the members who could give them.
    cap = max(0, min(25, spec.users - 1))
    post_supports = array(
        "H",
        (
            0 if rng.random() < 0.72 or cap == 0 else min(cap, 1 + int(rng.expovariate(0.6)))
            for _ in range(spec.posts)
        ),
    )

    markers, marker_counts = _plant_markers(rng, spec, post_thread, kinds)

    theme_cum = list(accumulate(theme_shares(len(theme_order))))
    theme_follows: list[dict[str, Any]] = []
    project_follows: list[dict[str, Any]] = []
    for index in range(spec.users):
        user_id = context.first_user_id + index
        joined = int(users[index]["created_at"].timestamp())
        chosen = {theme_order[i] for i in rng.choices(range(len(theme_order)),
                                                         cum_weights=theme_cum,
                                                         k=rng.randint(0, 3))}  # fmt: skip
        for theme_id in sorted(chosen):
            moment = _when(joined + rng.randrange(0, now - joined))
            theme_follows.append({"user_id": user_id, "theme_id": theme_id, "created_at": moment})
        if context.project_ids and rng.random() < 0.3:
            for project_id in sorted(rng.sample(context.project_ids,
                                                min(2, len(context.project_ids)))):  # fmt: skip
                moment = _when(joined + rng.randrange(0, now - joined))
                project_follows.append(
                    {"user_id": user_id, "project_id": project_id, "created_at": moment}
                )

    return Plan(
        spec=spec,
        context=context,
        pool=pool,
        users=users,
        user_roles=[role.value for role in roles],
        threads=threads,
        thread_projects=links,
        post_thread=post_thread,
        post_author=post_author,
        post_time=post_time,
        post_supports=post_supports,
        thread_first_post=thread_first_post,
        accepted=accepted,
        markers=markers,
        marker_counts=marker_counts,
        pitch_updates=updates,
        theme_follows=theme_follows,
        project_follows=project_follows,
    )


def _password_hash(rng: random.Random) -> str:
    """One Argon2id hash of the demo password with a salt from the seed (deterministic)."""
    from argon2 import PasswordHasher
    from argon2.low_level import Type, hash_secret

    defaults = PasswordHasher()
    return hash_secret(
        GENERATED_PASSWORD.encode(),
        rng.getrandbits(128).to_bytes(16, "big"),
        time_cost=defaults.time_cost,
        memory_cost=defaults.memory_cost,
        parallelism=defaults.parallelism,
        hash_len=defaults.hash_len,
        type=Type.ID,
    ).decode()


def _plant_markers(
    rng: random.Random, spec: GenerateSpec, post_thread: array, kinds: list[ThreadKind]
) -> tuple[dict[int, list[tuple[str, int]]], dict[str, int]]:
    """Choose the posts that get each marker word, spread over the kinds of thread (every
    kind that exists gets its share, questions first), one variant sentence each."""
    markers: dict[int, list[tuple[str, int]]] = {}
    counts: dict[str, int] = {}
    present = [kind for kind in (ThreadKind.QUESTION, ThreadKind.DISCUSSION, ThreadKind.PITCH)
               if kind in kinds]  # fmt: skip
    variants = len(MARKER_SENTENCES) * 3
    for word in MARKER_WORDS:
        wanted = min(marker_count(word, spec.posts), spec.posts)
        per_kind = _quota(wanted, [1 / len(present)] * len(present))
        chosen: set[int] = set()
        for kind, quota in zip(present, per_kind, strict=True):
            taken = 0
            attempts = 0
            while taken < quota and attempts < 200 * quota + 1000:
                attempts += 1
                post = rng.randrange(spec.posts)
                if kinds[post_thread[post]] == kind and post not in chosen:
                    chosen.add(post)
                    taken += 1
        while len(chosen) < wanted:  # a kind too rare to fill its share: any post will do
            chosen.add(rng.randrange(spec.posts))
        for post in sorted(chosen):
            markers.setdefault(post, []).append((word, rng.randrange(variants)))
        counts[word] = len(chosen)
    return markers, counts


# ----------------------------------------------------------------------------------------
# Row generators: posts and their dependants, built lazily from the plan.
# ----------------------------------------------------------------------------------------


def iter_posts(plan: Plan) -> Iterator[dict[str, Any]]:
    rng = random.Random(plan.spec.seed * 1_000_003 + 1)
    pool = plan.pool
    openings, middles, closings = len(pool.openings), len(pool.middles), len(pool.closings)
    thread_first = plan.thread_first_post
    first_thread_id = plan.context.first_thread_id
    first_user_id = plan.context.first_user_id
    first_post_id = plan.context.first_post_id
    for index in range(len(plan.post_thread)):
        thread = plan.post_thread[index]
        body, html = pool.body(
            rng.randrange(openings),
            rng.randrange(middles),
            rng.randrange(closings),
            plan.markers.get(index, ()),
        )
        yield {
            "id": first_post_id + index,
            "thread_id": first_thread_id + thread,
            "number": index - thread_first[thread] + 1,
            "author_id": first_user_id + plan.post_author[index],
            "body": body,
            "body_html": html,
            "created_at": _when(plan.post_time[index]),
            "edited_at": None,
            "version": 1,
            "client_token": None,
            "support_count": plan.post_supports[index],
            "edit_count": 0,
            "state": ContentState.PUBLISHED.value,
            "flag_count": 0,
            "moderation_reason": "",
            "moderated_by_id": None,
            "moderated_at": None,
        }


def iter_supports(plan: Plan) -> Iterator[dict[str, Any]]:
    """Exactly ``post_supports[i]`` different members (never the author) per post."""
    rng = random.Random(plan.spec.seed * 1_000_003 + 2)
    users = len(plan.users)
    now = int(plan.spec.now.timestamp())
    for index, count in enumerate(plan.post_supports):
        if not count:
            continue
        author = plan.post_author[index]
        supporters = [u for u in rng.sample(range(users), count + 1) if u != author][:count]
        posted = plan.post_time[index]
        for user in sorted(supporters):
            yield {
                "user_id": plan.context.first_user_id + user,
                "post_id": plan.context.first_post_id + index,
                "created_at": _when(min(now, posted + rng.randrange(60, 3 * 86400))),
            }


def iter_thread_follows(plan: Plan) -> Iterator[dict[str, Any]]:
    """Posting follows a thread (as in the app): one row per member who posted in it."""
    ends = [*plan.thread_first_post[1:], len(plan.post_thread)]
    for thread, first in enumerate(plan.thread_first_post):
        seen: dict[int, int] = {}
        for index in range(first, ends[thread]):
            seen.setdefault(plan.post_author[index], plan.post_time[index])
        for user, moment in seen.items():
            yield {
                "user_id": plan.context.first_user_id + user,
                "thread_id": plan.context.first_thread_id + thread,
                "active": True,
                "created_at": _when(moment),
            }


def content_digest(titles: Iterable[str], bodies: Iterable[str]) -> str:
    """A hash over titles and bodies in order: equal for equal data."""
    digest = hashlib.sha256()
    for value in (*titles, "\0", *bodies):
        digest.update(value.encode())
        digest.update(b"\0")
    return digest.hexdigest()


# ----------------------------------------------------------------------------------------
# Inserting.
# ----------------------------------------------------------------------------------------

Progress = Callable[[str], None]


@dataclass
class Result:
    rows: dict[str, int]
    seconds: float
    marker_counts: dict[str, int]
    busiest_theme_id: int
    busiest_thread_id: int


def read_context(connection: Connection) -> Context:
    """The seeded themes and projects, and the next free id of each table we fill."""
    theme_ids = list(connection.scalars(select(Theme.id).order_by(Theme.position, Theme.id)))
    project_ids = list(
        connection.scalars(select(Project.id).order_by(Project.position, Project.id))
    )
    projects_of_theme: dict[int, list[int]] = {}
    for project_id, theme_id in connection.execute(
        select(project_themes.c.project_id, project_themes.c.theme_id).order_by(
            project_themes.c.project_id, project_themes.c.theme_id
        )
    ):
        projects_of_theme.setdefault(theme_id, []).append(project_id)

    def next_id(model: Any) -> int:
        return (connection.scalar(select(func.max(model.id))) or 0) + 1

    return Context(
        theme_ids=theme_ids,
        project_ids=project_ids,
        projects_of_theme=projects_of_theme,
        first_user_id=next_id(User),
        first_thread_id=next_id(Thread),
        first_post_id=next_id(Post),
        first_update_id=next_id(PitchUpdate),
    )


def existing_users(connection: Connection, allowed: Iterable[str]) -> int:
    """How many accounts exist besides the ``allowed`` usernames (the demo users)."""
    return (
        connection.scalar(
            select(func.count()).select_from(User).where(User.username.not_in(list(allowed)))
        )
        or 0
    )


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_rows(
    connection: Connection,
    table: Table,
    rows: Iterable[dict[str, Any]],
    *,
    batch_size: int,
    progress: Progress,
    total: int | None = None,
) -> int:
    """Insert ``rows`` with executemany, one transaction per batch; return how many."""
    done = 0
    started = time.perf_counter()
    last_report = started
    for batch in _batches(rows, batch_size):
        with connection.begin():
            connection.execute(table.insert(), batch)
        done += len(batch)
        now = time.perf_counter()
        if now - last_report >= 5:
            last_report = now
            of = f"/{total:,}" if total else ""
            progress(f"  {table.name}: {done:,}{of} rows ({now - started:.0f} s)")
    return done


def insert_plan(
    connection: Connection, plan: Plan, *, batch_size: int = 5000, progress: Progress = print
) -> dict[str, int]:
    """Write the plan's rows, then the counters that need them; return rows per table."""
    rows: dict[str, int] = {}

    def fill(table: Table, source: Iterable[dict[str, Any]], total: int | None = None) -> None:
        progress(f"{table.name} …")
        rows[table.name] = insert_rows(
            connection, table, source, batch_size=batch_size, progress=progress, total=total
        )

    fill(User.__table__, plan.users)
    # Accepted answers point at posts that do not exist yet: set after the posts.
    fill(Thread.__table__, plan.threads)
    fill(thread_projects, plan.thread_projects)
    fill(Post.__table__, iter_posts(plan), total=plan.spec.posts)
    with connection.begin():
        if plan.accepted:
            connection.execute(
                update(Thread.__table__)
                .where(Thread.__table__.c.id == bindparam("thread"))
                .values(accepted_post_id=bindparam("post")),
                [
                    {"thread": plan.thread_id(thread), "post": plan.post_id(post)}
                    for thread, post in sorted(plan.accepted.items())
                ],
            )
    fill(Support.__table__, iter_supports(plan))
    fill(ThreadFollow.__table__, iter_thread_follows(plan))
    fill(ThemeFollow.__table__, plan.theme_follows)
    fill(ProjectFollow.__table__, plan.project_follows)
    fill(PitchUpdate.__table__, plan.pitch_updates)

    with connection.begin():
        per_theme: dict[int, int] = {}
        for row in plan.threads:
            per_theme[row["theme_id"]] = per_theme.get(row["theme_id"], 0) + 1
        per_project: dict[int, int] = {}
        for link in plan.thread_projects:
            per_project[link["project_id"]] = per_project.get(link["project_id"], 0) + 1
        for model, counts in ((Theme, per_theme), (Project, per_project)):
            table = model.__table__
            if counts:
                connection.execute(
                    update(table)
                    .where(table.c.id == bindparam("key"))
                    .values(thread_count=table.c.thread_count + bindparam("added")),
                    [{"key": key, "added": added} for key, added in sorted(counts.items())],
                )
        if connection.dialect.name == "postgresql":
            # Explicit ids leave the SERIAL sequences behind: move them past the new rows.
            for name in ("users", "threads", "posts", "pitch_updates"):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
                    )
                )
    return rows


def busiest(plan: Plan) -> tuple[int, int]:
    """The id of the theme with the most threads and of the thread with the most posts."""
    per_theme: dict[int, int] = {}
    for row in plan.threads:
        per_theme[row["theme_id"]] = per_theme.get(row["theme_id"], 0) + 1
    theme_id = max(sorted(per_theme), key=lambda key: per_theme[key])
    thread = max(plan.threads, key=lambda row: (row["post_count"], -row["id"]))
    return theme_id, thread["id"]


def generate(
    connection: Connection,
    spec: GenerateSpec,
    *,
    batch_size: int = 5000,
    progress: Progress = print,
) -> Result:
    """Plan and insert the whole data set on ``connection`` (outside a transaction)."""
    started = time.perf_counter()
    context = read_context(connection)
    if connection.in_transaction():
        connection.commit()
    plan = build_plan(spec, context)
    progress(f"Planned {spec.posts:,} posts in {time.perf_counter() - started:.1f} s")
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Only for this connection and this run: no fsync, a bigger page cache.
        connection.exec_driver_sql("PRAGMA synchronous=OFF")
        connection.exec_driver_sql("PRAGMA cache_size=-262144")
        connection.exec_driver_sql("PRAGMA temp_store=MEMORY")
        if connection.in_transaction():
            connection.commit()
    try:
        rows = insert_plan(connection, plan, batch_size=batch_size, progress=progress)
    finally:
        if sqlite:
            if connection.in_transaction():
                connection.rollback()
            connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
            connection.exec_driver_sql("PRAGMA cache_size=-2000")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            if connection.in_transaction():
                connection.commit()
    if connection.dialect.name == "postgresql":
        # What autovacuum would do soon anyway: planner statistics for the new rows.
        if connection.in_transaction():
            connection.commit()
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        autocommit.exec_driver_sql("ANALYZE")
    theme_id, thread_id = busiest(plan)
    return Result(
        rows=rows,
        seconds=time.perf_counter() - started,
        marker_counts=plan.marker_counts,
        busiest_theme_id=theme_id,
        busiest_thread_id=thread_id,
    )


def parse_now(value: str | None) -> datetime:
    """``--now`` as an aware UTC datetime: YYYY-MM-DD or an ISO time (UTC if no offset)."""
    if not value:
        return DEFAULT_NOW
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


__all__ = [
    "DEFAULT_NOW",
    "MARKER_WORDS",
    "RARE_WORD",
    "Context",
    "GenerateSpec",
    "Plan",
    "Result",
    "build_plan",
    "content_digest",
    "generate",
    "insert_plan",
    "iter_posts",
    "iter_supports",
    "iter_thread_follows",
    "marker_count",
    "parse_now",
]
