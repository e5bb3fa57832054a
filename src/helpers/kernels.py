"""Warm Jupyter kernels: a kernel provisioner that forks each kernel from a process that has imported the heavy
libraries already.

Every notebook runs in a real IPython kernel (``ipykernel``), driven by papermill's standard nbclient engine, so it
behaves as in JupyterLab. Starting such a kernel costs a new interpreter plus the imports of pandas, matplotlib and
the book's helpers. Jupyter's supported hook for *how* a kernel process is started is the kernel provisioner
(``jupyter_client.provisioning``): ``ForkedProvisioner`` asks a *kernel server* (``serve``), started once per build
with those libraries imported, to fork a child that becomes the kernel, with the connection file, working folder and
environment the kernel manager chose. The child is a fresh kernel: nothing a notebook runs ever happens in the
server, so no state passes between notebooks.

Only ``helpers.kernels`` knows the server's address; it reaches the provisioner through the kernel spec's
``kernel_provisioner.config`` (see ``kernel_manager``), not through an environment variable.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import Unicode

PROVISIONER = "resultsbook-forked"
# Imported once in the server; a notebook's own imports of them are then free. pyplot and the inline backend are
# left out on purpose: the backend is activated, and hooks itself into the shell, inside the kernel, as in
# JupyterLab (matplotlib_inline registers its figure display when first imported under a running shell).
INLINE = "module://matplotlib_inline.backend_inline"  # the backend ipykernel chooses when MPLBACKEND is unset
PRELOAD = ["numpy", "pandas", "matplotlib", "matplotlib.font_manager", "matplotlib.figure", "matplotlib.colors",
           "matplotlib.backends.backend_svg", "matplotlib.backends.backend_agg", "yaml", "ipykernel.kernelapp",
           "ipykernel.ipkernel", "ipykernel.debugger", "IPython", "IPython.core.interactiveshell", "helpers.page",
           "helpers.data", "helpers.charts", "helpers.framework", "helpers.trends", "helpers.audit"]
LAUNCHER = "ipykernel_launcher"


class _ForkedProcess:
    """What the provisioner needs of ``subprocess.Popen`` for a kernel the server forked (the server reaps it)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0  # gone; the server, its parent, collected the status
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkedProvisioner(LocalProvisioner):
    """A LocalProvisioner whose kernel process is forked by the kernel server instead of started from scratch."""

    server = Unicode("", config=True, help="Unix socket of the kernel server (helpers.kernels.serve).")
    kernel_log = Unicode("", config=True, help="File that receives the kernel's own stdout and stderr.")

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        if LAUNCHER not in cmd or not self.server:
            return await super().launch_kernel(cmd, **kwargs)  # not an IPython kernel: start it the usual way
        args = cmd[cmd.index(LAUNCHER) + 1:]
        env = dict(kwargs.get("env") or os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        try:
            pid = request_kernel(self.server, args, env, cwd, self.kernel_log or os.devnull)
        except (OSError, RuntimeError) as exc:  # no server: a kernel started the usual way, slower but the same
            self.log.warning("kernel server unavailable (%s); starting the kernel the usual way", exc)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = _ForkedProcess(pid)
        self.pid, self.pgid, self.cwd = pid, pid, cwd  # the kernel leads its own session and process group
        return self.connection_info


KERNEL_START_WAIT = 120  # seconds a kernel may take to start: generous, a busy machine is slow, not broken


def request_kernel(server: str, args: list[str], env: dict, cwd: str, log: str,
                   wait: float = KERNEL_START_WAIT) -> int:
    """Ask the server for a kernel; wait up to ``wait`` seconds for it to finish importing and listen."""
    deadline = time.monotonic() + wait
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        while True:
            try:
                conn.connect(server)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline or os.path.exists(server + ".failed"):
                    raise
                time.sleep(0.02)
        conn.sendall(json.dumps({"args": args, "env": env, "cwd": cwd, "log": log}).encode() + b"\n")
        reply = json.loads(conn.makefile().readline())
    if "pid" not in reply:
        raise RuntimeError(f"the kernel server could not start a kernel: {reply.get('error')}")
    return int(reply["pid"])


class BookKernelManager(AsyncKernelManager):
    """Remembers its clients: papermill leaves open the client of a kernel it did not start (see stop)."""

    def client(self, **kwargs):
        kc = super().client(**kwargs)
        self.__dict__.setdefault("_book_clients", []).append(kc)
        return kc


def kernel_manager(server: str | None, log: Path):
    """A kernel manager for the standard ``python3`` kernel, started through the kernel server when there is one."""
    # Unix sockets, not TCP ports: a port chosen free can be taken before the kernel binds it when several kernels
    # start at once ("Address already in use"); their paths are short (a socket path may not exceed 107 bytes)
    import tempfile
    import uuid

    folder = os.path.dirname(server) if server else tempfile.gettempdir()
    km = BookKernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(folder, uuid.uuid4().hex[:12]))
    if server:
        spec = km.kernel_spec
        spec.metadata = dict(spec.metadata or {}, kernel_provisioner={
            "provisioner_name": PROVISIONER, "config": {"server": server, "kernel_log": str(log)}})
    return km


