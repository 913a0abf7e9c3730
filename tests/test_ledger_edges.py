"""Ledger edge cases: WAL refusal, failed migrations roll back, malformed scripts, decimals."""

from __future__ import annotations

from decimal import Decimal
import pathlib
import sqlite3

import pytest

from custom_components.printernizer.ledger import LedgerError, schema
from custom_components.printernizer.ledger.db import Database, from_db_decimal, to_db_decimal


def test_database_without_wal_is_refused() -> None:
    """An in-memory database cannot use WAL: open() refuses it and stays closed."""
    database = Database(pathlib.Path(":memory:"))
    assert database.is_open is False
    with pytest.raises(LedgerError, match="WAL"):
        database.open()
    assert database.is_open is False


def test_database_open_and_close(tmp_path: pathlib.Path) -> None:
    """open() migrates to the current version; is_open follows open()/close()."""
    database = Database(tmp_path / "sub" / "ledger.db")
    database.open()
    try:
        assert database.is_open is True
        assert (tmp_path / "sub" / "ledger.db").exists()
    finally:
        database.close()
    assert database.is_open is False
    conn = sqlite3.connect(tmp_path / "sub" / "ledger.db")
    try:
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == (
            schema.SCHEMA_VERSION
        )
    finally:
        conn.close()


def test_decimal_round_trip() -> None:
    """Decimals are stored as plain text without exponent and read back exactly."""
    assert to_db_decimal(Decimal("1E+3")) == "1000"
    assert from_db_decimal("0.10") == Decimal("0.10")
    assert from_db_decimal(to_db_decimal(Decimal("12.345"))) == Decimal("12.345")
    assert from_db_decimal(None) is None
    assert to_db_decimal(None) is None


def test_failed_migration_rolls_back(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration that fails half way leaves neither its tables nor its version behind."""
    broken = "CREATE TABLE half_done (a INTEGER);\nINSERT INTO no_such_table VALUES (1);\n"
    last = schema.SCHEMA_VERSION
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, (last + 1, broken)))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", last + 1)
    conn = sqlite3.connect(tmp_path / "l.db", isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
            schema.migrate(conn)
        assert schema.current_version(conn) == last  # the real ones committed, the broken not
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "half_done" not in tables
        assert "jobs" in tables
        assert not conn.in_transaction
    finally:
        conn.close()


def test_reopen_applies_no_migration_again(tmp_path: pathlib.Path) -> None:
    """migrate() on a current database returns its version and writes nothing."""
    conn = sqlite3.connect(tmp_path / "l.db", isolation_level=None)
    try:
        assert schema.migrate(conn) == schema.SCHEMA_VERSION
        before = conn.total_changes
        assert schema.migrate(conn) == schema.SCHEMA_VERSION
        assert conn.total_changes == before
        rows = conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0]
        assert rows == len(schema.MIGRATIONS)
    finally:
        conn.close()


def test_split_keeps_triggers_and_refuses_incomplete_script() -> None:
    """Trigger bodies with inner semicolons stay whole; a missing final semicolon is refused."""
    script = (
        "-- a comment line\n"
        "CREATE TABLE t (a);\n"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n"
        "  UPDATE t SET a = 1;\n"
        "  UPDATE t SET a = 2;\n"
        "END;\n"
    )
    statements = schema._split(script)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER")
    assert statements[1].endswith("END;")
    with pytest.raises(schema.SchemaError, match="incomplete statement"):
        schema._split("CREATE TABLE t (a);\nCREATE TABLE u (b)\n")
