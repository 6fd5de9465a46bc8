"""Terminal tables (solver/table.py): aligned in display cells, folded to the width, nothing lost."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from solver.table import clean, fold, render, width


def lines_of(table: str) -> list[str]:
    return table.split("\n")


def test_chinese_takes_two_cells_and_the_columns_stay_aligned():
    table = render(["item", "amount"], [["智能工厂", "500,000"], ["o1", "up to 1,000"]], right=(1,))
    assert width("智能工厂") == 8 and width("o1") == 2
    assert len({width(line) for line in lines_of(table)}) == 1
    assert "│ 智能工厂 │     500,000 │" in table and "│ o1       │ up to 1,000 │" in table


def test_a_long_cell_folds_at_spaces_and_inside_a_run_of_chinese():
    assert fold("a bb ccc", 4) == ["a bb", "ccc"]
    assert fold("国家智能制造示范工厂", 8) == ["国家智能", "制造示范", "工厂"]
    table = render(["why"], [["[ineligible] item.level is 先进级, not one of {国家级智能制造标杆, 卓越级}"]], limit=30)
    assert all(width(line) <= 30 for line in lines_of(table))
    assert len({width(line) for line in lines_of(table)}) == 1


def test_control_characters_from_users_files_are_shown_escaped():
    # A double-quoted YAML name may hold "\x1b[31m": printed raw, it would recolour the terminal.
    assert clean("a\x1b[31mb") == "a\\x1b[31mb"
    assert clean("a\tb\nc") == "a b c"
    assert "\x1b" not in render(["name"], [["\x1b[2J测试"]])


CELL = st.text(st.sampled_from("ab 元万国家级工厂 ,.-\x1b\té"), max_size=40)


@settings(max_examples=150, deadline=None)
@given(CELL, st.integers(2, 30))
def test_folding_keeps_every_character_and_each_line_within_the_room(text, room):
    pieces = fold(text, room)
    assert all(width(piece) <= room for piece in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(CELL, min_size=n, max_size=n),
    st.lists(st.lists(CELL, min_size=n, max_size=n), max_size=6),
    st.integers(10, 120))))
def test_every_table_is_rectangular_within_its_width_and_loses_no_character(case):
    headers, rows, limit = case
    table = lines_of(render(headers, rows, right=(0,), limit=limit))
    sizes = {width(line) for line in table}
    assert len(sizes) == 1  # every line as wide as the others: the borders line up
    if 7 * len(headers) + 1 <= limit:  # room for every column at 4 cells
        assert sizes.pop() <= limit
    # Read back column by column: each column's cells, spaces aside, come out whole and in order.
    body = table[next(n for n, line in enumerate(table) if line.startswith("├")) + 1:-1]
    for k in range(len(headers)):
        shown = "".join(line.split("│")[k + 1] for line in body).replace(" ", "")
        assert shown == "".join(clean(row[k]) for row in rows).replace(" ", "")
