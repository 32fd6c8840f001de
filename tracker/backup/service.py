"""Backup, check and restore of the whole installation: the database (pg_dump custom format under an exported
snapshot on PostgreSQL, the online backup API on SQLite) and the attachment files the database refers to.

The manifest's row counts and attachment list are read under the same snapshot as the dump, so the archive is
consistent even while the app is in use. A restore goes only into an empty database and an empty attachment
folder, and checks the whole archive (names, types, sizes, SHA-256) before it changes anything."""

from __future__ import annotations

import glob
import os
import platform
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import Connection, make_url

from ..extensions import db
from . import archive
from .archive import BackupError, mb

Say = Callable[[str], None]
ENGINE_LABEL = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def engine_of(uri: str) -> str:
    backend = make_url(uri).get_backend_name()
    if backend not in ENGINE_LABEL:
        raise BackupError(f"不支持备份这种数据库（{backend}）：只支持 SQLite 和 PostgreSQL。")
    return backend


# ---- PostgreSQL client programs ----------------------------------------------------------------------


def pg_tool(name: str) -> Path:
    """pg_dump / pg_restore: from PG_BIN_DIR when set, else the newest /usr/lib/postgresql/<v>/bin, else PATH."""
    configured = current_app.config.get("PG_BIN_DIR") or ""
    if configured:
        candidate = Path(configured) / name
        if os.access(candidate, os.X_OK):
            return candidate
        raise BackupError(f"PG_BIN_DIR 指向的目录“{configured}”中没有可执行的 {name}，请改正 PG_BIN_DIR。")

    def version(d: str) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", Path(d).parent.name)) or (0,)

    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if os.access(Path(d) / name, os.X_OK):
            return Path(d) / name
    if found := shutil.which(name):
        return Path(found)
    raise BackupError(
        f"找不到 PostgreSQL 客户端程序 {name}。请安装与数据库服务器同一大版本或更新的客户端"
        "（Debian：apt-get install postgresql-client），或设置环境变量 PG_BIN_DIR 指向其所在目录"
        "（例如 /usr/lib/postgresql/16/bin）。"
    )


def tool_major(tool: Path) -> int:
    out = subprocess.run([str(tool), "--version"], capture_output=True, text=True, timeout=30).stdout
    m = re.search(r"\)\s*(\d+)", out) or re.search(r"(\d+)", out)
    return int(m.group(1)) if m else 0


def pg_env(uri: str) -> dict[str, str]:
    """The connection of ``uri`` as libpq environment variables: the password never appears on a command line."""
    url = make_url(uri)
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[key] = str(value)
    params = {
        "host": "PGHOST",
        "port": "PGPORT",
        "sslmode": "PGSSLMODE",
        "sslrootcert": "PGSSLROOTCERT",
        "sslcert": "PGSSLCERT",
        "sslkey": "PGSSLKEY",
        "connect_timeout": "PGCONNECT_TIMEOUT",
        "options": "PGOPTIONS",
    }
    for key, value in url.query.items():
        if key in params:
            env[params[key]] = value if isinstance(value, str) else value[0]
    env["PGAPPNAME"] = "tracker-backup"
    return env


def _tail(stderr: str) -> str:
    lines = [line for line in (stderr or "").strip().splitlines() if line.strip()]
    return "\n".join(lines[-6:]) or "（没有输出）"


# ---- what a database holds ---------------------------------------------------------------------------


def table_names(conn: Connection) -> list[str]:
    return sorted(inspect(conn).get_table_names())


def row_counts(conn: Connection) -> dict[str, int]:
    """Rows per table (every table of the default schema, alembic_version included): one count(*) each."""
    return {name: conn.scalar(select(func.count()).select_from(table(name))) for name in table_names(conn)}


def alembic_revision(conn: Connection, names: list[str] | None = None) -> str | None:
    if "alembic_version" not in (names if names is not None else table_names(conn)):
        return None
    revs = sorted(conn.scalars(text("SELECT version_num FROM alembic_version")))
    return ",".join(revs) or None


