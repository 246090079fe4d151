"""The scheduled and queued jobs: reconciliation, account sync, health, the outbox drain."""
