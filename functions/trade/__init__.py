"""The trade function package (CodeUri: functions/, Handler: trade.app.handler)."""
