"""The original AI4D's seed JSON: its questions in (`parse_seed_questions`), a questionnaire out
(`to_seed_questionnaire`). Pure: data in, items out.

A seed question is `{"numero": 1, "question": "...", "type": ..., "options": [...], "correct_answer": ...}`; a list
of them, `{"questions_data": [...]}` or `{"questions": [...]}` is read (JSON text too). Other keys (`user_answer`,
`is_correct`, `score`) are ignored: completed questionnaires are submissions (`domain.submissions`). Read too, when
present: `id` (used when it is a valid id, else `seed-<hash of the question>`), `explanation` or `explication`.

* `ChoixMultiple` -> single_choice. Options are texts (a leading `A) `, `A. ` or `A - ` is dropped when every option
  has its own letter); `correct_answer` is a letter (`"A"`, `"b)"`) or an option's text. A list of several right
  answers makes a multiple_choice item whose right options share the marks equally.
* `VraiOuFaux` -> true_false (`"Vrai"`/`"Faux"`, also booleans, `"true"`/`"false"`, `"oui"`/`"non"`).
* `QuestionOuverte` -> open_response; `correct_answer`, when given, is the model answer (rubric: see `_common`).
* `ListeOuverte` -> open_response tagged `seed:liste_ouverte`, not short_answer: the learner lists several things,
  which a short answer (matched as one whole text) cannot score, while a rubric whose concepts are the expected
  elements (`correct_answer`: a list, or a text separated by `;`, `,` or new lines) counts each element named.

The export writes the original's four types (multiple_choice as `ChoixMultiple` with a list of letters; numeric,
short answer, matching, ordering, cloze and SQL items have no seed type) with `id`; `correct_answer` and
`explanation` only with `include_answers=True`, never in a payload meant for a browser.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ai4d_core.domain.item_base import ItemStatus
from ai4d_core.domain.items import Item, MultipleChoiceItem, OpenResponseItem, SingleChoiceItem, TrueFalseItem
from ai4d_core.interop._common import (
    ID_PATTERN,
    PLACEHOLDER_EXPLANATION,
    PLACEHOLDER_MODEL_ANSWER,
    ImportOptions,
    SeedError,
    derive_id,
    open_response_fields,
    unique_ids,
    validate,
)

LIST_TAG = "seed:liste_ouverte"
_LIST_CRITERION = "Lists the expected elements"
_PREFIX = re.compile(r"^([A-Za-z])\s*[).:-]\s+")
_LETTER = re.compile(r"^([A-Za-z])\s*[).]?$")
_TRUE = {"vrai", "true", "oui", "yes", "v", "t"}
_FALSE = {"faux", "false", "non", "no", "f"}


class _QuestionError(Exception):
    pass


def _options(raw: object) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(o, str) for o in raw):
        raise _QuestionError("options must be a list of texts")
    letters = [_PREFIX.match(o.strip()) for o in raw]
    if raw and all(m and m.group(1).upper() == chr(ord("A") + i) for i, m in enumerate(letters)):
        return [_PREFIX.sub("", o.strip()) for o in raw]
    return [o.strip() for o in raw]


def _position(answer: object, options: list[str]) -> int:
    text = str(answer).strip()
    if (match := _LETTER.match(text)) and ord(match.group(1).upper()) - ord("A") < len(options):
        return ord(match.group(1).upper()) - ord("A")
    folded = [o.casefold() for o in options]
    for candidate in (text.casefold(), _PREFIX.sub("", text).casefold()):  # "B. pandas" names "pandas" too
        if candidate in folded:
            return folded.index(candidate)
    raise _QuestionError(f"correct_answer {text[:80]!r} is neither an option's letter nor its text")


def _choice(question: dict[str, Any]) -> dict[str, Any]:
    options = _options(question.get("options"))
    ids = [chr(ord("a") + i) for i in range(len(options))]
    raw = question.get("correct_answer")
    answers = raw if isinstance(raw, list) else [raw]
    if not answers or any(a is None or a == "" for a in answers):
        raise _QuestionError("ChoixMultiple needs a correct_answer")
    right = sorted({_position(a, options) for a in answers})
    if len(right) == 1:
        return {"type": "single_choice", "options": [{"id": i, "text": t} for i, t in zip(ids, options, strict=True)],
                "key": ids[right[0]]}  # fmt: skip
    share = round(1 / len(right), 7)  # the last right option takes the rounding remainder
    weights = [share if i in right else 0.0 for i in range(len(options))]
    weights[right[-1]] = round(1 - share * (len(right) - 1), 7)
    choices = [{"id": i, "text": t, "weight": w} for i, t, w in zip(ids, options, weights, strict=True)]
    return {"type": "multiple_choice", "options": choices}


def _true_false(question: dict[str, Any]) -> dict[str, Any]:
    raw = question.get("correct_answer")
    text = str(raw).strip().casefold()
    if raw is True or text in _TRUE:
        return {"type": "true_false", "key": True}
    if raw is False or text in _FALSE:
        return {"type": "true_false", "key": False}
    raise _QuestionError(f"VraiOuFaux needs correct_answer 'Vrai' or 'Faux', not {raw!r}")


def _open(question: dict[str, Any], stem: str) -> dict[str, Any]:
    raw = question.get("correct_answer")
    if raw is not None and not isinstance(raw, str):
        raise _QuestionError("QuestionOuverte's correct_answer must be a text")
    return {"type": "open_response", **open_response_fields(raw, stem)}


def _list(question: dict[str, Any], stem: str) -> dict[str, Any]:
    raw = question.get("correct_answer")
    elements = raw if isinstance(raw, list) else re.split(r"[;,\n]", str(raw or ""))
    expected = list(dict.fromkeys(str(e).strip() for e in elements if str(e).strip()))
    if not expected:
        return {**_open({}, stem), "tags": (LIST_TAG,)}
    rubric = [{"name": _LIST_CRITERION, "weight": 1.0, "concepts": [[e] for e in expected]}]
    return {"type": "open_response", "model_answer": "; ".join(expected), "rubric": rubric, "tags": (LIST_TAG,)}


def _questions(data: object) -> list[object]:
    if isinstance(data, str | bytes):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SeedError([f"document: not JSON ({exc})"]) from None
    questions = data.get("questions_data", data.get("questions")) if isinstance(data, dict) else data
    if not isinstance(questions, list):
        raise SeedError(["document: expected a list of questions, or {'questions_data': [...]}"])
    return questions


def parse_seed_questions(
    data: object,
    *,
    default_topic: str = "imported",
    default_level: int = 1,
    status: ItemStatus = ItemStatus.PROVISIONAL,
    language: str = "fr",
) -> list[Item]:
    """Every seed question as a validated item, in order; a `SeedError` refuses them all."""
    options = ImportOptions("seed", default_topic, default_level, status, language)
    problems: list[str] = []
    drafts: list[tuple[str, str | None, dict[str, Any]]] = []
    for index, question in enumerate(_questions(data)):
        numero = question.get("numero") if isinstance(question, dict) else None
        where = f"questions_data[{index}]" + (f" (numero {numero})" if numero is not None else "")
        if not isinstance(question, dict) or not isinstance(question.get("question"), str):
            problems.append(f"{where}: each question needs a 'question' text")
            continue
        stem, kind = question["question"].strip(), question.get("type")
        try:
            if kind == "ChoixMultiple":
                fields = _choice(question)
            elif kind == "VraiOuFaux":
                fields = _true_false(question)
            elif kind == "QuestionOuverte":
                fields = _open(question, stem)
            elif kind == "ListeOuverte":
                fields = _list(question, stem)
            else:
                raise _QuestionError(f"type {kind!r} is not ChoixMultiple, VraiOuFaux, QuestionOuverte or ListeOuverte")
        except _QuestionError as exc:
            problems.append(f"{where}: {exc}")
            continue
        explanation = question.get("explanation") or question.get("explication")
        common = options.common("", options.default_topic, stem, explanation if isinstance(explanation, str) else "")
        given = question.get("id")
        title = given if isinstance(given, str) and ID_PATTERN.fullmatch(given) else None
        drafts.append((where, title, common | fields))
    ids = unique_ids(derive_id("seed", title, fields["stem"]) for _, title, fields in drafts)
    items: list[Item] = []
    for (where, _, fields), item_id in zip(drafts, ids, strict=True):
        result = validate({**fields, "id": item_id}, where)
        if isinstance(result, str):
            problems.append(result)
        else:
            items.append(result)
    if problems:
        raise SeedError(problems)
    return items


def _letter(position: int) -> str:
    return chr(ord("A") + position)


def _seed_question(item: Item) -> dict[str, Any] | None:
    """The seed form of an item (with its answer); None for a type the seed has not."""
    if isinstance(item, SingleChoiceItem):
        key = next(i for i, o in enumerate(item.options) if o.id == item.key)
        return {"type": "ChoixMultiple", "options": [o.text for o in item.options], "correct_answer": _letter(key)}
    if isinstance(item, MultipleChoiceItem):
        right = [_letter(i) for i, o in enumerate(item.options) if o.weight > 0]
        return {"type": "ChoixMultiple", "options": [o.text for o in item.options], "correct_answer": right}
    if isinstance(item, TrueFalseItem):
        return {"type": "VraiOuFaux", "options": ["Vrai", "Faux"], "correct_answer": "Vrai" if item.key else "Faux"}
    if isinstance(item, OpenResponseItem):
        if LIST_TAG in item.tags and item.model_answer != PLACEHOLDER_MODEL_ANSWER:
            expected = [concept[0] for criterion in item.rubric for concept in criterion.concepts]
            return {"type": "ListeOuverte", "options": [], "correct_answer": expected}
        kind = "ListeOuverte" if LIST_TAG in item.tags else "QuestionOuverte"
        model = None if item.model_answer == PLACEHOLDER_MODEL_ANSWER else item.model_answer
        return {"type": kind, "options": [], "correct_answer": model}
    return None


def to_seed_questionnaire(
    items: list[Item], *, include_answers: bool = False, skip_unsupported: bool = False
) -> dict[str, list[dict[str, Any]]]:
    """Items as the original frontend's questionnaire, `{"questions_data": [...]}`, numbered from 1.

    Without `include_answers` no key leaves (no `correct_answer`, no `explanation`): what a browser may receive.
    Types the seed has not raise a `SeedError` naming the items, or are left out with `skip_unsupported=True`.
    """
    questions: list[dict[str, Any]] = []
    problems: list[str] = []
    for item in items:
        seed = _seed_question(item)
        if seed is None:
            problems.append(f"item {item.id!r}: the seed format has no {item.type} questions")
            continue
        answer = seed.pop("correct_answer")
        question = {"numero": len(questions) + 1, "id": item.id, "question": item.stem, **seed}
        if include_answers:
            question["correct_answer"] = answer
            if item.explanation != PLACEHOLDER_EXPLANATION:
                question["explanation"] = item.explanation
        questions.append(question)
    if problems and not skip_unsupported:
        raise SeedError(problems)
    return {"questions_data": questions}
