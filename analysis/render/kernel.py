"""Execute notebooks with papermill in one long-lived kernel.

A fresh kernel per notebook pays for Python start-up, importing spaCy/pandas/matplotlib
and loading the model every time (several seconds). :class:`NotebookRunner` starts one
kernel, runs notebook after notebook in it through papermill (a registered papermill
engine that accepts an existing kernel manager), and clears the user namespace between
runs (``%reset -f``), so imported modules, the loaded model and the in-memory parse cache
carry over while variables do not. A dead kernel is restarted before the next run.

Example:
    >>> with NotebookRunner() as runner:
    ...     runner.run("notebooks/sentiment.ipynb", "out/sentiment.ipynb", {"window": 5})
"""
from __future__ import annotations

from pathlib import Path

from jupyter_client import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from traitlets import default

from ..config import NOTEBOOKS_DIR

ENGINE_NAME = "analysis-shared-kernel"
#: Code run in the kernel before each notebook: variables go, modules and caches stay.
RESET_CODE = "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt"


class EncryptedKernelManager(AsyncKernelManager):
    """The kernel manager of every notebook run: CurveZMQ-encrypted kernel sockets.

    The kernel still listens on loopback TCP, but with keys provisioned by the manager (when
    the kernel spec declares support and pyzmq has CurveZMQ), so code and outputs are not sent
    in plain text and ipykernel does not warn that they are. nbclient needs an *async* manager:
    with a blocking one, a dead kernel would block its event loop forever.
    """

    @default("transport_encryption")
    def _encrypt_when_possible(self) -> str:
        import zmq

        return "auto" if zmq.has("curve") else "disabled"


class SharedKernelEngine(NBClientEngine):
    """papermill engine that executes in the kernel of a given ``km`` and leaves it running."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None, stderr_file=None,
                                 start_timeout=60, execution_timeout=None, km=None, **kwargs):
        kwargs.pop("input_path", None)
        client = PapermillNotebookClient(
            nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name,
            log=logger, log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file, **kwargs,
        )
        try:
            return client.execute()
        finally:
            if client.kc is not None:
                client.kc.stop_channels()


papermill_engines.register(ENGINE_NAME, SharedKernelEngine)


class NotebookRunner:
    """Runs papermill notebooks one after another in a single kernel.

    Args:
        kernel_name: Jupyter kernel spec (default ``python3``: this virtualenv's ipykernel).
        cwd: working directory of the kernel (default ``notebooks/``, where relative
            notebook defaults point from).
        execution_timeout: seconds allowed per cell.
    """

    def __init__(self, *, kernel_name: str = "python3", cwd: str | Path = NOTEBOOKS_DIR, execution_timeout: int = 900):
        self.kernel_name = kernel_name
        self.cwd = str(cwd)
        self.execution_timeout = execution_timeout
        self.km = None
        self.runs = 0

    def __enter__(self) -> NotebookRunner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _ensure_kernel(self) -> None:
        if self.km is not None and run_sync(self.km.is_alive)():
            self._reset()
            return
        if self.km is not None:
            run_sync(self.km.cleanup_resources)()
        self.km = EncryptedKernelManager(kernel_name=self.kernel_name)
        run_sync(self.km.start_kernel)(cwd=self.cwd)

    def _reset(self) -> None:
        from jupyter_client import BlockingKernelClient

        kc = BlockingKernelClient()
        kc.load_connection_info(self.km.get_connection_info())
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            kc.execute_interactive(RESET_CODE, timeout=60, output_hook=lambda msg: None)
        finally:
            kc.stop_channels()

    def run(self, notebook: str | Path, output: str | Path, parameters: dict | None = None, **papermill_kwargs):
        """Execute ``notebook`` with ``parameters`` into ``output`` (papermill semantics).

        Raises:
            papermill.PapermillExecutionError: a cell failed; ``output`` holds the partial
                notebook with papermill's error cell.
        """
        import papermill as pm

        self._ensure_kernel()
        self.runs += 1
        return pm.execute_notebook(
            str(notebook), str(output), parameters=parameters or {}, engine_name=ENGINE_NAME, km=self.km,
            kernel_name=self.kernel_name, progress_bar=False, execution_timeout=self.execution_timeout,
            **papermill_kwargs,
        )

    def close(self) -> None:
        """Shut the kernel down."""
        if self.km is not None:
            try:
                if run_sync(self.km.is_alive)():
                    run_sync(self.km.shutdown_kernel)(now=True)
            finally:
                run_sync(self.km.cleanup_resources)()
                self.km = None
