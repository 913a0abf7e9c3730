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
- An end seen late is not stamped "now". The job ended unseen when its last report is more
  than ``END_SEEN_WITHIN`` old and either the end is the first we hear of the job since the
  tracker (re)started (Home Assistant was stopped, the entry reloaded), or the printer's own
  timing puts the end more than ``END_SEEN_WITHIN`` before now (the print time it reports
  with the end state, or the remaining time of the last report running out: the connection
  was lost). Such an end is estimated and marked so: from the print time the end state
  carries, else (for a finished job) from the remaining time at the last report, else from the
  progress rate up to it; a failed or cancelled job without a reported print time ended, as
  far as we know, at the last report. The estimate lies between the last report and now; an
  open pause counts until the last report. Energy and machine time then count printing time
  only, never the hours nobody watched.
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
# An end state reported longer than this after the job's last report was not seen happen.
END_SEEN_WITHIN: Final = timedelta(minutes=5)
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
    """What earlier snapshots told about the open job; the tracker keeps and persists it.

    `reported_at` is the job's last live report and `remaining_s` the remaining seconds the
    printer gave in it (None when it gave none). `live`: a report came in since the tracker
    (re)started; it is not persisted.
    """

    progress: float | None = None
    pause_started: datetime | None = None
    reported_at: datetime | None = None
    remaining_s: int | None = None
    live: bool = False


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
    new decision on it may start the next job). `estimated`: the end was not seen; `ended_at`
    comes from the printer's reports.
    """

    outcome: str
    ended_at: datetime
    duration_s: int
    paused_s: int
    progress: float | None
    replaced: bool = False
    estimated: bool = False


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
        outcome = STATUS_FINISHED if done else STATUS_FAILED
        return _end(job, seen, now, outcome, None, seen.progress)

    progress = _highest(seen.progress, snapshot.progress)
    if status in (PrinterStatus.FINISHED, PrinterStatus.FAILED):
        if snapshot.outcome is not None:
            outcome = snapshot.outcome.value
        else:
            outcome = STATUS_FINISHED if status is PrinterStatus.FINISHED else STATUS_FAILED
        return _end(job, seen, now, outcome, snapshot, progress)
    if status is PrinterStatus.IDLE:
        done = (progress or 0.0) >= DONE_PROGRESS
        outcome = STATUS_FINISHED if done else STATUS_CANCELLED
        return _end(job, seen, now, outcome, snapshot, progress)
    if status is PrinterStatus.ERROR and snapshot.outcome is not None:
        return _end(job, seen, now, snapshot.outcome.value, snapshot, progress)
    seen = _reported(replace(seen, progress=progress), snapshot, now)
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
    seen = Seen(progress=snapshot.progress, pause_started=now if paused else None)
    return Start(key=key, started_at=started_at, paused=paused, seen=_reported(seen, snapshot, now))


def _reported(seen: Seen, snapshot: PrinterSnapshot, now: datetime) -> Seen:
    """The job reported itself now (what an end seen late is estimated from)."""
    remaining = snapshot.remaining_minutes
    return replace(
        seen,
        reported_at=now,
        remaining_s=None if remaining is None else max(0, remaining) * 60,
        live=True,
    )


def _end(
    job: OpenJob,
    seen: Seen,
    now: datetime,
    outcome: str,
    snapshot: PrinterSnapshot | None,
    progress: float | None,
) -> End:
    """Close the job; `snapshot` is its end state, None when the printer moved on to another.

    `seen` is what came before the end (the last report); `progress` the job's highest.
    """
    last = seen.reported_at
    if last is None or not _ended_unseen(job, seen, snapshot, last, now):
        ended_at = now
        duration_s, paused_s = durations(job, seen, now)
        estimated = False
    else:
        ended_at = _estimated_end(job, seen, outcome, snapshot, last, now)
        duration_s = max(0, int((ended_at - job.started_at).total_seconds()))
        # an open pause counts until the last report: we never saw how long it went on
        paused_s = min(paused_seconds(job, seen, last), duration_s)
        estimated = True
    return End(
        outcome=outcome,
        ended_at=ended_at,
        duration_s=duration_s,
        paused_s=paused_s,
        progress=100.0 if outcome == STATUS_FINISHED else progress,
        replaced=snapshot is None,
        estimated=estimated,
    )


def _ended_unseen(
    job: OpenJob, seen: Seen, snapshot: PrinterSnapshot | None, last: datetime, now: datetime
) -> bool:
    """True when the job ended while nobody watched (see the module docstring)."""
    if now - last <= END_SEEN_WITHIN:
        return False
    if not seen.live:
        return True  # the end is the first we hear of the job since the restart
    printing_s = snapshot.time_printing_s if snapshot is not None else None
    if printing_s:
        due = job.started_at + timedelta(seconds=paused_seconds(job, seen, last) + printing_s)
    elif seen.remaining_s is not None:
        due = last + timedelta(seconds=seen.remaining_s)
    else:
        return False  # nothing says when it ended: a quiet printer, not a missed end
    return now - due > END_SEEN_WITHIN


def _estimated_end(
    job: OpenJob,
    seen: Seen,
    outcome: str,
    snapshot: PrinterSnapshot | None,
    last: datetime,
    now: datetime,
) -> datetime:
    """When a job that ended unseen most likely ended, from what the printer reported."""
    paused_s = paused_seconds(job, seen, last)
    printing_s = snapshot.time_printing_s if snapshot is not None else None
    if printing_s:
        # the end state still carries the job's print time (PrusaLink on a Pi, or ATTENTION)
        end = job.started_at + timedelta(seconds=paused_s + printing_s)
    elif outcome != STATUS_FINISHED:
        end = last  # it stopped at some moment after the last report; we bill what we saw
    elif seen.remaining_s is not None:
        end = last + timedelta(seconds=seen.remaining_s)
    elif seen.progress:
        printed = max(0.0, (last - job.started_at).total_seconds() - paused_s)
        left = max(0.0, 100.0 - seen.progress)
        end = last + timedelta(seconds=printed * left / seen.progress)
    else:
        end = last
    return max(job.started_at, min(max(end, last), now))


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
