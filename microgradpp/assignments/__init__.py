"""Graded assignments with no server: a variant per student, submissions, grades.

The whole loop is files, so it works on a school LAN, by e-mail or through the LMS's upload::

    >>> from microgradpp.assignments import issue_assignment, grade  # doctest: +SKIP
    >>> issue_assignment("roster.csv", "hw3", "hw3", level=2, seed=7)  # doctest: +SKIP
    >>> # ... students open students/hw3-<ID>.html, work, and hand in a file or a paste code
    >>> grade(["submissions/"], "hw3", "hw3-grades")  # doctest: +SKIP

- :mod:`.roster` reads the class list as Canvas, Moodle or a plain ``id,name`` CSV has it;
- :mod:`.variants` gives each student their graphs, a pure function of (ID, name, seed);
- :mod:`.issue` writes the pages, the printable sheets, the manifest and the teacher's index;
- :mod:`.submission` reads what the graded page hands back (a file or a paste code);
- :mod:`.grading` re-creates each student's graphs from the manifest and grades the answers;
- :mod:`.gradebook` writes ``grades.csv`` and Gradescope's ``results.json``; :mod:`.report`
  the class report; :mod:`.grader` does it all: reads the files, grades, writes the outputs.
"""

from __future__ import annotations

from .errors import AssignmentError, ManifestError, RosterError, SubmissionError
from .grader import GradingResult, grade
from .issue import IssuedAssignment, issue_assignment
from .manifest import Manifest, read_manifest
from .roster import Roster, Student, parse_roster, read_roster
from .submission import Submission, encode_code, parse_submissions, read_submissions
from .variants import fingerprint, variant_seed

__all__ = [
    "AssignmentError",
    "GradingResult",
    "IssuedAssignment",
    "Manifest",
    "ManifestError",
    "Roster",
    "RosterError",
    "Student",
    "Submission",
    "SubmissionError",
    "encode_code",
    "fingerprint",
    "grade",
    "issue_assignment",
    "parse_roster",
    "parse_submissions",
    "read_manifest",
    "read_roster",
    "read_submissions",
    "variant_seed",
]
