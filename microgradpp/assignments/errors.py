"""The errors of assignments and grading, said in the class's language.

Each error carries a message id of the catalogs (``assignment.error.*``) and the fields it fills
in: ``str()`` is English (as every error of the package), :meth:`AssignmentError.translated`
says the same in Chinese for the command line and the teacher's report.
"""

from __future__ import annotations

from ..errors import MicrogradppError
from ..i18n import message


class AssignmentError(MicrogradppError, ValueError):
    """Something given to an assignment or to grading cannot be used; ``where`` names the file
    (and line), ``key`` the reason's message id, ``fields`` what it fills in."""

    def __init__(self, where: str, key: str, **fields: object):
        self.where, self.key, self.fields = where, key, fields
        super().__init__(self.translated("en"))

    @property
    def reason(self) -> str:
        """The reason alone, in English ('empty ID (the 'ID' column)')."""
        return message(f"assignment.error.{self.key}", "en", **self.fields)

    def translated(self, lang: str | None = None) -> str:
        """'WHERE: REASON' in ``lang`` (None: the locale's)."""
        reason = message(f"assignment.error.{self.key}", lang, **self.fields)
        return message("assignment.error.where", lang, where=self.where, reason=reason)


class RosterError(AssignmentError):
    """A roster that cannot be used: ``path``, ``line`` (1 = the header, 0 = the whole file)."""

    def __init__(self, path: str, line: int, key: str, **fields: object):
        self.path, self.line = path, line
        where = message("assignment.error.line", "en", path=path, line=line) if line else path
        super().__init__(where, key, **fields)

    def translated(self, lang: str | None = None) -> str:
        where = message("assignment.error.line", lang, path=self.path, line=self.line)
        reason = message(f"assignment.error.{self.key}", lang, **self.fields)
        return message(
            "assignment.error.where", lang, where=where if self.line else self.path, reason=reason
        )


class ManifestError(AssignmentError):
    """The teacher's manifest is missing, damaged or from another version of the generator."""


class SubmissionError(AssignmentError):
    """One submission file or paste code that cannot be graded (the others still are)."""