def stop(km) -> None:
    """Stop a kernel and close its clients: its process group is killed at once (a notebook's kernel holds no state
    worth a graceful exit, and nothing waits for it to go), then its connection files are removed."""
    from jupyter_core.utils import run_sync

    for kc in km.__dict__.get("_book_clients", []):
        try:
            kc.stop_channels()
        except Exception:
            pass
    try:
        provisioner = km.provisioner
        group = getattr(provisioner, "pgid", None) or getattr(provisioner, "pid", None)
        if group:
            try:
                os.killpg(group, signal.SIGKILL)
            except ProcessLookupError:
                pass
            if not isinstance(provisioner, ForkedProvisioner) and provisioner.process is not None:
                provisioner.process.poll()  # reaped now if gone already; otherwise when the build exits
            run_sync(km.cleanup_resources)()
        elif km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:
        pass  # already gone


# --- the server ------------------------------------------------------------------------------------------------


def _kernel_child(request: dict, listener: socket.socket) -> None:
    """In the forked child: become the kernel the request describes. Never returns."""
    try:
        listener.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.setsid()  # its own process group: interrupts reach the kernel and what it starts, nothing else
        null = os.open(os.devnull, os.O_RDONLY)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # what a new interpreter would do with this environment: PYTHONPATH first on sys.path
        for entry in reversed([p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]):
            if entry in sys.path:
                sys.path.remove(entry)
            sys.path.insert(0, entry)
        if "matplotlib" in sys.modules:  # imported in the server: give it the backend its import here would read
            sys.modules["matplotlib"].rcParams["backend"] = os.environ.get("MPLBACKEND") or INLINE
        sys.argv = [LAUNCHER, *request["args"]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=request["args"])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def serve(address: str) -> None:
    """Import the heavy libraries, then fork one kernel per request until the build stops us (or ends)."""
    try:
        _serve(address)
    except BaseException:
        Path(address + ".failed").touch()  # kernels asked for now start the usual way (see request_kernel)
        raise


def _serve(address: str) -> None:
    import importlib

    import gc

    gc.disable()  # what is imported here is kept for good: collecting while importing only costs time
    os.environ["MPLBACKEND"] = INLINE  # what ipykernel sets before a notebook imports matplotlib (see _kernel_child)
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # e.g. a project without helpers.trends: that kernel imports what it needs itself
    os.environ.pop("MPLBACKEND")
    gc.collect()
    gc.freeze()  # what the server imported is never collected in a kernel: its GC skips it (fewer pages copied)
    gc.enable()  # each kernel collects its notebook's garbage as any kernel does
    children: set[int] = set()

    def reap(*_):
        while True:
            try:
                pid, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            children.discard(pid)

    def stop(*_):
        for pid in list(children):
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        os._exit(0)

    signal.signal(signal.SIGCHLD, reap)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle; it then stops us
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address + ".tmp")  # appears at its address only once it listens
    listener.listen(16)
    os.replace(address + ".tmp", address)
    listener.settimeout(0.5)
    while True:
        if _parent_gone():
            stop()
        try:
            conn, _ = listener.accept()
        except (socket.timeout, InterruptedError):
            continue
        with conn:
            try:
                request = json.loads(conn.makefile().readline())
                pid = os.fork()
                if pid == 0:
                    _kernel_child(request, listener)
                children.add(pid)
                conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
            except Exception as exc:  # a malformed request: say so, keep serving
                conn.sendall(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode() + b"\n")


_PARENT = os.getppid()


def _parent_gone() -> bool:
    return os.getppid() != _PARENT


class KernelServer:
    """The kernel server of one build: started before the notebooks, stopped (with any kernel left) after. Kernels
    asked for while it still imports wait for it (``request_kernel``)."""

    def __init__(self, src_dir: Path | None):
        import tempfile

        # a short path: a Unix socket's address may not exceed 107 bytes, and a project may live deep
        self.folder = Path(tempfile.mkdtemp(prefix="resultsbook-kernels-"))
        self.address = str(self.folder / "server.sock")
        env = dict(os.environ)
        if src_dir is not None:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src_dir), env.get("PYTHONPATH")]))
        self.process = subprocess.Popen([sys.executable, "-m", "helpers.kernels", self.address], env=env,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


if __name__ == "__main__":
    serve(sys.argv[1])
