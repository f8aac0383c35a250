"""Scoring of the ten item types: one table per type, result-set comparison, and properties over any input."""

from __future__ import annotations

import random
import unicodedata
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai4d_core.domain.items import Item, SqlQueryItem, parse_item
from ai4d_core.domain.result_sets import QueryError, ResultSet, compare, has_top_level_order_by
from ai4d_core.domain.scoring import AnswerError, score_answer, sql_verdict

pytestmark = pytest.mark.unit
COMMON = {"topic": "sql", "level": 1, "explanation": "Because."}


def make(id_: str, type_: str, stem: str = "A question?", **fields: Any) -> Item:
    return parse_item({"id": id_, "type": type_, "stem": stem, **COMMON, **fields})


def opts(*ids: str) -> list[dict[str, str]]:
    return [{"id": i, "text": f"option {i}"} for i in ids]


SC = make("sc", "single_choice", options=opts("a", "b", "c", "d"), key="b")
SC_NEG = make("sc-neg", "single_choice", options=opts("a", "b", "c", "d"), key="b", negative_marking=True)
_MC_OPTIONS = [{"id": i, "text": f"option {i}", "weight": w} for i, w in (("a", 0.5), ("b", 0.5), ("c", -1), ("d", 0))]
MC = make("mc", "multiple_choice", options=_MC_OPTIONS)
MC_NEG = make("mc-neg", "multiple_choice", options=_MC_OPTIONS, negative_marking=True)
TF = make("tf", "true_false", key=False)
_SA = [{"text": "HAVING", "weight": 1}, {"text": "hav*", "weight": 0.5}, {"text": "a.b?*[x]", "weight": 1}]
SA = make("sa", "short_answer", answers=[*_SA, {"text": "café  au lait", "weight": 1}])
SA_CASE = make("sa-case", "short_answer", answers=_SA, case_sensitive=True)
NUM = make(
    "num",
    "numeric",
    answers=[{"value": 3.14, "tolerance": 0.01}, {"value": 3, "weight": 0.5}, {"low": 10, "high": 20, "weight": 0.25}],
)
NUM_REL = make("num-rel", "numeric", answers=[{"value": 1000, "tolerance": 0.05, "relative": True}])
ORDER = {g: make(f"ord-{g[:3]}", "ordering", entries=opts(*"abcd"), key=list("abcd"), grading=g) for g in
         ("all_or_nothing", "absolute_position", "relative_next")}  # fmt: skip
MATCH = make(
    "match",
    "matching",
    prompts=opts("p1", "p2", "p3"),
    targets=opts("t1", "t2", "t3", "t4"),
    key={"p1": "t1", "p2": "t2", "p3": "t3"},
)
CLOZE = make(
    "cloze",
    "cloze",
    stem="{{g1}} filters rows; pi is about {{g2}}; pick {{g3}}.",
    gaps=[
        {"id": "g1", "kind": "short_answer", "weight": 2, "answers": [{"text": "WHERE"}]},
        {"id": "g2", "kind": "numeric", "numeric": [{"value": 3.14, "tolerance": 0.01}]},
        {"id": "g3", "kind": "single_choice", "options": opts("a", "b"), "key": "a"},
    ],
)
OPEN = make(
    "open",
    "open_response",
    model_answer="Overfitting fits the training data; regularisation and cross-validation help.",
    max_words=10,
    rubric=[
        {"name": "definition", "weight": 0.6,
         "concepts": [["overfitting", "over-fitting"], ["training data", "training set"]]},
        {"name": "remedy", "weight": 0.4, "concepts": [["regularization", "regularisation"], ["cross validation"]]},
    ],
)  # fmt: skip
SQL = SqlQueryItem.model_validate(
    {"id": "sql", "stem": "?", "fixture": {"setup_sql": "create table t(a int)"}, "reference_query": "select a from t"}
    | COMMON
)

