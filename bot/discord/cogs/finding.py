"""Find the source of any message: Apps → **Find the source** (a message context menu, answered privately with a
Post in channel button) and its prefix twin, `!findsource` (alias `!source?`) sent as a reply to the message.

Context menus are application commands only: discord.py's global check (the channel allow-list) does not run for
them, so the menu carries the allow-list and the member cooldowns as its own checks (`allowed_channel`,
`ask_cooldown`). The prefix twin gets the allow-list from the global check and the cooldowns in its body, as `ask`.
"""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from answers.engine import NoMatch, SearchResult
from answers.sources import SourceFinding, Verdict
from bot.core.claims import Claim, claim_of
from bot.core.commands import discord_options, spec
from bot.core.presenting import no_match_sentence
from bot.core.source_replies import HEADING_CHARS, NO_WORDS, finding_heading, finding_notes
from bot.discord.answer_controls import AnswerControls
from bot.discord.app import StoryBot
from bot.discord.cogs.asking import embeds_allowed
from bot.discord.context_select import shown_passages
from bot.discord.embeds import ANSWER_COLOUR, answer_embed, escaped_within, shorten
from bot.discord.replies import send_private
from bot.discord.source_post import SourceAnswerControls

DEFER_AFTER_SECONDS = 1.0  # as `ask`: well inside Discord's 3-second deadline
FOOTER = "Find the source · passages holding the message's words, in order"
OWN_ANSWER = "That is one of my answers: its passages are cited in it."
ONLY_ATTACHMENTS = "That message has only attachments, which I don't read: there are no words to look for."
DELETED = "The message you replied to was deleted, so there is nothing to look for."
UNREADABLE = "I can't read the message you replied to (I need Read Message History in this channel)."


def usage(prefix: str) -> str:
    """How to use the prefix twin, for a member who sent it without replying to a message."""
    return (
        f"Reply to a message with `{prefix}findsource` (or `{prefix}source?`) and I'll look for it in the story; "
        "or use Apps → Find the source on the message."
    )


def shown_text(text: str) -> str:
    """A member's text inside an answer's sentence: shortened, then escaped (bot/discord/embeds.py)."""
    return escaped_within(text, 300)


def message_words(message: discord.Message, me: discord.abc.User | None) -> tuple[str, str]:
    """The text to look for in a message, or "" and why there is none: its content, else (a link preview, a
    forwarded message) its embeds' or snapshot's text. The bot's own answers and attachments are not read."""
    if me is not None and message.author.id == me.id:
        return "", OWN_ANSWER
    texts = [message.content]
    if not claim_of(message.content).parts:
        texts += [snapshot.content for snapshot in getattr(message, "message_snapshots", None) or []]
        texts += [f"{embed.title or ''}\n{embed.description or ''}" for embed in message.embeds]
    text = "\n".join(part for part in texts if part and part.strip())
    if claim_of(text).parts:
        return text, ""
    return "", ONLY_ATTACHMENTS if message.attachments else NO_WORDS


def finding_embed(claim: Claim, finding: SourceFinding, snippet_chars: int) -> discord.Embed:
    """The answer: the passages holding the message (cited, with their speakers), or the honest "can't find"."""
    notes = finding_notes(claim, finding, shown_text)
    if finding.verdict is Verdict.NOT_FOUND:
        embed = discord.Embed(title=notes[0], colour=ANSWER_COLOUR, description="\n".join(notes[1:]))
        embed.set_footer(text=FOOTER)
        return embed
    result = SearchResult(claim.shown, tuple(judged.hit for judged in finding.shown))
    if finding.verdict is Verdict.FOUND:
        heading = finding_heading(claim)
        return answer_embed(result, shorten(heading, HEADING_CHARS), snippet_chars, FOOTER, notes)
    return answer_embed(result, notes[0], snippet_chars, FOOTER, notes[1:])


async def allowed_channel(interaction: discord.Interaction) -> bool:
    """The channel allow-list, as for every member command (a context menu escapes the bot's global check)."""
    bot = interaction.client
    assert isinstance(bot, StoryBot)
    await bot.check_allowed_channel(interaction.guild, interaction.channel)
    return True


async def ask_cooldown(interaction: discord.Interaction) -> bool:
    """The member and server cooldowns shared with `who` and `ask` (bot/discord/cooldowns.py)."""
    bot = interaction.client
    assert isinstance(bot, StoryBot)
    bot.ask_cooldowns.check(interaction)
    return True


