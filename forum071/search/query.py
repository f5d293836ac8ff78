"""What someone typed in the search box, read into words, phrases, exclusions and filters.

Pure Python (no database), so every odd input can be unit-tested. Nothing the user typed ever
reaches a full-text engine as syntax: terms keep only letters and digits, and the services
build the engine's query from these terms alone (FTS5: double-quoted strings; PostgreSQL:
phraseto_tsquery with bound parameters).

The language: ``fiets deelauto`` (all words), ``"circulaire economie"`` (a phrase), ``-plastic``
or ``-"te koop"`` (leave out), ``fiets OR auto`` (either), and the filters ``theme:<slug>
project:<slug> kind:question is:answered is:unanswered stage:pilot author:<name>
from:2026-01-31 to:2026-12-31``. An unknown ``key:value`` is searched as words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from werkzeug.datastructures import MultiDict

from ..i18n import lazy_gettext as _l
from ..models import PitchStage, ThreadKind
from ..names import normalise_username

MAX_QUERY_LENGTH = 500
MAX_TERMS = 20
MAX_WORDS_PER_PHRASE = 10
MAX_TERM_LENGTH = 100

KINDS = tuple(kind.value for kind in ThreadKind)
STAGES = tuple(stage.value for stage in PitchStage)
# Dutch names people will type for the kinds.
KIND_ALIASES = {"discussie": "discussion", "vraag": "question", "vragen": "question"}
ANSWERED_VALUES = {"answered": True, "beantwoord": True, "unanswered": False,
                   "onbeantwoord": False}  # fmt: skip
SORTS = ("relevance", "date")
# The filters of the query language; "is" is answered/unanswered, the others are arguments too.
FILTER_KEYS = ("theme", "project", "kind", "is", "stage", "author", "from", "to")
ARGUMENT_OF_KEY = {"is": "answered"}

# A phrase (its closing quote may be missing) or a bare token without quotes.
_TOKEN = re.compile(r'(-?)"([^"]*)"?|([^\s"]+)')
# Everything but letters and digits separates words (also "_" and private-use characters).
_NOT_A_WORD = re.compile(r"[\W_]+")

TOO_LONG_NOTICE = _l("Your search was long, so only its first %(num)d characters were used.")
TOO_MANY_TERMS_NOTICE = _l("Only the first %(num)d words and phrases were used.")
KIND_ERROR = _l("Kind must be one of: discussion, pitch, question.")
ANSWERED_ERROR = _l("is: must be answered or unanswered.")
ANSWERED_ARG_ERROR = _l("answered must be true or false.")
STAGE_ERROR = _l("Stage must be one of: %(stages)s.")
DATE_ERROR = _l("A date must look like 2026-01-31.")
DATE_ORDER_ERROR = _l("The start date must not be after the end date.")
SORT_ERROR = _l("Sort must be relevance or date.")


def normalise_term(text: str) -> str:
    """Lower-case words of letters and digits separated by single spaces ('' if none)."""
    words = _NOT_A_WORD.sub(" ", text[:MAX_TERM_LENGTH]).lower().split()
    return " ".join(words[:MAX_WORDS_PER_PHRASE])


@dataclass(frozen=True)
class ParsedQuery:
    """The text query: ``clauses`` must all match, each by one of its alternatives (a word, or
    a phrase of words separated by spaces); ``excluded`` must not match."""

    clauses: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[str, ...] = ()
    # Filters written in the query, by argument name (answered is "true"/"false").
    filters: dict[str, str] = field(default_factory=dict)
    notices: tuple[str, ...] = ()
    # (filter argument or None, the token as typed): to write the query without a filter.
    tokens: tuple[tuple[str | None, str], ...] = ()

    @property
    def has_terms(self) -> bool:
        return bool(self.clauses)

    def text_without(self, argument: str) -> str:
        """The query as typed, minus the filter tokens for ``argument``."""
        return " ".join(token for key, token in self.tokens if key != argument)


def parse_query(raw: str) -> ParsedQuery:
    """Read a search query; never raises, whatever the input."""
    notices: list[str] = []
    if len(raw) > MAX_QUERY_LENGTH:
        raw = raw[:MAX_QUERY_LENGTH]
        notices.append(str(TOO_LONG_NOTICE % {"num": MAX_QUERY_LENGTH}))
    clauses: list[list[str]] = []
    excluded: list[str] = []
    filters: dict[str, str] = {}
    tokens: list[tuple[str | None, str]] = []
    join_next = False  # the previous token was OR
    exclude_next = False  # the previous token was NOT
    dropped = False
    matches = list(_TOKEN.finditer(raw))
    index = 0
    while index < len(matches):
        match = matches[index]
        index += 1
        minus, phrase, bare = match.group(1), match.group(2), match.group(3)
        typed = match.group(0)
        if bare is not None:
            if bare == "OR":
                join_next = bool(clauses)
                tokens.append((None, typed))
                continue
            if bare == "AND":
                tokens.append((None, typed))
                continue
            if bare == "NOT":
                exclude_next = True
                tokens.append((None, typed))
                continue
            key, colon, value = bare.partition(":")
            key = key.lower()
            if colon and key in FILTER_KEYS:
                # key:"a value" arrives as two tokens.
                if not value and index < len(matches) and matches[index].group(2) is not None \
                        and matches[index].start() == match.end():
                    value = matches[index].group(2)
                    typed += matches[index].group(0)
                    index += 1
                argument = ARGUMENT_OF_KEY.get(key, key)
                if key == "is":
                    answered = ANSWERED_VALUES.get(value.lower())
                    filters[argument] = (
                        "invalid" if answered is None else ("true" if answered else "false")
                    )
                else:
                    filters[argument] = value.strip()
                tokens.append((argument, typed))
                continue
            minus = "-" if bare.startswith("-") else ""
            phrase = bare.lstrip("-")
        tokens.append((None, typed))
        term = normalise_term(phrase or "")
        if not term:
            join_next = exclude_next = False
            continue
        if len(clauses) + len(excluded) >= MAX_TERMS:
            dropped = True
            continue
        if minus or exclude_next:
            excluded.append(term)
        elif join_next and clauses:
            clauses[-1].append(term)
        else:
            clauses.append([term])
        join_next = exclude_next = False
    if dropped:
        notices.append(str(TOO_MANY_TERMS_NOTICE % {"num": MAX_TERMS}))
    return ParsedQuery(
        clauses=tuple(tuple(dict.fromkeys(clause)) for clause in clauses),
        excluded=tuple(dict.fromkeys(excluded)),
        filters=filters,
        notices=tuple(notices),
        tokens=tuple(tokens),
    )


@dataclass(frozen=True)
class SearchRequest:
    """A whole search: the parsed text plus the filters, from the query and the arguments
    (an argument wins over the same filter in the query). ``errors`` names what made no sense,
    by argument; the filter is then left out."""

    text: str = ""
    query: ParsedQuery = field(default_factory=ParsedQuery)
    theme: str | None = None
    project: str | None = None
    kind: str | None = None
    answered: bool | None = None
    stage: str | None = None
    author: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def has_filters(self) -> bool:
        return any(
            value is not None
            for value in (self.theme, self.project, self.kind, self.answered, self.stage,
                          self.author, self.date_from, self.date_to)
        )  # fmt: skip

    @property
    def is_empty(self) -> bool:
        """Nothing to search for: neither words nor filters."""
        return not self.query.has_terms and not self.query.excluded and not self.has_filters

    @property
    def needs_a_word(self) -> bool:
        """Only exclusions: there is nothing to leave them out of."""
        return not self.query.has_terms and bool(self.query.excluded) and not self.has_filters

    def with_error(self, argument: str, message: str) -> SearchRequest:
        return replace(self, errors={**self.errors, argument: message})

    def active_filters(self) -> list[tuple[str, str]]:
        """(argument, value as shown) of each filter in use."""
        shown = {
            "theme": self.theme,
            "project": self.project,
            "kind": self.kind,
            "answered": None if self.answered is None else ("true" if self.answered else "false"),
            "stage": self.stage,
            "author": self.author,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }
        return [(argument, value) for argument, value in shown.items() if value is not None]


def _date(raw: str) -> date | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise ValueError(raw)
    return date.fromisoformat(raw)


def read_request(args: MultiDict[str, str]) -> SearchRequest:
    """Read ?q= and the filter arguments of a search page or API call; never raises."""
    text = args.get("q", "")
    query = parse_query(text)
    values = dict(query.filters)
    for argument in ("theme", "project", "kind", "answered", "stage", "author", "from", "to"):
        if args.get(argument):
            values[argument] = args[argument].strip()
    errors: dict[str, str] = {}

    kind = (values.get("kind") or "").lower() or None
    kind = KIND_ALIASES.get(kind, kind) if kind else None
    if kind is not None and kind not in KINDS:
        errors["kind"], kind = str(KIND_ERROR), None

    answered: bool | None = None
    raw_answered = values.get("answered")
    if raw_answered in ("true", "false"):
        answered = raw_answered == "true"
    elif raw_answered:
        from_query = "answered" in query.filters and not args.get("answered")
        errors["answered"] = str(ANSWERED_ERROR if from_query else ANSWERED_ARG_ERROR)

    stage = (values.get("stage") or "").lower() or None
    if stage is not None and stage not in STAGES:
        errors["stage"] = str(STAGE_ERROR % {"stages": ", ".join(STAGES)})
        stage = None

    dates: dict[str, date | None] = {}
    for argument in ("from", "to"):
        raw = values.get(argument)
        try:
            dates[argument] = _date(raw) if raw else None
        except ValueError:
            errors[argument], dates[argument] = str(DATE_ERROR), None
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        errors["to"], dates["to"] = str(DATE_ORDER_ERROR), None

    sort = args.get("sort") or "relevance"
    if sort not in SORTS:
        errors["sort"], sort = str(SORT_ERROR), "relevance"

    author = normalise_username((values.get("author") or "").lstrip("@"))[:30] or None
    return SearchRequest(
        text=text[:MAX_QUERY_LENGTH],
        query=query,
        theme=(values.get("theme") or "").lower()[:60] or None,
        project=(values.get("project") or "").lower()[:80] or None,
        kind=kind,
        answered=answered,
        stage=stage,
        author=author,
        date_from=dates["from"],
        date_to=dates["to"],
        sort=sort,
        errors=errors,
    )


def _quoted(term: str) -> str:
    # Terms hold only letters, digits and spaces; doubling quotes is FTS5's escape anyway.
    return '"' + term.replace('"', '""') + '"'


def fts5_match(query: ParsedQuery) -> str | None:
    """The FTS5 MATCH expression for the query's terms (None without terms), built only from
    double-quoted strings and the operators AND, OR, NOT."""
    if not query.clauses:
        return None
    parts = []
    for clause in query.clauses:
        alternatives = [_quoted(term) for term in clause]
        parts.append(
            alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")"
        )
    match = " AND ".join(parts)
    if query.excluded:
        match = f"({match}) NOT ({' OR '.join(_quoted(term) for term in query.excluded)})"
    return match


def fts5_any(terms: tuple[str, ...]) -> str | None:
    """An FTS5 MATCH expression for any of these terms (for exclusions without words)."""
    return " OR ".join(_quoted(term) for term in terms) if terms else None
