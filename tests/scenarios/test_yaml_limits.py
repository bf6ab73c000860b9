"""The YAML limits (depth, alias expansion) read libyaml's events when PyYAML has it: the
same answers as PyYAML's own parser, and PyYAML's error for a text libyaml refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import musterpoint.scenarios.loader as loader

BUNDLED = Path(loader.__file__).with_name("bundled")
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcde", "bcdef", strict=True)
) + "g: [*f, *f]\n"
DEEP = "a: " + "[" * 70 + "]" * 70 + "\n"


def _pure(text: str, monkeypatch: pytest.MonkeyPatch) -> str | None:
    with monkeypatch.context() as m:
        m.setattr(loader, "_FAST_LOADER", None)
        return loader._yaml_limits(text)


@pytest.mark.skipif(loader._FAST_LOADER is None, reason="PyYAML without libyaml")
def test_libyaml_events_give_the_same_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(BUNDLED.rglob("*.yaml"))]
    assert len(texts) > 10
    for text in [*texts, BOMB, DEEP]:
        assert loader._yaml_limits(text) == _pure(text, monkeypatch)
    assert "aliases" in str(loader._yaml_limits(BOMB))
    assert "nested more than" in str(loader._yaml_limits(DEEP))
    assert loader._yaml_limits(texts[0]) is None


def test_a_syntax_error_is_pyyaml_s() -> None:
    with pytest.raises(yaml.YAMLError) as fast:
        loader._yaml_limits("a: [1, 2\nb: c: d\n")
    with pytest.raises(yaml.YAMLError) as pure:
        list(yaml.parse("a: [1, 2\nb: c: d\n", Loader=yaml.SafeLoader))
    assert str(fast.value) == str(pure.value)