CASES: list[tuple[Item, object, float]] = [
    (SC, "b", 1), (SC, "a", 0), (SC_NEG, "b", 1), (SC_NEG, "a", -1 / 3),
    (MC, ["a", "b"], 1), (MC, ["a"], 0.5), (MC, ["b", "d"], 0.5), (MC, [], 0), (MC, ["a", "c"], 0), (MC, ["c"], 0),
    (MC, ["a", "b", "c"], 0), (MC_NEG, ["a", "c"], -0.5), (MC_NEG, ["c"], -1), (MC_NEG, ["a", "b", "d"], 1),
    (TF, False, 1), (TF, True, 0),
    (SA, "having", 1), (SA, "  HAVING\t", 1), (SA, "Havinng", 0.5), (SA, "hav", 0.5), (SA, "ha", 0), (SA, "", 0),
    (SA, "a.b?[x]", 1), (SA, "A.B?anything[X]", 1), (SA, "aXb?[x]", 0), (SA, "a.bX[x]", 0),
    (SA, unicodedata.normalize("NFD", "CAFÉ au\n lait"), 1), (SA_CASE, "HAVING", 1), (SA_CASE, "Having", 0),
    (SA_CASE, "have", 0.5), (SA_CASE, "HAVE", 0),
    (NUM, 3.14, 1), (NUM, "3.145", 1), (NUM, "3,13", 1), (NUM, 3.16, 0), (NUM, 0.1 + 3.04, 1), (NUM, 3.151, 0),
    (NUM, 3, 0.5), (NUM, "3e0", 0.5),
    (NUM, 10, 0.25), (NUM, "20", 0.25), (NUM, 20.01, 0), (NUM, -3.14, 0), (NUM, " +.314e1 ", 1),
    (NUM_REL, "1e3", 1), (NUM_REL, 1049.9, 1), (NUM_REL, 950, 1), (NUM_REL, 1051, 0), (NUM_REL, 0, 0),
    (MATCH, {"p1": "t1", "p2": "t2", "p3": "t3"}, 1), (MATCH, {"p1": "t1", "p2": "t2", "p3": "t4"}, 2 / 3),
    (MATCH, {"p1": "t1", "p3": "t3"}, 2 / 3), (MATCH, {"p1": "t4", "p2": "t4", "p3": "t4"}, 0), (MATCH, {}, 0),
    (MATCH, {"p1": "t1", "p2": None}, 1 / 3), (MATCH, {"p1": "t2", "p2": "t1", "p3": "t3"}, 1 / 3),
    (CLOZE, {"g1": "where", "g2": "3,14", "g3": "a"}, 1), (CLOZE, {"g1": " Where "}, 0.5),
    (CLOZE, {"g2": 3.141, "g3": "a"}, 0.5), (CLOZE, {"g1": "when", "g2": 3, "g3": "b"}, 0), (CLOZE, {}, 0),
    (CLOZE, {"g1": None, "g2": None, "g3": "a"}, 0.25),
    (OPEN, "", 0), (OPEN, "   ", 0), (OPEN, "Over-fitting: the model memorises its training-set.", 0.6),
    (OPEN, "OVERFITTING; use cross validation!", 0.3 + 0.2), (OPEN, "overfittings of training datasets", 0.3),
    (OPEN, "It is not overfitting; no regularization.", 0),
    (OPEN, "Overfitting training data regularization cross-validation", 1),
]  # fmt: skip
ORDERS = [(list("abcd"), 1, 1, 1), (list("bcda"), 0, 0, 2 / 3), (list("dcba"), 0, 0, 0), (list("acbd"), 0, 0.5, 0),
          (list("abdc"), 0, 0.5, 1 / 3), (list("cdab"), 0, 0, 2 / 3)]  # fmt: skip
