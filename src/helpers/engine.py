"""A papermill engine that runs a notebook in the current (fresh) process instead of a Jupyter kernel.

The build runs each notebook in its own process forked from a server that has already imported
pandas, matplotlib and IPython (see ``helpers.execute``), so a notebook pays neither for starting a
kernel nor for those imports, yet never shares state with another notebook. Papermill still injects
the parameters, records every cell and raises on the first error, exactly as with a kernel.
``resultsbook build --engine kernel`` uses the standard Jupyter kernel instead.
"""

from __future__ import annotations

import nbformat
from papermill.engines import Engine, papermill_engines

NAME = "resultsbook-inprocess"
# Imported once in the fork server; notebooks' own imports of them are then free.
PRELOAD = ["pandas", "numpy", "matplotlib", "matplotlib.pyplot", "yaml", "IPython.core.interactiveshell",
           "IPython.display", "IPython.utils.capture", "papermill", "nbformat", "myst_nb"]


def _shell():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="NoColor")
    # a kernel shows a cell's last value as an output; the terminal shell would print "Out[n]:" instead
    shell.displayhook.write_output_prompt = lambda: None
    shell.displayhook.write_format_data = lambda *args, **kwargs: None
    return shell


def run_cell(shell, source: str, execution_count: int) -> tuple[list, BaseException | None]:
    """Execute one cell; returns its nbformat outputs and the exception it raised, if any."""
    from IPython.utils.capture import capture_output

    with capture_output(stdout=True, stderr=True, display=True) as captured:
        result = shell.run_cell(source, store_history=True, silent=False)
    outputs = []
    if captured.stdout:
        outputs.append(nbformat.v4.new_output("stream", name="stdout", text=captured.stdout))
    if captured.stderr:
        outputs.append(nbformat.v4.new_output("stream", name="stderr", text=captured.stderr))
    for rich in captured.outputs:
        outputs.append(nbformat.v4.new_output("display_data", data=rich.data, metadata=rich.metadata or {}))
    if result.result is not None:
        data, metadata = shell.display_formatter.format(result.result)
        outputs.append(nbformat.v4.new_output("execute_result", data=data, metadata=metadata,
                                              execution_count=execution_count))
    error = result.error_before_exec or result.error_in_exec
    if error is not None:
        lines = shell.InteractiveTB.structured_traceback(type(error), error, error.__traceback__)
        outputs.append(nbformat.v4.new_output("error", ename=type(error).__name__, evalue=str(error),
                                              traceback=lines))
    return outputs, error


class InProcessEngine(Engine):
    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        shell = _shell()
        count = 0
        for index, cell in enumerate(nb_man.nb.cells):
            try:
                nb_man.cell_start(cell, index)
                if cell.cell_type != "code":
                    continue
                count += 1
                cell.execution_count = count
                cell.outputs, error = run_cell(shell, cell.source, count)
                if error is not None:
                    nb_man.cell_exception(cell, cell_index=index, exception=error)
                    break
            finally:
                nb_man.cell_complete(cell, cell_index=index)


papermill_engines.register(NAME, InProcessEngine)
