// Names for the generated OpenAPI types (npm run gen:api): a renamed field breaks `tsc`, not the screen.
import type { components as TradeComponents, paths as TradePaths } from "./generated/trade";

type S = TradeComponents["schemas"];

export type TradePathsDoc = TradePaths;
export type Account = S["AccountBody"];
export type Analysis = S["AnalysisBody"];
export type AnalyzeRequest = S["AnalyzeRequest"];
export type AnalyzeResponse = S["AnalyzeResponse"];
export type BotSettings = S["BotSettingsBody"];
export type BotSettingsUpdate = S["BotSettingsUpdate"];
export type Candle = S["CandleBody"];
export type Candles = S["CandlesBody"];
export type CloseResult = S["CloseBody"];
export type ConnectionBody = S["ConnectionBody"];
export type ConnectionRequest = S["ConnectionRequest"];
export type Credentials = S["Credentials"];
export type CurrentUser = S["CurrentUser"];
export type Decision = S["DecisionBody"];
export type DecisionPage = S["DecisionPageBody"];
export type DisconnectedBody = S["DisconnectedBody"];
export type ExecuteRequest = S["ExecuteRequest"];
export type ExecuteResponse = S["ExecuteResponse"];
export type Health = S["HealthBody"];
export type HealthStatus = S["HealthStatus"];
export type Performance = S["PerformanceBody"];
export type DayPnl = S["DayBody"];
export type Position = S["PositionBody"];
export type Positions = S["PositionsBody"];
export type Prices = S["PricesBody"];
export type Role = S["Role"];
export type Session = S["SessionBody"];
export type SignalPage = S["SignalPageBody"];
export type Trade = S["TradeBody"];
export type TradePage = S["TradePageBody"];
export type TradingMode = S["TradingMode"];
export type TradingSwitch = S["TradingSwitchBody"];
export type User = S["UserBody"];
export type UsersPage = S["UsersPage"];
export type UserUpdate = S["UserUpdate"];
export type ErrorBody = S["ErrorBody"];

/** The body POST /api/metrics/frontend takes. */
export type FrontendMetrics = S["FrontendMetricsRequest"];
