"""The ai function package (CodeUri: functions/, Handler: ai.app.handler)."""
