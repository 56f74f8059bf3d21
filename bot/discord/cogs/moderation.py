"""Moderators manage the corpus: `reload`, `article add`, `article replace`, `article remove`."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.article_links import add_link_article
from bot.core.changes import ChangeReport, CorpusRefused
from bot.core.commands import discord_options
from bot.discord.app import StoryBot
from bot.discord.confirming import with_confirmation
from bot.discord.embeds import escape, link_text, shorten
from bot.discord.permissions import moderator_only
from bot.discord.replies import send_private
from corpus.files import UploadRefused
from corpus.web_import import WebArticle

ERRORS_SHOWN = 10
T = TypeVar("T")


def refused_text(refused: CorpusRefused | UploadRefused, *, lead: str = "", keeps_serving: bool = True) -> str:
    """The refusal (after `lead`) and its bad files or records (the first few), sized for one message."""
    lines = [lead + refused.summary]
    lines += [f"• {escape(shorten(str(error), 300))}" for error in refused.errors[:ERRORS_SHOWN]]
    if len(refused.errors) > ERRORS_SHOWN:
        lines.append(f"… and {len(refused.errors) - ERRORS_SHOWN} more")
    if keeps_serving:
        lines.append("The previous index keeps serving.")
    return shorten("\n".join(lines), 1_900)


def change_text(verb: str, report: ChangeReport) -> str:
    """What a change did, e.g. `Reloaded in 0.12 s: 1 added (x), 0 removed, 0 changed; 53 → 60 paragraphs`."""
    return shorten(f"{verb} in {report.seconds:.2f} s: {escape(report.summary)}", 1_900)


class Moderation(commands.Cog):
    """What moderators (moderator role or Manage Server) can do. A change that would remove or change several
    articles shows what would go and waits for the moderator's Confirm (bot/discord/confirming.py)."""

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot

    async def _refusing(self, ctx: commands.Context, change: Awaitable[T]) -> T | None:
        """The change's result, or None after telling the moderator why it was refused (nothing changed)."""
        try:
            return await change
        except UploadRefused as refused:
            await ctx.send(refused_text(refused, lead="Not added: ", keeps_serving=False))
        except CorpusRefused as refused:
            await ctx.send(refused_text(refused))
        return None

    async def _log(self, ctx: commands.Context, action: str, detail: str) -> None:
        await self.bot.guild_store.log_action(
            ctx.guild.id if ctx.guild else None, ctx.author.id, str(ctx.author), action, detail
        )

    @commands.hybrid_command(**discord_options("reload"))
    @moderator_only()
    async def reload(self, ctx: commands.Context) -> None:
        """Rebuild from the corpus folder; a bad file refuses the reload and the old index keeps serving."""
        service = self.bot.service
        try:
            report = await with_confirmation(ctx, lambda confirmed: service.reload(confirmed=confirmed))
        except CorpusRefused as refused:
            await self._log(ctx, "reload refused", refused.summary)
            await ctx.send(refused_text(refused))
            return
        if report is not None:
            await self._log(ctx, "reload", report.summary)
            await ctx.send(change_text("Reloaded", report))

    @commands.hybrid_group(**discord_options("article"))
    @moderator_only()
    async def article(self, ctx: commands.Context) -> None:
        """Group of the article commands; alone it explains them."""
        prefix = ctx.clean_prefix
        await ctx.send(
            f"`{prefix}article add` (with the file attached), `{prefix}article add <url>`, `{prefix}article replace` "
            f"(file attached, overwriting), `{prefix}article remove <id>` (one article), `{prefix}article remove "
            "<file name>` (a whole file).",
            ephemeral=True,
        )

    @article.command(**discord_options("article add"))
    @app_commands.describe(file="a .txt, .md, .json or .jsonl article file", url="the article's http(s) address")
    @moderator_only()
    async def article_add(
        self, ctx: commands.Context, file: discord.Attachment | None = None, url: str | None = None
    ) -> None:
        """Add a new article from a file (refuses to overwrite one: use `article replace`) or from its address (the
        same address again replaces it)."""
        if (file is None) == (url is None):
            command = f"{ctx.clean_prefix}article add"
            usage = f"`{command}` with an article file attached, or `{command} <url>`."
            await send_private(ctx, ("Give one of them: " if file else "Add what? ") + usage)
        elif url is not None:
            await self._add_link(ctx, url)
        else:
            await self._upload(ctx, file, replace=False)

    async def _add_link(self, ctx: commands.Context, url: str) -> None:
        await ctx.defer()
        service = self.bot.service

        async def save(article: WebArticle) -> ChangeReport | None:
            return await with_confirmation(
                ctx,
                lambda confirmed: service.add_article(
                    article.file_name, article.data, replace=True, confirmed=confirmed
                ),
            )

        added = await self._refusing(ctx, add_link_article(service, url, save))
        if added is not None:
            article = added.article
            action = "article replace link" if article.replaces is not None else "article add link"
            await self._log(ctx, action, f"{article.url} -> {article.file_name}")
            where = f"`{added.article_id}`: “{escape(shorten(article.title, 200))}”, {link_text(article.url)}"
            await ctx.send(shorten(change_text(added.verb, added.report) + "\n" + where, 1_900))

    @article.command(**discord_options("article replace"))
    @app_commands.describe(file="the new version of the article file, with the same file name")
    @moderator_only()
    async def article_replace(self, ctx: commands.Context, file: discord.Attachment) -> None:
        """Add an article, overwriting the file of the same name (the old one is kept in the state folder)."""
        await self._upload(ctx, file, replace=True)

    async def _upload(self, ctx: commands.Context, file: discord.Attachment, *, replace: bool) -> None:
        limit = self.bot.settings.max_file_bytes
        name = escape(shorten(file.filename, 120))
        if file.size > limit:
            await ctx.send(f"`{name}` is {file.size:,} bytes, over the {limit:,}-byte limit; nothing was added.")
            return
        await ctx.defer()
        try:
            data = await file.read()
        except discord.HTTPException as error:
            await ctx.send(f"I couldn't download `{name}` from Discord ({error.status}); nothing was added. Try again.")
            return
        service = self.bot.service
        report = await self._refusing(
            ctx,
            with_confirmation(
                ctx, lambda confirmed: service.add_article(file.filename, data, replace=replace, confirmed=confirmed)
            ),
        )
        if report is not None:
            await self._log(ctx, "article replace" if replace else "article add", f"{file.filename}: {report.summary}")
            await ctx.send(change_text("Replaced" if replace else "Added", report))

    @article.command(**discord_options("article remove"))
    @app_commands.describe(article_id="the article's id, as `sources` shows it, or a file name for a whole file")
    @moderator_only()
    async def article_remove(self, ctx: commands.Context, article_id: str) -> None:
        """Remove that article only (a file of several is rewritten without it; the old file goes to the trash),
        or a whole file by its name after confirmation; then reindex."""
        service = self.bot.service
        done = await self._refusing(
            ctx, with_confirmation(ctx, lambda confirmed: service.remove_article(article_id, confirmed=confirmed))
        )
        if done is not None:
            report, kept = done
            await self._log(ctx, "article remove", f"{article_id} -> {kept}")
            kept_line = f"\nThe previous version of the file is kept in the trash as `{escape(kept.name)}`."
            await ctx.send(change_text("Removed", report) + kept_line)


async def setup(bot: StoryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Moderation(bot))
