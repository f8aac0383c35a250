"""An OpenAI-compatible test server (`POST /v1/chat/completions`) for tests and benchmarks: never the network.

It plays a model that writes items and solves them: a generation request (response format `item_batch`) gets
`count` deterministic items of the asked topic, type and batch number, and the server remembers each item's
right answer by stem; a solving request (`solutions`) gets those answers back. Scenario controls, all from
Python: `latency_s`, `fail(n, status, retry_after)` for the next n requests, `fail_always`,
`rate_limit_every` (every k-th request gets 429 with Retry-After), `error_every` (500), `slow_every` and
`slow_s` (every k-th request that much slower: a timeout), `reply_generation` / `reply_solving`
(raw content for the next such requests: invalid JSON, wrong schema, 1 MB, HTML...), `wrong_solutions`.

It also writes profile text (response format `profile_text`): a valid `ProfileText` built from the request's
facts and resources (plain sentences, no number, so it passes `domain.profile_check`), or the scripted
`reply_profile(...)` contents; `obey_answers` makes it a gullible model that copies the learner's answers and
goal into its narrative (what a prompt injection would get from a careless model).

(`llmock` 0.2.2 was checked: it serves `/v1/chat/completions` with latency and faults, but its scripted replies
are a queue matched by path and model only, and tests here need answers that depend on the request's content.)
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ASK = re.compile(r"Write (\d+) new (\w+) items on the topic '(\w+)'.*?Batch number (\d+)\.", re.S)
_VOCABULARY = (
    "partition skew latency schema drift window watermark replica shard index cache lineage feature vector "
    "gradient batch epoch tokenizer embedding checkpoint backfill upsert snapshot catalog quantile outlier "
    "sampler scheduler broker offset retention compaction join predicate histogram bucket bias variance"
)
_WORDS = tuple(_VOCABULARY.split(" "))


def _chat(content: str, model: str) -> bytes:
    body = {
        "id": f"chatcmpl-{random.getrandbits(48):x}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }
    return json.dumps(body).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 drops connections when a batch opens 8 at once


class FakeLlm:
    """The model and its scenario; thread-safe. Use as a context manager: `with FakeLlm() as llm: llm.url`."""

    def __init__(self, latency_s: float = 0.0) -> None:
        self.latency_s = latency_s
        self.rate_limit_every = 0
        self.error_every = 0  # every k-th request gets a 500
        self.slow_every = 0  # every k-th request takes `slow_s` longer (a timeout, when above the client's)
        self.slow_s = 0.0
        self._arrivals = 0
        self.retry_after_s = 0.05
        self.wrong_solutions = False
        self.requests = 0  # every HTTP request, failed ones included
        self.generations = 0  # answered generation requests
        self.solvings = 0  # answered solving requests
        self.assessments = 0  # answered rubric-assessment requests
        self.profiles = 0  # answered profile-text requests
        self.profile_prompts: list[str] = []  # their user messages, as received
        self.obey_answers = False
        self._profile_replies: deque[str] = deque()
        self._faults: deque[tuple[int, float | None]] = deque()
        self._always: int | None = None
        self._gen_replies: deque[str] = deque()
        self._solve_replies: deque[str] = deque()
        self._assess_replies: deque[str] = deque()
        self._answers: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeLlm:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # Scenario controls.
    def fail(self, n: int, status: int, retry_after: float | None = None) -> None:
        self._faults.extend([(status, retry_after)] * n)

    def fail_always(self, status: int | None) -> None:
        self._always = status

    def reply_generation(self, *contents: str) -> None:
        self._gen_replies.extend(contents)

    def reply_solving(self, *contents: str) -> None:
        self._solve_replies.extend(contents)

    def reply_assessment(self, *contents: str) -> None:
        """Scripted answers to rubric-assessment requests (open-response score suggestions)."""
        self._assess_replies.extend(contents)

    def reply_profile(self, *contents: str) -> None:
        """Scripted answers to the next profile-text requests (adversarial replies, garbage, ...)."""
        self._profile_replies.extend(contents)

    # The model.
    def _fault(self) -> tuple[int, float | None] | None:
        with self._lock:
            self.requests += 1
            if self._faults:
                return self._faults.popleft()
            if self._always:
                return (self._always, None)
            if self.rate_limit_every and self.requests % self.rate_limit_every == 0:
                return (429, self.retry_after_s)
            if self.error_every and self.requests % self.error_every == 0:
                return (500, None)
        return None

    def _delay(self) -> float:
        with self._lock:
            self._arrivals += 1
            slow = self.slow_every and self._arrivals % self.slow_every == 0
        return self.latency_s + (self.slow_s if slow else 0.0)

    def answer(self, request: dict[str, Any]) -> str:
        kind = request.get("response_format", {}).get("json_schema", {}).get("name")
        user = request["messages"][-1]["content"]
        with self._lock:
            if kind == "rubric_assessment":
                self.assessments += 1
                return self._assess_replies.popleft() if self._assess_replies else "{}"
            if kind == "profile_text":
                self.profiles += 1
                self.profile_prompts.append(user)
                return (
                    self._profile_replies.popleft() if self._profile_replies else write_profile(user, self.obey_answers)
                )
            if kind == "item_batch":
                self.generations += 1
                return self._gen_replies.popleft() if self._gen_replies else self._generate(user)
            self.solvings += 1
            return self._solve_replies.popleft() if self._solve_replies else self._solve(user)

    def _generate(self, user: str) -> str:
        found = _ASK.search(user)
        if not found:
            return json.dumps({"items": []})
        count, item_type, topic, batch = int(found[1]), found[2], found[3], int(found[4])
        drafts = [self._draft(item_type, random.Random(f"{topic}/{item_type}/{batch}/{i}")) for i in range(count)]
        return json.dumps({"items": [d for d in drafts if d]})

    def _draft(self, item_type: str, rng: random.Random) -> dict[str, Any] | None:
        w = rng.sample(_WORDS, 6)
        stem = f"When {w[0]} {w[1]} meets {w[2]} {w[3]}, which {w[4]} {w[5]} choice holds ({rng.randrange(10**6)})?"
        common = {"explanation": f"Because {w[0]} {w[1]} constrains {w[4]}.", "subtopic": w[0]}
        if item_type == "single_choice":
            options = [{"id": k, "text": f"{k}: {' '.join(rng.sample(_WORDS, 3))}"} for k in "abcd"]
            self._answers[stem] = "b"  # like real models, keys cluster on one position
            return common | {"stem": stem, "options": options, "key": "b"}
        if item_type == "true_false":
            self._answers[stem] = key = rng.random() < 0.5
            return common | {"stem": stem, "key": key}
        if item_type == "numeric":
            xs = [rng.randint(1, 99) for _ in range(5)]
            stem = f"{stem} What is the mean of {', '.join(map(str, xs))}?"
            self._answers[stem] = value = sum(xs) / len(xs)
            return common | {"stem": stem, "answers": [{"value": value, "tolerance": 0.01}]}
        if item_type == "sql_query":
            xs = [rng.randint(1, 50) for _ in range(8)]
            k = rng.randint(10, 40)
            setup = f"CREATE TABLE t (x INTEGER); INSERT INTO t VALUES {', '.join(f'({x})' for x in xs)};"
            query = f"SELECT count(*) AS n FROM t WHERE x > {k}"
            self._answers[stem] = f"SELECT count(x) AS n FROM t WHERE NOT x <= {k}"  # same result, other text
            return common | {"stem": stem, "fixture": {"setup_sql": setup}, "reference_query": query}
        return None

    def _solve(self, user: str) -> str:
        shown = json.loads(user.partition("Items (data):\n")[2] or "[]")
        answers = []
        for entry in shown:
            answer = self._answers.get(entry["item"]["stem"])
            if self.wrong_solutions:
                answer = _wrong(answer)
            answers.append({"index": entry["index"], "answer": answer})
        return json.dumps({"answers": answers})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms delayed-ACK stall

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                time.sleep(fake._delay())
                fault = fake._fault()
                if fault:
                    status, retry_after = fault
                    payload = json.dumps({"error": {"message": f"injected {status}", "type": "test"}}).encode()
                    headers = {"retry-after": f"{retry_after}"} if retry_after is not None else {}
                    return self._send(status, payload, headers)
                return self._send(200, _chat(fake.answer(body), body.get("model", "fake")), {})

            def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout)

        return Handler


def write_profile(user: str, obey_answers: bool = False) -> str:
    """A valid `ProfileText` for a profile prompt: plain sentences from its facts and resources, no number."""
    facts, resources = _between(user, "profile"), _between(user, "resources")
    names = {t["topic"]: t["name"] for t in facts["topics"]}

    def claim(c: dict[str, Any], sentence: str) -> dict[str, Any]:
        name = names.get(c["topic"], c["topic"])
        fields = {"topic": c["topic"], "evidence": c["evidence"][:5], "misconception": c["misconception"]}
        return fields | {"claim": sentence.format(name=name)}

    path = [
        {"order": s["order"], "topic": s["topic"],
         "objective": f"Build up {names.get(s['topic'], s['topic'])} with the readings and practice sessions.",
         "resources": [r["id"] for r in resources.get(s["topic"], [])][:2]}
        for s in facts["learning_path"]
    ]  # fmt: skip
    first = names.get(path[0]["topic"], "") if path else "the diagnostic"
    narrative = f"This profile sums up your answers so far. Start with {first} and follow the path week by week."
    if obey_answers:
        data = _between(user, "learner_data")
        said = [data.get("goal") or ""] + [json.dumps(a["answer"]) for a in data["answers"]]
        narrative = f"{narrative} {' '.join(said)}"[:1200]
    timeline = [
        {"week": w["week"], "focus": "Study " + " and ".join(names.get(t, t) for t in w["topics"]) + "."}
        for w in facts["timeline"]
    ]
    next_steps = [
        {"topic": n["topic"], "text": f"Practise {names.get(n['topic'], n['topic'])} now."}
        if n["topic"] else {"topic": None, "text": "Take a diagnostic quiz over every topic."}
        for n in facts["next_steps"]
    ]  # fmt: skip
    return json.dumps(
        {
            "strengths": [claim(c, "Your answers on {name} show a sound grasp of the ideas.")
                          for c in facts["strengths"]],
            "weaknesses": [claim(c, "Your answers on {name} show the ideas to revisit first.")
                           for c in facts["weaknesses"]],
            "misconceptions": [claim(c, "Some answers on {name} point to a mix-up worth clearing up.")
                               for c in facts["misconceptions"]],
            "learning_path": path,
            "timeline": timeline,
            "next_steps": next_steps,
            "narrative": narrative,
        }
    )  # fmt: skip


def _between(user: str, marker: str) -> Any:
    """The JSON between `<marker>` and `</marker>` in a prompt."""
    return json.loads(user.partition(f"<{marker}>")[2].partition(f"</{marker}>")[0])


def _wrong(answer: Any) -> Any:
    if isinstance(answer, bool):
        return not answer
    if isinstance(answer, int | float):
        return answer + 1
    if isinstance(answer, str) and answer.upper().startswith("SELECT"):
        return "SELECT 0 AS n"
    return "a" if answer != "a" else "c"
