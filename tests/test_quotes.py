"""Quotations and their speakers, checked on the two real story articles and on the hard cases in isolation.

The expected speakers were worked out by reading the articles, not by running the extractor.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotations.quote_book import may_quote
from quotations.quotes import Quote, find_quotes, people_in, quotes_containing

STORY = Path(__file__).resolve().parent.parent / "corpus" / "story"


def story_paragraphs(name: str) -> list[str]:
    """An article's paragraphs as the .txt story format defines them: after the title line (and the `Published :`
    line and `---` rules), blank lines separate paragraphs and a bullet line is a paragraph of its own."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in (STORY / name).read_text(encoding="utf-8").split("\n")[1:]:
        text = line.strip()
        if text and text != "---" and not text.startswith(("Published :", "•")):
            current.append(text)
            continue
        if current:
            paragraphs.append(" ".join(current))
            current = []
        if text.startswith("•"):
            paragraphs.append(text[1:].strip())
    return [*paragraphs, " ".join(current)] if current else paragraphs


OFFENSIVE = story_paragraphs("harris-goes-on-offensive-on-immigration.txt")
PANICKED = story_paragraphs("harris-team-panicked-over-border-assignment.txt")


def quote(quotes: list[Quote], beginning: str) -> Quote:
    """The one quote whose text starts with `beginning`."""
    [found] = [q for q in quotes if q.text.startswith(beginning)]
    return found


@pytest.fixture(scope="module")
def offensive() -> list[Quote]:
    return find_quotes(OFFENSIVE)


@pytest.fixture(scope="module")
def panicked() -> list[Quote]:
    return find_quotes(PANICKED, known_names=people_in(OFFENSIVE))


def test_first_article_quotes_are_exactly_the_quoted_passages(offensive: list[Quote]) -> None:
    assert [q.text for q in offensive] == [
        "tanking",
        "because he thought it would help him win an election.",
        "Donald Trump does not care about border security, he only cares about himself,",
        "In this campaign, I will proudly put my record against his any day,",
        "Because as the saying goes, if you’ve got something to say, say it to my face.",
        "border czar",
        "Kamala Harris supports increasing the number of Border Patrol agents. Donald Trump blocked a bill to increase "
        "the number of Border Patrol agents,",
        "Kamala Harris prosecuted transnational gang members and got them sentenced to prison. "
        "Trump is trying to avoid being sentenced to prison,",
        "There’s two choices in this election: The one who will fix our broken immigration system and the one who is "
        "trying to stop her.",
        "border czar.",
        "This is America’s border czar — and she’s failed us.",
        "failed. Weak. Dangerously liberal.",
    ]


def test_second_article_apostrophes_never_open_or_close_a_quote(panicked: list[Quote]) -> None:
    # Harris’ team, Harris’s, president’s, she’s, It’s, would’ve, Biden’s, CNN’s, you’re, what’s are all apostrophes.
    assert [q.text for q in panicked] == [
        "panicked",
        "because she wants political victories",
        "panic",
        "panicking",
        "border czar",
        "panic,",
        "The vice president’s work is not happening in a vacuum.",
        "We are all part of one team and much of the work the administration does is a whole of government approach. "
        "This applies to the work on migration and the border.",
        "Furthermore, specifically as it relates to the US Mexico relationship… it is broad.",
        "We talk about a wide range of issues with them: migration, economic, security and border are just a few.",
        "because she’s the most qualified person to do it, to lead our efforts with Mexico and the Northern Triangle, "
        "and the countries that can help, need help in stemming the movement of so many folks, stemming the migration "
        "to our southern border.",
        "We have to give people some sense of hope that if they stay, that help is on the way,",
        "It’s not going to be solved overnight; it’s a complex issue. "
        "If this were easy, it would’ve been handled years ago.",
        "border czar.",
        "Everything you’re doing in Central America is always towards an eye on the border and what’s happening in the "
        "United States,",
        "With the current dynamics in migration, what’s happening at the US-Mexico border has implications in the "
        "Northern Triangle and vice versa.",
    ]