REFUSED: list[tuple[Item, object, str]] = [
    (SC, "z", "not one of its options"), (SC, 1, "option id"), (SC, None, "option id"),
    (MC, "a", "list of option ids"), (MC, ["a", "a"], "repeats"), (MC, ["a", "z"], "unknown option"), (MC, [1], "list"),
    (TF, "false", "true or false"), (TF, 0, "true or false"),
    (SA, 42, "must be text"), (SA, "x" * 1001, "longer than 1000"),
    (NUM, True, "must be a number"), (NUM, "nan", "not a number"), (NUM, float("nan"), "finite"),
    (NUM, float("inf"), "finite"), (NUM, "1e999", "finite"), (NUM, 10**400, "too large"), (NUM, "1,000.5", "not a"),
    (NUM, "1,000,000", "not a number"), (NUM, "1_000", "not a number"), (NUM, "3.5 kg", "not a number"),
    (NUM, [3], "number"),
    (ORDER["all_or_nothing"], list("abc"), "every entry"), (ORDER["relative_next"], list("abcc"), "repeats"),
    (ORDER["absolute_position"], list("abcz"), "unknown entry"), (ORDER["all_or_nothing"], "abcd", "list of entry"),
    (MATCH, {"p9": "t1"}, "unknown prompt"), (MATCH, {"p1": "t9"}, "unknown target"), (MATCH, {"p1": 1}, "target id"),
    (MATCH, ["p1", "t1"], "map prompt ids"),
    (CLOZE, {"g9": "x"}, "unknown gap"), (CLOZE, {"g3": "z"}, "gap g3: 'z' is not one"),
    (CLOZE, {"g2": "pi"}, "gap g2"), (CLOZE, "where", "map gap ids"),
    (OPEN, 7, "must be text"), (OPEN, "word " * 21, "longer than 20 words"),
    (SQL, "select a from t", "SQL answers need the sandbox"),
]  # fmt: skip


@pytest.mark.parametrize(("item", "answer", "expected"), CASES)
def test_scores_follow_moodle_conventions(item: Item, answer: object, expected: float) -> None:
    assert score_answer(item, answer) == pytest.approx(expected)


@pytest.mark.parametrize(("answer", "all_or_nothing", "absolute", "relative"), ORDERS)
def test_ordering_modes(answer: list[str], all_or_nothing: float, absolute: float, relative: float) -> None:
    got = [score_answer(ORDER[g], answer) for g in ("all_or_nothing", "absolute_position", "relative_next")]
    assert got == pytest.approx([all_or_nothing, absolute, relative])


@pytest.mark.parametrize(("item", "answer", "message"), REFUSED)
def test_answers_that_do_not_fit_are_refused_naming_the_item(item: Item, answer: object, message: str) -> None:
    with pytest.raises(AnswerError, match=rf"^item {item.id}: .*{message}"):
        score_answer(item, answer)


def rs(types: str, *rows: tuple[object, ...]) -> ResultSet:
    names = tuple(f"c{i}" for i in range(len(types.split())))
    return ResultSet(names, tuple(types.split()), tuple(rows))


REF = rs("VARCHAR DOUBLE", ("a", 1.0), ("b", None), ("c", 2.5))
COMPARISONS: list[tuple[ResultSet, bool, str | None]] = [
    (rs("VARCHAR DOUBLE", ("c", 2.5), ("a", 1.0), ("b", None)), False, None),
    (rs("VARCHAR DOUBLE", ("c", 2.5), ("a", 1.0), ("b", None)), True, "not in the expected order"),
    (rs("VARCHAR DECIMAL(4,1)", ("a", 1), ("b", None), ("c", 2.5000001)), True, None),
    (rs("VARCHAR DOUBLE", ("a", 1.0), ("b", 0.0), ("c", 2.5)), False, "rows differ"),
    (rs("VARCHAR DOUBLE", ("a", 1.0), ("c", 2.5)), False, "expected 3 rows, got 2"),
    (rs("VARCHAR", ("a",), ("b",), ("c",)), False, "expected 2 columns, got 1"),
    (rs("VARCHAR VARCHAR", ("a", "1"), ("b", None), ("c", "2.5")), False, "column 2 should be of type number"),
    (rs("VARCHAR \"NULL\"", ("a", None), ("b", None), ("c", None)), False, "rows differ"),
    (rs("VARCHAR DOUBLE", ("a", 1.0), ("b", None), ("c", 2.6)), False, "rows differ"),
]  # fmt: skip


@pytest.mark.parametrize(("got", "ordered", "reason"), COMPARISONS)
def test_result_sets_compare_by_value_ignoring_names(got: ResultSet, ordered: bool, reason: str | None) -> None:
    found = compare(REF, got, ordered=ordered, tolerance=1e-6)
    assert found == reason or (reason is not None and found is not None and reason in found)


