"""Constants shared across the integration: one place for each name."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "printernizer"
LOGGER = logging.getLogger(__package__)

# Config entry data keys (contract: tests and docs rely on them).
CONF_PRINTER_TYPE: Final = "printer_type"
CONF_SERIAL: Final = "serial"
CONF_ACCESS_CODE: Final = "access_code"
CONF_FTP_PORT: Final = "ftp_port"
CONF_CAMERA_PORT: Final = "camera_port"
CONF_TLS_FINGERPRINT: Final = "tls_fingerprint"
CONF_API_KEY: Final = "api_key"

PRINTER_TYPE_BAMBU: Final = "bambu"
PRINTER_TYPE_PRUSA: Final = "prusa"

DEFAULT_BAMBU_PORT: Final = 8883
DEFAULT_FTP_PORT: Final = 990
DEFAULT_PRUSA_PORT: Final = 80
DEFAULT_PRUSA_USERNAME: Final = "maker"
DEFAULT_SSDP_PORT: Final = 2021

# Per-printer options (entry.options).
CONF_POWER_WATTS: Final = "power_watts"
CONF_ENERGY_SENSOR: Final = "energy_sensor"
CONF_MACHINE_RATE: Final = "machine_rate"
CONF_DEFAULT_CATEGORY: Final = "default_category"
CONF_AUTO_DOWNLOAD: Final = "auto_download"
CONF_POLL_PRINTING: Final = "poll_interval_printing"
CONF_POLL_IDLE: Final = "poll_interval_idle"
CONF_FILE_REFRESH_MINUTES: Final = "file_refresh_minutes"
CONF_CAMERA_ENTITY: Final = "camera_entity"

DEFAULT_POLL_PRINTING: Final = 10
DEFAULT_POLL_IDLE: Final = 30
DEFAULT_FILE_REFRESH_MINUTES: Final = 15
DEFAULT_POWER_WATTS: Final = 100

CATEGORY_BUSINESS: Final = "business"
CATEGORY_PRIVATE: Final = "private"
CATEGORIES: Final = (CATEGORY_BUSINESS, CATEGORY_PRIVATE)

# Bus events (contract).
EVENT_JOB_STARTED: Final = "printernizer_job_started"
EVENT_JOB_FINISHED: Final = "printernizer_job_finished"
EVENT_FILE_DOWNLOADED: Final = "printernizer_file_downloaded"
EVENT_FILE_DOWNLOAD_FAILED: Final = "printernizer_file_download_failed"
EVENT_FILE_UPLOADED: Final = "printernizer_file_uploaded"

# Where the integration keeps its own files, below the HA config folder.
STORAGE_DIR: Final = "printernizer"
DB_FILENAME: Final = "printernizer.db"

# Dispatcher signal: the ledger's jobs changed (a job started or ended, a revision, a manual
# job); sent from the writing thread after the commit (Ledger.add_listener).
SIGNAL_LEDGER_CHANGED: Final = f"{DOMAIN}_ledger_changed"
