"""The job rules of jobs/decide.py, driven with plain data: no Home Assistant, no ledger.

One test (or parametrised group) per rule of the module docstring.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from custom_components.printernizer.api.models import JobOutcome, PrinterSnapshot, PrinterStatus
from custom_components.printernizer.jobs.decide import (
    IGNORE,
    End,
    OpenJob,
    Pause,
    Progress,
    Resume,
    Seen,
    Start,
    decide,
    durations,
)

P = PrinterStatus
T0 = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)


def snap(status: PrinterStatus, progress: float | None = None, **kwargs: Any) -> PrinterSnapshot:
    """A snapshot of the job `benchy.3mf` unless a test says otherwise."""
    kwargs.setdefault("job_name", "benchy")
    kwargs.setdefault("file_name", "benchy.3mf")
    return PrinterSnapshot(status=status, progress=progress, **kwargs)


JOB = OpenJob(
    key=f"benchy.3mf@{T0.isoformat()}", name="benchy", file_name="benchy.3mf", started_at=T0
)
PRINTER_JOB = replace(JOB, key="42")
SEEN = Seen(progress=50.0)


# ------------------------------------------------------------------------------- start


@pytest.mark.parametrize("status", [P.PREPARING, P.PRINTING, P.PAUSED])
def test_active_snapshot_without_open_job_starts_one(status: PrinterStatus) -> None:
    """Preparing, printing or paused opens a job now; paused opens it paused."""
    action = decide(None, snap(status, 3.0), NOW, Seen())
    paused = status is P.PAUSED
    assert action == Start(
        key=f"benchy.3mf@{NOW.isoformat()}",
        started_at=NOW,
        paused=paused,
        seen=Seen(progress=3.0, pause_started=NOW if paused else None),
    )


@pytest.mark.parametrize("status", [P.IDLE, P.FINISHED, P.FAILED, P.ERROR, P.OFFLINE])
def test_no_job_is_started_by_a_state_without_a_running_print(status: PrinterStatus) -> None:
    """Idle, end states (both jobs ran while we were away), errors and offline start nothing."""
    assert decide(None, snap(status, 100.0), NOW, Seen()) is IGNORE


def test_start_goes_back_by_the_reported_print_time_and_keys_on_the_printer_id() -> None:
    """PrusaLink says it printed for 10 min: the job started 10 min ago, keyed on its id."""
    action = decide(None, snap(P.PRINTING, 12.0, job_id="5", time_printing_s=600), NOW, Seen())
    assert isinstance(action, Start)
    assert action.started_at == NOW - timedelta(minutes=10)
    assert action.key == "5"


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"job_id": "0"}, "benchy.3mf@"),  # Bambu LAN print: "0" is no id
        ({"file_name": None}, "benchy@"),
        ({"file_name": None, "job_name": None}, "job@"),
    ],
)
def test_start_without_printer_id_keys_on_file_or_name(kwargs: dict[str, Any], key: str) -> None:
    """No usable job id: file name, else job name, else "job", plus the start time."""
    action = decide(None, snap(P.PRINTING, 0.0, **kwargs), NOW, Seen())
    assert isinstance(action, Start)
    assert action.key == key + NOW.isoformat()


# ------------------------------------------------------------------------------- end


@pytest.mark.parametrize(
    ("status", "outcome", "expected"),
    [
        (P.FINISHED, None, "finished"),
        (P.FAILED, None, "failed"),
        (P.FAILED, JobOutcome.CANCELLED, "cancelled"),
        (P.FINISHED, JobOutcome.CANCELLED, "cancelled"),
    ],
)
def test_end_state_ends_the_job_with_the_printer_outcome(
    status: PrinterStatus, outcome: JobOutcome | None, expected: str
) -> None:
    """Finished / failed end the job; the printer's outcome wins when it gives one."""
    action = decide(JOB, snap(status, 60.0, outcome=outcome), NOW, SEEN)
    assert isinstance(action, End)
    assert action.outcome == expected
    assert (action.ended_at, action.duration_s, action.paused_s) == (NOW, 3600, 0)
    assert action.replaced is False


