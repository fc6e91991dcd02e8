"""Start and stop the embedded database (SecantusDB) when no MongoDB URI is set.

SecantusDB's ``secantusd-py`` is a single-node server that speaks the MongoDB
wire protocol; we run it as a child process bound to loopback with its data in
``DATA_DIR/db`` and stop it cleanly (SIGTERM, then SIGKILL) on exit.

If the server itself is killed (SIGKILL, a crash), the daemon is told by the
kernel and stops too; a daemon left over anyway (found through ``db.pid``) is
stopped before a new one starts on the same folder.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import shutil
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path


class EmbeddedDatabaseError(Exception):
    """The embedded database could not start; the message says why."""


def _daemon_path() -> str:
    beside_python = Path(sys.executable).with_name("secantusd-py")
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("secantusd-py")
    if not found:
        raise EmbeddedDatabaseError(
            "the embedded database program secantusd-py was not found; install it with "
            "`pip install 'advocacy[embedded]'` (`make setup` does), or set ADVOCACY_MONGODB_URI to use MongoDB"
        )
    return found


def _die_with_parent() -> None:
    """Runs in the child before exec: ask Linux to send SIGTERM when the server dies."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the pid file still catches a leftover daemon


def _is_daemon(pid: int) -> bool:
    try:
        return b"secantusd" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _owner(pid: int) -> int | None:
    """The live `advocacy` process that started daemon ``pid`` (a server or a command), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        command = Path(f"/proc/{parent}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return None
    return parent if parent > 1 and b"advocacy" in command else None


async def stop_leftover(data_dir: Path, timeout: float = 15.0) -> None:
    """Stop a daemon that a killed server left running on ``data_dir``.

    A daemon whose `advocacy` process is still alive is in use, not left over: it is never
    stopped, and ``EmbeddedDatabaseError`` says which process holds the folder.
    """
    pid_path = data_dir / "db.pid"
    try:
        pid = int(pid_path.read_text().strip())
    except (OSError, ValueError):
        return
    if _is_daemon(pid) and (owner := _owner(pid)) is not None and owner != os.getpid():
        raise EmbeddedDatabaseError(
            f"the data folder {data_dir} is in use by a running advocacy process (pid {owner}); "
            "stop it first, or give this one another --data-dir (more server processes: --workers)"
        )
    if _is_daemon(pid):
        os.kill(pid, signal.SIGTERM)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while _is_daemon(pid) and loop.time() < deadline:  # noqa: ASYNC110  (a daemon a killed server left: no event to wait on)
            await asyncio.sleep(0.1)
        if _is_daemon(pid):
            os.kill(pid, signal.SIGKILL)
    pid_path.unlink(missing_ok=True)


def running_uri(data_dir: Path) -> str | None:
    """The address of a daemon already serving ``data_dir`` (a running server's), or None.

    Commands such as `advocacy bots create` use it rather than starting a second
    daemon, which would stop the running one.
    """
    try:
        pid = int((data_dir / "db.pid").read_text().strip())
        port = int((data_dir / "db.port").read_text().strip())
    except (OSError, ValueError):
        return None
    if not _is_daemon(pid):
        return None
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class EmbeddedDatabase:
    """A running SecantusDB daemon; use ``await EmbeddedDatabase.start(dir)``."""

    process: asyncio.subprocess.Process
    port: int
    data_dir: Path
    log_path: Path

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    @classmethod
    async def start(cls, data_dir: Path | str, timeout: float = 30.0, port: int | None = None) -> EmbeddedDatabase:
        data_dir = Path(data_dir)
        storage = data_dir / "db"
        try:
            storage.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EmbeddedDatabaseError(f"cannot create the database folder {storage}: {exc.strerror}") from None
        await stop_leftover(data_dir)
        port = port or free_port()
        log_path = data_dir / "db.log"
        log_file = await asyncio.to_thread(open, log_path, "ab")
        try:
            process = await asyncio.create_subprocess_exec(
                _daemon_path(),
                "--host", "127.0.0.1",
                "--port", str(port),
                "--storage-path", str(storage),
                "--standalone",
                "--log-level", "WARNING",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_file,
                stderr=log_file,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        finally:
            log_file.close()
        (data_dir / "db.pid").write_text(str(process.pid))
        (data_dir / "db.port").write_text(str(port))
        db = cls(process=process, port=port, data_dir=data_dir, log_path=log_path)
        await db._wait_until_listening(timeout)
        return db

    async def _wait_until_listening(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if self.process.returncode is not None:
                raise EmbeddedDatabaseError(
                    f"the embedded database stopped at start (exit code {self.process.returncode}); "
                    f"its log {self.log_path} ends with:\n{self._log_tail()}"
                )
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            await writer.wait_closed()
            return
        await self.stop()
        raise EmbeddedDatabaseError(
            f"the embedded database did not start listening on port {self.port} within {timeout:.0f} s; "
            f"its log {self.log_path} ends with:\n{self._log_tail()}"
        )

    def _log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.strip().splitlines()[-lines:]) or "(empty log)"

    async def stop(self, timeout: float = 15.0) -> None:
        if self.process.returncode is None:
            try:
                self.process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                os.killpg(self.process.pid, signal.SIGKILL)
                await self.process.wait()
            except ProcessLookupError:
                pass
        (self.data_dir / "db.pid").unlink(missing_ok=True)
        (self.data_dir / "db.port").unlink(missing_ok=True)
