"""Application-command interaction data: find the synced command, type the options, fill `resolved`."""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING, Any

from .models import Channel, Guild, Member, Perm, Role, User
from .payloads import channel_payload, member_payload, role_payload, user_payload

if TYPE_CHECKING:
    from .emulator import DiscordEmulator

SUBCOMMAND, GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11


class CommandUnavailable(AssertionError):
    """Discord would not let this user run this command here (not synced, wrong context, missing permissions)."""


def find_command(emu: DiscordEmulator, guild: Guild | None, name: str, kind: int = 1) -> dict[str, Any]:
    """The synced command of that name (guild commands first, then global), or CommandUnavailable."""
    scopes = [guild.id, None] if guild is not None else [None]
    for scope in scopes:
        for command in emu.commands.get(scope, []):
            if command["name"] == name and command["type"] == kind:
                return command
    synced = {str(scope): [c["name"] for c in commands] for scope, commands in emu.commands.items()}
    raise CommandUnavailable(f"/{name} is not synced where this interaction happens; synced commands: {synced}")


def check_available(emu: DiscordEmulator, command: dict[str, Any], guild: Guild | None, user: User) -> None:
    """Contexts and default_member_permissions: Discord hides the command, so nobody could run it."""
    contexts = command.get("contexts")
    context = 0 if guild is not None else 1
    if (contexts is not None and context not in contexts) or (guild is None and command.get("dm_permission") is False):
        raise CommandUnavailable(f"/{command['name']} is not available in {'guilds' if guild else 'DMs'}")
    required = command.get("default_member_permissions")
    if guild is not None and required is not None:
        bits = emu.world.base_permissions(guild, user.id)
        if int(required) == 0 or (bits & int(required) != int(required) and not bits & Perm.ADMINISTRATOR):
            raise CommandUnavailable(f"{user.username} lacks the permissions /{command['name']} requires ({required})")


class OptionBuilder:
    """Turns `{"name": value}` into typed interaction options, collecting `resolved` objects on the way."""

    def __init__(self, emu: DiscordEmulator, guild: Guild | None, channel: Channel) -> None:
        self.emu = emu
        self.guild = guild
        self.channel = channel
        self.resolved: dict[str, dict[str, Any]] = {}

    def build(
        self,
        command: dict[str, Any],
        path: list[str],
        values: dict[str, Any],
        *,
        focused: str | None,
        autocomplete: bool,
    ) -> list[dict[str, Any]]:
        """Options for `/command path... name=value`, nested under subcommand groups/subcommands as Discord does."""
        schema = list(command.get("options") or [])
        for part in path:
            found = next((o for o in schema if o["name"] == part and o["type"] in (SUBCOMMAND, GROUP)), None)
            if found is None:
                names = [o["name"] for o in schema if o["type"] in (SUBCOMMAND, GROUP)]
                raise CommandUnavailable(f"no subcommand {part!r} in /{command['name']}; there are {names}")
            schema = list(found.get("options") or [])
        if any(o["type"] in (SUBCOMMAND, GROUP) for o in schema):
            raise CommandUnavailable(f"/{command['name']} {' '.join(path)} needs a subcommand")
        by_name = {o["name"]: o for o in schema}
        unknown = set(values) - set(by_name)
        if unknown:
            raise CommandUnavailable(f"unknown options {sorted(unknown)}; /{command['name']} takes {list(by_name)}")
        missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
        if missing and not autocomplete:
            raise CommandUnavailable(f"missing required options {missing} for /{command['name']}")
        if autocomplete and focused is None and values:
            focused = list(values)[-1]
        options = []
        for name, value in values.items():
            if autocomplete and name == focused:
                options.append({"name": name, "type": by_name[name]["type"], "value": str(value), "focused": True})
            else:
                options.append({"name": name, "type": by_name[name]["type"], "value": self.value(by_name[name], value)})
        for part, parent in zip(reversed(path), self._parents(command, path), strict=True):
            options = [{"name": part, "type": parent, "options": options}]
        return options

    @staticmethod
    def _parents(command: dict[str, Any], path: list[str]) -> list[int]:
        kinds, schema = [], list(command.get("options") or [])
        for part in path:
            found = next(o for o in schema if o["name"] == part)
            kinds.append(found["type"])
            schema = list(found.get("options") or [])
        return list(reversed(kinds))

    def value(self, option: dict[str, Any], value: Any) -> Any:
        """One option's wire value (ids for users/channels/roles/attachments, recorded in `resolved`)."""
        kind = option["type"]
        if kind == INTEGER:
            return int(value)
        if kind == NUMBER:
            return float(value)
        if kind == BOOLEAN:
            return bool(value)
        if kind in (USER, MENTIONABLE) and isinstance(value, User | Member):
            return self._user(value)
        if kind == CHANNEL:
            channel = value if isinstance(value, Channel) else self.emu.world.channels[int(value)]
            allowed_types = option.get("channel_types")
            if allowed_types and channel.type not in allowed_types:
                raise CommandUnavailable(
                    f"Discord's picker for {option['name']!r} offers channel types {allowed_types}, not {channel.type}"
                )
            perms = self.emu.world.permissions_in(channel, self.emu.bot.id)
            self.resolved.setdefault("channels", {})[str(channel.id)] = {
                **channel_payload(channel),
                "permissions": str(perms),
            }
            return str(channel.id)
        if kind in (ROLE, MENTIONABLE) and isinstance(value, Role):
            self.resolved.setdefault("roles", {})[str(value.id)] = role_payload(value)
            return str(value.id)
        if kind == ATTACHMENT:
            filename, data, *rest = value
            content_type = rest[0] if rest else mimetypes.guess_type(filename)[0] or "application/octet-stream"
            stored = self.emu.world.add_file(filename, data, content_type)
            self.resolved.setdefault("attachments", {})[str(stored.id)] = self.emu.attachment(stored)
            return str(stored.id)
        if kind == USER:
            return self._user(self.emu.world.users[int(value)])
        return str(value)

    def _user(self, value: User | Member) -> str:
        user = value.user if isinstance(value, Member) else value
        self.resolved.setdefault("users", {})[str(user.id)] = user_payload(user)
        member = self.guild.members.get(user.id) if self.guild else None
        if member is not None:
            perms = self.emu.world.permissions_in(self.channel, user.id)
            members = self.resolved.setdefault("members", {})
            members[str(user.id)] = member_payload(member, with_user=False, permissions=perms)
        return str(user.id)
