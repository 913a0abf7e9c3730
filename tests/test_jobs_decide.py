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


def at(when: datetime, progress: float | None, **kwargs: Any) -> Seen:
    """What the tracker remembers after a live report at `when` (no remaining time given)."""
    return Seen(progress=progress, reported_at=when, live=True, **kwargs)


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
        seen=at(NOW, 3.0, pause_started=NOW if paused else None),
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
    assert action == Progress(seen=at(NOW, 50.0))
    action = decide(JOB, snap(P.FAILED, 0.0, outcome=JobOutcome.CANCELLED), NOW, SEEN)
    assert isinstance(action, End)
    assert action.progress == 50.0


def test_names_learnt_after_the_start_fill_in_empty_ones() -> None:
    """PrusaLink sends the job document later: the empty name and file name are filled in."""
    nameless = replace(PRINTER_JOB, name=None, file_name=None)
    action = decide(nameless, snap(P.PRINTING, 51.0, job_id="42"), NOW, SEEN)
    assert action == Progress(seen=at(NOW, 51.0), name="benchy", file_name="benchy.3mf")
    # known names are never overwritten
    action = decide(PRINTER_JOB, snap(P.PRINTING, 51.0, job_id="42", job_name="x"), NOW, SEEN)
    assert action == Progress(seen=at(NOW, 51.0))


# ------------------------------------------------------------------------------- pauses


def test_pause_and_resume_exclude_the_pause_from_the_print_time() -> None:
    """Paused at 30 min for 20 min: resume adds 1200 s, the end bills 40 of 60 min."""
    at_pause = T0 + timedelta(minutes=30)
    action = decide(JOB, snap(P.PAUSED, 30.0), at_pause, Seen(30.0))
    paused = at(at_pause, 30.0, pause_started=at_pause)
    assert action == Pause(seen=paused)
    # still paused: nothing new
    later = at_pause + timedelta(minutes=5)
    assert decide(JOB, snap(P.PAUSED, 30.0), later, paused) == Progress(
        seen=replace(paused, reported_at=later)
    )
    at_resume = at_pause + timedelta(minutes=20)
    action = decide(JOB, snap(P.PRINTING, 31.0), at_resume, paused)
    assert action == Resume(paused_s=1200, seen=at(at_resume, 31.0))
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


# ------------------------------------------------------------------------------- ends unseen

BACK = T0 + timedelta(hours=9)  # Home Assistant comes back 8 h after the job's last report
LAST = T0 + timedelta(minutes=25)  # the last report: 40 %, 38 min left


def restored(**kwargs: Any) -> Seen:
    """What a restarted tracker has: the persisted last report, nothing live since."""
    kwargs.setdefault("remaining_s", 38 * 60)
    kwargs.setdefault("progress", 40.0)
    return Seen(reported_at=LAST, **kwargs)


def test_end_first_heard_after_a_restart_is_estimated_from_the_remaining_time() -> None:
    """A 1 h print, HA away 8 h: ended 38 min after the last report, 63 min printed, marked."""
    action = decide(JOB, snap(P.FINISHED, 100.0), BACK, restored())
    assert action == End(
        outcome="finished",
        ended_at=LAST + timedelta(minutes=38),
        duration_s=63 * 60,
        paused_s=0,
        progress=100.0,
        estimated=True,
    )


def test_end_state_with_the_printers_print_time_wins() -> None:
    """PrusaLink on a Pi keeps the job with its frozen print time: started + print time."""
    action = decide(JOB, snap(P.FINISHED, 100.0, time_printing_s=3300), BACK, restored())
    assert isinstance(action, End)
    assert (action.ended_at, action.duration_s, action.estimated) == (
        T0 + timedelta(minutes=55),
        3300,
        True,
    )


def test_finished_without_remaining_time_extrapolates_the_progress_rate() -> None:
    """40 % in 25 min: 100 % after 62.5 min."""
    action = decide(JOB, snap(P.FINISHED, None), BACK, restored(remaining_s=None))
    assert isinstance(action, End)
    assert (action.ended_at, action.estimated) == (T0 + timedelta(minutes=62.5), True)


