"""What one printer snapshot means for the open job: a pure decision over plain data.

The original Printernizer created jobs but never closed them and deduplicated on
(printer, file, day), which dropped real reprints. Here every job is keyed on the printer's own
job id (or on file/name plus start time) and is closed by the printer's own states. This module
holds every rule; `tracker.py` only carries the decisions out (ledger, events, listeners), so the
rules can be tested with plain data and no Home Assistant.

Rules (documented because a printer does not always tell):

- Start: the first snapshot that is preparing, printing or paused while no job is open.
  ``started_at`` is now, or now − ``time_printing_s`` when the printer says how long it has
  printed (PrusaLink), so a job first seen late (after a restart) keeps its real start. A job
  first seen paused opens paused.
- End: ``finished`` / ``failed`` snapshots end the job with ``snapshot.outcome`` when given,
  else as finished / failed. A job that vanishes into ``idle`` without an end state (Buddy
  firmware drops the job) ends as finished when its last progress was ≥ 99 %, else as
  cancelled: a print that stops half way without a failure state was almost always stopped by
  a person.
- A snapshot naming another job while one is open ends the open one as finished (last progress
  ≥ 99 %) or failed (it did not reach the end and we never saw why), then starts the new one.
  When that snapshot is already an end state (both jobs ran while we were away) the new job is
  not recorded: we never saw it run and would have to invent its times.
- ``error`` does not end a job by itself (PrusaLink ATTENTION, e.g. a filament run-out, is
  recoverable); an ``outcome`` on it does. ``offline`` never ends a job.
- Progress never goes backwards inside a job; the highest value seen is the job's progress
  (some firmware resets it to 0 when a print is cancelled). A job that ends finished has
  progress 100, whatever the last poll saw (Buddy drops the job at 80-85 % between polls).
- Pauses are excluded from the billed print hours (energy estimate and machine time).
- Names the printer reports only after the start (PrusaLink sends the job document later) fill
  in the job's empty name and file name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final

from custom_components.printernizer.api.models import JobOutcome, PrinterSnapshot, PrinterStatus

# Ledger job statuses.
STATUS_PRINTING: Final = "printing"
STATUS_PAUSED: Final = "paused"
STATUS_FINISHED: Final = JobOutcome.FINISHED.value
STATUS_FAILED: Final = JobOutcome.FAILED.value
STATUS_CANCELLED: Final = JobOutcome.CANCELLED.value

# A job at or above this progress counts as done when it ends without saying how.
DONE_PROGRESS: Final = 99.0
# Progress falling by more than this (points) means the printer runs another job.
PROGRESS_REGRESSION: Final = 10.0
# A printer-reported start this far from the recorded one means another job (no job id).
START_TOLERANCE: Final = timedelta(minutes=15)
# Bambu reports these task ids for LAN prints: no id at all.
NO_JOB_IDS: Final = frozenset({"", "0"})


@dataclass(frozen=True, slots=True)
class OpenJob:
    """The open job as the decision needs it (from its ledger row)."""

    key: str
    name: str | None
    file_name: str | None
    started_at: datetime
    paused_s: int = 0

    @property
    def has_printer_id(self) -> bool:
        """True when the job was keyed on the printer's job id, not on file/name@start."""
        return "@" not in self.key


@dataclass(frozen=True, slots=True)
class Seen:
    """What earlier snapshots told about the open job; the tracker keeps and persists it."""

    progress: float | None = None
    pause_started: datetime | None = None


@dataclass(frozen=True, slots=True)
class Ignore:
    """Nothing to record."""


@dataclass(frozen=True, slots=True)
class Start:
    """Open a job (paused when first seen paused)."""

    key: str
    started_at: datetime
    paused: bool
    seen: Seen


@dataclass(frozen=True, slots=True)
class Pause:
    """The open job paused now."""

    seen: Seen


@dataclass(frozen=True, slots=True)
class Resume:
    """The open job prints again; `paused_s` includes the pause that just ended."""

    paused_s: int
    seen: Seen


@dataclass(frozen=True, slots=True)
class Progress:
    """The open job goes on; names learnt since the start fill in the empty ones."""

    seen: Seen
    name: str | None = None
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class End:
    """Close the open job.

    `replaced`: the snapshot belongs to another job (then it says nothing about this one, and a
    new decision on it may start the next job).
    """

    outcome: str
    ended_at: datetime
    duration_s: int
    paused_s: int
    progress: float | None
    replaced: bool = False


type Action = Ignore | Start | Pause | Resume | Progress | End

IGNORE: Final = Ignore()


def printer_job_id(snapshot: PrinterSnapshot) -> str | None:
    """The printer's own job id, or None when it gives none (Bambu LAN prints send "0")."""
    if snapshot.job_id is None:
        return None
    job_id = str(snapshot.job_id).strip()
    return None if job_id in NO_JOB_IDS else job_id


