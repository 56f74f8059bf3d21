"""`article add <url>` end to end: Discord emulator → storybot → a local web server on 127.0.0.1 serving saved news
pages → the corpus → answers that cite the article's address."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from testing.bot_harness import Stage, stage
from tests.page_server import expected_article, page_bytes, serving_pages
from tests.test_discord_moderation import make_moderator

LOCAL_PAGES = {"articles": {"allow_private_hosts": True}}


def web_files(s: Stage) -> list[Path]:
    return sorted(path for path in s.corpus_dir.iterdir() if path.suffix == ".json")


@pytest.mark.asyncio
async def test_a_moderator_adds_an_article_by_its_address_and_answers_cite_it(tmp_path: Path) -> None:
    async with serving_pages() as server, stage(tmp_path, **LOCAL_PAGES) as s:
        await make_moderator(s)
        page = server.url("/pages/wire-port-strike")
        reply = await s.say(s.world.moderator, f"!article add <{page}?utm_source=newsletter&fbclid=x#comments>")
        assert "Added in" in reply.content and "1 added (wire-port-strike-" in reply.content
        assert "“Dockworkers walk out at Europe's busiest port as wage talks collapse”" in reply.content
        assert f"<{page}>" in reply.content

        (stored,) = web_files(s)
        record = json.loads(stored.read_text(encoding="utf-8"))
        expected = expected_article("wire-port-strike")
        assert record["url"] == page and record["published"] == "2024-07-30"
        assert record["paragraphs"] == expected["paragraphs"]

        answer = await s.say(s.world.member, "!who said there is no money for the people who actually move the boxes")
        assert "Niek Stam" in answer.text() and "Dockworkers walk out" in answer.text()
        assert page in answer.text(), "the citation links the article's address"
        for related_link in ("wildfires evacuations Evia", "Olympic swimmer world record"):  # words only off the body
            assert not (await s.say(s.world.member, f"!ask {related_link}")).embeds, related_link
        actions = await s.bot.guild_store.recent_actions(s.world.guild.id)
        assert actions[0][2] == "article add link" and page in actions[0][3]


@pytest.mark.asyncio
async def test_the_same_address_again_replaces_the_article_instead_of_adding_another(tmp_path: Path) -> None:
    async with serving_pages() as server, stage(tmp_path, **LOCAL_PAGES) as s:
        page = server.url("/pages/heavy-council-budget")
        first = await s.slash(s.world.admin, "article add", {"url": page})
        assert "Added in" in first.messages[-1].content
        (stored,) = web_files(s)

        updated = page_bytes("heavy-council-budget")[0].replace(b"31 votes to 22", b"32 votes to 21")
        server.overrides["heavy-council-budget"] = updated
        again = await s.say(s.world.admin, f"!article add {page}?utm_campaign=share#comments")
        assert "Replaced in" in again.content and "1 changed" in again.content and "0 added" in again.content
        assert web_files(s) == [stored], "still one file for the address"
        assert "32 votes to 21" in stored.read_text(encoding="utf-8")
        (kept,) = (s.state_dir / "replaced").iterdir()
        assert "31 votes to 22" in kept.read_text(encoding="utf-8"), "the previous version is kept"

        answer = await s.say(s.world.member, "!ask how many votes did the council budget pass by")
        plain = answer.text().replace("**", "")
        assert "passed by 32 votes to 21" in plain and "31 votes to 22" not in plain
        sources = await s.say(s.world.member, "!sources")
        assert sources.text().count("Council approves £48m budget") == 1


@pytest.mark.asyncio
async def test_refusals_name_the_problem_and_change_nothing(tmp_path: Path) -> None:
    async with serving_pages() as server, stage(tmp_path) as s:  # private hosts refused, as in production
        before = sorted(path.name for path in s.corpus_dir.iterdir())
        local = await s.say(s.world.admin, f"!article add {server.url('/pages/wire-port-strike')}")
        assert "Not added:" in local.content and "127.0.0.1, a loopback address" in local.content
        assert server.hosts == [], "nothing was fetched"

        cases = {
            "file:///etc/passwd": "a `file:` address; only http and https pages can be added",
            "http://admin:hunter2@news.example/a": "user name or password",
            "http://169.254.169.254/latest/meta-data/": "link-local address",
            "http://[::ffff:10.0.0.1]/": "carries 10.0.0.1, a private address",
            "http://0x7f000001/": "in an unusual form",
            "http://localhost:8080/": "`localhost`",
        }
        for url, words in cases.items():
            record = await s.slash(s.world.admin, "article add", {"url": url})
            text = record.messages[-1].content
            assert text.startswith("Not added:") and words in text, (url, text)
        assert sorted(path.name for path in s.corpus_dir.iterdir()) == before


@pytest.mark.asyncio
async def test_pages_that_are_not_articles_are_refused(tmp_path: Path) -> None:
    async with serving_pages() as server, stage(tmp_path, **LOCAL_PAGES) as s:
        before = sorted(path.name for path in s.corpus_dir.iterdir())
        cases = {
            "/typed/pdf": "is a PDF document (application/pdf), not a web page",
            "/typed/png": "is an image (image/png)",
            "/pages/no-article-section-front": "has no article the bot can find",
            "/pages/no-article-login": "has no article the bot can find",
            "/chain/20": "redirects more than 5 times",
            "/status/404": "answered 404 Not Found",
            "/encoded/bomb": "is more than 5,000,000 bytes",
        }
        for path, words in cases.items():
            reply = await s.say(s.world.admin, f"!article add {server.url(path)}")
            assert "Not added:" in reply.content and words in reply.content, (path, reply.content)
        assert sorted(path.name for path in s.corpus_dir.iterdir()) == before


@pytest.mark.asyncio
async def test_article_add_needs_a_file_or_an_address_and_a_moderator(tmp_path: Path) -> None:
    async with serving_pages() as server, stage(tmp_path, **LOCAL_PAGES) as s:
        empty = await s.say(s.world.admin, "!article add")
        assert "Add what?" in empty.content and "!article add <url>" in empty.content
        both = await s.slash(s.world.admin, "article add", {"url": server.url("/pages/wire-port-strike"),
                                                            "file": ("a.txt", b"Title\n\nText.\n")})  # fmt: skip
        assert "Give one of them" in both.messages[-1].content
        member = await s.say(s.world.member, f"!article add {server.url('/pages/wire-port-strike')}")
        assert "Added" not in member.content and server.hosts == []
        assert not web_files(s)


@pytest.mark.asyncio
async def test_two_moderators_adding_the_same_address_at_once_keep_one_article(tmp_path: Path) -> None:
    async with serving_pages() as server, stage(tmp_path, **LOCAL_PAGES) as s:
        await make_moderator(s)
        page = server.url("/pages/blog-sourdough")
        records = await asyncio.gather(
            s.slash(s.world.admin, "article add", {"url": page}),
            s.slash(s.world.moderator, "article add", {"url": page + "?utm_source=chat"}),
        )
        replies = sorted(record.messages[-1].content for record in records)
        assert replies[0].startswith("Added in") and "1 added" in replies[0], replies
        assert replies[1].startswith("Replaced in") and "0 added" in replies[1], replies
        assert len(web_files(s)) == 1
        sources = await s.say(s.world.member, "!sources")
        assert sources.text().count("Why my sourdough stopped rising") == 1


@pytest.mark.asyncio
async def test_markup_in_a_page_title_is_shown_as_written(tmp_path: Path) -> None:
    async with serving_pages() as server, stage(tmp_path, **LOCAL_PAGES) as s:
        hostile = b"**@everyone** [free nitro](https://evil.example) <@&1> ~~gone~~"
        server.overrides["wire-port-strike"] = page_bytes("wire-port-strike")[0].replace(
            b"Dockworkers walk out at Europe's busiest port as wage talks collapse", hostile
        )
        reply = await s.say(s.world.admin, f"!article add {server.url('/pages/wire-port-strike')}")
        assert "Added in" in reply.content
        assert r"“\*\*\@everyone\*\* \[free nitro\](https\://evil.example) \<\@&1> \~\~gone\~\~”" in reply.content


@pytest.mark.asyncio
async def test_a_link_that_redirects_to_an_article_already_added_replaces_it(tmp_path: Path) -> None:
    async with serving_pages() as server, stage(tmp_path, **LOCAL_PAGES) as s:
        page = server.url("/pages/time-only-library")
        first = await s.say(s.world.admin, f"!article add {page}")
        assert "Added in" in first.content
        short = server.url("/redirect?to=" + page.replace(":", "%3A").replace("/", "%2F"))
        again = await s.say(s.world.admin, f"!article add {short}")
        assert "Replaced in" in again.content and f"<{page}>" in again.content
        assert len(web_files(s)) == 1
