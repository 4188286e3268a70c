from __future__ import annotations

import time
import tracemalloc

import pytest

from builder.source.yamlread import MAX_DEPTH, YamlError, read_yaml

LIMIT = 1_048_576


def error_of(data: bytes, limit: int = LIMIT) -> tuple[int, int, str]:
    with pytest.raises(YamlError) as info:
        read_yaml(data, limit)
    return info.value.line, info.value.column, info.value.message


def test_scalars_follow_yaml_1_2_core_schema() -> None:
    data, _ = read_yaml(b'a: no\nb: 2024-09-30\nc: 3\nd: "3"\ne: ~\nf: true\ng: 1.5\n', LIMIT)
    assert data == {"a": "no", "b": "2024-09-30", "c": 3, "d": "3", "e": None, "f": True, "g": 1.5}


def test_positions_of_keys_and_values() -> None:
    _, pos = read_yaml(b"a:\n  - x: 1\n    y: [2, 3]\n", LIMIT)
    assert pos.values[("a", 0, "x")] == (2, 8)
    assert pos.values[("a", 0, "y", 1)] == (3, 12)
    assert pos.keys[("a", 0, "y")] == (3, 5)
    assert pos.of(("a", 0, "missing")) == (2, 5)


def test_duplicate_key() -> None:
    assert error_of(b"a: 1\nb: 2\na: 3\n") == (3, 1, "duplicate key 'a' (first defined at line 1)")


def test_anchor_refused() -> None:
    assert error_of(b"a: &x 1\n") == (1, 4, "anchors (&x) are not allowed; write values out")


def test_alias_bomb_is_refused_without_eating_memory() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join(f"*{prev}" for _ in range(9)) + "]")
    bomb = "\n".join(lines).encode()
    assert len(bomb) < 500
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(YamlError, match="anchors"):
        read_yaml(bomb, LIMIT)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 5_000_000
    assert time.perf_counter() - started < 5


def test_tags_refused() -> None:
    assert error_of(b"a: !!python/object:os.system x\n")[2] == (
        "tags (tag:yaml.org,2002:python/object:os.system) are not allowed"
    )


def test_several_documents_refused() -> None:
    assert error_of(b"a: 1\n---\nb: 2\n") == (
        2,
        1,
        "several YAML documents in one file; keep one per file",
    )


def test_not_utf8() -> None:
    assert error_of("a: 1\nb: caf\xe9\n".encode("latin-1")) == (
        2,
        7,
        "not valid UTF-8 (byte 0xe9); save the file as UTF-8",
    )


def test_binary() -> None:
    assert error_of(b"a: 1\n\x00\x01") == (
        2,
        1,
        "binary file (NUL byte); profiles must be UTF-8 text",
    )


def test_size_cap() -> None:
    assert error_of(b"a: " + b"x" * 2000, limit=1024) == (
        1,
        1,
        "file is 2,003 bytes, over the limit of 1,024 "
        "(raise max_file_size in dossier.yaml if this is intended)",
    )


def test_depth_cap() -> None:
    depth = MAX_DEPTH + 1
    *_, message = error_of(b"[" * depth + b"]" * depth)
    assert message == f"nesting deeper than {MAX_DEPTH} levels"


def test_syntax_error_position() -> None:
    assert error_of(b"a: [1, 2\n") == (
        2,
        1,
        "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence)",
    )


def test_byte_order_mark_is_accepted() -> None:
    assert read_yaml(b"\xef\xbb\xbfa: 1\n", LIMIT)[0] == {"a": 1}
