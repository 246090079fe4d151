// Decimal strings as people read them: the API's exact values without trailing zeros (string work
// only: no float ever touches a displayed amount).
export function trimZeros(value: string | null | undefined, empty = "–"): string {
  if (value === null || value === undefined || value === "") return empty;
  if (!/^-?\d+\.\d+$/.test(value)) return value;
  return value.replace(/0+$/, "").replace(/\.$/, "");
}
