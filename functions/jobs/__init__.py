"""The jobs function package (CodeUri: functions/, Handler: jobs.app.handler)."""