def attachment_rows(conn: Connection, names: list[str]) -> list[tuple[str, int, str]]:
    if "attachment" not in names:
        return []
    q = text("SELECT stored_name, size, sha256 FROM attachment ORDER BY id")
    return [(r[0], r[1], r[2]) for r in conn.execute(q)]


def migration_heads() -> tuple[list[str], Callable[[str], bool]]:
    """The code's migration heads, and a test whether a revision is one this code knows."""
    from alembic.script import ScriptDirectory

    from .. import ROOT

    script = ScriptDirectory(str(ROOT / "migrations"))

    def known(rev: str) -> bool:
        try:
            return all(script.get_revision(r) is not None for r in rev.split(","))
        except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown revision
            return False

    return sorted(script.get_heads()), known


def app_commit() -> str | None:
    """The code's git commit when it runs from a checkout (an installed bundle has none: then the schema's
    alembic revision, always recorded, identifies the release)."""
    from .. import ROOT

    git = shutil.which("git")
    if not git or not (ROOT / ".git").exists():
        return None
    try:
        run = subprocess.run(
            [git, "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return (run.stdout.strip() or None) if run.returncode == 0 else None


# ---- backup --------------------------------------------------------------------------------------------


def _dump_sqlite(uri: str, dest: Path):
    src_path = make_url(uri).database
    if not src_path or src_path == ":memory:":
        raise BackupError("内存中的 SQLite 数据库无法备份，请设置 DATABASE_URL 指向数据库文件。")
    if not Path(src_path).is_file():
        raise BackupError(f"找不到 SQLite 数据库文件“{src_path}”，请检查 DATABASE_URL。")
    src = sqlite3.connect(Path(src_path).resolve().as_uri() + "?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)  # the online backup API: one consistent copy while the app keeps working
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, whatever the source's mode
        check = dst.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if check != "ok":
        raise BackupError(f"数据库副本的完整性检查未通过（{check}），请先修复数据库。")
    engine = create_engine(f"sqlite:///{dest}")
    try:
        with engine.connect() as conn:
            names = table_names(conn)
            facts = row_counts(conn), alembic_revision(conn, names), attachment_rows(conn, names)
            server = conn.exec_driver_sql("select sqlite_version()").scalar()
    finally:
        engine.dispose()
    return (*facts, f"SQLite {server}", "sqlite3 online backup")


def _dump_postgresql(uri: str, dest: Path, say: Say):
    pg_dump = pg_tool("pg_dump")
    engine = create_engine(uri)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            with conn.begin():
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
                server_num = int(conn.exec_driver_sql("SHOW server_version_num").scalar())
                server = conn.exec_driver_sql("SHOW server_version").scalar()
                dump_major = tool_major(pg_dump)
                if dump_major < server_num // 10000:
                    raise BackupError(
                        f"{pg_dump} 的版本（{dump_major}）低于数据库服务器（{server}），无法导出。请安装版本不低于 "
                        f"{server_num // 10000} 的 PostgreSQL 客户端，或设置 PG_BIN_DIR 指向它。"
                    )
                names = table_names(conn)
                counts, revision = row_counts(conn), alembic_revision(conn, names)
                files = attachment_rows(conn, names)
                say(f"正在导出数据库（{pg_dump.name} {dump_major}，格式 custom）…")
                run = subprocess.run(
                    [
                        str(pg_dump),
                        "--format=custom",
                        "--no-password",
                        f"--snapshot={snapshot}",  # exactly the rows counted above
                        "--lock-wait-timeout=60000",
                        f"--file={dest}",
                    ],
                    env=pg_env(uri),
                    capture_output=True,
                    text=True,
                )
                if run.returncode != 0:
                    raise BackupError(f"pg_dump 导出失败（退出码 {run.returncode}）：\n{_tail(run.stderr)}")
    finally:
        engine.dispose()
    return counts, revision, files, f"PostgreSQL {server}", f"pg_dump {dump_major} --format=custom"


def backup(path: Path, *, force: bool = False, say: Say = print) -> dict:
    """Write the archive at ``path``; returns the manifest. Files the database lists but the folder lacks,
    or whose bytes differ from their recorded checksum, are listed in the manifest's attachments.problems."""
    started = time.monotonic()
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    engine = engine_of(uri)
    if engine == "postgresql":
        pg_tool("pg_dump")  # refuse before anything is written
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    path = Path(path).absolute()
    writer = archive.Writer(path, force=force)
    work = Path(tempfile.mkdtemp(prefix=".tracker-backup-", dir=path.parent))
    try:
        dump = work / "database"
        if engine == "sqlite":
            say("正在复制数据库（SQLite 在线备份）…")
            counts, revision, files, server, tool = _dump_sqlite(uri, dump)
        else:
            counts, revision, files, server, tool = _dump_postgresql(uri, dump, say)
        db_entry = writer.add_file(archive.DB_MEMBER[engine], dump)
        say(f"数据库：{len(counts)} 张表，共 {sum(counts.values())} 行，转储 {mb(db_entry['size'])}")
        dump.unlink()
        say(f"正在打包附件（{len(files)} 个）…")
        problems, total = [], 0
        for stored, size, digest in files:
            source = folder / stored
            if not archive.safe_name(stored):
                problems.append({"stored_name": stored, "problem": "文件名不安全，未备份"})
            elif not source.is_file():
                problems.append({"stored_name": stored, "problem": "附件目录中没有这个文件"})
            else:
                entry = writer.add_file(archive.ATTACHMENTS + stored, source)
                total += entry["size"]
                if (entry["size"], entry["sha256"]) != (size, digest):
                    problems.append({"stored_name": stored, "problem": "文件内容与登记的校验和不符（已按现状备份）"})
        referenced = {stored for stored, _, _ in files}
        others = sum(1 for d, _, names in os.walk(folder) for n in names if not (Path(d) == folder and n in referenced))
        if others:
            say(f"附件目录中另有 {others} 个文件不属于任何附件记录（如尚未确认的上传、导入任务的文件），未备份。")
        heads, _ = migration_heads()
        manifest = {
            "format": archive.FORMAT,
            "format_version": archive.FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": engine,
            "server": server,
            "dump_tool": tool,
            "alembic_revision": revision,
            "app_migration_heads": heads,
            "app_commit": app_commit(),
            "host": socket.gethostname(),
            "python": platform.python_version(),
            "tables": counts,
            "rows": sum(counts.values()),
            "attachments": {"count": len(files) - len(problems), "bytes": total, "problems": problems},
            "unreferenced_files": others,
            "members": writer.members,
        }
        writer.add_manifest(manifest)
        writer.close()
        say("正在校验写出的备份…")
        archive.read(writer.tmp)  # what was written reads back, member by member, with matching checksums
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    size = path.stat().st_size
    say(
        f"备份完成：{path}（{mb(size)}，用时 {time.monotonic() - started:.1f} 秒）："
        f"{len(counts)} 张表 {sum(counts.values())} 行，附件 {len(files) - len(problems)} 个（{mb(total)}）。"
    )
    manifest["archive_size"] = size
    return manifest


# ---- the target of a restore ---------------------------------------------------------------------------

_PG_OBJECTS = text(
    """
    SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
    UNION ALL
    SELECT n.nspname || '.' || p.proname || '()' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    SELECT n.nspname || '.' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE t.typtype IN ('e', 'd') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
    ORDER BY 1
    """
)


def _sqlite_target(uri: str) -> Path:
    target = make_url(uri).database
    if not target or target == ":memory:":
        raise BackupError("DATABASE_URL 指向内存中的 SQLite 数据库，无法恢复到那里：请指向一个数据库文件。")
    return Path(target).absolute()


def target_problems(uri: str, engine: str, folder: Path, staging: Path | None = None) -> list[str]:
    """Why the configured database and attachment folder cannot receive a restore (empty list: they can);
    ``staging`` is the restore's own staging folder inside it, which does not count."""
    problems = []
    if engine == "sqlite":
        target = _sqlite_target(uri)
        if not target.parent.is_dir():
            problems.append(f"数据库文件所在的目录“{target.parent}”不存在，请先创建它。")
        elif target.exists() and target.stat().st_size > 0:
            conn = sqlite3.connect(target.as_uri() + "?mode=ro", uri=True)
            try:
                objects = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")]
            except sqlite3.DatabaseError as e:
                objects = [f"（无法读取：{e}）"]
            finally:
                conn.close()
            if objects:
                problems.append(
                    f"目标数据库“{target}”不是空的（已有 {'、'.join(objects[:5])}{'等' if len(objects) > 5 else ''}，"
                    f"共 {len(objects)} 个对象）。恢复只写入空数据库：请把 DATABASE_URL 指向一个尚不存在的文件"
                    "（不要先运行 db upgrade），或先把这个文件移走。"
                )
        wal = Path(str(target) + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            problems.append(f"目标数据库旁有未合并的日志文件“{wal}”，说明它正被使用；请停止应用后再恢复。")
    else:
        engine_ = create_engine(uri)
        try:
            with engine_.connect() as conn:
                objects = list(conn.scalars(_PG_OBJECTS))
        except Exception as e:  # noqa: BLE001 - any connection failure is reported, in Chinese
            problems.append(
                f"无法连接目标数据库（{type(e).__name__}: {str(e).strip().splitlines()[0]}），请检查 DATABASE_URL。"
            )
            objects = []
        finally:
            engine_.dispose()
        if objects:
            problems.append(
                f"目标数据库“{make_url(uri).database}”不是空的（已有 {'、'.join(objects[:5])}"
                f"{'等' if len(objects) > 5 else ''}，共 {len(objects)} 个对象）。恢复只写入新建的空数据库："
                "请用 createdb 新建一个数据库并把 DATABASE_URL 指向它（不要先运行 db upgrade）。"
            )
    files = [
        Path(d) / f
        for d, _, fs in os.walk(folder)
        for f in fs
        if staging is None or not Path(d).is_relative_to(staging)
    ]
    if folder.exists() and not folder.is_dir():
        problems.append(f"附件目录“{folder}”不是目录，请检查 UPLOAD_FOLDER。")
    elif files:
        problems.append(
            f"附件目录“{folder}”不是空的（已有 {len(files)} 个文件，如“{files[0].relative_to(folder)}”）。"
            "恢复只写入空目录：请把 UPLOAD_FOLDER 指向一个空目录，或先把其中的文件移走。"
        )
    return problems


def _archive_problems(manifest: dict, engine: str) -> list[str]:
    """Why this verified archive cannot go into a database of ``engine`` run by this code."""
    problems = []
    if manifest["engine"] != engine:
        problems.append(
            f"这是 {ENGINE_LABEL[manifest['engine']]} 数据库的备份，而目标数据库是 {ENGINE_LABEL[engine]}："
            "备份只能恢复到同一种数据库。请把 DATABASE_URL 指向一个空的 "
            f"{ENGINE_LABEL[manifest['engine']]} 数据库。"
        )
    revision = manifest.get("alembic_revision")
    _, known = migration_heads()
    if revision and not known(revision):
        problems.append(
            f"备份的数据库结构版本 {revision} 是本程序不认识的（备份来自更新版本的程序）："
            "请先把程序升级到不低于备份时的版本，再恢复。"
        )
    return problems


def check(path: Path, *, target: bool = False, say: Say = print) -> dict:
    """Verify the archive without restoring it; with ``target``, also whether the configured database and
    folder could receive it. BackupError lists every problem."""
    manifest = archive.read(Path(path))
    say(describe(manifest))
    if target:
        uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
        engine = engine_of(uri)
        problems = _archive_problems(manifest, engine) + target_problems(
            uri, engine, Path(current_app.config["UPLOAD_FOLDER"])
        )
        if problems:
            raise BackupError("备份文件完好，但不能恢复到当前配置的位置：\n" + "\n".join(f"- {p}" for p in problems))
        say("目标数据库和附件目录都是空的，可以恢复。")
    return manifest


def describe(manifest: dict) -> str:
    att = manifest.get("attachments") or {}
    lines = [
        f"备份校验通过：{len(manifest['members'])} 个成员的大小和 SHA-256 都与清单一致。",
        f"  备份时间（UTC）：{manifest.get('created_at')}，主机 {manifest.get('host')}，"
        f"程序版本 {manifest.get('app_commit') or '（未记录）'}",
        f"  数据库：{manifest.get('server')}，结构版本 {manifest.get('alembic_revision') or '（无）'}，"
        f"{len(manifest.get('tables') or {})} 张表，共 {manifest.get('rows')} 行",
        f"  附件：{att.get('count')} 个，{mb(att.get('bytes') or 0)}",
    ]
    for p in att.get("problems") or []:
        lines.append(f"  注意：附件 {p.get('stored_name')} {p.get('problem')}")
    return "\n".join(lines)


# ---- restore -------------------------------------------------------------------------------------------


def restore(path: Path, *, no_privileges: bool = False, say: Say = print) -> dict:
    """Restore the archive into the configured (empty) database and (empty) attachment folder."""
    started = time.monotonic()
    archive.require_file(Path(path))
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    engine = engine_of(uri)
    folder = Path(current_app.config["UPLOAD_FOLDER"]).absolute()
    if problems := target_problems(uri, engine, folder):
        raise BackupError("不能恢复：\n" + "\n".join(f"- {p}" for p in problems))
    pg_restore = pg_tool("pg_restore") if engine == "postgresql" else None
    say(f"正在校验备份 {path} …")
    manifest = archive.read(Path(path))  # first pass: every check, nothing written anywhere
    say(describe(manifest))
    if problems := _archive_problems(manifest, engine):
        raise BackupError("不能恢复：\n" + "\n".join(f"- {p}" for p in problems))
    _check_space(manifest, engine, uri, folder)
    made_folder = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    created_stage = None
    if engine == "sqlite":
        target = _sqlite_target(uri)
        stage_db = target.parent / f".{target.name}.restore-{secrets.token_hex(4)}"
    else:
        created_stage = Path(tempfile.mkdtemp(prefix="tracker-restore-"))
        stage_db = created_stage / "database.pgdump"
    stage_files = Path(tempfile.mkdtemp(prefix=".restore-", dir=folder))
    try:
        say("正在解包…")
        archive.read(Path(path), stage_db=stage_db, stage_attachments=stage_files, expect=manifest)
        if problems := target_problems(uri, engine, folder, stage_files):
            raise BackupError("不能恢复：\n" + "\n".join(f"- {p}" for p in problems))
        db.session.remove()
        db.engine.dispose()  # no pooled connection to the target while it is replaced
        if engine == "sqlite":
            _check_sqlite_copy(stage_db)
            say("正在写入数据库文件…")
            os.replace(stage_db, target)
        else:
            _pg_restore(pg_restore, stage_db, uri, manifest, no_privileges, say)
        say(f"正在放回附件（{manifest['attachments']['count']} 个）…")
        for staged in stage_files.iterdir():
            os.replace(staged, folder / staged.name)
    except BaseException:
        stage_db.unlink(missing_ok=True)
        shutil.rmtree(stage_files, ignore_errors=True)
        if made_folder and not any(folder.iterdir()):
            folder.rmdir()  # refused: not even the folder it made is left behind
        raise
    finally:
        shutil.rmtree(stage_files, ignore_errors=True)
        if created_stage:
            shutil.rmtree(created_stage, ignore_errors=True)
    check_engine = create_engine(uri)
    try:
        with check_engine.connect() as conn:
            counts = row_counts(conn)
    finally:
        check_engine.dispose()
    if counts != manifest["tables"]:
        differ = [
            t for t in sorted(set(counts) | set(manifest["tables"])) if counts.get(t) != manifest["tables"].get(t)
        ]
        raise BackupError(f"恢复后以下表的行数与备份清单不符：{'、'.join(differ[:10])}。请检查数据库后重新恢复。")
    say(
        f"恢复完成（用时 {time.monotonic() - started:.1f} 秒）：{len(counts)} 张表共 {sum(counts.values())} 行，"
        f"行数与备份清单一致；附件 {manifest['attachments']['count']} 个。"
    )
    heads, _ = migration_heads()
    revision = manifest.get("alembic_revision")
    if revision and sorted(revision.split(",")) != heads:
        say(
            f"提示：备份的数据库结构版本是 {revision}，本程序是 {'、'.join(heads)}：请运行 flask --app tracker db upgrade。"
        )
    return manifest


def _check_space(manifest: dict, engine: str, uri: str, folder: Path) -> None:
    """Enough free space for what the manifest says the restore will write (with 64 MB to spare)."""
    sizes = {m["name"]: m["size"] for m in manifest["members"]}
    dump = sizes.get(archive.DB_MEMBER[manifest["engine"]], 0)
    files = sum(n for name, n in sizes.items() if name.startswith(archive.ATTACHMENTS))
    where = folder if folder.exists() else next(p for p in folder.parents if p.exists())
    needs = [(where, files)]
    dump_dir = _sqlite_target(uri).parent if engine == "sqlite" else Path(tempfile.gettempdir())
    needs.append((dump_dir, dump))
    for place, need in needs:
        free = shutil.disk_usage(place).free
        if free < need + 64 * 1024 * 1024:
            raise BackupError(
                f"“{place}”所在的磁盘只剩 {mb(free)}，恢复需要写入 {mb(need)}（另留 64 MB 余量）。请先腾出空间"
                "（PostgreSQL 的转储暂存在 TMPDIR 指定的目录，可改到空间更大的磁盘）。"
            )


def _check_sqlite_copy(path: Path) -> None:
    """The database file of the archive opens and passes SQLite's integrity check (its checksum only says it is
    what was written)."""
    try:
        conn = sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA quick_check").fetchone()[0]
            if result == "ok" and not conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                result = "其中没有任何表"
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        result = str(e)
    if result != "ok":
        raise BackupError(f"备份中的 SQLite 数据库文件已损坏（{result}），拒绝恢复；目标数据库未作任何改动。")


def _pg_restore(pg_restore: Path, dump: Path, uri: str, manifest: dict, no_privileges: bool, say: Say) -> None:
    restore_major = tool_major(pg_restore)
    m = re.search(r"pg_dump (\d+)", manifest.get("dump_tool") or "")
    if m and restore_major < int(m.group(1)):
        raise BackupError(
            f"备份由 pg_dump {m.group(1)} 写出，而 {pg_restore} 的版本是 {restore_major}：请安装版本不低于 "
            f"{m.group(1)} 的 PostgreSQL 客户端，或设置 PG_BIN_DIR 指向它。"
        )
    say(f"正在恢复数据库（pg_restore {restore_major}，单一事务）…")
    args = [
        str(pg_restore),
        "--no-owner",
        "--exit-on-error",
        "--single-transaction",  # all or nothing
        "--no-password",
        f"--dbname={make_url(uri).database}",
    ]
    if no_privileges:
        args.append("--no-privileges")
    run = subprocess.run([*args, str(dump)], env=pg_env(uri), capture_output=True, text=True)
    if run.returncode != 0:
        raise BackupError(
            f"pg_restore 恢复失败（退出码 {run.returncode}），目标数据库未作任何改动：\n{_tail(run.stderr)}"
        )
