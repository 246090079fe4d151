"""tradecore: the shared layer of the serverless trading platform."""
