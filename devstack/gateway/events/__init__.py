"""The events API Gateway hands a function, and how it reads the answers: payload 2.0 for HTTP
APIs (:mod:`.http`), the WebSocket API's route selection and events (:mod:`.websocket`)."""
