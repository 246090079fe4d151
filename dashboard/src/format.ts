// Decimal strings as people read them: the API's exact values rounded half-up to a few places and
// without trailing zeros. String and BigInt work only: no float ever touches a displayed amount.
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** ``value`` rounded half-up (away from zero) to ``places`` decimals, trailing zeros dropped. */
export function trimZeros(value: string | null | undefined, empty = "–", places = 8): string {
  if (value === null || value === undefined || value === "") return empty;
  const match = DECIMAL.exec(value);
  if (!match) return value;
  const [, sign = "", whole = "0", fraction = ""] = match;
  let digits = BigInt(whole + fraction.slice(0, places).padEnd(places, "0"));
  if ((fraction[places] ?? "0") >= "5") digits += 1n;
  const text = digits.toString().padStart(places + 1, "0");
  const head = text.slice(0, text.length - places);
  const tail = text.slice(text.length - places).replace(/0+$/, "");
  const negative = sign === "-" && digits !== 0n;
  return `${negative ? "-" : ""}${head}${tail ? `.${tail}` : ""}`;
}
