import { describe, expect, it } from "vitest";
import { trimZeros } from "../src/format";

describe("trimZeros", () => {
  it("drops trailing zeros of exact decimal strings, never their digits", () => {
    expect(trimZeros("65000.10000000")).toBe("65000.1");
    expect(trimZeros("65000.00000000")).toBe("65000");
    expect(trimZeros("100")).toBe("100");
    expect(trimZeros("-0.50")).toBe("-0.5");
    expect(trimZeros("0.123456789012345678")).toBe("0.123456789012345678");
    expect(trimZeros(null)).toBe("–");
  });
});