@pytest.mark.parametrize(
    ("sql", "ordered"),
    [
        ("SELECT a FROM t ORDER BY a", True), ("select a from t order\n  by 1 limit 3", True),
        ("SELECT a FROM t", False), ("SELECT rank() OVER (ORDER BY a) FROM t", False),
        ("WITH x AS (SELECT a FROM t ORDER BY a) SELECT * FROM x", False), ("SELECT 'order by' FROM t", False),
        ("SELECT a FROM t -- ORDER BY a", False), ("SELECT \"order by\" FROM t /* order by */", False),
        ("SELECT a FROM t UNION ALL SELECT b FROM u ORDER BY 1", True), ("SELECT a AS ordered_by FROM t", False),
    ],
)  # fmt: skip
def test_order_matters_when_the_reference_orders_at_top_level(sql: str, ordered: bool) -> None:
    assert has_top_level_order_by(sql) is ordered


class FakeRunner:
    """Returns a fixed result for known queries; any other query fails like bad SQL."""

    results = {"select a from t": rs("INTEGER", (1,), (2,)), "select a from t order by a": rs("BIGINT", (2,), (1,))}

    def run(self, setup_sql: str, query: str) -> ResultSet:
        if query not in self.results:
            raise QueryError("Parser Error: syntax error")
        return self.results[query]

    def reference(self, setup_sql: str, query: str) -> ResultSet:
        return self.run(setup_sql, query)


def test_sql_scores_by_result_set_and_explains_a_zero() -> None:
    runner = FakeRunner()
    assert score_answer(SQL, "select a from t order by a", sql=runner) == 1.0
    assert sql_verdict(SQL, "selec a", runner).reason == "Parser Error: syntax error"
    ordered = SQL.model_copy(update={"order_matters": True})
    verdict = sql_verdict(ordered, "select a from t order by a", runner)
    assert (verdict.score, verdict.reason) == (0.0, "the rows are right but not in the expected order")
    with pytest.raises(AnswerError, match="item sql: answer must be a non-empty SQL query"):
        score_answer(SQL, "  ", sql=runner)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    | st.sampled_from(["a", "b", "c", "d", "p1", "t1", "t4", "g1", "g3", "3,14", "1e3", "where", "overfitting"]),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.sampled_from(["p1", "p2", "p3", "g1", "g2", "g3"])
                                                                | st.text(max_size=3), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip
ALL_ITEMS: list[Item] = [SC, SC_NEG, MC, MC_NEG, TF, SA, SA_CASE, NUM, NUM_REL, *ORDER.values(), MATCH, CLOZE, OPEN]


@given(JSON)
def test_any_answer_to_any_type_scores_within_bounds_or_is_refused(answer: object) -> None:
    for item in [*ALL_ITEMS, SQL]:
        try:
            value = score_answer(item, answer, sql=FakeRunner())
        except AnswerError as exc:
            assert str(exc).startswith(f"item {item.id}: ")
        else:
            assert -1.0 <= value <= 1.0


@given(st.permutations(list("abcd")), st.lists(st.sampled_from(list("abcd")), unique=True))
def test_every_permutation_and_choice_scores_within_bounds(order: list[str], chosen: list[str]) -> None:
    for item in ORDER.values():
        assert 0.0 <= score_answer(item, order) <= 1.0
    assert -1.0 <= score_answer(MC_NEG, chosen) <= score_answer(MC, chosen) <= 1.0


@given(st.lists(st.tuples(st.integers(-5, 5), st.floats(allow_nan=True) | st.none(), st.text(max_size=2)), max_size=8),
       st.randoms())  # fmt: skip
def test_a_shuffled_result_set_is_the_same_answer_unless_order_matters(rows: list[Any], rnd: random.Random) -> None:
    expected = rs("INTEGER DOUBLE VARCHAR", *rows)
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert compare(expected, rs("BIGINT FLOAT VARCHAR", *shuffled), ordered=False, tolerance=1e-9) is None
    assert compare(expected, expected, ordered=True, tolerance=0) is None
