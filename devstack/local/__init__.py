"""The local stack around the gateway (``make dev``): settings, local AWS resources and their
provisioning, child processes and their console, the scheduler, the dashboard, and the runner
(:mod:`.runner`) that starts it all; :class:`.stack.LocalStack` is the in-process part tests start."""
