"""``python -m lpgen``: the ``lpgen`` program."""

from lpgen.cli import run

run()
