"""Item pipelines: validation (typed values or a counted drop), then PostgreSQL storage (COPY under the coleta)."""
