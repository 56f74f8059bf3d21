"""Members ask: `who`, `ask` (alias `search`), `sources`, `source`, `help`, as prefix and slash commands."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from answers.engine import SearchResult
from bot.core.commands import discord_options
from bot.core.presenting import ask_for_words, no_match_sentence
from bot.core.questions import Question
from bot.discord.answer_controls import AnswerControls
from bot.discord.app import StoryBot, channel_allowed
from bot.discord.choices import article_for_choice, choice_names, choice_value
from bot.discord.command_help import help_lines
from bot.discord.context_select import shown_passages
from bot.discord.embeds import answer_embed, escape, shorten, source_embed, sources_embed
from bot.discord.feedback import asked_id
from bot.discord.replies import send_private
from corpus.models import Article

# Slash answers defer when the search has not finished by then, well inside Discord's 3-second deadline.
DEFER_AFTER_SECONDS = 1.0


class MissingEmbedLinks(commands.CheckFailure):
    """The bot may send messages in a channel but not embeds, which every answer is."""

    def __init__(self) -> None:
        super().__init__(
            "I need the Embed Links permission in this channel to show answers; a server admin can grant it."
        )


def embeds_allowed(ctx: commands.Context) -> bool:
    """Prefix answers are embeds: without Embed Links Discord would drop them and post an empty message (raises
    MissingEmbedLinks). A channel discord.py has not cached knows no permissions: the answer is tried."""
    channel = ctx.channel
    if ctx.interaction is not None or ctx.guild is None or isinstance(channel, discord.PartialMessageable):
        return True
    if not channel.permissions_for(ctx.me).embed_links:
        raise MissingEmbedLinks()
    return True


class Asking(commands.Cog):
    """What every member can do."""

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot

    async def cog_check(self, ctx: commands.Context) -> bool:
        """Answers are embeds (`embeds_allowed`)."""
        return embeds_allowed(ctx)

    @commands.hybrid_command(**discord_options("who"))
    @app_commands.describe(words="words of the quotation, e.g. border czar")
    async def who(self, ctx: commands.Context, *, words: str) -> None:
        """`!who said border czar`: the passages quoting those words, best first, each cited."""
        question = Question.typed(words, who=True)
        if question.empty:
            example = "/who words: border czar" if ctx.interaction else f"{ctx.clean_prefix}who said border czar"
            await send_private(ctx, ask_for_words(example))
            return
        await self._answer(ctx, question, heading="Who said “{}”?")

    @commands.hybrid_command(**discord_options("ask"))
    @app_commands.describe(question="what you want to know about the story")
    async def ask(self, ctx: commands.Context, *, question: str) -> None:
        """`!ask what did Harris say about Trump`: the best-matching passages, each cited."""
        await self._answer(ctx, Question.typed(question), heading="“{}”")

    async def _answer(self, ctx: commands.Context, question: Question, heading: str) -> None:
        """Search and answer; `heading` gets the question (as searched) in place of `{}`, and is escaped later."""
        self.bot.ask_cooldowns.check(ctx)  # per member, then per server (bot/discord/cooldowns.py)
        note = question.cut_note
        guild_settings = await self.bot.guild_store.get(ctx.guild.id if ctx.guild else None)
        limit = guild_settings.results
        snippet_chars = self.bot.settings.search.snippet_chars
        search = asyncio.ensure_future(self.bot.service.ask_async(question, limit))
        if ctx.interaction is not None:
            done, _ = await asyncio.wait({search}, timeout=DEFER_AFTER_SECONDS)
            if not done:
                await ctx.defer()
        result = await search
        # What members could not find (bot/discord/feedback.py): recorded after the reply, never delaying it.
        feedback, guild_id, answer_id = self.bot.feedback, ctx.guild.id if ctx.guild else None, asked_id(ctx)
        command = ctx.command.name if ctx.command else "ask"
        if not result.hits:
            await send_private(ctx, f"{note}\n{no_match_sentence(result)}".strip())
            feedback.unanswered(guild_id, answer_id, command, question, result)
            return
        heading = heading.format(shorten(question.text, 200))
        votes = feedback.vote_buttons(guild_id, answer_id)

        async def load_page(offset: int) -> tuple[SearchResult, discord.Embed]:
            page = await self.bot.service.ask_async(question, limit, offset)
            feedback.shown(guild_id, answer_id, command, question, page, limit, votes)  # the votes follow the page
            return page, answer_embed(page, heading, snippet_chars, _page_note(page, limit))

        embed = answer_embed(result, heading, snippet_chars, _page_note(result, limit))
        view = AnswerControls(
            ctx.author.id,
            self.bot.service,
            shown_passages(result.hits),
            timeout=self.bot.settings.discord.page_timeout_seconds,
            slash=ctx.interaction is not None,
            loader=load_page if result.has_more else None,
            next_offset=len(result.hits),
            pages_left=self.bot.settings.search.max_pages - 1,
            beside=votes,
        )
        view.message = await ctx.send(content=note or None, embed=embed, view=view)
        feedback.shown(guild_id, answer_id, command, question, result, limit, votes)

    @commands.hybrid_command(**discord_options("sources"))
    async def sources(self, ctx: commands.Context) -> None:
        """List the story's articles with their dates and ids."""
        await ctx.send(embed=sources_embed(self.bot.service.corpus.articles))

    @commands.hybrid_command(**discord_options("source"))
    @app_commands.describe(article="the article's id or part of its title")
    async def source(self, ctx: commands.Context, *, article: str) -> None:
        """Show one article: title, date, paragraphs, link."""
        found = self._article_named(article)
        if found is None:
            shown = escape(shorten(article, 100))
            await send_private(ctx, f"No article matches “{shown}”. `/sources` lists them.")
            return
        await ctx.send(embed=source_embed(found))

    def _article_named(self, typed: str) -> Article | None:
        """The article an autocomplete choice stands for, else the best match of what was typed."""
        articles = self.bot.service.corpus.articles
        chosen = article_for_choice(articles, typed.strip())
        if chosen is not None:
            return chosen
        found = self.bot.service.find_articles(typed)
        return found[0] if found else None

    @source.autocomplete("article")
    async def source_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice]:
        """Up to 25 article titles matching what is typed; nothing outside the guild's allowed channels."""
        if interaction.guild is None:
            return []
        guild_settings = await self.bot.guild_store.get(interaction.guild.id)
        if not channel_allowed(interaction.channel, guild_settings.channels):
            return []
        articles = self.bot.service.find_articles(current) if current.strip() else self.bot.service.corpus.articles
        shown = list(articles)[:25]
        names = choice_names(shown)
        return [app_commands.Choice(name=name, value=choice_value(a)) for name, a in zip(names, shown, strict=True)]

    @commands.hybrid_command(**discord_options("help"))
    async def help(self, ctx: commands.Context) -> None:
        """The command list, written from the commands' own definitions, with who may use each."""
        guild_settings = await self.bot.guild_store.get(ctx.guild.id if ctx.guild else None)
        lines = help_lines(self.bot, guild_settings.prefix)
        embed = discord.Embed(title="storybot: where did that quote come from?", description="\n".join(lines))
        await send_private(ctx, embed=embed)


def _page_note(result: SearchResult, limit: int) -> str:
    page = result.offset // max(limit, 1) + 1
    return f"Page {page} · passages {result.offset + 1}–{result.offset + len(result.hits)}"


async def setup(bot: StoryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Asking(bot))