class Finding(commands.Cog):
    """Find the source of a message."""

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(name=spec("findsource").context_menu, callback=self.find_source_menu)
        self.menu.add_check(allowed_channel)
        self.menu.add_check(ask_cooldown)

    async def cog_check(self, ctx: commands.Context) -> bool:
        """The prefix twin's answer is an embed, as `ask`'s."""
        return embeds_allowed(ctx)

    async def cog_load(self) -> None:
        """Register the context menu (menus cannot be declared inside a cog)."""
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        """Unregister the context menu."""
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def _find(self, guild_id: int | None, claim: Claim) -> SourceFinding:
        limit = (await self.bot.guild_store.get(guild_id)).results
        return await self.bot.service.find_source_async(claim, limit)

    async def find_source_menu(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Apps → Find the source: the answer privately, with a button to post it in the channel."""
        text, refusal = message_words(message, self.bot.user)
        if refusal:
            await interaction.response.send_message(refusal, ephemeral=True)
            return
        claim = claim_of(text)
        search = asyncio.ensure_future(self._find(interaction.guild_id, claim))
        done, _ = await asyncio.wait({search}, timeout=DEFER_AFTER_SECONDS)
        if not done:
            await interaction.response.defer(ephemeral=True, thinking=True)
        finding = await search
        if finding.verdict is Verdict.NO_ARTICLES:
            await self._reply(interaction, content=no_match_sentence_for_empty_story())
            return
        embed = finding_embed(claim, finding, self.bot.settings.search.snippet_chars)
        view = SourceAnswerControls(
            self.bot,
            interaction.user.id,
            embed,
            message,
            shown_passages(tuple(judged.hit for judged in finding.shown)),
            self.bot.settings.discord.page_timeout_seconds,
        )
        view.message = await self._reply(interaction, embed=embed, view=view)

    async def _reply(self, interaction: discord.Interaction, **message: object) -> discord.Message:
        """Answer privately, whether or not the interaction was deferred; the message sent."""
        if interaction.response.is_done():
            return await interaction.followup.send(ephemeral=True, wait=True, **message)  # type: ignore[arg-type]
        await interaction.response.send_message(ephemeral=True, **message)  # type: ignore[arg-type]
        return await interaction.original_response()

    @commands.command(**discord_options("findsource"))
    async def findsource(self, ctx: commands.Context) -> None:
        """`!findsource` as a reply to a message: the same answer, in the channel, replying to that message."""
        reference = ctx.message.reference
        if reference is None or reference.message_id is None:
            await send_private(ctx, usage(ctx.clean_prefix))
            return
        target = await self._replied_message(ctx, reference)
        if isinstance(target, str):
            await send_private(ctx, target)
            return
        text, refusal = message_words(target, self.bot.user)
        if refusal:
            await send_private(ctx, refusal)
            return
        self.bot.ask_cooldowns.check(ctx)
        claim = claim_of(text)
        finding = await self._find(ctx.guild.id if ctx.guild else None, claim)
        if finding.verdict is Verdict.NO_ARTICLES:
            await send_private(ctx, no_match_sentence_for_empty_story())
            return
        embed = finding_embed(claim, finding, self.bot.settings.search.snippet_chars)
        passages = shown_passages(tuple(judged.hit for judged in finding.shown))
        view = AnswerControls(
            ctx.author.id, self.bot.service, passages, self.bot.settings.discord.page_timeout_seconds, slash=False
        )
        view.message = await ctx.send(
            embed=embed,
            view=view if passages else discord.utils.MISSING,
            reference=target.to_reference(fail_if_not_exists=False),
            mention_author=False,
        )

    async def _replied_message(
        self, ctx: commands.Context, reference: discord.MessageReference
    ) -> discord.Message | str:
        """The message replied to (Discord usually sends it along; else it is fetched), or why it can't be read."""
        resolved = reference.resolved
        if isinstance(resolved, discord.Message):
            return resolved
        if isinstance(resolved, discord.DeletedReferencedMessage):
            return DELETED
        try:
            return await ctx.channel.fetch_message(reference.message_id)  # type: ignore[arg-type]
        except discord.NotFound:
            return DELETED
        except discord.Forbidden:
            return UNREADABLE


def no_match_sentence_for_empty_story() -> str:
    """The story has no articles: what every question is told."""
    return no_match_sentence(SearchResult("", (), no_match=NoMatch.NO_ARTICLES))


async def setup(bot: StoryBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Finding(bot))
