"""Each student's variant: a pure function of (student ID, assignment name, seed).

A student's problem is :func:`microgradpp.practice.make_problem` — the one function that defines
a practice problem — at a *variant seed* computed from the student's ID, the assignment's name,
the teacher's seed and the problem's number with SHA-256 (``hashlib``)::

    variant seed = first 8 bytes of SHA-256("microgradpp variant 1␟NAME␟SEED␟ID␟PROBLEM␟ROUND")

SHA-256 of UTF-8 text is the same on every machine and Python version, whatever
``PYTHONHASHSEED`` is (Python's own ``hash()`` of a string is not: it is salted per process),
and ``practice`` seeds its generator with a string. So a student who downloads the assignment
again gets the same graph, byte for byte, as nbgrader recommends.

Two students must not get the same graph: with 500 students and level 3's few input values,
two of them would (the birthday problem). So a roster is issued problem by problem, students in
the order of their round-0 variant seed (not the roster's order, so re-sorting the roster
changes nothing); a student whose graph is already taken draws again with ``ROUND`` 1, 2, …
The manifest records every round, and grading re-creates each graph from it.

Who draws again depends on who else is on the roster: a student added late whose graph is a
classmate's, with a smaller seed, would take it and send the classmate to draw again (at level 3,
3 of 300 rosters of 40 changed another student's graphs when one student was added or dropped).
So re-issuing an assignment keeps what was issued: ``kept`` gives the variant seeds and rounds
already handed out, those students keep them, and only the others draw, around them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..practice import Problem, make_problem

VARIANT_VERSION = 1
"""Changes only if the way a variant seed is computed changes (old manifests then say so)."""
MAX_ROUNDS = 1000
"""Draws tried for one student before giving up (a level has far more graphs than students)."""


def variant_seed(
    student_id: str, assignment: str, seed: int, problem: int = 1, round: int = 0
) -> int:
    """The seed of student ``student_id``'s ``problem``-th problem (from 1), as a 64-bit integer."""
    text = "\x1f".join(
        (f"microgradpp variant {VARIANT_VERSION}", assignment, str(seed), student_id,
         str(problem), str(round))
    )  # fmt: skip
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def variant_problem(level: int, variant: int) -> Problem:
    """The problem at a variant seed: ``practice.make_problem(level, variant)``."""
    return make_problem(level, variant, 1)


def signature_digest(problem: Problem) -> str:
    """SHA-256 of the problem's equations and input values (hex): what makes a graph that graph.

    The manifest keeps it, so grading can tell a graph re-created by another version of the
    generator from the one the student was given.
    """
    equations, inputs = problem.signature()
    text = json.dumps([list(equations), [[name, value] for name, value in inputs]])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(assignment: str, digests: Sequence[str]) -> str:
    """A student's variant, in 12 hex digits grouped by 4 ('3f9a-c21b-07d4'): the assignment's
    name and the signature digests of their problems, hashed.

    The page carries it and the submission repeats it: a submission whose fingerprint is not
    the one issued to its student ID was made on someone else's page.
    """
    text = "\x1f".join(("microgradpp fingerprint 1", assignment, *digests))
    digits = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return "-".join(digits[i : i + 4] for i in range(0, 12, 4))


@dataclass(frozen=True)
class Variant:
    """One problem of one student: its variant seed and the round it was drawn in."""

    seed: int
    round: int
    digest: str
    problem: Problem


def issue_variants(
    student_ids: Sequence[str],
    assignment: str,
    seed: int,
    level: int,
    problems: int,
    kept: Mapping[str, Sequence[tuple[int, int]]] | None = None,
) -> dict[str, list[Variant]]:
    """Each student's problems, all different from every other student's at the same position.

    Students are served in the order of their round-0 variant seeds; one whose graph is already
    taken draws again in the next round (see the module's docstring). The result depends on the
    set of IDs, not on their order. ``kept``: (variant seed, round) of each problem already
    issued to a student (one per problem): they keep those graphs, and the others draw around
    them.
    """
    on_roster = set(student_ids)
    kept = {
        sid: variants
        for sid, variants in (kept or {}).items()
        if sid in on_roster and len(variants) == problems
    }
    issued: dict[str, list[Variant]] = {student_id: [] for student_id in student_ids}
    for number in range(1, problems + 1):
        first = {sid: variant_seed(sid, assignment, seed, number) for sid in student_ids}
        taken: set[str] = set()
        for student_id in sorted(kept):  # what was handed out stays as it was
            vseed, round = kept[student_id][number - 1]
            problem = variant_problem(level, vseed)
            digest = signature_digest(problem)
            taken.add(digest)
            issued[student_id].append(Variant(vseed, round, digest, problem))
        drawing = [sid for sid in student_ids if sid not in kept]
        for student_id in sorted(drawing, key=lambda sid: (first[sid], sid)):
            for round in range(MAX_ROUNDS):
                vseed = first[student_id] if round == 0 else variant_seed(
                    student_id, assignment, seed, number, round
                )  # fmt: skip
                problem = variant_problem(level, vseed)
                digest = signature_digest(problem)
                if digest not in taken:
                    break
            else:  # pragma: no cover - a level has far more graphs than a roster has students
                raise RuntimeError(f"no new level-{level} graph for {student_id!r}")
            taken.add(digest)
            issued[student_id].append(Variant(vseed, round, digest, problem))
    return issued
