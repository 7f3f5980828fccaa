"""Compact columns behind the harvest log: a few bytes per change and per record.

A Python object per change (a dataclass, a datetime and three strings) costs about 500
bytes, a frozenset of set names per record about as much again: at 100,000 records the log
held over 100 MB. Here a change is six array cells, a record its id string, a dict entry
and four cells, and a record's sets a run of small integers in one array. Readers see
:class:`~archive.changelog.Change` objects and mappings, made on demand.

One writer (the log's catch-up, under its lock) appends; readers in other threads never see
a half-written entry: a change becomes visible (counted) once its cells are written, a new
record's id is readable by number before the change and found by id after it.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import overload

from archive.changelog import Change

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def micros(time: datetime) -> int:
    """A time as whole microseconds since 1970 (UTC): exact, and an array cell."""
    return (time - EPOCH) // MICROSECOND


def from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


class Names:
    """Distinct strings numbered in order of first use (record ids, kinds, agents, sets)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.numbers: dict[str, int] = {}

    def number(self, name: str) -> int:
        """The number of ``name``, adding it if new."""
        found = self.numbers.get(name)
        if found is None:
            found = len(self.names)
            self.names.append(name)
            self.numbers[name] = found
        return found

    def __len__(self) -> int:
        return len(self.names)


class ChangeColumns(Sequence[Change]):
    """The change log as columns; item ``i`` is the change with sequence ``i + 1``."""

    def __init__(self) -> None:
        self.records, self.kinds, self.agents = Names(), Names(), Names()
        self.record = array("i")    # per change: record number
        self.kind = bytearray()     # per change: kind number
        self.time = array("q")      # per change: microseconds since 1970
        self.version = array("i")   # per change: version number
        self.agent = array("i")     # per change: agent number
        self.previous = array("i")  # per change: the record's previous sequence, or 0
        self.first = array("i")     # per record: its first sequence
        self.last = array("i")      # per record: its last sequence

    def append(self, record_id: str, kind: str, time: int, version: int, agent: str) -> int:
        """Add the next change (``time`` in microseconds); returns the record's number."""
        sequence = len(self.record) + 1
        number = self.records.numbers.get(record_id)
        new = number is None
        if new:
            number = len(self.records.names)
            self.records.names.append(record_id)
            self.first.append(sequence)
            self.last.append(0)
        self.kind.append(self.kinds.number(kind))
        self.time.append(time)
        self.version.append(version)
        self.agent.append(self.agents.number(agent))
        self.previous.append(self.last[number])
        self.record.append(number)  # the change is visible from here on
        self.last[number] = sequence
        if new:
            self.records.numbers[record_id] = number  # found by id from here on
        return number

    def __len__(self) -> int:
        return len(self.record)

    @overload
    def __getitem__(self, index: int) -> Change: ...
    @overload
    def __getitem__(self, index: slice) -> list[Change]: ...

    def __getitem__(self, index: int | slice) -> Change | list[Change]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("no change with this position")
        return Change(sequence=index + 1, record_id=self.records.names[self.record[index]],
                      kind=self.kinds.names[self.kind[index]],
                      time=from_micros(self.time[index]), version=self.version[index],
                      agent=self.agents.names[self.agent[index]])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or len(other) != len(self):
            return False
        return all(mine == theirs for mine, theirs in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def sequences(self, number: int) -> list[int]:
        """Every sequence of the record numbered ``number``, oldest first."""
        found = []
        sequence = self.last[number]
        while sequence:
            found.append(sequence)
            sequence = self.previous[sequence - 1]
        return found[::-1]


class RecordSequences(Mapping[str, list[int]]):
    """Record id → its change sequences in order (a view of the columns)."""

    def __init__(self, columns: ChangeColumns) -> None:
        self.columns = columns

    def __getitem__(self, record_id: str) -> list[int]:
        return self.columns.sequences(self.columns.records.numbers[record_id])

    def __contains__(self, record_id: object) -> bool:
        return record_id in self.columns.records.numbers

    def __iter__(self) -> Iterator[str]:  # ids are found by id in the order they were added
        return iter(self.columns.records.names[:len(self)])

    def __len__(self) -> int:
        return len(self.columns.records.numbers)


class SetTable(Mapping[str, frozenset[str]]):
    """Each record's OAI setSpecs as a run ``[count, spec numbers…]`` in one array.

    A record points at its run; a change of sets appends a new run and moves the pointer
    (one store, so readers see the old run or the new one, never half of each).
    """

    def __init__(self, records: Names) -> None:
        self.records = records
        self.specs = Names()
        self.runs = array("i", [0])  # offset 0: the empty run
        self.start = array("i")      # per record number: offset of its run

    def assign(self, number: int, specs: Iterable[str]) -> None:
        """Set the specs of the record numbered ``number``."""
        while len(self.start) <= number:
            self.start.append(0)
        numbers = sorted({self.specs.number(spec) for spec in specs})
        offset = len(self.runs)
        self.runs.append(len(numbers))
        self.runs.extend(numbers)
        self.start[number] = offset

    def numbers_of(self, number: int) -> array:
        """The spec numbers of the record numbered ``number``."""
        offset = self.start[number] if number < len(self.start) else 0
        return self.runs[offset + 1:offset + 1 + self.runs[offset]]

    def __getitem__(self, record_id: str) -> frozenset[str]:
        number = self.records.numbers[record_id]
        if number >= len(self.start):
            raise KeyError(record_id)
        return frozenset(self.specs.names[n] for n in self.numbers_of(number))

    def __iter__(self) -> Iterator[str]:
        return iter(self.records.names[:len(self)])

    def __len__(self) -> int:
        return min(len(self.start), len(self.records.numbers))

    def used(self) -> set[str]:
        """Every setSpec some record is in."""
        numbers = {n for record in range(len(self.start)) for n in self.numbers_of(record)}
        return {self.specs.names[n] for n in numbers}

    def any(self) -> bool:
        """Whether any record is in a set."""
        return any(self.runs[offset] for offset in self.start)

    def member_test(self, wanted: str) -> Callable[[int], bool]:
        """A test: is the record numbered ``n`` in ``wanted`` (sets nest: "type" holds
        "type:report", §4.6)?"""
        inside = {n for n, spec in enumerate(self.specs.names)
                  if spec == wanted or spec.startswith(wanted + ":")}
        return lambda number: any(n in inside for n in self.numbers_of(number))
