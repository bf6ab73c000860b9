"""What the loader says about a field that fails the schema, by pydantic error type.

Pydantic's own messages are English only and do not show the value given; the common error
types (missing, unknown key, wrong type, out of range, not one of the choices) are
reworded here as English msgids with ``{fields}`` (the value given and the bound), so that
:mod:`musterpoint.display.input_text` can show them in the reader's language with the same
figures. The ``N_`` marker below only marks a text for the catalog extractor (this layer
sits below the catalog and translates nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["N_", "SCHEMA_MESSAGES", "schema_message"]

#: Longest shown value (characters); longer values are cut with an ellipsis.
MAX_SHOWN = 60


def N_(message: str) -> str:
    """Mark ``message`` for the catalog extractor; return it unchanged."""
    return message


_DATETIME = N_("give a date and time such as 2024-05-03T06:00:00")
_WHOLE = N_("give a whole number, not {value}")
_NUMBER = N_("give a number, not {value}")
_BOOL = N_("give true or false, not {value}")
_MAPPING = N_("give a mapping of keys (key: value lines), not {value}")
_CHOICE = N_("must be one of {expected}, not {value}")

#: pydantic error type -> English msgid (``{value}``: the value given; other fields: the
#: error's context, such as ``gt`` or ``expected``). Other types keep pydantic's message.
SCHEMA_MESSAGES: dict[str, str] = {
    "extra_forbidden": N_("unknown key; remove it or check its spelling"),
    "missing": N_("required key is missing"),
    "string_pattern_mismatch": N_("use only letters (Chinese too), digits, '_', '.' and '-' "
                                  "(no spaces, slashes or other punctuation)"),
    "datetime_from_date_parsing": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_type": _DATETIME,
    "int_type": _WHOLE,
    "int_parsing": _WHOLE,
    "int_from_float": _WHOLE,
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "bool_type": _BOOL,
    "bool_parsing": _BOOL,
    "string_type": N_("give a text, not {value}"),
    "list_type": N_("give a list, not {value}"),
    "dict_type": _MAPPING,
    "model_type": _MAPPING,
    "model_attributes_type": _MAPPING,
    "literal_error": _CHOICE,
    "enum": _CHOICE,
    "greater_than": N_("must be greater than {gt}, not {value}"),
    "greater_than_equal": N_("must be at least {ge}, not {value}"),
    "less_than": N_("must be less than {lt}, not {value}"),
    "less_than_equal": N_("must be at most {le}, not {value}"),
    "too_short": N_("give at least {min_length} items, not {actual_length}"),
    "too_long": N_("give at most {max_length} items, not {actual_length}"),
    "string_too_short": N_("give at least {min_length} characters"),
    "string_too_long": N_("give at most {max_length} characters"),
}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN - 1] + "…"


def schema_message(err: Mapping[str, Any]) -> str:
    """The English reason of one pydantic error (an item of ``ValidationError.errors()``)."""
    kind = str(err["type"])
    template = SCHEMA_MESSAGES.get(kind)
    if template is not None:
        fields = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
        fields["value"] = _shown(err.get("input"))
        try:
            return template.format(**fields)
        except (KeyError, IndexError):  # a context this pydantic version names otherwise
            pass
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
