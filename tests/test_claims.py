"""The quotation or claim Find the source looks for in a chat message (bot/core/claims.py), on real-looking messages:
tweets pasted with their noise, quotes with attributions, blockquotes, several quotes, none, only links or emoji."""

from __future__ import annotations

import pytest

from bot.core.claims import MAX_PART_CHARS, MAX_PARTS, MAX_QUOTATIONS, claim_of, quotations

TWEET = """Kamala Harris (@KamalaHarris) on X:
“Donald Trump does not care about border security, he only cares about himself.”
https://x.com/KamalaHarris/status/1818151102432215389
12:04 PM · Jul 30, 2024 · 1.2M Views
💬 4.1K 🔁 12K ❤️ 48K"""

TWEET_WITHOUT_QUOTES = """@KamalaHarris · 2h
In this campaign, I will proudly put my record against his any day 🇺🇸🇺🇸
💬 1.2K   🔁 5K   ❤️ 20K"""


def test_a_tweet_pasted_with_its_handle_link_and_counts_gives_its_quotation() -> None:
    claim = claim_of(TWEET)
    assert claim.quotations == ("Donald Trump does not care about border security, he only cares about himself.",)
    assert claim.parts[0] == claim.quotations[0], "the quotation is looked for first"
    assert all("http" not in part and "@" not in part and "❤" not in part for part in claim.parts)


def test_a_tweet_without_quotes_keeps_its_words_and_drops_the_noise() -> None:
    claim = claim_of(TWEET_WITHOUT_QUOTES)
    assert not claim.quotations
    assert "In this campaign, I will proudly put my record against his any day" in claim.parts
    for noise in ("@KamalaHarris", "🇺🇸", "💬", "❤"):
        assert all(noise not in part for part in claim.parts), noise


@pytest.mark.parametrize(
    ("message", "speaker"),
    [
        ('"Donald Trump does not care about border security" — Kamala Harris', "Kamala Harris"),
        ("“Donald Trump does not care about border security”\n— Kamala Harris", "Kamala Harris"),
        ('"Donald Trump does not care about border security" - Harris', "Harris"),
        ('"Donald Trump does not care about border security" ~ Kamala Harris, 2024', "Kamala Harris"),
        ("“Donald Trump does not care about border security” —Kamala Harris (@KamalaHarris) July 30", "Kamala Harris"),
        ('"Donald Trump does not care about border security" she said', ""),
    ],
)
def test_a_quote_with_an_attribution(message: str, speaker: str) -> None:
    claim = claim_of(message)
    assert claim.quotations == ("Donald Trump does not care about border security",)
    assert claim.attributed_to == speaker


def test_two_quotes_are_two_parts_in_order() -> None:
    claim = claim_of('She called him a "border czar" and then said “say it to my face” lol')
    assert claim.quotations == ("border czar", "say it to my face")
    assert claim.shown == "“border czar” … “say it to my face”"


def test_single_curly_quotes_count_but_apostrophes_do_not_close_them() -> None:
    claim = claim_of("The Mail says her team ‘panicked when Biden gave her the border assignment’ — really?")
    assert claim.quotations == ("panicked when Biden gave her the border assignment",)
    assert claim_of("Harris’ team, Trump’s ad and Biden’s plan").quotations == ()


def test_a_scare_quote_of_one_word_is_read_with_the_whole_message() -> None:
    claim = claim_of("her team 'panicked' when Biden gave her the border")
    assert claim.quotations == ()
    assert claim.parts == ("her team 'panicked' when Biden gave her the border",)


def test_a_sentence_pasted_with_a_quoted_phrase_in_it_is_looked_for_whole_too() -> None:
    message = "Trump’s attacks falsely casting her as the administration’s “border czar” with a new campaign video"
    claim = claim_of(message)
    assert claim.parts[0] == "border czar"
    assert message in claim.parts


def test_no_quotes_gives_the_whole_message_and_its_sentences() -> None:
    claim = claim_of("wait what?? Harris’ root cause work dates to March 2021. 😂")
    assert claim.quotations == ()
    assert claim.parts[0] == "wait what?? Harris’ root cause work dates to March 2021."
    assert "Harris’ root cause work dates to March 2021." in claim.parts


def test_a_blockquote_is_a_quotation() -> None:
    claim = claim_of("> Donald Trump does not care about border security\n> he only cares about himself\nwow, really?")
    assert claim.quotations == ("Donald Trump does not care about border security he only cares about himself",)


@pytest.mark.parametrize(
    "message",
    [
        "https://www.cnn.com/2024/07/30/politics/harris-immigration-atlanta-rally/index.html",
        "<https://example.com/a>",
        "😂😂😂 👍🏽 🇺🇸 ❤️‍🔥 1️⃣",
        "<:kekw:123456789012345678> <a:party:123456789012345679> :joy:",
        "<@123456789012345678> <@&234567890123456789> <#345678901234567890> @everyone @here",
        "```py\nprint('say it to my face')\n```",
        "`say it to my face`",
        "<t:1722300000:R> </who:456789012345678901>",
        "",
        "   \n\t  ",
        "lol ok",
    ],
)
def test_a_message_of_links_emoji_mentions_or_code_only_is_empty(message: str) -> None:
    claim = claim_of(message)
    assert claim.empty and claim.parts == ()


def test_mentions_links_emoji_and_markdown_never_reach_the_words() -> None:
    claim = claim_of(
        "<@123456789012345678> **look**: ||Harris|| is due to travel to [Guatemala](https://maps.example/g) 🇬🇹 "
        "<:pin:1> https://t.co/x and Mexico next week `code` ~~yes~~"
    )
    assert claim.parts[0] == "look: Harris is due to travel to Guatemala and Mexico next week yes"


def test_a_message_of_4000_characters_is_cut_at_a_word_and_says_so() -> None:
    sentence = "Harris is due to travel to Guatemala and Mexico next week as part of her role. "
    message = (sentence * 60)[:4000]
    claim = claim_of(message)
    assert claim.was_cut
    assert all(len(part) <= MAX_PART_CHARS for part in claim.parts)
    assert len(claim.parts) <= MAX_PARTS
    first = claim.parts[0]
    assert message.startswith(first) and message[len(first)] == " ", "cut between two words, never inside one"


def test_many_quotes_keep_the_first_few() -> None:
    message = " ".join(f'"quote number {n} here"' for n in range(10))
    claim = claim_of(message)
    assert len(claim.quotations) == MAX_QUOTATIONS and claim.was_cut
    assert claim.quotations[0] == "quote number 0 here"


def test_an_unclosed_quote_runs_to_the_end_of_its_line() -> None:
    claim = claim_of('He said "say it to my face and see what happens\nwhatever')
    assert claim.quotations == ("say it to my face and see what happens",)


def test_quotation_spans_pair_straight_quotes_in_order() -> None:
    text = 'a "b c" d "e f" g'
    assert [text[start:end] for start, end in quotations(text)] == ["b c", "e f"]
