"""Spec strings: every family builds, products work, errors list the valid choices."""

import pytest

from automata_bilinear import FAMILIES, SpecError, build, parse_spec
from automata_bilinear.catalog.specs import family_table


@pytest.mark.parametrize("family", list(FAMILIES.values()), ids=lambda f: f.name)
def test_every_family_example_builds(family):
    m = build(family.example)
    assert m.n_states >= 1
    assert m.name.split(":")[0] == family.name or family.name in ("counter",)


@pytest.mark.parametrize(
    ("spec", "states", "symbols"),
    [
        ("parity", 2, 2), ("cyclic:5", 5, 5), ("dihedral:4", 8, 8), ("symmetric:3", 6, 6),
        ("alternating:5", 60, 60), ("quaternion", 8, 8), ("flipflop", 2, 3),
        ("occurred", 2, 2), ("threshold:2", 3, 2), ("reset_cyclic:3", 3, 4),
        ("cycle_navigation:5", 5, 3), ("even_pairs", 5, 2),
        ("random:states=10,symbols=3,seed=0", 10, 3), ("random:10,3,0", 10, 3),
        ("dihedral:4,letters=generators", 8, 2), ("quaternion:letters=generators", 8, 2),
        ("cyclic:2*cyclic:3", 6, 6), ("cyclic:2 * cyclic:2 * cyclic:2", 8, 8),
        ("dihedral:3,letters=generators+cyclic:2,letters=generators", 12, 3),
        ("counter:3", 3, 2), (" parity ", 2, 2),
    ],
)
def test_specs_build_the_right_sizes(spec, states, symbols):
    m = build(spec)
    assert (m.n_states, m.n_symbols) == (states, symbols)


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("cyclc:5", "did you mean 'cyclic'"),
        ("nonsense", "Valid families: parity, cyclic"),
        ("cyclic", "missing parameter(s) m; usage: cyclic:m (int ≥ 1)"),
        ("cyclic:0", "m must be at least 1, got 0"),
        ("cyclic:x", "m must be an integer ≥ 1, got 'x'"),
        ("cyclic:5,letters=all", "one of elements, generators"),
        ("cyclic:5,colour=red", "unknown parameter 'colour'"),
        ("parity:3", "too many arguments"),
        ("cyclic:5,m=3", "given twice"),
        ("random:states=10,3", "positional argument '3' after a keyword"),
        ("cyclic:5,,", "empty argument"),
        ("", "empty spec"),
        ("cyclic:2*", "empty factor"),
        ("cyclic:2*cyclic:2+cyclic:2", "mixes"),
    ],
)
def test_bad_specs_get_clear_errors(spec, fragment):
    with pytest.raises(SpecError) as info:
        build(spec)
    assert fragment in str(info.value)


def test_parse_spec_returns_typed_arguments():
    family, kwargs = parse_spec("random:states=7,outputs=binary,reachable=trim")
    assert family.name == "random"
    assert kwargs == {"states": 7, "outputs": "binary", "reachable": "trim"}
    assert parse_spec("random:states=7,outputs=3")[1]["outputs"] == 3


def test_family_table_lists_every_family():
    rows = family_table()
    assert [r["name"] for r in rows] == list(FAMILIES)
    assert all(r["summary"] and r["example"] for r in rows)


def test_non_string_spec():
    with pytest.raises(SpecError, match="must be a string"):
        build(5)
