"""subsidy-solver: Beijing enterprise subsidy policies as rules, optimized and audited with Z3."""

__version__ = "0.1.0"
