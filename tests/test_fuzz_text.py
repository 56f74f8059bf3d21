"""Fuzzing the text path a member's words take: tokenizer, snippet window and marks, and the terminal commands.

Snippets must never exceed the characters asked for, never cut a word or a mark in two, and keep their bold marks
balanced; the console must answer every line with a string, whatever the line holds.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from answers.snippets import ELLIPSIS, Span, best_fragment, format_fragment, highlight_spans
from bot.core.service import StoryService
from bot.core.settings import BUNDLED_CORPUS, Settings
from bot.discord.embeds import escape
from bot.terminal.console import ConsoleSession
from index.tokenizer import MAX_TERM_CHARS, Tokenizer
from tests.fuzzing import ENCODABLE_TEXT, FUZZ, NASTY_TEXT, WORDY_TEXT

TOKENIZER = Tokenizer()
OPEN, CLOSE = "\x02", "\x03"  # marks no fuzzed paragraph holds, so their balance can be checked exactly


def marked(text: str) -> str:
    """A mark that can be told apart from the text."""
    return OPEN + text + CLOSE


def check_balanced(text: str) -> str:
    """Assert the marks open and close in turn, never nested; return the text without them."""
    depth = 0
    for char in text:
        if char in (OPEN, CLOSE):
            depth += 1 if char == OPEN else -1
            assert depth in (0, 1), f"marks nested or closed before opening in {text!r}"
    assert depth == 0, f"a mark is left open in {text!r}"
    return text.replace(OPEN, "").replace(CLOSE, "")


@FUZZ
@given(text=NASTY_TEXT)
def test_tokens_point_at_their_words_and_agree_with_terms(text: str) -> None:
    tokens = TOKENIZER.tokens(text)
    assert [token.term for token in tokens] == TOKENIZER.terms(text)
    for token in tokens:
        assert 0 <= token.start < token.end <= len(text)
        assert token.term and len(token.term) <= MAX_TERM_CHARS
        assert text[token.start : token.end].strip(), "a token covers a word, not whitespace"
    positions = [token.position for token in tokens]
    assert positions == sorted(positions)
    TOKENIZER.query_terms(text)


@FUZZ
@given(
    paragraph=WORDY_TEXT.map(lambda text: text.replace(OPEN, "").replace(CLOSE, "")), query=WORDY_TEXT, data=st.data()
)
def test_a_snippet_fits_its_budget_and_keeps_marks_balanced(paragraph: str, query: str, data: st.DataObject) -> None:
    spans = highlight_spans(TOKENIZER.tokens(paragraph), set(TOKENIZER.terms(query)))
    if data.draw(st.booleans()):  # spans need not come from the tokenizer: any span of the text must be handled
        bounds = st.integers(0, len(paragraph) + 2)
        spans += [Span(*sorted(pair)) for pair in data.draw(st.lists(st.tuples(bounds, bounds), max_size=4))]
    max_chars = data.draw(st.integers(3, 400))
    fragment = best_fragment(paragraph, spans, max_chars)

    plain = format_fragment(paragraph, fragment, mark=lambda text: text)
    assert len(plain) <= max_chars
    shown = check_balanced(format_fragment(paragraph, fragment, mark=marked))
    assert shown == plain
    core = shown.removeprefix(ELLIPSIS).removesuffix(ELLIPSIS)
    assert core in paragraph, "the window shows the paragraph's own characters, in order"

    discord_text = format_fragment(paragraph, fragment, mark=lambda text: f"**{text}**", escape=escape)
    runs = len(re.findall(re.escape(OPEN), format_fragment(paragraph, fragment, mark=marked)))
    marks = discord_text.count("**")
    assert marks % 2 == 0 and marks <= 2 * runs, "escaped corpus text never adds or breaks a bold mark"
    assert "****" not in discord_text, "runs that only escaped-away characters separated are joined, never touching"


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> ConsoleSession:
    state = tmp_path_factory.mktemp("state")
    service = StoryService.open(Settings(corpus_dir=BUNDLED_CORPUS, state_dir=Path(state)))
    return ConsoleSession(service)


COMMANDS = ["who said", "who", "ask", "search", "more", "next", "sources", "source", "help", "WHO SAID", "dance", ""]


@FUZZ
@given(
    prefix=st.sampled_from(["!", "", "!!", " ! "]),
    command=st.sampled_from(COMMANDS),
    argument=st.one_of(NASTY_TEXT, ENCODABLE_TEXT, st.sampled_from(["border czar", '"border czar"', "the of and"])),
)
def test_the_console_answers_every_line_with_text(
    session: ConsoleSession, prefix: str, command: str, argument: str
) -> None:
    answer = session.execute(f"{prefix}{command} {argument}")
    assert isinstance(answer, str)
    if command.split(" ")[0].lower() in {"who", "ask", "search"} and argument.strip():
        assert answer, "a question always gets an answer or a reason"
        passages = [line for line in answer.splitlines() if re.match(r"\d+\. ", line)]
        assert all(line.count("**") % 2 == 0 for line in passages), "bold marks are balanced in each passage"


def test_the_console_survives_a_reload_between_fuzzed_questions(session: ConsoleSession) -> None:
    assert "1. " in session.execute("!who said border\u200b czar\udc00 <@&5> @everyone")
    assert session.execute("!reload").startswith("Reloaded")
    assert "**border czar**" in session.execute("!who said border czar")
