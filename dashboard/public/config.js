// Where the APIs are. The local stack serves its own /config.js with the ports it really uses;
// a deployment writes this file with the API Gateway URLs (template Outputs).
window.TRADECORE_CONFIG = window.TRADECORE_CONFIG || {
  apiUrl: `${location.protocol}//${location.hostname}:8080`,
  wsUrl: `ws://${location.hostname}:8080/ws`,
};
