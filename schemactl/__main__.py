"""`python -m schemactl`: the same command line as the `schemactl` script."""
from .cli import main

main()