@pytest.mark.parametrize(("progress", "expected"), [(60.0, "cancelled"), (99.0, "finished")])
def test_idle_without_end_state_ends_by_the_last_progress(progress: float, expected: str) -> None:
    """Buddy drops the job into idle: ≥ 99 % finished, else cancelled (stopped by a person)."""
    action = decide(JOB, snap(P.IDLE, None, job_name=None, file_name=None), NOW, Seen(progress))
    assert isinstance(action, End)
    assert action.outcome == expected


def test_error_alone_keeps_the_job_an_error_with_outcome_ends_it() -> None:
    """ATTENTION / error is recoverable; an error that says how the job ended ends it."""
    assert isinstance(decide(JOB, snap(P.ERROR, 55.0), NOW, SEEN), Progress)
    action = decide(JOB, snap(P.ERROR, 55.0, outcome=JobOutcome.FAILED), NOW, SEEN)
    assert isinstance(action, End)
    assert (action.outcome, action.progress) == ("failed", 55.0)


def test_offline_never_ends_a_job() -> None:
    """A lost connection is not an end."""
    assert decide(JOB, PrinterSnapshot(status=P.OFFLINE, online=False), NOW, SEEN) is IGNORE
    assert decide(JOB, snap(P.FINISHED, 100.0, online=False), NOW, SEEN) is IGNORE


# ------------------------------------------------------------------------------- another job


@pytest.mark.parametrize(
    ("job", "seen", "kwargs", "outcome"),
    [
        (PRINTER_JOB, SEEN, {"job_id": "43"}, "failed"),  # another printer job id
        (PRINTER_JOB, Seen(99.5), {"job_id": "43"}, "finished"),  # it had reached the end
        (JOB, SEEN, {"file_name": "other.3mf"}, "failed"),
        (JOB, SEEN, {"file_name": None, "job_name": "other"}, "failed"),
        (JOB, SEEN, {"progress": 3.0}, "failed"),  # progress fell by more than 10 points
        # PrusaLink without id: the printed time puts the start 2 h after the recorded one
        (JOB, SEEN, {"time_printing_s": 300, "progress": 55.0}, "failed"),
    ],
)
def test_snapshot_of_another_job_ends_the_open_one(
    job: OpenJob, seen: Seen, kwargs: dict[str, Any], outcome: str
) -> None:
    """Evidence of another job ends the open one (≥ 99 % finished, else failed), replaced."""
    kwargs.setdefault("progress", 1.0)
    action = decide(job, snap(P.PRINTING, **kwargs), T0 + timedelta(hours=2), seen)
    assert isinstance(action, End)
    assert action.outcome == outcome
    assert action.replaced is True
    # the other job's progress is not this one's; a finished one is complete
    assert action.progress == (100.0 if outcome == "finished" else seen.progress)
    # the tracker then decides again without the closed job: the new one starts
    assert isinstance(decide(None, snap(P.PRINTING, **kwargs), NOW, Seen()), Start)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"job_id": "42"},  # the same printer job id, whatever else changed
        {"progress": 45.0},  # a small step back is no new job
        {"time_printing_s": 3600 + 600},  # printed time within 15 min of the recorded start
        {"file_name": None, "job_name": None},  # names not (yet) reported
    ],
)
def test_no_evidence_of_another_job_keeps_the_open_one(kwargs: dict[str, Any]) -> None:
    """Only clear evidence ends a job; anything else is the same job going on."""
    job = PRINTER_JOB if "job_id" in kwargs else JOB
    kwargs.setdefault("progress", 51.0)
    if "job_id" in kwargs:
        kwargs["file_name"] = "renamed.3mf"
    assert isinstance(decide(job, snap(P.PRINTING, **kwargs), NOW, SEEN), Progress)


# ------------------------------------------------------------------------------- progress


