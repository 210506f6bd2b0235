"""Data files shipped as YAML (rule sets, list rules, disposition criteria, workflows, supply thresholds …): read one,
check it is a mapping and validate it with its pydantic model, so that every kind explains a bad file the same way —
the file's name and, for each problem, its YAML path and a Chinese message.
"""

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

M = TypeVar("M", bound=BaseModel)
# libyaml's parser with the safe constructor: the same values as yaml.safe_load, ~5× faster (the seven built-in rule
# sets took 0.3 s to parse on every evaluation run, bench/evaluate_e2e.py); the pure-Python one where libyaml is absent
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Strict(BaseModel):
    """The base of every data file's models: unknown fields are refused (a misspelt key is an error), values are
    frozen, and aliased fields (`from`) may also be given by name."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Source(Strict):
    """Where a data file (or one of its parts) comes from: the article or document it implements."""

    citation: str = Field(min_length=4)
    url: str = ""
    note: str = ""


class State(Strict):
    """A state of a workflow kept as data (jobs, cases, admission review): code, label, map/badge colour."""

    code: str
    label: str
    colour: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")
    final: bool = False


class TransitionBase(Strict):
    """What every workflow step has: its action code, label and the states it may start from; each workflow adds
    where it goes, who may make it and what it requires."""

    action: str = Field(pattern=r"^[a-z_]+$")
    label: str
    from_: tuple[str, ...] = Field(alias="from", min_length=1)



def validation_problems(exc: ValidationError) -> list[tuple[str, str]]:
    """(YAML path, Chinese message) for each error pydantic found; a model-level check may name its own path as
    "path: message"."""
    problems = []
    for error in exc.errors():
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"]).lstrip(".") or "（顶层）"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "未知字段（拼写错误？）"
        elif error["type"] == "missing":
            message = "缺少必填项"
        elif error["type"] == "literal_error":
            message = f"取值无效，允许：{error['ctx']['expected']}"
        elif where == "（顶层）" and ": " in message:
            where, message = message.split(": ", 1)
        problems.append((where, message))
    return problems


def problems_text(noun: str, name: str, problems: list[tuple[str, str]]) -> str:
    """The message listing every problem of one file: "<noun> <name> 有 N 处错误：" and a line each."""
    lines = "\n".join(f"  - {where}: {message}" for where, message in problems)
    return f"{noun} {name} 有 {len(problems)} 处错误：\n{lines}"


def read_mapping(path: Path, *, noun: str, error: type[Exception]) -> dict:
    """The YAML file's top-level mapping; `error` naming the file when it cannot be read, is not YAML or is not a
    mapping."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"无法读取{noun} {path.name}：{exc}") from exc
    except yaml.YAMLError as exc:
        raise error(f"{noun} {path.name} 不是有效的 YAML：{str(exc).splitlines()[0]}") from exc
    if not isinstance(data, dict):
        raise error(f"{noun} {path.name} 的顶层应为映射（键: 值）")
    return data


def load_validated(path: Path, model: type[M], *, noun: str, error: type[Exception]) -> M:
    """Read `path` and validate it as `model`; `error` names the file and the YAML path of each problem."""
    path = Path(path)
    data = read_mapping(path, noun=noun, error=error)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(problems_text(noun, path.name, validation_problems(exc))) from exc
