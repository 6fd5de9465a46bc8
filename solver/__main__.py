"""`python -m solver …` is the `subsidy` command."""
from .command import run

run()