def test_progress_never_goes_backwards() -> None:
    """Some firmware reports 0 % after a cancel: the highest progress stays the job's."""
    action = decide(JOB, snap(P.PRINTING, 45.0), NOW, SEEN)
    assert action == Progress(seen=Seen(progress=50.0))
    action = decide(JOB, snap(P.FAILED, 0.0, outcome=JobOutcome.CANCELLED), NOW, SEEN)
    assert isinstance(action, End)
    assert action.progress == 50.0


def test_names_learnt_after_the_start_fill_in_empty_ones() -> None:
    """PrusaLink sends the job document later: the empty name and file name are filled in."""
    nameless = replace(PRINTER_JOB, name=None, file_name=None)
    action = decide(nameless, snap(P.PRINTING, 51.0, job_id="42"), NOW, SEEN)
    assert action == Progress(seen=Seen(51.0), name="benchy", file_name="benchy.3mf")
    # known names are never overwritten
    action = decide(PRINTER_JOB, snap(P.PRINTING, 51.0, job_id="42", job_name="x"), NOW, SEEN)
    assert action == Progress(seen=Seen(51.0))


# ------------------------------------------------------------------------------- pauses


def test_pause_and_resume_exclude_the_pause_from_the_print_time() -> None:
    """Paused at 30 min for 20 min: resume adds 1200 s, the end bills 40 of 60 min."""
    at_pause = T0 + timedelta(minutes=30)
    action = decide(JOB, snap(P.PAUSED, 30.0), at_pause, Seen(30.0))
    assert action == Pause(seen=Seen(30.0, pause_started=at_pause))
    paused = Seen(30.0, pause_started=at_pause)
    # still paused: nothing new
    assert decide(JOB, snap(P.PAUSED, 30.0), at_pause + timedelta(minutes=5), paused) == Progress(
        seen=paused
    )
    at_resume = at_pause + timedelta(minutes=20)
    action = decide(JOB, snap(P.PRINTING, 31.0), at_resume, paused)
    assert action == Resume(paused_s=1200, seen=Seen(31.0))
    resumed = replace(JOB, paused_s=1200)
    action = decide(resumed, snap(P.FINISHED, 100.0), NOW, Seen(99.0))
    assert isinstance(action, End)
    assert (action.duration_s, action.paused_s) == (3600, 1200)


def test_a_pause_still_open_at_the_end_counts_until_the_end() -> None:
    """Cancelled while paused: the pause runs until the end."""
    paused = Seen(25.0, pause_started=T0 + timedelta(minutes=30))
    action = decide(JOB, snap(P.FAILED, 0.0, outcome=JobOutcome.CANCELLED), NOW, paused)
    assert isinstance(action, End)
    assert (action.duration_s, action.paused_s) == (3600, 1800)
    assert durations(JOB, paused, NOW) == (3600, 1800)


def test_pause_never_exceeds_the_duration() -> None:
    """A pause start before the job's start (clock trouble) is capped at the duration."""
    seen = Seen(10.0, pause_started=T0 - timedelta(hours=1))
    assert durations(JOB, seen, NOW) == (3600, 3600)


@pytest.mark.parametrize(
    ("job", "snapshot", "seen"),
    [
        (JOB, snap(P.FINISHED, None, job_name=None, file_name=None), Seen(83.0)),  # Buddy
        (JOB, snap(P.IDLE, None, job_name=None, file_name=None), Seen(99.2)),
        (PRINTER_JOB, snap(P.PRINTING, 1.0, job_id="43"), Seen(99.5)),  # replaced, done
    ],
)
def test_a_job_that_ends_finished_has_progress_100(
    job: OpenJob, snapshot: PrinterSnapshot, seen: Seen
) -> None:
    """The last poll saw 83 % (Buddy drops the job between polls): finished means 100 %."""
    action = decide(job, snapshot, NOW, seen)
    assert isinstance(action, End)
    assert (action.outcome, action.progress) == ("finished", 100.0)
