"""Write ``docs/scenario_files.md`` and ``docs/scenario_files.zh.md``: every field of the
scenario and plan files (type, unit, default, meaning) from the pydantic schema, and the
columns of every input table (a test checks the files are current).

Usage: ``python tools/write_scenario_docs.py`` (``--check``: exit 1 if a file is stale).
"""

from __future__ import annotations

import json
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scenario_doc_text import FIELDS, MODELS_ZH, TABLES, UNITS

from musterpoint.scenarios.schema import Plan, Scenario

__all__ = ["meaning", "models", "render"]

DOCS = Path(__file__).resolve().parents[1] / "docs"
OUT = {"en": DOCS / "scenario_files.md", "zh": DOCS / "scenario_files.zh.md"}

_WORDS = {
    "en": {"title": "Scenario files", "field": "field", "type": "type", "unit": "unit",
           "default": "default", "meaning": "meaning", "required": "required",
           "tables": "Input tables: columns", "models": "Fields of scenario and plan files",
           "column": "column", "examples": "Examples"},
    "zh": {"title": "情景文件说明", "field": "字段", "type": "类型", "unit": "单位",
           "default": "默认值", "meaning": "含义", "required": "必填",
           "tables": "输入表格：字段说明", "models": "情景文件与预案文件的字段",
           "column": "列", "examples": "示例"},
}

_INTRO = {
    "en": ["A scenario is a folder: `scenario.yaml`, plan files (`plans/*.yaml`) and data "
           "files (`data/`). `muster new` writes one from a district's files (see "
           "`docs/district_from_scratch.md`). Paths are relative to the file that names "
           "them. Unknown keys are errors. Ids and names may use letters of any script "
           "(Chinese too), digits, `_`, `.` and `-`. This page is generated from the schema "
           "by `tools/write_scenario_docs.py`; do not edit it."],
    "zh": ["一个情景是一个文件夹：`scenario.yaml`、预案文件（`plans/*.yaml`）和数据文件"
           "（`data/`）。`muster new` 可由辖区现有文件生成情景（见 "
           "`docs/district_from_scratch.md`）。路径相对于引用它的文件。未知字段视为错误。"
           "标识与名称可使用任何文字（含中文）、数字、`_`、`.` 和 `-`。本页由 "
           "`tools/write_scenario_docs.py` 依据数据模式生成，请勿手工修改。"],
}

_EXAMPLES = """```yaml
hazard:
  closures:            # links closed from an hour (from_h), until an optional hour
    - {links: ["4512:101-102", "4512:102-101"], from_h: 1.5, until_h: 6, reason: 桥梁封闭}
shelters:
  - {id: 光谷体育馆, name: 光谷体育馆, lon: 114.4, lat: 30.5, capacity: 3000}
trips: data/trips.csv  # origin and destination are network node ids (whole numbers)
```"""


def _unit(name: str, lang: str) -> str:
    for suffix, (en, zh) in UNITS:
        if name.endswith(suffix) or name == suffix:
            return en if lang == "en" else zh
    return ""


def _attr_docs(model: type[BaseModel]) -> dict[str, str]:
    """Meanings from the model's numpydoc ``Attributes`` section."""
    doc = model.__doc__ or ""
    if "Attributes" not in doc:
        return {}
    out: dict[str, str] = {}
    cur = None
    for line in doc.split("Attributes", 1)[1].splitlines()[2:]:
        m = re.match(r"^    (\w+)\s*:", line)
        if m:
            cur = m.group(1)
            out[cur] = ""
        elif cur and line.startswith("        "):
            out[cur] = (out[cur] + " " + line.strip()).strip()
        elif line.strip() == "":
            continue
        else:
            break
    return out


def meaning(model: type[BaseModel], name: str, f: FieldInfo, lang: str) -> str:
    """A field's meaning in ``lang`` ("" when none is known)."""
    en_zh = FIELDS.get(f"{model.__name__}.{name}") or FIELDS.get(name)
    en = (en_zh[0] if en_zh and en_zh[0] else "") or (f.description or "") \
        or _attr_docs(model).get(name, "")
    if lang == "zh" and en_zh:
        return en_zh[1]
    return en


