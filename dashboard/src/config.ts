// Where the APIs are: /config.js (per deployment, never bundled) sets window.TRADECORE_CONFIG.
export interface TradecoreConfig {
  apiUrl: string;
  wsUrl: string;
}

declare global {
  interface Window {
    TRADECORE_CONFIG?: TradecoreConfig;
  }
}

export function readConfig(): TradecoreConfig {
  const config = window.TRADECORE_CONFIG;
  if (config) return config;
  return { apiUrl: `${location.protocol}//${location.hostname}:8080`, wsUrl: `ws://${location.hostname}:8080/ws` };
}
