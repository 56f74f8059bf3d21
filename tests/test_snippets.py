"""Snippets: the member sees the matched words, in bold, in a window that fits the message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from answers.snippets import ELLIPSIS, Fragment, Span, best_fragment, format_fragment, highlight_spans
from index.tokenizer import Tokenizer

STORY = Path(__file__).resolve().parent.parent / "corpus" / "story"
TOKENIZER = Tokenizer()


def bold(text: str) -> str:
    """Discord bold."""
    return f"**{text}**"


def escape_markdown(text: str) -> str:
    """A Markdown escape like the bot's: every Markdown character backslashed."""
    return re.sub(r"([\\*_~`|>#\[\]-])", r"\\\1", text)


def paragraph(containing: str) -> str:
    """The first story paragraph containing `containing`."""
    lines = (line for path in sorted(STORY.glob("*.txt")) for line in path.read_text("utf-8").splitlines())
    return next(line for line in lines if containing in line)


def snippet(text: str, query: str, max_chars: int) -> str:
    """What a member sees for `query` in `text`, marked in bold."""
    spans = highlight_spans(TOKENIZER.tokens(text), set(TOKENIZER.query_terms(query).terms))
    return format_fragment(text, best_fragment(text, spans, max_chars), mark=bold)


def test_a_short_paragraph_is_shown_whole() -> None:
    text = "Harris wanted a portfolio that would deliver victories."
    assert snippet(text, "victory", 80) == "Harris wanted a portfolio that would deliver **victories**."


def test_the_window_shows_the_match_in_a_long_paragraph() -> None:
    text = paragraph("falsely casting her")
    assert len(text) > 300
    shown = snippet(text, "border czar", 100)
    assert "“**border czar**”" in shown
    assert shown.startswith(ELLIPSIS) and shown.endswith(ELLIPSIS)
    plain = shown.replace("**", "")
    assert len(plain) <= 100
    assert plain.strip(ELLIPSIS) in text
    fragment = best_fragment(text, highlight_spans(TOKENIZER.tokens(text), {"border", "czar"}), 100)
    assert text[fragment.start - 1].isspace() and text[fragment.end].isspace()  # cut between words


def test_most_distinct_words_beat_an_earlier_match() -> None:
    text = "border " + "filler " * 30 + "the border czar spoke " + "filler " * 30
    shown = snippet(text, "border czar", 60)
    assert "**border czar**" in shown
    assert not shown.startswith("**border**")


def test_ties_go_to_more_matches_then_to_the_earliest() -> None:
    text = "czar " + "filler " * 20 + "czar czar " + "filler " * 20 + "czar czar"
    fragment = best_fragment(text, highlight_spans(TOKENIZER.tokens(text), {"czar"}), 40)
    assert len(fragment.spans) == 2 and fragment.spans[0].start == text.index("czar czar")


def test_no_match_shows_the_start() -> None:
    text = paragraph("falsely casting her")
    shown = format_fragment(text, best_fragment(text, [], 80), mark=bold)
    assert text.startswith(shown.removesuffix(ELLIPSIS))
    assert shown.endswith(ELLIPSIS) and len(shown) <= 80


def test_a_match_at_the_very_end() -> None:
    text = "filler " * 40 + "the end is the czar"
    shown = snippet(text, "czar", 50)
    assert shown.startswith(ELLIPSIS) and shown.endswith("**czar**")
    assert len(shown.replace("**", "")) <= 50


def test_a_word_longer_than_the_budget_is_cut_inside() -> None:
    text = "see https://example.com/" + "a" * 200 + "/czar/" + "b" * 200 + " now"
    start = text.index("czar")
    fragment = best_fragment(text, [Span(start, start + 4)], 40)
    shown = format_fragment(text, fragment, mark=bold)
    assert "**czar**" in shown and shown.startswith(ELLIPSIS) and shown.endswith(ELLIPSIS)
    assert len(shown) - 4 <= 40


def test_a_span_longer_than_the_budget_is_cut_inside() -> None:
    text = "x " * 50 + "y" * 100
    fragment = best_fragment(text, [Span(100, 200)], 20)
    assert fragment.spans == (Span(fragment.start, fragment.end),)
    assert len(format_fragment(text, fragment, mark=str)) <= 20