def paused_seconds(job: OpenJob, seen: Seen, at: datetime) -> int:
    """Paused seconds until `at`, including a pause still running."""
    paused = job.paused_s
    if seen.pause_started is not None:
        paused += max(0, int((at - seen.pause_started).total_seconds()))
    return paused


def durations(job: OpenJob, seen: Seen, at: datetime) -> tuple[int, int]:
    """(seconds since the start, paused seconds within them) at `at`."""
    duration_s = max(0, int((at - job.started_at).total_seconds()))
    return duration_s, min(paused_seconds(job, seen, at), duration_s)


def decide(job: OpenJob | None, snapshot: PrinterSnapshot, now: datetime, seen: Seen) -> Action:
    """The one thing `snapshot` means for the printer's open job (`seen`: what came before)."""
    if snapshot.status is PrinterStatus.OFFLINE or not snapshot.online:
        return IGNORE  # a lost connection never ends a job
    status = snapshot.status
    if job is None:
        return _start(snapshot, now) if status.is_active else IGNORE
    if status is not PrinterStatus.IDLE and _is_other_job(job, snapshot, now, seen):
        done = (seen.progress or 0.0) >= DONE_PROGRESS
        return _end(job, seen, now, STATUS_FINISHED if done else STATUS_FAILED, replaced=True)

    seen = replace(seen, progress=_highest(seen.progress, snapshot.progress))
    if status in (PrinterStatus.FINISHED, PrinterStatus.FAILED):
        if snapshot.outcome is not None:
            outcome = snapshot.outcome.value
        else:
            outcome = STATUS_FINISHED if status is PrinterStatus.FINISHED else STATUS_FAILED
        return _end(job, seen, now, outcome)
    if status is PrinterStatus.IDLE:
        done = (seen.progress or 0.0) >= DONE_PROGRESS
        return _end(job, seen, now, STATUS_FINISHED if done else STATUS_CANCELLED)
    if status is PrinterStatus.ERROR and snapshot.outcome is not None:
        return _end(job, seen, now, snapshot.outcome.value)
    if status is PrinterStatus.PAUSED and seen.pause_started is None:
        return Pause(seen=replace(seen, pause_started=now))
    if status.is_active and status is not PrinterStatus.PAUSED and seen.pause_started is not None:
        return Resume(
            paused_s=paused_seconds(job, seen, now), seen=replace(seen, pause_started=None)
        )
    return Progress(
        seen=seen,
        name=snapshot.job_name if snapshot.job_name and not job.name else None,
        file_name=snapshot.file_name if snapshot.file_name and not job.file_name else None,
    )


def _start(snapshot: PrinterSnapshot, now: datetime) -> Start:
    """A print seen for the first time."""
    started_at = now
    if snapshot.time_printing_s is not None and snapshot.time_printing_s > 0:
        started_at = now - timedelta(seconds=snapshot.time_printing_s)
    key = printer_job_id(snapshot) or (
        f"{snapshot.file_name or snapshot.job_name or 'job'}@{started_at.isoformat()}"
    )
    paused = snapshot.status is PrinterStatus.PAUSED
    return Start(
        key=key,
        started_at=started_at,
        paused=paused,
        seen=Seen(progress=snapshot.progress, pause_started=now if paused else None),
    )


def _end(job: OpenJob, seen: Seen, now: datetime, outcome: str, *, replaced: bool = False) -> End:
    """Close the job now."""
    duration_s, paused_s = durations(job, seen, now)
    return End(
        outcome=outcome,
        ended_at=now,
        duration_s=duration_s,
        paused_s=paused_s,
        progress=100.0 if outcome == STATUS_FINISHED else seen.progress,
        replaced=replaced,
    )


def _highest(last: float | None, new: float | None) -> float | None:
    """Progress never goes backwards inside one job."""
    if new is None:
        return last
    return new if last is None or new > last else last


def _is_other_job(job: OpenJob, snapshot: PrinterSnapshot, now: datetime, seen: Seen) -> bool:
    """True only on evidence that the printer now reports a different job."""
    snapshot_id = printer_job_id(snapshot)
    if snapshot_id is not None and job.has_printer_id:
        return snapshot_id != job.key
    if snapshot.file_name and job.file_name and snapshot.file_name != job.file_name:
        return True
    if snapshot.job_name and job.name and snapshot.job_name != job.name:
        return True
    if not snapshot.status.is_active:
        return False
    last = seen.progress
    if (
        snapshot.progress is not None
        and last is not None
        and snapshot.progress + PROGRESS_REGRESSION < last
    ):
        return True
    if snapshot.time_printing_s is not None and snapshot.time_printing_s > 0:
        reported_start = now - timedelta(seconds=snapshot.time_printing_s)
        if abs(reported_start - job.started_at) > START_TOLERANCE:
            return True
    return False