@pytest.mark.parametrize(
    ("beginning", "speaker"),
    [
        ("Donald Trump does not care", "Kamala Harris"),  # “…,” Harris said: surname to the first full name
        ("In this campaign, I will", "Kamala Harris"),  # “…,” she said
        ("Because as the saying goes", "Kamala Harris"),  # … when she said, “…” (Trump named in between, as object)
        # “…,” the voiceover in the video states, …
        ("Kamala Harris supports increasing", "the voiceover in the campaign video"),
        ("Kamala Harris prosecuted", "the voiceover in the campaign video"),  # “…,” it continues
        ("There’s two choices", "the voiceover in the campaign video"),  # … concluding with: “…”
        ("This is America’s border czar", "a Trump campaign ad"),  # While another shows …, stating: “…”
        ("failed. Weak.", "the Trump campaign ads"),  # Both ads conclude by describing Harris as “…”
        # She touted …, then blamed Trump for “tanking” … “because …”: her words, the subject of both verbs
        ("because he thought", "Kamala Harris"),
    ],
)
def test_first_article_speakers(offensive: list[Quote], beginning: str, speaker: str | None) -> None:
    assert quote(offensive, beginning).speaker == speaker


@pytest.mark.parametrize(
    ("beginning", "speaker"),
    [
        ("We have to give people", "Kamala Harris"),  # ‘…,’ she told CNN’s Dana Bash
        ("It’s not going to be solved", "Kamala Harris"),  # next paragraph, no attribution: same speaker
        ("Everything you’re doing", "Cris Ramon"),  # ‘…,’ Cris Ramon, an immigration consultant, told CNN
        ("With the current dynamics", "Cris Ramon"),
        ("because she’s the most qualified", "Joe Biden"),  # Biden announced …, telling reporters she had been …
    ],
)
def test_second_article_speakers(panicked: list[Quote], beginning: str, speaker: str) -> None:
    assert quote(panicked, beginning).speaker == speaker


def test_the_person_told_is_never_the_speaker(panicked: list[Quote]) -> None:
    assert {q.speaker for q in panicked}.isdisjoint({"Dana Bash", "CNN", "DailyMail.com"})


def test_symone_sanders_statement_runs_over_four_paragraphs(panicked: list[Quote]) -> None:
    statement = panicked[6:10]
    assert statement[0].text.startswith("The vice president’s work")
    assert [q.speaker for q in statement] == ["Symone Sanders"] * 4
    assert [q.continues for q in statement] == [True, True, True, False]
    first = statement[0].paragraph
    assert [q.paragraph for q in statement] == [first, first + 1, first + 2, first + 3]
    # Each continued paragraph opens with ‘ and the quote starts right after it.
    assert all(PANICKED[q.paragraph - 1][: q.start] == "‘" for q in statement[1:])
    # A new quotation after a closed one does not "continue": ‘It’s not going …’ is its own quote.
    assert not quote(panicked, "We have to give people").continues


def test_surname_only_article_uses_the_full_name_from_the_rest_of_the_story() -> None:
    assert people_in(OFFENSIVE) == ["Kamala Harris", "Donald Trump", "Joe Biden"]
    assert quote(find_quotes(PANICKED), "because she’s the most qualified").speaker == "Biden"


