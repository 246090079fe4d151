"""The auth function package (CodeUri: functions/, Handler: auth.app.handler)."""
