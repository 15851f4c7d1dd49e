"""``python -m handcalc``: the command line."""

from .cli import main

main()
