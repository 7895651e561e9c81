"""Start a real JupyterLab server and run every report notebook through a kernel over its websocket.

This is what a user does with ``make lab`` → open notebook → Run All: the server's kernel
(the venv's ``python3`` kernelspec), cwd ``notebooks/``, default parameters.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest

from analysis.config import NOTEBOOKS_DIR, PROJ_ROOT
from analysis.render.report import NOTEBOOKS

pytestmark = pytest.mark.slow

JUPYTER = Path(sys.executable).with_name("jupyter")
CELL_TIMEOUT = 240  # seconds per cell (spaCy model load on a busy machine)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, token: str, method: str = "GET", body: dict | None = None, timeout: float = 10) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else {}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("websocket")
    if not JUPYTER.exists():
        pytest.skip(f"{JUPYTER} missing")
    home = tmp_path_factory.mktemp("jupyter-home")
    env = {**os.environ}
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
        env[var] = str(home / var.lower())
    env.pop("MPLBACKEND", None)  # the kernel picks the inline backend, as in a user's session
    port, token = _free_port(), secrets.token_hex(16)
    cmd = [str(JUPYTER), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
           f"--ServerApp.token={token}", f"--notebook-dir={PROJ_ROOT}",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, cwd=PROJ_ROOT, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{(home / 'server.log').read_text(errors='replace')[-3000:]}")
            try:
                status = _request(f"{base}/api/status", token, timeout=3)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("jupyter lab did not answer /api/status within 90 s:\n"
                                + (home / "server.log").read_text(errors="replace")[-3000:])
                time.sleep(0.5)
        assert "started" in status
        yield base, token, port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def _message(code: str, session: str) -> tuple[str, str]:
    msg_id = uuid.uuid4().hex
    msg = {
        "header": {"msg_id": msg_id, "username": "test", "session": session, "msg_type": "execute_request",
                   "version": "5.3", "date": dt.datetime.now(dt.timezone.utc).isoformat()},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }
    return msg_id, json.dumps(msg)


def _run_cell(ws, code: str, session: str) -> dict:
    """Execute one cell; return its reply status, errors and the MIME types it displayed."""
    import websocket

    msg_id, payload = _message(code, session)
    ws.send(payload)
    result = {"status": None, "errors": [], "mimetypes": set(), "stderr": ""}
    deadline = time.monotonic() + CELL_TIMEOUT
    idle = False
    while result["status"] is None or not idle:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"cell did not finish within {CELL_TIMEOUT} s: {code[:80]!r}")
        ws.settimeout(remaining)
        try:
            msg = json.loads(ws.recv())
        except websocket.WebSocketTimeoutException:
            continue
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "execute_reply":
            result["status"] = content["status"]
            if content["status"] != "ok":
                result["errors"].append(f"{content.get('ename')}: {content.get('evalue')}")
        elif kind == "error":
            result["errors"].append(f"{content['ename']}: {content['evalue']}")
        elif kind in ("display_data", "execute_result"):
            result["mimetypes"].update(content["data"])
        elif kind == "stream" and content["name"] == "stderr":
            result["stderr"] += content["text"]
        elif kind == "status" and content["execution_state"] == "idle":
            idle = True
    return result


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab(server, name):
    import websocket

    base, token, port = server
    kernel = _request(f"{base}/api/kernels", token, "POST", {"name": "python3", "path": "notebooks"}, timeout=30)
    try:
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}/api/kernels/{kernel['id']}/channels?session_id={uuid.uuid4().hex}",
            header=[f"Authorization: token {token}"], timeout=60)
        try:
            session = uuid.uuid4().hex
            cwd = _run_cell(ws, "import os, sys; print(os.getcwd(), sys.executable, file=sys.stderr)", session)
            assert cwd["status"] == "ok", cwd
            assert str(NOTEBOOKS_DIR) in cwd["stderr"] and str(Path(sys.executable).parent.parent) in cwd["stderr"], cwd["stderr"]
            nb = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
            displayed: set[str] = set()
            for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
                result = _run_cell(ws, cell.source, session)
                assert result["status"] == "ok" and not result["errors"], (name, i, cell.source[:200], result)
                assert "Traceback" not in result["stderr"], (name, i, result["stderr"][-2000:])
                displayed |= result["mimetypes"]
            assert {"text/html", "image/png"} <= displayed, (name, displayed)
        finally:
            ws.close()
    finally:
        _request(f"{base}/api/kernels/{kernel['id']}", token, "DELETE", timeout=30)
    assert all(k["id"] != kernel["id"] for k in _request(f"{base}/api/kernels", token))