@pytest.mark.parametrize(
    ("quotes", "beginning", "speaker"),
    [
        ("offensive", "tanking", "Kamala Harris"),  # She touted …, then blamed Trump for “tanking”
        ("offensive", "border czar.", "Republicans"),  # the Republican label “border czar.”
        # Trump’s attacks falsely casting her as the administration’s “border czar”
        ("offensive", "border czar", "Donald Trump’s attacks"),
        ("panicked", "panicked", None),  # Kamala Harris’ team ‘panicked’ when …
        ("panicked", "panicking", "a new report"),  # … after ‘panicking’ when …, according to a new report.
        # A White House official said Harris aides appeared to ‘panic,’ according to CNN
        ("panicked", "panic,", "a White House official"),
        ("panicked", "panic", "an official"),  # Official says Harris aides appeared to ‘panic’
        ("panicked", "border czar", "critics"),  # … in a move her critics say makes her ‘border czar’
        ("panicked", "border czar.", "critics"),  # Critics have focused …, labeling her Biden’s ‘border czar.’
    ],
)
def test_short_scare_quotes_are_labels_attributed_only_when_the_sentence_says_by_whom(
    request: pytest.FixtureRequest, quotes: str, beginning: str, speaker: str | None
) -> None:
    [found] = [q for q in request.getfixturevalue(quotes) if q.text == beginning]
    assert found.label
    assert found.speaker == speaker


def test_longer_quotes_are_not_labels(offensive: list[Quote], panicked: list[Quote]) -> None:
    assert not any(q.label for q in offensive + panicked if len(q.text.split()) > 3)
    assert not quote(panicked, "We have to").label


def test_quotes_containing_finds_the_quote_around_matched_words(offensive: list[Quote]) -> None:
    label = quote(offensive, "border czar.")
    text = OFFENSIVE[label.paragraph - 1]
    start = text.index("border czar", label.start)
    assert quotes_containing(offensive, label.paragraph, start, start + len("border czar")) == [label]
    outside = text.index("Republican label")
    assert quotes_containing(offensive, label.paragraph, outside, outside + 10) == []
    assert quotes_containing(offensive, label.paragraph, start - 3, start + 5) == []  # straddles the opening mark
    assert quotes_containing(offensive, label.paragraph + 1, start, start + 5) == []


def texts(paragraph: str) -> list[str]:
    return [q.text for q in find_quotes([paragraph])]


@pytest.mark.parametrize(
    ("paragraph", "quoted"),
    [
        ("It’s CNN’s show from the ’90s and Harris’ team’s plan, rock ’n’ roll ’til dawn.", []),
        ("The ’Brexit’ vote, with a mistyped opening mark.", ["Brexit"]),
        ("rock 'n' roll, 'em all, 'tis true, don't, the '90s and Harris' team", []),
        (
            "‘The Harris’ team is fine and the girls’ school too,’ he said.",
            ["The Harris’ team is fine and the girls’ school too,"],
        ),
        ("She called it ‘panicked’ when asked about the Joneses’ ‘border czar’ claims.", ["panicked", "border czar"]),
        ("He said 'no' and \"yes\" to the crowd.", ["no", "yes"]),
        ("“He called it ‘a disaster,’ and left,” she said.", ["He called it ‘a disaster,’ and left,", "a disaster,"]),
        ("“Never closed, to the end of the paragraph", ["Never closed, to the end of the paragraph"]),
    ],
)
def test_quote_marks_and_apostrophes(paragraph: str, quoted: list[str]) -> None:
    assert texts(paragraph) == quoted


def speakers(*paragraphs: str) -> list[str | None]:
    return [q.speaker for q in find_quotes(list(paragraphs))]


def test_quote_split_around_the_attribution_gives_both_parts_the_speaker() -> None:
    intro = "Vice President Kamala Harris spoke in Atlanta."
    assert speakers(intro, "“In this campaign,” she said, “I will win.”") == ["Kamala Harris"] * 2
    assert speakers(intro, '"In this campaign," she said, "I will win." Then she left.') == ["Kamala Harris"] * 2


