"""The `warrant` command line: the only code of warrant that reads argv or prints.

`main` dispatches (`planner.cli.main`); `args` holds the shared option parsing; `render*`
every text and JSON shape the commands print; one module per command group: `dsl` (check,
simulate, compile), `verify` (verify, check-cert), `plan` (plan-and-verify), `bench`, and
`learn` (corpus, train, eval; the corpus analysis tools in `tools`). Command modules import
`args` and `render*`; `main` imports the command modules.

`from planner.cli import main` is the entry point (the function: it shadows the module
`planner.cli.main`, which `importlib.import_module("planner.cli.main")` returns).
"""
from planner.cli.main import main

__all__ = ["main"]
