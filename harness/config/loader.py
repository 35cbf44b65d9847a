"""Find, parse and validate clouds.yaml, turning every mistake into one line naming where it is."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from harness.config.schema import SECRET_HINT, Cloud, CloudsFile
from harness.errors import ConfigError

SECRET_KEYS = frozenset({"password", "passwd", "token", "secret", "secret_id", "api_key"})
Location = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


def user_config_path() -> Path:
    """The per-user clouds.yaml, under XDG_CONFIG_HOME like openstacksdk's."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "shadow-harness" / "clouds.yaml"


def find_config_file(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the clouds.yaml in force: --cloud-config, else ./clouds.yaml, else the user's."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{path}: no such clouds.yaml")
        return path
    for candidate in (Path.cwd() / "clouds.yaml", user_config_path()):
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"no clouds.yaml found (looked in ./clouds.yaml and {user_config_path()}); "
        "run 'harness dev up' for a local cloud or pass --cloud-config PATH"
    )


def _line_map(node: yaml.Node, path: Location = ()) -> Iterator[tuple[Location, int]]:
    """Yield (key path, 1-based line) for every node of a composed YAML document."""
    yield path, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _line_map(value, (*path, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _line_map(item, (*path, index))


def _parse(path: Path) -> tuple[Any, dict[Location, int]]:
    """Parse YAML keeping each value's line, so errors can point at it."""
    text = path.read_text()
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{path}{where}: YAML syntax error: {problem}") from None
    lines = dict(_line_map(node)) if node is not None else {}
    return data, lines


def _describe(path: Path, loc: Location, lines: dict[Location, int], message: str) -> str:
    """Build the one-line error: file:line: cloud NAME: field a.b.c: message."""
    line = next((lines[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in lines), None)
    where = f"{path}:{line}" if line else str(path)
    if len(loc) >= 2 and loc[0] == "clouds":
        field = ".".join(str(p) for p in loc[2:]) or "(the cloud itself)"
        return f"{where}: cloud {loc[1]!r}: field {field}: {message}"
    return f"{where}: field {'.'.join(str(p) for p in loc) or '(top level)'}: {message}"


def _find_inline_secret(data: Any, loc: Location = ()) -> Location | None:
    """Return where a secret value is written inline, if anywhere."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in SECRET_KEYS and isinstance(value, str | int):
                return (*loc, key)
            found = _find_inline_secret(value, (*loc, key))
            if found:
                return found
    return None


def _first_error(error: ValidationError) -> tuple[Location, str]:
    """Pick the most telling error (an unknown key, else the deepest) and phrase it for people."""
    first = min(error.errors(), key=lambda e: (e["type"] != "extra_forbidden", -len(e["loc"])))
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p in ("token", "approle")))
    if first["type"] == "extra_forbidden":
        return loc, "unknown key"
    if first["type"] == "missing":
        return loc, "required but missing"
    return loc, first["msg"].removeprefix("Value error, ")


def load_model(path: Path, model: type[M]) -> M:
    """Parse a YAML file and validate it against a model: one error naming file, line, field."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    data, lines = _parse(path)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        loc, message = _first_error(error)
        raise ConfigError(_describe(path, loc, lines, message)) from None


def load_clouds(explicit: str | os.PathLike[str] | None = None) -> tuple[Path, CloudsFile]:
    """Load and validate every cloud in the clouds.yaml in force."""
    path = find_config_file(explicit)
    data, lines = _parse(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: field (top level): expected a mapping with a 'clouds' key")
    secret_at = _find_inline_secret(data)
    if secret_at:
        raise ConfigError(_describe(path, secret_at, lines, f"embeds a secret; {SECRET_HINT}"))
    try:
        parsed = CloudsFile.model_validate(data)
    except ValidationError as error:
        loc, message = _first_error(error)
        raise ConfigError(_describe(path, loc, lines, message)) from None
    named = {name: cloud.model_copy(update={"name": name}) for name, cloud in parsed.clouds.items()}
    return path, parsed.model_copy(update={"clouds": named})


def load_cloud(name: str, explicit: str | os.PathLike[str] | None = None) -> Cloud:
    """Load one cloud by name; a missing cloud names the file and the clouds it has."""
    path, clouds = load_clouds(explicit)
    try:
        return clouds.clouds[name]
    except KeyError:
        known = ", ".join(sorted(clouds.clouds)) or "none"
        raise ConfigError(f"{path}: cloud {name!r} not found (clouds defined: {known})") from None
