"""Market data and analyses for users: candles and prices through a shared short cache, the stored
signal history, and "analyze now" (the AI service on candles the core fetches)."""
