"""secfeat: a dbt-centric SQL feature warehouse for security telemetry."""

__version__ = "0.1.0"
