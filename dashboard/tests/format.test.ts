import { describe, expect, it } from "vitest";
import { trimZeros } from "../src/format";

describe("trimZeros", () => {
  it("drops trailing zeros of exact decimal strings, never their digits", () => {
    expect(trimZeros("65000.10000000")).toBe("65000.1");
    expect(trimZeros("65000.00000000")).toBe("65000");
    expect(trimZeros("100")).toBe("100");
    expect(trimZeros("-0.50")).toBe("-0.5");
    expect(trimZeros("0.123456784")).toBe("0.12345678");
    expect(trimZeros(null)).toBe("–");
  });

  it("rounds half up to 8 places by default, exactly", () => {
    expect(trimZeros("65036.8181818181818181818")).toBe("65036.81818182");
    expect(trimZeros("0.999999995")).toBe("1");
    expect(trimZeros("-0.000000004")).toBe("0");
    expect(trimZeros("-1.5", "–", 0)).toBe("-2");
    expect(trimZeros("12345678901234567890.123456789")).toBe("12345678901234567890.12345679");
  });
});

describe("signalMarkers", () => {
  const base = {
    symbol: "BTCUSDT", timeframe: "1m", confidence: 0.8, reasoning: "", source: "llm" as const, model_version: "m",
    timeframes: [], timestamp: "2026-01-01T00:00:00Z",
  };
  it("marks the newest signal of each candle of the interval, oldest candle first", async () => {
    const { signalMarkers } = await import("../src/components/Chart");
    const markers = signalMarkers(
      [
        { ...base, signal: "Short", analysis_id: "3", candle_time: 120_000 },
        { ...base, signal: "Long", analysis_id: "2", candle_time: 120_000 },
        { ...base, signal: "Long", analysis_id: "1", candle_time: 60_000 },
        { ...base, signal: "Long", analysis_id: "0", candle_time: 60_000, timeframe: "1h" },
      ],
      "1m",
    );
    expect(markers.map((m) => [m.time, m.shape])).toEqual([[60, "arrowUp"], [120, "arrowDown"]]);
  });
});
