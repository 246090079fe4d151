"""The local API Gateway: HTTP APIs (:mod:`.http`), the WebSocket API and @connections
(:mod:`.websocket`), the Lambda events both build (:mod:`.events`) and CORS (:mod:`.cors`)."""
