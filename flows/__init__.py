"""Prefect flows: orchestration only; every task body is one `ai4d_core` call. Deployed by `prefect.yaml`."""