def _type(ann: Any) -> str:
    """A readable type: ``float (≥ 0) or None``, ``list of Shelter``, ``"a" / "b"``."""
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is typing.Annotated:
        inner, *meta = args
        return _type(inner) + _limits_of(meta)
    if origin is typing.Literal:
        return " / ".join(json.dumps(a, ensure_ascii=False) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type(a) for a in args)
    if origin is list:
        return f"list of {_type(args[0])}"
    if origin is dict:
        return f"map {_type(args[0])} → {_type(args[1])}"
    if origin is tuple:
        return "(" + ", ".join(_type(a) for a in args) + ")"
    if ann is type(None):
        return "None"
    return getattr(ann, "__name__", str(ann))


def _limits_of(meta: Any) -> str:
    out = []
    for m in meta:
        for attr, sym in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<"),
                          ("min_length", "min length")):
            v = getattr(m, attr, None)
            if v is not None:
                out.append(f"{sym} {v}")
        out.extend(_limits_of(getattr(m, "metadata", []))[2:-1].split(", ")
                   if getattr(m, "metadata", None) else [])
    return (" (" + ", ".join(o for o in out if o) + ")") if out else ""


def _default(f: FieldInfo, lang: str) -> str:
    if f.is_required():
        return _WORDS[lang]["required"]
    val = f.default_factory() if f.default_factory is not None else f.default  # type: ignore[call-arg]
    if isinstance(val, BaseModel):
        val = val.model_dump(exclude_none=True) or "{}"
    try:
        text = json.dumps(val, ensure_ascii=False)
    except TypeError:
        text = str(val)
    if len(text) > 80:  # the built-in lists (relief commodities, truck types)
        return "built-in list (see the schema)" if lang == "en" else "内置列表（见数据模式）"
    return f"`{text}`"


def models() -> list[type[BaseModel]]:
    """Every model reachable from Scenario and Plan, in walk order."""
    seen: list[type[BaseModel]] = []

    def walk(m: type[BaseModel]) -> None:
        if m in seen:
            return
        seen.append(m)
        for f in m.model_fields.values():
            stack = [f.annotation]
            while stack:
                a = stack.pop()
                if isinstance(a, type) and issubclass(a, BaseModel):
                    walk(a)
                stack.extend(typing.get_args(a))

    walk(Scenario)
    walk(Plan)
    return seen


def render(lang: str) -> str:
    """The Markdown page in ``lang`` ("en" or "zh")."""
    w = _WORDS[lang]
    lines = [f"# {w['title']}", "", *_INTRO[lang], "", f"## {w['examples']}", "", _EXAMPLES,
             "", f"## {w['tables']}", ""]
    for t_en, t_zh, cols, n_en, n_zh in TABLES:
        lines += [f"### {t_en if lang == 'en' else t_zh}", "",
                  f"| {w['column']} | {w['meaning']} |", "|---|---|"]
        lines += [f"| `{c}` | {en if lang == 'en' else zh} |" for c, en, zh in cols]
        note = n_en if lang == "en" else n_zh
        lines += (["", note] if note else []) + [""]
    lines += [f"## {w['models']}", ""]
    for m in models():
        head = m.__name__ if lang == "en" else f"{MODELS_ZH.get(m.__name__, '')} {m.__name__}"
        doc = (m.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        lines += [f"### {head.strip()} ({m.__module__.rsplit('.', 1)[-1]})", "", doc, "",
                  f"| {w['field']} | {w['type']} | {w['unit']} | {w['default']} | "
                  f"{w['meaning']} |", "|---|---|---|---|---|"]
        for name, f in m.model_fields.items():
            lines.append(f"| `{name}` | {_type(f.annotation)}{_limits_of(f.metadata)} | "
                         f"{_unit(name, lang)} | {_default(f, lang)} | "
                         f"{meaning(m, name, f, lang).replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    stale = 0
    for lang, path in OUT.items():
        text = render(lang)
        if "--check" in sys.argv:
            stale += not (path.exists() and path.read_text(encoding="utf-8") == text)
        else:
            path.write_text(text, encoding="utf-8")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
