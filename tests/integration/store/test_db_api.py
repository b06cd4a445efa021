"""The db layer without the bus: migrations, encryption at rest, configuration errors."""

from __future__ import annotations

import base64
import hashlib
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select

from services.store import api, migrate
from services.store.crypt import KEY_FILE_NAME, Crypt, generate_key
from services.store.engine import Database
from services.store.models import Base, UserCreds
from services.store.service import StoreService, db_sync
from shared.config import RpcSettings, Settings
from shared.context import RequestContext
from shared.exceptions import ConfigError, DatabaseError

from .conftest import make_settings


async def test_migrations_match_the_models(db: Any) -> None:
    async with db.db.engine.connect() as conn:
        diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
    assert diff == []
    assert await migrate.current_revision(db.db) == migrate.head_revision()


async def test_tokens_are_encrypted_at_rest(db: Any, ctx: RequestContext) -> None:
    creds = await db.user_creds_create(ctx)
    async with db.db.read() as session:
        stored = await session.scalar(select(UserCreds.auth_token).where(UserCreds.id == creds.id))
    assert stored and "secret-token" not in stored
    assert creds.auth_token == "secret-token"


def test_production_without_key_refuses_to_start() -> None:
    settings = Settings(mode="production")
    with pytest.raises(ConfigError, match="auth_encryption_key"):
        Crypt.from_settings(settings)


def _dev_settings(tmp_path: Path) -> Settings:
    return Settings(database={"url": f"sqlite+aiosqlite:///{tmp_path / 'ember.sqlite'}"})


def test_development_without_key_generates_one_beside_the_database(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    crypt = Crypt.from_settings(_dev_settings(tmp_path))
    assert crypt.decrypt(crypt.encrypt("x")) == "x"
    assert "development key" in caplog.text
    key_file = tmp_path / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Fernet(key_file.read_text().strip().encode())  # a real random key


def test_the_generated_key_is_kept_across_restarts(tmp_path: Path) -> None:
    token = Crypt.from_settings(_dev_settings(tmp_path)).encrypt("secret")
    assert Crypt.from_settings(_dev_settings(tmp_path)).decrypt(token) == "secret"


def test_two_development_stores_generate_different_keys(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    token = Crypt.from_settings(_dev_settings(tmp_path / "a")).encrypt("secret")
    with pytest.raises(DatabaseError):
        Crypt.from_settings(_dev_settings(tmp_path / "b")).decrypt(token)


def test_credentials_stored_under_the_old_constant_dev_key_stay_readable(tmp_path: Path) -> None:
    legacy = base64.urlsafe_b64encode(
        hashlib.sha256(b"ember development key - never use in production").digest()
    )
    old_token = Fernet(legacy).encrypt(b"old-secret").decode()
    crypt = Crypt.from_settings(_dev_settings(tmp_path))
    assert crypt.decrypt(old_token) == "old-secret"
    new_token = crypt.encrypt("new")
    assert new_token is not None
    with pytest.raises(InvalidToken):  # new values are not under the legacy key
        Fernet(legacy).decrypt(new_token.encode())


def test_malformed_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="32 url-safe"):
        Crypt("not-a-key")


def test_value_encrypted_with_another_key_is_a_database_error() -> None:
    token = Crypt(generate_key()).encrypt("secret")
    with pytest.raises(DatabaseError):
        Crypt(generate_key()).decrypt(token)


async def test_production_service_without_key_fails_at_start(
    rpc_settings: RpcSettings, tmp_path: Path
) -> None:
    settings = Settings(
        mode="production",
        rpc=rpc_settings.model_copy(update={"signing_key": "s" * 32}),
        database={"url": f"sqlite+aiosqlite:///{tmp_path}/p.db"},
    )
    with pytest.raises(ConfigError, match=r"auth_encryption_key.*refuses to start"):
        await StoreService(settings).start()


def test_unknown_backend_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"database\.backend"):
        api.load_backend(Settings(database={"backend": "nosql"}))


async def test_db_sync_creates_the_schema(rpc_settings: RpcSettings, tmp_path: Path) -> None:
    settings = make_settings(rpc_settings, f"sqlite+aiosqlite:///{tmp_path}/sync.db")
    assert await db_sync(settings) == migrate.head_revision()
    assert await db_sync(settings) == migrate.head_revision()  # idempotent
    db = Database(settings.database)
    try:
        async with db.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(c.dialect.get_table_names(c)))
    finally:
        await db.dispose()
    assert {"raw_template", "user_creds", "stack", "resource", "event", "stack_lock"} <= tables


def test_db_sync_command_line(tmp_path: Path) -> None:
    config = tmp_path / "ember.yaml"
    config.write_text(f"database:\n  url: sqlite+aiosqlite:///{tmp_path}/cli.db\n")
    done = subprocess.run(
        [sys.executable, "-m", "services.store", "--config-file", str(config), "db-sync"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "schema at revision" in done.stderr
    assert (tmp_path / "cli.db").exists()


def test_bad_config_file_exits_with_a_message(tmp_path: Path) -> None:
    config = tmp_path / "ember.yaml"
    config.write_text("database:\n  colour: red\n")
    done = subprocess.run(
        [sys.executable, "-m", "services.store", "--config-file", str(config), "db-sync"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "database.colour" in done.stderr


async def test_migration_0006_clears_the_create_stamp_of_never_changed_stacks(tmp_path: Path) -> None:
    from sqlalchemy import text

    from shared.config import DatabaseSettings

    database = Database(DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite'}"))
    try:
        await migrate.upgrade(database, "0005")
        async with database.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO raw_template (id, template, files, environment, created_at) VALUES (1, '{}', '{}', '{}', '2026-12-01 00:00:00')"
                )
            )
            for sid, action in (("s-create", "CREATE"), ("s-update", "UPDATE")):
                await conn.execute(
                    text(
                        "INSERT INTO stack (id, name, raw_template_id, tenant, username, action, status, parameters, "
                        "disable_rollback, backup, nested_depth, created_at, updated_at) VALUES (:id, :id, 1, 't', "
                        "'u', :action, 'COMPLETE', '{}', 1, 0, 0, '2026-12-01 00:00:00', '2026-12-02 00:00:00')"
                    ),
                    {"id": sid, "action": action},
                )
        await migrate.upgrade(database)
        async with database.engine.connect() as conn:
            rows = dict((await conn.execute(text("SELECT id, updated_at FROM stack"))).all())
        assert rows["s-create"] is None and rows["s-update"] is not None
    finally:
        await database.dispose()
