"""schemathesis over the whole OpenAPI schema: every answer is one the schema documents.

The real API process (`served_api`) is fuzzed operation by operation with a fixed seed:
about 20 schema-valid examples each, carrying the key of a role the access matrix allows for
that operation (so requests reach validation and the handler, not only the guard); 6
schema-violating ones, which must be refused with a 4xx; and 5 more sent with a key of
every role in turn (and none). Checks: no 5xx, every status code and content type
documented, every body matching its documented schema. Then a stateful phase follows the
links schemathesis infers between operations (file, then follow, withdraw, ...). The served
stack has its own database, and its keys are used by no other test: the stateful phase may
revoke them.

The counts are what fits the suite's time budget: on the 2-core machine drawing a
schema-violating example costs about 30 ms, a valid one about 10 ms, an answer about 5 ms.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from typing import Any

import hypothesis
import schemathesis
from helpers import auth
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks
from test_access_matrix import _matrix

from domain.roles import Role

EXAMPLES = 20
NEGATIVE_EXAMPLES = 6
ROLE_EXAMPLES = 5
ROLES = ["anonymous", *(r.value for r in Role)]
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)
STATEFUL = hypothesis.settings(
    SETTINGS, max_examples=10, stateful_step_count=6, phases=[hypothesis.Phase.generate]
)


def _role_for(matrix: dict[tuple[str, str], dict[str, int]], method: str, path: str) -> str:
    """A role the access matrix lets through to this operation (public routes: anonymous)."""
    row = matrix.get((method, path))
    if row is None:
        return "admin"
    for role in ["anonymous", "admin", "official", "citizen-app", "supervisor", "auditor",
                 "integrator"]:  # fmt: skip
        if row[role] not in (401, 403):
            return role
    return "admin"


def _runner(strategy: Any, check: Any, examples: int) -> Any:
    @hypothesis.settings(SETTINGS, max_examples=examples)
    @given(drawn=strategy)
    def run(drawn: Any) -> None:
        check(*drawn)

    return run


def _fuzz(schema: Any, url: str, keys: dict[str, str]) -> dict[str, list[str]]:
    """Run every operation; failures by operation (a failure does not stop the others).

    An operation no schema-valid request reached counts as a failure too: the example caps
    must never leave one untested.
    """
    matrix = _matrix()
    failures: dict[str, list[str]] = defaultdict(list)
    valid_sent: Counter[str] = Counter()

    def headers_of(role: str) -> dict[str, str]:
        return auth(keys[role]) if role != "anonymous" else {}

    for result in schema.get_all_operations():
        operation = result.ok()
        method = operation.method.upper()
        label = f"{method} {operation.path}"
        allowed = _role_for(matrix, method, operation.path)

        def check(case: Any, role: str, negative: bool, label: str = label) -> None:
            response = case.call(base_url=url, headers=headers_of(role), timeout=60)
            valid_sent[label] += not negative
            extra = [checks.negative_data_rejection] if negative else []
            try:
                case.validate_response(response, checks=CHECKS + extra)
            except (Exception, BaseExceptionGroup) as exc:  # collected, not raised
                text = str(exc).strip().splitlines()
                summary = f"{role} {response.status_code}: {' | '.join(text[:6])}"
                if summary not in failures[label]:
                    failures[label].append(summary)

        positive = operation.as_strategy()
        negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
        for strategy, examples in (
            (st.tuples(positive, st.just(allowed), st.just(False)), EXAMPLES),
            (st.tuples(negative, st.just(allowed), st.just(True)), NEGATIVE_EXAMPLES),
            (st.tuples(positive, st.sampled_from(ROLES), st.just(False)), ROLE_EXAMPLES),
        ):
            try:
                _runner(strategy, check, examples)()
            except hypothesis.errors.Unsatisfiable:
                pass  # nothing of this operation can be made schema-invalid (no inputs)
        if not valid_sent[label]:
            failures[label].append("no schema-valid request was sent")
    return dict(failures)


def _stateful(schema: Any, url: str, keys: dict[str, str]) -> None:
    """Follow the inferred links between operations; the first off-schema answer fails."""
    matrix = _matrix()

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            role = _role_for(matrix, case.operation.method.upper(), case.operation.path)
            headers = auth(keys[role]) if role != "anonymous" else {}
            return {"base_url": url, "headers": headers, "timeout": 60}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    Machine.run(settings=STATEFUL)


async def test_every_answer_of_the_api_is_one_its_openapi_schema_documents(served_api):
    schema = schemathesis.openapi.from_url(f"{served_api.url}/schema/openapi.json")
    failures = await asyncio.to_thread(_fuzz, schema, served_api.url, served_api.keys)
    report = "\n".join(f"{op}\n    " + "\n    ".join(items) for op, items in failures.items())
    assert not failures, f"{len(failures)} operations answered off-schema:\n{report}"
    await asyncio.to_thread(_stateful, schema, served_api.url, served_api.keys)