def test_combining_sequences_are_not_split() -> None:
    text = "e\u0301" * 100  # one long word of é written with combining accents
    fragment = best_fragment(text, [], 21)
    assert text[fragment.end] == "e"  # the cut falls before a base letter, never before its accent
    assert len(format_fragment(text, fragment, mark=str)) <= 21


def test_border_czar_is_one_bold_run_and_punctuation_splits_runs() -> None:
    text = "Trump called her the border  czar of the US-Mexico line."
    spans = highlight_spans(TOKENIZER.tokens(text), {"border", "czar", "us", "mexico"})
    shown = format_fragment(text, best_fragment(text, spans, 200), mark=bold)
    assert shown == "Trump called her the **border  czar** of the **US**-**Mexico** line."


def test_escaping_applies_inside_and_outside_the_marks() -> None:
    text = "the *border* czar_x said"
    fragment = Fragment(0, len(text), (Span(4, 12), Span(13, 19)), False, False)
    shown = format_fragment(text, fragment, mark=bold, escape=escape_markdown)
    assert shown == r"the **\*border\* czar\_x** said"


def test_highlight_spans_mark_each_matching_word_once() -> None:
    text = "Kamala Harris’s team and Harris’ aides"
    spans = highlight_spans(TOKENIZER.tokens(text), {"harri"})
    assert [text[start:end] for start, end in spans] == ["Harris’s", "Harris"]
    assert highlight_spans(TOKENIZER.tokens("½"), {"1", "2"}) == [Span(0, 1)]


def test_a_budget_too_small_for_the_ellipses_is_refused() -> None:
    with pytest.raises(ValueError):
        best_fragment("some text", [], 2)


def test_discord_caller_can_shrink_the_budget_until_it_fits() -> None:
    text = paragraph("Kamala Harris supports increasing")
    spans = highlight_spans(TOKENIZER.tokens(text), {"border", "patrol", "agent", "trump"})
    limit = max_chars = 120
    while True:
        shown = format_fragment(text, best_fragment(text, spans, max_chars), mark=bold, escape=escape_markdown)
        if len(shown) <= limit:
            break
        max_chars -= len(shown) - limit
    assert "**" in shown and max_chars < limit  # the marks cost room, and a smaller budget made them fit
    assert shown.count("**") % 2 == 0


def _marked_runs(shown: str) -> list[str]:
    return re.findall(r"\x01(.*?)\x02", shown, flags=re.DOTALL)


WORDS = st.sampled_from(["czar", "border", "the", "US-Mexico", "Harris’", "😀", "e\u0301", "x" * 30, "“a”"])
TEXT = st.lists(st.tuples(WORDS, st.sampled_from([" ", "  ", "\n", ", "])), max_size=60).map(
    lambda pairs: "".join(word + gap for word, gap in pairs)
)


@settings(max_examples=400)
@given(TEXT, st.data(), st.integers(min_value=3, max_value=120))
def test_random_snippets_fit_and_are_well_formed(text: str, data: st.DataObject, max_chars: int) -> None:
    bounds = st.integers(min_value=-2, max_value=len(text) + 2)
    spans = [Span(*sorted(pair)) for pair in data.draw(st.lists(st.tuples(bounds, bounds), max_size=8))]
    fragment = best_fragment(text, spans, max_chars)
    plain = format_fragment(text, fragment, mark=str)
    assert len(plain) <= max_chars
    assert plain.removeprefix(ELLIPSIS).removesuffix(ELLIPSIS) == text[fragment.start : fragment.end]
    assert fragment.cut_left == bool(text[: fragment.start].strip())
    assert fragment.cut_right == bool(text[fragment.end :].strip())
    marked = format_fragment(text, fragment, mark=lambda run: f"\x01{run}\x02")
    assert re.fullmatch(r"[^\x01\x02]*(\x01[^\x01\x02]+\x02[^\x01\x02]*)*", marked)
    for run in _marked_runs(marked):
        assert run == run.strip()  # Markdown bold must not start or end with a space
    assert "\x02\x01" not in marked and not re.search(r"\x02 +\x01", marked)  # neighbouring marks were merged
    covered = {i for start, end in fragment.spans for i in range(start, end)}
    assert covered <= set(range(fragment.start, fragment.end))
