"""Bounds on the Markdown parser's work, installed by rendering._new_markdown (R4, R16).

The cost of a render grows with the number of tokens markdown-it makes (all told ~10-15 us
each: parsing, and bleach on the HTML they become), and a 32,000-character text can ask for
50,000 of them: "- a" lines, table rows, "*a" runs, headings. So a text may make at most
MAX_TOKENS, counted as they are made: the parser stops at the first one too many instead of
finishing a render that is refused anyway. Real posts stay far below (a 400-row table of
three columns makes ~6,000; 32,000 characters of prose a few hundred).

Two inputs are defused before parsing or while parsing: runs of unclosed "[" (as in "![" *
15000, a GitLab-style pre-check) and the padding of short table rows.

Nesting: markdown-it stops parsing at 20 levels and silently drops everything after that
point, to the end of the text. Here a text that nests that deep is refused instead, unless
what would be dropped is only quote markers (``>`` * 30000 renders).

These rules raise TooMuchFormatting or TooDeep; rendering turns them into a RenderError,
which the forms show as a message with the text kept.
"""

from __future__ import annotations

import importlib
import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

MAX_TOKENS = 16_000
MAX_UNCLOSED_BRACKETS = 1_000
_LIVE_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)\[")  # "[" after an even number of "\"
# markdown-it's maxNesting (20) minus the two levels one list adds: a block that starts this
# deep is the last chance to see content markdown-it would drop.
MAX_BLOCK_LEVEL = 18
_CONTENT = re.compile(r"[^\s>]")


class TooMuchFormatting(Exception):
    """The text makes more than MAX_TOKENS tokens."""


class TooDeep(Exception):
    """The text nests blocks deeper than markdown-it shows them."""


class _Budget:
    __slots__ = ("left",)

    def __init__(self, tokens: int) -> None:
        self.left = tokens


class _BoundedTokens(list[Token]):
    """A token list that refuses to grow past the budget it shares with the text's others.

    markdown-it adds every token with ``tokens.append`` (StateBlock.push, StateInline.push and
    pushPending), so this is the one place that sees them all as they are made.
    """

    __slots__ = ("budget",)

    def __init__(self, budget: _Budget) -> None:
        super().__init__()
        self.budget = budget

    def append(self, token: Token) -> None:
        # An escaped character is joined into the text around it (core rule text_join): it
        # costs the parser a little and the HTML nothing, so it is not counted.
        if token.type != "text_special":
            self.budget.left -= 1
            if self.budget.left < 0:
                raise TooMuchFormatting
        super().append(token)


def _bound_block_tokens(state: StateCore) -> None:
    state.tokens = _BoundedTokens(_Budget(MAX_TOKENS))


def _bound_inline_tokens(state: StateCore) -> None:
    budget = state.tokens.budget if isinstance(state.tokens, _BoundedTokens) else None
    if budget is None:
        return
    for token in state.tokens:
        if token.type == "inline" and not token.children:
            token.children = _BoundedTokens(budget)


def _too_deep(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """Refuse text nested past MAX_BLOCK_LEVEL; skip what is only quote markers there."""
    if state.level < MAX_BLOCK_LEVEL:
        return False
    if _CONTENT.search(state.getLines(start_line, end_line, state.blkIndent, False)):
        raise TooDeep
    if not silent:
        state.line = end_line
    return True


# markdown-it pads short table rows with up to 65,536 empty cells (a 100-column header plus
# rows of "|"); real tables need far fewer, and this keeps such a table below MAX_TOKENS.
# (Module attribute, not `from ... import`: the package shadows the module with the rule.)
importlib.import_module("markdown_it.rules_block.table").MAX_AUTOCOMPLETED_CELLS = 4_096


def neutralise_brackets(source: str) -> str:
    """Escape every "[" when too many are never closed (as in "![" * 15000).

    markdown-it looks for the end of each such label again; with brackets escaped the text
    renders quickly and stays readable (links in that text are lost).
    """
    depth = 0
    for ch in re.findall(r"[\[\]]", source):
        depth = depth + 1 if ch == "[" else max(depth - 1, 0)
    if depth <= MAX_UNCLOSED_BRACKETS:
        return source
    return _LIVE_BRACKET.sub(r"\1\\[", source)


def install(md: MarkdownIt) -> None:
    """Add the bounds to a parser (the rules run first in their chains)."""
    md.core.ruler.before("block", "bound_block_tokens", _bound_block_tokens)
    md.core.ruler.before("inline", "bound_inline_tokens", _bound_inline_tokens)
    first_block_rule = md.block.ruler.get_all_rules()[0]
    md.block.ruler.before(first_block_rule, "too_deep", _too_deep)
