"""``resultsbook preview``: the analyst's loop. The book is served on 127.0.0.1; whenever a source changes it is
rebuilt through the same build and cache as ``resultsbook build``, and the page open in the browser reloads itself
once the new book is published (or shows why the build failed, keeping the last good book on screen)."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .errors import BuildError, InputError

# What the book is made from (the build's own outputs and editors' droppings are not)
WATCHED = ("book", "data", "src/helpers", "_config.yml", "_toc.yml")
IGNORED = {"__pycache__", ".ipynb_checkpoints", "_build", ".git"}
POLL = 0.1  # seconds between two looks at the sources (a look at the project's ~300 files takes about 2 ms)
VERSION_PATH = "/__preview__/state"
# Polls the build's state; reloads when a newer book is published, shows a failed build's message as text.
RELOAD_SCRIPT = """<script>(function () {
  var seen = %d;
  function look() {
    fetch("%s", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (s.version !== seen) { location.reload(); return; }
      var box = document.getElementById("rb-preview-error");
      if (s.error && !box) {
        box = document.createElement("pre"); box.id = "rb-preview-error";
        box.style.cssText = "position:fixed;bottom:0;left:0;right:0;max-height:40vh;overflow:auto;margin:0;" +
          "padding:1em;background:#fff3f3;color:#700;border-top:3px solid #c00;z-index:9999;white-space:pre-wrap";
        document.body.appendChild(box);
      }
      if (box) { if (s.error) { box.textContent = s.error; } else { box.remove(); } }
    }).catch(function () {}).then(function () { setTimeout(look, 200); });
  }
  setTimeout(look, 200);
})();</script>"""


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """(modification time, size) of every watched file, by path relative to the project."""
    found = {}
    for name in WATCHED:
        top = root / name
        if top.is_file():
            stat = top.stat()
            found[name] = (stat.st_mtime_ns, stat.st_size)
            continue
        for folder, dirs, files in os.walk(top):
            dirs[:] = [d for d in dirs if d not in IGNORED]
            for file in files:
                path = Path(folder, file)
                try:
                    stat = path.stat()
                except FileNotFoundError:  # removed while we looked: the next look sees it gone
                    continue
                found[path.relative_to(root).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return found


class BuildState:
    """What the served pages ask about: which book is on disk and the last build's error, if it failed."""

    def __init__(self, book: Path):
        self.book, self.error, self.lock = book, "", threading.Lock()

    @property
    def version(self) -> int:
        """Changes exactly when a build publishes (``helpers.publish.publish`` renames the book's folder into
        place), so a page served from the new book already carries the new version."""
        try:
            stat = self.book.stat()
        except FileNotFoundError:
            return 0
        return stat.st_ino * 1_000_003 + stat.st_mtime_ns % 1_000_003

    def as_json(self) -> bytes:
        with self.lock:
            return json.dumps({"version": self.version, "error": self.error}).encode()


def handler_for(folder: Path, state: BuildState):
    class PreviewHandler(SimpleHTTPRequestHandler):
        """Static files of the published book, with the reload script added to each HTML page."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, format, *args):  # the terminal shows builds, not every request
            pass

        def end_headers(self):
            self.send_header("Cache-Control", "no-store")  # a reloaded page is the new one
            super().end_headers()

        def do_GET(self):
            if self.path == VERSION_PATH:
                return self._send(state.as_json(), "application/json")
            path = Path(self.translate_path(self.path))
            if path.is_dir() and self.path.split("?")[0].endswith("/"):
                path = path / "index.html"  # (without the slash, the stock handler redirects to it)
            if path.suffix == ".html" and path.is_file():
                body = path.read_bytes()
                script = (RELOAD_SCRIPT % (state.version, VERSION_PATH)).encode()
                at = body.rfind(b"</body>")
                return self._send(body[:at] + script + body[at:] if at >= 0 else body + script,
                                  "text/html; charset=utf-8")
            return super().do_GET()

        def _send(self, body: bytes, kind: str):
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return PreviewHandler


def rebuild(config, state: BuildState, out, kernel_server=None, sphinx=None):
    """One build through the usual path; on bad input or a failed build, the message is kept for the page and
    the last good book stays served. ``sphinx``: the warm Jupyter Book process for this build, if any. Returns
    the one for the next build, started and initialised now while the analyst edits (``build.warm_sphinx``)."""
    from .build import build, warm_sphinx

    try:
        build(config, out=out, kernel_server=kernel_server, sphinx=sphinx)
    except (InputError, BuildError) as exc:
        message = exc.report() if isinstance(exc, InputError) else f"error: {exc}"
        print(message, file=out, flush=True)
        with state.lock:
            state.error = message
    else:
        with state.lock:
            state.error = ""
    return warm_sphinx(config)


def serve(config, port: int, out, poll: float = POLL) -> None:
    """Build, serve, watch, rebuild, until Ctrl-C (KeyboardInterrupt). Whatever stops it, the HTTP server and the
    kernel server stop, and every kernel and Sphinx process a build started stops with that build. A change under
    src/helpers/ restarts the whole command (same port): the code already imported here and in the warm kernels
    would otherwise be the old code."""
    from .cache import helpers_location
    from .kernels import KernelServer
    from .publish import book_root

    root = config.project.root
    served = config.project.build_dir / str(config.year) / "html"  # both languages' books (Spanish at es/)
    served.mkdir(parents=True, exist_ok=True)
    state = BuildState(config.html_dir)
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler_for(served, state))
    except OSError as exc:
        raise InputError(f"--port {port}: cannot serve on 127.0.0.1 ({exc.strerror}); choose another port") from None
    server.daemon_threads = True
    # warm kernels: an edited notebook runs in a kernel forked from a process that has imported the libraries
    kernels = KernelServer(helpers_location(root)[1])
    restart, serving, sphinx = False, None, None
    try:
        seen = snapshot(root)
        sphinx = rebuild(config, state, out, kernels)
        serving = threading.Thread(target=server.serve_forever, name="preview-server", daemon=True)
        serving.start()
        page = book_root(Path("/"), config.year, config.lang).relative_to(Path("/") / str(config.year) / "html")
        url = f"http://127.0.0.1:{server.server_address[1]}/{'' if str(page) == '.' else page.as_posix() + '/'}"
        print(f"Serving the {config.year} book ({config.lang}) at {url} ; watching {', '.join(WATCHED)} "
              "(Ctrl-C stops)", file=out, flush=True)
        while not restart:
            time.sleep(poll)
            now = snapshot(root)
            if now == seen:
                continue
            while True:  # an editor may save in several writes: build once the files have settled
                time.sleep(poll)
                settled = snapshot(root)
                if settled == now:
                    break
                now = settled
            changed = sorted(k for k in now.keys() | seen.keys() if now.get(k) != seen.get(k))
            seen = now
            print(f"changed: {', '.join(changed[:5])}{' …' if len(changed) > 5 else ''}", file=out, flush=True)
            restart = any(path.startswith("src/helpers/") for path in changed)
            if not restart:
                sphinx = rebuild(config, state, out, kernels, sphinx)
    except KeyboardInterrupt:  # the way to stop a preview; a build it interrupted cleaned up after itself
        print("preview stopped", file=out, flush=True)
        return
    finally:
        if serving is not None:
            server.shutdown()
        server.server_close()
        kernels.stop()
        if sphinx is not None:
            sphinx.abort()
    print("src/helpers/ changed: restarting the preview", file=out, flush=True)
    out.flush()
    os.execv(sys.executable, [*sys.orig_argv, "--port", str(server.server_address[1])])  # the same port
