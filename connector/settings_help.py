"""The settings as ``serve --help`` lists them, generated from the settings models' fields
(``connector.settings.Settings``, ``connector.server_limits.ServerLimits``): names, defaults and
descriptions come from the models, so the help cannot drift from what is read."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

from connector.server_limits import ServerLimits
from connector.settings import ENV_FILE, ENV_PREFIX, Settings

WIDTH = 100


@dataclass(frozen=True)
class SettingHelp:
    variable: str
    default: str
    description: str


def setting_helps(model: type[BaseSettings]) -> list[SettingHelp]:
    return [
        SettingHelp(ENV_PREFIX + name.upper(), default_text(field), field.description or "")
        for name, field in model.model_fields.items()
    ]


def default_text(field: FieldInfo) -> str:
    default = field.default
    if default is PydanticUndefined:
        return "required"
    if default is None or default == "":
        return "unset"
    if isinstance(default, bool):
        return str(default).lower()
    return str(default)


def sections() -> list[tuple[str, list[SettingHelp]]]:
    return [
        ("settings of the hook", setting_helps(Settings)),
        ("limits on client connections", setting_helps(ServerLimits)),
    ]


def settings_epilog() -> str:
    lines = textwrap.wrap(
        f"settings come from the environment, and from a {ENV_FILE} file in the current folder "
        "when present (the environment wins):",
        WIDTH,
    )
    for title, helps in sections():
        lines.append(f"\n{title}:")
        for setting in helps:
            lines.append(f"  {setting.variable} (default: {setting.default})")
            lines.extend(
                textwrap.wrap(
                    setting.description,
                    WIDTH,
                    initial_indent="      ",
                    subsequent_indent="      ",
                )
            )
    return "\n".join(lines) + "\n"
