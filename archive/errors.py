"""One exception type per kind of failure, each with a message an archivist can act on.

The web layer maps them to HTTP statuses in one handler, the command line to exit codes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is, what was expected, what might fix it."""

    message: str
    record: str | None = None
    key: str | None = None
    suggestion: str | None = None
    line: int | None = None
    column: str | None = None  # in a CSV file, the column that holds the key

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.record is not None:
            where.append(f"record {self.record}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        elif self.key is not None:
            where.append(f"key '{self.key}'")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.suggestion:
            text += f" (did you mean {self.suggestion}?)"
        return text

    def as_dict(self) -> dict[str, object]:
        """The problem as JSON, without empty fields."""
        return {k: v for k, v in asdict(self).items() if v is not None}


class ArchiveError(Exception):
    """Base of every refusal the archive makes on purpose."""

    status = 500
    exit_code = 1


class BadInput(ArchiveError):
    """The input is refused whole; ``problems`` lists every reason."""

    status = 422
    exit_code = 2

    def __init__(self, problems: list[Problem] | str, source: str | None = None, *,
                 outcome: str = "nothing was stored") -> None:
        """``outcome`` ends the summary line: what the refusal means for the caller (a
        check that never stores says "nothing would be stored")."""
        if isinstance(problems, str):
            problems = [Problem(problems)]
        self.problems = problems
        self.source = source
        self.outcome = outcome
        head = f"{source}: " if source else ""
        count = len(problems)
        summary = f"{count} problem{'s' if count != 1 else ''}; {outcome}"
        super().__init__(head + summary + "\n" + "\n".join(f"  - {p}" for p in problems))


class NotFound(ArchiveError):
    """No such record or resource."""

    status = 404
    exit_code = 3


class Gone(ArchiveError):
    """The record was deleted; its history remains."""

    status = 410
    exit_code = 3


class Conflict(ArchiveError):
    """The write would clash with the archive's current state (stale version, id taken)."""

    status = 409
    exit_code = 4


class PreconditionFailed(Conflict):
    """The caller's version of a record is not the current one (HTTP If-Match)."""

    status = 412


class StaleVersion(PreconditionFailed):
    """The caller edited a version of a record that is no longer the current one."""

    def __init__(self, record_id: str, expected: int, current: int) -> None:
        self.record_id, self.expected, self.current = record_id, expected, current
        super().__init__(f"record '{record_id}' has changed since you loaded it (you edited "
                         f"version {expected}, the archive has version {current}); reload it "
                         "and apply your changes again")


class Forbidden(ArchiveError):
    """The caller may not do this."""

    status = 403
    exit_code = 5


class StoreLocked(ArchiveError):
    """Another process holds the store open for writing."""

    status = 503
    exit_code = 6
