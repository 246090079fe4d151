"""The ws function package (CodeUri: functions/, Handler: ws.app.handler)."""