@pytest.mark.parametrize(
    ("snapshot", "outcome"),
    [
        (snap(P.FAILED, 40.0), "failed"),
        (snap(P.FAILED, 0.0, outcome=JobOutcome.CANCELLED), "cancelled"),
        (snap(P.IDLE, None, job_name=None, file_name=None), "cancelled"),
    ],
)
def test_unseen_failure_or_cancel_ended_at_the_last_report(
    snapshot: PrinterSnapshot, outcome: str
) -> None:
    """It stopped at some moment after the last report: only the time we saw is billed."""
    action = decide(JOB, snapshot, BACK, restored())
    assert isinstance(action, End)
    assert (action.outcome, action.ended_at, action.duration_s, action.estimated) == (
        outcome,
        LAST,
        25 * 60,
        True,
    )


def test_unseen_end_counts_an_open_pause_only_until_the_last_report() -> None:
    """Paused at 20 min, last report at 25 min (still paused): 5 min of pause, not 8 h."""
    seen = restored(pause_started=T0 + timedelta(minutes=20))
    action = decide(JOB, snap(P.FINISHED, 100.0), BACK, seen)
    assert isinstance(action, End)
    assert (action.ended_at, action.duration_s, action.paused_s) == (
        LAST + timedelta(minutes=38),
        63 * 60,
        300,
    )


def test_connection_lost_for_hours_while_live_is_estimated_from_the_remaining_time() -> None:
    """Live before, then no report for 8 h: the remaining time ran out long ago."""
    action = decide(JOB, snap(P.FINISHED, 100.0), BACK, replace(restored(), live=True))
    assert isinstance(action, End)
    assert (action.ended_at, action.estimated) == (LAST + timedelta(minutes=38), True)


@pytest.mark.parametrize(
    ("seen", "now"),
    [
        # the last report is recent: the end was seen as it happened
        (restored(), LAST + timedelta(minutes=4)),
        # live, quiet for 30 min, but 38 min were still left: it may have just finished
        (replace(restored(), live=True), LAST + timedelta(minutes=30)),
        # live and nothing says when it should end: a quiet printer is no missed end
        (replace(restored(remaining_s=None), live=True), BACK),
        # no last report known (side data lost): nothing to estimate from
        (Seen(progress=40.0), BACK),
    ],
)
def test_end_seen_as_it_happened_is_now(seen: Seen, now: datetime) -> None:
    """Not estimated: the end is stamped with the moment it is seen."""
    action = decide(JOB, snap(P.FINISHED, 100.0), now, seen)
    assert isinstance(action, End)
    assert (action.ended_at, action.estimated) == (now, False)


def test_estimate_never_lies_after_now_or_before_the_last_report() -> None:
    """A remaining time longer than the absence, or a print time shorter than what we saw."""
    soon = LAST + timedelta(minutes=10)
    action = decide(JOB, snap(P.FINISHED, 100.0), soon, restored(remaining_s=7200))
    assert isinstance(action, End)
    assert (action.ended_at, action.estimated) == (soon, True)
    action = decide(JOB, snap(P.FINISHED, 100.0, time_printing_s=60), BACK, restored())
    assert isinstance(action, End)
    assert action.ended_at == LAST


def test_connection_lost_and_the_end_state_carries_the_print_time() -> None:
    """A Pi keeps the job with its print time: 55 min printed, seen 8 h later, while live."""
    seen = replace(restored(remaining_s=None), live=True)
    action = decide(JOB, snap(P.FINISHED, 100.0, time_printing_s=3300), BACK, seen)
    assert isinstance(action, End)
    assert (action.ended_at, action.estimated) == (T0 + timedelta(minutes=55), True)


def test_unseen_finish_with_nothing_to_go_on_ended_at_the_last_report() -> None:
    """No remaining time, no progress, no print time: the last report is all we know."""
    action = decide(JOB, snap(P.FINISHED, None), BACK, restored(remaining_s=None, progress=None))
    assert isinstance(action, End)
    assert (action.ended_at, action.duration_s, action.estimated) == (LAST, 25 * 60, True)
