"""Job lifecycle: printer snapshots in, ledger records, cost and events out.

`decide` holds the rules (pure: open job + snapshot → action), `energy` knows a printer's power
and a job's kWh, `tracker` carries the decisions out. What other modules import lives here.
"""

from .decide import (
    STATUS_CANCELLED,
    STATUS_FAILED,
    STATUS_FINISHED,
    STATUS_PAUSED,
    STATUS_PRINTING,
)
from .energy import (
    ENERGY_ESTIMATED,
    ENERGY_MEASURED,
    default_power_watts,
    printer_power_watts,
)
from .tracker import (
    JOB_EVENT_CANCELLED,
    JOB_EVENT_FAILED,
    JOB_EVENT_FINISHED,
    JOB_EVENT_PAUSED,
    JOB_EVENT_RESUMED,
    JOB_EVENT_STARTED,
    JOB_EVENT_TYPES,
    METADATA_TIMEOUT,
    JobListener,
    JobTracker,
    MetadataPhase,
    MetadataProvider,
    PhotoProvider,
    job_store,
)

__all__ = [
    "ENERGY_ESTIMATED",
    "ENERGY_MEASURED",
    "JOB_EVENT_CANCELLED",
    "JOB_EVENT_FAILED",
    "JOB_EVENT_FINISHED",
    "JOB_EVENT_PAUSED",
    "JOB_EVENT_RESUMED",
    "JOB_EVENT_STARTED",
    "JOB_EVENT_TYPES",
    "METADATA_TIMEOUT",
    "STATUS_CANCELLED",
    "STATUS_FAILED",
    "STATUS_FINISHED",
    "STATUS_PAUSED",
    "STATUS_PRINTING",
    "JobListener",
    "JobTracker",
    "MetadataPhase",
    "MetadataProvider",
    "PhotoProvider",
    "default_power_watts",
    "job_store",
    "printer_power_watts",
]