@pytest.mark.parametrize(
    ("paragraphs", "speaker"),
    [
        (["Kamala Harris spoke.", "'We have to give people hope,' she told CNN's Dana Bash."], "Kamala Harris"),
        (["“We will win,” said Senator Jane Smith."], "Jane Smith"),
        (["“We will win,” Vice President Kamala Harris told reporters."], "Kamala Harris"),
        (["The plan was a “disaster,” according to Reuters."], "Reuters"),
        (["Joe Biden spoke first. Ms. Kamala Harris answered him. “Yes,” she said."], "Kamala Harris"),
        # she could be Harris or Biden: no speaker rather than a wrong one
        (["Joe Biden met Kamala Harris. Then Biden left. “We will win,” she said."], None),
        (["“It is done,” she said."], None),
        (["It passed, in a move critics say makes her a “border czar.”"], "critics"),
        (["“No,” senior campaign officials said."], "senior campaign officials"),
        (["A spokesman for the campaign said: “No.”"], "a spokesman for the campaign"),
        (["“No,” White House officials said."], "White House officials"),
        # A second verb of the same subject: "…, then blamed …", "… and said …"
        (["Senator Jane Smith spoke in Ohio, then blamed the press for “lying about everything we do.”"], "Jane Smith"),
        (["Joe Biden spoke and said the plan was “a disaster for everyone here.”"], "Joe Biden"),
        (["Joe Biden met Kamala Harris and “laughed” at the plan."], None),  # met: not a speech verb
        (["The team “panicked” after the news, according to a new report."], "a new report"),
        (["The team “panicked” after the news, according to Reuters."], "Reuters"),
    ],
)
def test_attribution_cases(paragraphs: list[str], speaker: str | None) -> None:
    assert speakers(*paragraphs)[0] == speaker


def test_an_unresolved_attribution_is_not_filled_in_from_the_previous_quote() -> None:
    paragraphs = [
        "Joe Biden and Kamala Harris met.",
        "“We will win the election,” Biden said.",
        "“We will not win it,” she said.",
    ]
    assert speakers(*paragraphs) == ["Joe Biden", None]
    # With no attribution at all, the paragraph continues the previous speaker's statement.
    assert speakers(*paragraphs[:2], "“We will not win it, not this time.”") == ["Joe Biden", "Joe Biden"]


def test_run_on_needs_the_same_mark_to_open_the_next_paragraph() -> None:
    runs_on = find_quotes(["“First part of a statement.", "“Second part,” said Senator Jane Smith."])
    assert [(q.continues, q.speaker) for q in runs_on] == [(True, "Jane Smith"), (False, "Jane Smith")]
    not_on = find_quotes(["“First part of a statement.", "‘Second part,’ said Senator Jane Smith."])
    assert [q.continues for q in not_on] == [False, False]
    assert not_on[0].speaker is None


MARKS = "“”‘’\"'"
PIECES = ["Kamala Harris", "Harris", "she", "said", "told", "CNN’s", "’90s", "it’s", "the", "video", "states", "Both"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.sampled_from([*PIECES, *MARKS, ",", ".", ":", " — "]), st.text(max_size=6)), max_size=30),
        max_size=5,
    )
)
def test_never_raises_and_offsets_point_at_the_quoted_text(chunks: list[list[str]]) -> None:
    paragraphs = [" ".join(chunk) for chunk in chunks]
    quotes = find_quotes(paragraphs)
    # The search skips paragraphs without a possible quote mark, so that check must never miss a quotation.
    assert all(may_quote(paragraphs[q.paragraph - 1]) for q in quotes)
    for q in quotes:
        assert 1 <= q.paragraph <= len(paragraphs)
        assert paragraphs[q.paragraph - 1][q.start : q.end] == q.text
        assert q.text and not q.text[0].isspace() and not q.text[-1].isspace()
        assert not q.continues or q.paragraph < len(paragraphs)
    assert quotes == sorted(quotes, key=lambda q: (q.paragraph, q.start))


@given(
    st.lists(
        st.sampled_from(
            ["it’s", "CNN’s", "’90s", "Harris’", "the Joneses’", "don't", "'em", "rock 'n' roll", "word", ",", "."]
        )
    )
)
def test_apostrophes_alone_never_make_a_quote(words: list[str]) -> None:
    assert find_quotes([" ".join(words)]) == []
