"""Variants: a pure function of (student ID, assignment name, seed), all different in a class."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from microgradpp.assignments.variants import fingerprint, issue_variants, variant_seed
from microgradpp.practice import make_problem


def test_a_variant_seed_is_sha256_of_the_id_the_name_and_the_seed():
    # the first 8 bytes of SHA-256("microgradpp variant 1␟hw3␟7␟S001␟1␟0"), big-endian
    assert variant_seed("S001", "hw3", 7) == 0xA7C9A9CE6BF336C3
    assert variant_seed("S001", "hw3", 7, problem=1, round=0) == variant_seed("S001", "hw3", 7)
    others = {variant_seed("S002", "hw3", 7), variant_seed("S001", "hw4", 7),
              variant_seed("S001", "hw3", 8), variant_seed("S001", "hw3", 7, 2)}  # fmt: skip
    assert len(others) == 4 and variant_seed("S001", "hw3", 7) not in others


def test_a_students_problem_is_practice_make_problem_at_their_variant_seed():
    issued = issue_variants(["S001", "S002"], "hw3", 7, 2, 2)
    for student_id, variants in issued.items():
        for number, variant in enumerate(variants, start=1):
            expected = make_problem(2, variant_seed(student_id, "hw3", 7, number), 1)
            assert variant.round == 0
            assert variant.problem.signature() == expected.signature()


def test_500_students_get_500_different_graphs_whatever_the_roster_order():
    ids = [f"S{k:04d}" for k in range(500)]
    for level in (1, 2, 3):
        issued = issue_variants(ids, "hw3", 7, level, 1)
        signatures = {variants[0].problem.signature() for variants in issued.values()}
        assert len(signatures) == 500, level
    # level 3 has few input values: some students drew again, and the order did not matter
    assert sum(v[0].round for v in issued.values()) > 0
    shuffled = ids[250:] + ids[:250]
    again = issue_variants(shuffled, "hw3", 7, 3, 1)
    assert {k: v[0].digest for k, v in again.items()} == {k: v[0].digest for k, v in issued.items()}


def test_a_fingerprint_is_12_hex_digits_in_three_groups():
    print_ = fingerprint("hw3", ["ab" * 32])
    assert len(print_) == 14 and print_.count("-") == 2
    assert print_ != fingerprint("hw4", ["ab" * 32]) and print_ != fingerprint("hw3", ["cd" * 32])


_PROGRAM = """
import json
from microgradpp.assignments.variants import issue_variants, fingerprint
issued = issue_variants(["S001", "李", "x y"], "hw3", 7, 3, 2)
print(json.dumps({k: [fingerprint("hw3", [v.digest for v in vs]), [str(v.problem.signature()) for v in vs]]
                  for k, vs in issued.items()}, ensure_ascii=False))
"""


def test_variants_do_not_depend_on_pythonhashseed():
    outputs = []
    for hash_seed in ("0", "1", "4242"):
        environment = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", _PROGRAM], capture_output=True, text=True,
                              env=environment, check=True)  # fmt: skip
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1] == outputs[2]
    assert len({json.dumps(v[1]) for v in outputs[0].values()}) == 3


def test_students_keep_the_graphs_already_issued_when_the_roster_changes():
    # S073 and S151 draw the same level-3 graph for hw3 at seed 1; S151's seed is smaller, so
    # S073 draws again: dropping S151 (or adding S151 to a roster of S073) changed S073's graph,
    # and the page S073 already had no longer matched the manifest grading reads
    both = issue_variants(["S073", "S151"], "hw3", 1, 3, 1)
    alone = issue_variants(["S073"], "hw3", 1, 3, 1)
    assert (both["S073"][0].round, alone["S073"][0].round) == (1, 0)
    assert both["S073"][0].digest != alone["S073"][0].digest
    kept = {sid: [(v.seed, v.round) for v in variants] for sid, variants in both.items()}
    dropped = issue_variants(["S073"], "hw3", 1, 3, 1, kept)
    assert dropped["S073"][0].digest == both["S073"][0].digest
    added = issue_variants(["S073", "S151"], "hw3", 1, 3, 1, {"S073": [(alone["S073"][0].seed, 0)]})
    assert added["S073"][0].digest == alone["S073"][0].digest  # S073 keeps the page it has
    assert added["S151"][0].round == 1  # the new student draws around it
    assert added["S151"][0].digest != added["S073"][0].digest
