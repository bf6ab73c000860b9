"""Schema problems of an edited scenario or plan, by field, in the page's language.

The loader's messages (:func:`musterpoint.scenarios.loader.validate_mapping`) are
English. The studio validates with the same models but words the common pydantic error
types itself, as catalog msgids filled with the error's limits (``give a number greater
than 0``), so a Chinese page shows Chinese next to the field. A model's own check (a
``ValueError`` with its own sentence) is translated when the catalog has that sentence;
otherwise the Chinese page says the value is not valid and keeps the English sentence as
``detail`` (shown on hover).

:func:`localized_problems` is the one entry point. The command line's counterpart is
:mod:`musterpoint.scenarios.validation_text` (translated where shown by
:mod:`musterpoint.display.input_text`): the same pydantic error types and catalog, but its
texts echo the value given, which a message beside the field need not.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from musterpoint.display.i18n import N_, language_code, tr
from musterpoint.scenarios.loader import _loc as field_path  # the loader's field paths
from musterpoint.scenarios.schema import Plan, Scenario

__all__ = ["ERROR_TEXTS", "localized_problems", "problem_text"]

#: pydantic error type -> msgid (``{limit}``, ``{expected}``: the error's context).
ERROR_TEXTS: dict[str, str] = {
    "missing": N_("required key is missing"),
    "extra_forbidden": N_("unknown key; remove it or check its spelling"),
    "greater_than": N_("give a number greater than {limit}"),
    "greater_than_equal": N_("give a number of {limit} or more"),
    "less_than": N_("give a number less than {limit}"),
    "less_than_equal": N_("give a number of {limit} or less"),
    "int_type": N_("give a whole number"),
    "int_parsing": N_("give a whole number"),
    "int_from_float": N_("give a whole number"),
    "float_type": N_("give a number"),
    "float_parsing": N_("give a number"),
    "finite_number": N_("give a number"),
    "bool_type": N_("give true or false"),
    "bool_parsing": N_("give true or false"),
    "string_type": N_("give a text"),
    "string_too_short": N_("give a text"),
    "list_type": N_("give a list"),
    "tuple_type": N_("give a list"),
    "dict_type": N_("give a mapping (key: value)"),
    "model_type": N_("give a mapping (key: value)"),
    "model_attributes_type": N_("give a mapping (key: value)"),
    "too_short": N_("give at least {limit} items"),
    "too_long": N_("give at most {limit} items"),
    "literal_error": N_("give one of: {expected}"),
    "enum": N_("give one of: {expected}"),
    "string_pattern_mismatch": N_("use only letters (Chinese too), digits, '_', '.' and '-' "
                                  "(no spaces, slashes or other punctuation)"),
    "datetime_from_date_parsing": N_("give a date and time such as 2024-05-03T06:00:00"),
    "datetime_parsing": N_("give a date and time such as 2024-05-03T06:00:00"),
    "datetime_type": N_("give a date and time such as 2024-05-03T06:00:00"),
}
#: The Chinese page's words for a model's own check the catalog does not translate.
NOT_VALID = N_("this value is not valid (hover for the details)")
_LIMIT_KEYS = ("gt", "ge", "lt", "le", "min_length", "max_length")


def _number(value: Any) -> str:
    """A limit as people write it (``5``, not ``5.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _detail(err: Any) -> str:
    return str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")


def problem_text(err: Any, lang: str) -> tuple[str, str | None]:
    """One pydantic error in language ``lang``: its text and, when that text is only a
    stand-in for an untranslated sentence, the original sentence (else None)."""
    kind = str(err["type"])
    ctx = err.get("ctx") or {}
    msgid = ERROR_TEXTS.get(kind)
    if msgid is not None:
        limit = next((_number(ctx[k]) for k in _LIMIT_KEYS if k in ctx), "")
        expected = str(ctx.get("expected", "")).replace("'", "")
        return tr(lang, msgid).format(limit=limit, expected=expected), None
    detail = _detail(err)
    code = language_code(lang)
    translated = tr(code, detail)
    if code == "en" or translated != detail:
        return translated, None
    return tr(code, NOT_VALID), detail


def localized_problems(kind: str, data: Any, rel: str, lang: str) -> list[dict[str, Any]]:
    """Schema problems of an edited file, each ``{file, field, reason[, detail]}``.

    Parameters
    ----------
    kind : str
        ``scenario`` or ``plan``.
    data : Any
        The file's content as parsed YAML (a mapping, else one problem says so).
    rel : str
        The file's name, given in each problem.
    lang : str
        The page's language (``en`` or ``zh``).

    Returns
    -------
    list of dict
        Empty when the content is valid.
    """
    if not isinstance(data, dict):
        return [{"file": rel, "field": "(file)",
                 "reason": tr(lang, ERROR_TEXTS["model_type"])}]
    model: type[BaseModel] = Scenario if kind == "scenario" else Plan
    try:
        model.model_validate(data)
    except ValidationError as exc:
        out = []
        for err in exc.errors():
            reason, detail = problem_text(err, lang)
            item: dict[str, Any] = {"file": rel, "reason": reason,
                                    "field": field_path(err["loc"]) or "(file)"}
            if detail is not None:
                item["detail"] = detail
            out.append(item)
        return out
    return []
