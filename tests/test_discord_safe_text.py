"""Nothing an article or a question holds can trick a reader, end to end: an article full of masked links, mentions,
Markdown, bidirectional overrides and zero-width characters, asked about every way a member can, and every message
the bot sends checked for anything live (tests/markdown_safety.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.core.settings import BUNDLED_CORPUS
from testing.bot_harness import Stage, stage
from tests.markdown_safety import HIDDEN, message_problems

LOOSE = {"cooldown_asks": 100, "guild_cooldown_asks": 1000}  # one member asks many questions here
PHISHING = "[https://discord.com/nitro](https://evil.example/phish)"
OWN_LINK = "https://news.example/nitro-story?id=7&ref=(feed)"


def hostile_article(role: int, user: int, channel: int) -> dict[str, object]:
    """Every trick in one article: the title, the paragraphs and a second article's address."""
    return {
        "title": f"[Free Nitro](https://evil.example/t) **FREE** ||gift|| <@&{role}> \u202eelbisivni\u202c d\u200bisc",
        "url": OWN_LINK,
        "published": "2024-08-01",
        "paragraphs": [
            PHISHING,
            "Claim your nitro gift at https://evil.example/login or <https://evil.example/x> before it expires.",
            "# Heading nitro\n> quoted nitro\n- listed nitro\n1. numbered nitro\n-# subtext nitro",
            "||spoiler nitro|| **bold nitro** __underlined nitro__ ~~struck nitro~~ `code nitro` ```fenced nitro```",
            f"<t:0:R> <:nitro:1> <a:nitro:2> <@&{role}> <@{user}> <#{channel}> @everyone @here </who:1> nitro",
            "RTL \u202egift nitro\u202c and \u2066isolated\u2069 nitro, zero\u200bwidth \ufeffjoin\u2060 \u061cmarks",
            "Emoji 👩🏽‍💻 🇺🇸 nitro שלום عربي [nitro](<https://evil.example/angle>)",
        ],
    }


def with_hostile_corpus(tmp_path: Path, article: dict[str, object], name: str = "hostile.json") -> None:
    """The bundled story plus `article`, where `stage` will find it (or a reload, once it runs)."""
    corpus = tmp_path / "corpus"
    if not corpus.exists():
        shutil.copytree(BUNDLED_CORPUS, corpus)
    (corpus / name).write_text(json.dumps(article, ensure_ascii=False), encoding="utf-8")


async def ask_everything(s: Stage) -> None:
    """Every way a member reaches the article's text or echoes their own."""
    role, user = s.world.moderator_role.id, s.world.other_member.user.id
    phishing = await s.say(s.world.member, "!ask discord nitro")
    assert "evil.example/phish" in phishing.text(), "the paragraph is shown, as text"
    for question in ("!ask nitro", "!who said nitro gift", "!ask heading quoted listed subtext", "!sources"):
        assert (await s.say(s.world.member, question)).embeds, question
    assert (await s.say(s.world.member, "!source free nitro")).embeds
    echo = f"!ask ||nitro|| **gift** [x](https://evil.example) <@&{role}> <@{user}> @everyone <t:0:R> \u202ecapitol # h"
    assert (await s.say(s.world.member, echo)).embeds
    await s.say(s.world.member, "!source [x](https://evil.example) ||boo|| \u202e")
    for name, options in (("ask", {"question": "nitro spoiler bold"}), ("who", {"words": "||nitro|| gift"})):
        record = await s.slash(s.world.member, name, options)
        assert record.messages[0].embeds


@pytest.mark.asyncio
async def test_no_message_renders_anything_live_from_an_article_or_a_question(tmp_path: Path) -> None:
    async with stage(tmp_path, discord=LOOSE) as s:
        ids = (s.world.moderator_role.id, s.world.member.user.id, s.world.general.id)  # real ones: they would render
        with_hostile_corpus(tmp_path, hostile_article(*ids))
        assert (await s.say(s.world.admin, "!reload")).content.startswith("Reloaded")
        await ask_everything(s)
        own_link = OWN_LINK.replace("(", "%28").replace(")", "%29")  # shown as the address it opens, in full
        problems = [problem for message in s.emu.sent for problem in message_problems(message, [own_link])]
        assert not problems, "\n".join(problems[:20])
        answers = "\n".join(message.text() for message in s.emu.sent)
        assert f"<{own_link}>" in answers, "the article's own link is shown, and live"
        typed = await s.emu.send_interaction(s.world.general, s.world.member, "source", {"article": "nitro"}, type=4)
        await s.emu.wait_until(typed.answered, timeout=5, describe=typed.describe)
        assert typed.choices, "the hostile article is offered"
        assert all(not HIDDEN & set(choice["name"]) for choice in typed.choices), typed.choices


@pytest.mark.asyncio
async def test_an_address_that_reads_as_one_site_and_opens_another_is_not_linked(tmp_path: Path) -> None:
    article = {"title": "Nitro story", "url": "https://discord.com@evil.example/phish", "paragraphs": ["nitro gift"]}
    with_hostile_corpus(tmp_path, article)
    async with stage(tmp_path) as s:
        for reply in (await s.say(s.world.member, "!ask nitro gift"), await s.say(s.world.member, "!source nitro")):
            assert "evil.example" not in reply.text()
            assert not message_problems(reply)
