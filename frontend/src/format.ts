// Numbers, money, dates and times in the user's locale settings (hass.locale), as HA formats them.
import type { HassEntityState, HomeAssistant } from "./types";

/** The Intl locale for numbers: HA's number_format setting, else the user's language. */
export function numberLocale(hass: HomeAssistant): string | undefined {
  const { language, number_format: format } = hass.locale ?? { language: hass.language };
  switch (format) {
    case "comma_decimal":
      return "en-US";
    case "decimal_comma":
      return "de";
    case "space_comma":
      return "fr";
    case "system":
      return undefined;
    default:
      return language;
  }
}

function grouping(hass: HomeAssistant): boolean {
  return hass.locale?.number_format !== "none";
}

/** The Intl locale for dates: HA's date_format setting, else the user's language. */
function dateLocale(hass: HomeAssistant): string | undefined {
  switch (hass.locale?.date_format) {
    case "DMY":
      return "en-GB";
    case "MDY":
      return "en-US";
    case "YMD":
      return "sv-SE";
    case "system":
      return undefined;
    default:
      return hass.locale?.language ?? hass.language;
  }
}

function timeZone(hass: HomeAssistant): string | undefined {
  return hass.locale?.time_zone === "server" ? hass.config.time_zone : undefined;
}

function hour12(hass: HomeAssistant): boolean | undefined {
  const format = hass.locale?.time_format;
  return format === "12" ? true : format === "24" ? false : undefined;
}

export function formatNumber(hass: HomeAssistant, value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  return new Intl.NumberFormat(numberLocale(hass), {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
    useGrouping: grouping(hass),
  }).format(value);
}

export function formatMoney(hass: HomeAssistant, value: number | null | undefined, currency = "EUR"): string {
  if (value === null || value === undefined) return "—";
  if (currency === "mixed") return formatNumber(hass, value, 2);
  return new Intl.NumberFormat(numberLocale(hass), {
    style: "currency",
    currency,
    useGrouping: grouping(hass),
  }).format(value);
}

function toDate(value: string | Date): Date {
  return typeof value === "string" ? new Date(value) : value;
}

export function formatDate(hass: HomeAssistant, value: string | Date | null | undefined): string {
  if (!value) return "—";
  return new Intl.DateTimeFormat(dateLocale(hass), {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    timeZone: timeZone(hass),
  }).format(toDate(value));
}

export function formatTime(hass: HomeAssistant, value: string | Date | null | undefined): string {
  if (!value) return "—";
  return new Intl.DateTimeFormat(hass.locale?.language ?? hass.language, {
    hour: "2-digit",
    minute: "2-digit",
    hour12: hour12(hass),
    timeZone: timeZone(hass),
  }).format(toDate(value));
}

export function formatDateTime(hass: HomeAssistant, value: string | Date | null | undefined): string {
  if (!value) return "—";
  return `${formatDate(hass, value)} ${formatTime(hass, value)}`;
}

/** "2 h 05 min" / "45 min" from seconds. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  const minutes = Math.round(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return hours ? `${hours} h ${String(rest).padStart(2, "0")} min` : `${rest} min`;
}

export function formatBytes(hass: HomeAssistant, bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${formatNumber(hass, value, unit ? 1 : 0)} ${units[unit]}`;
}

/** A local calendar day as YYYY-MM-DD (what the websocket commands take). */
export function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export type PeriodKey = "all" | "this_month" | "last_month" | "this_year" | "custom";

/** Inclusive first and last day of a named period (today's date in the browser). */
export function periodDays(period: PeriodKey, today = new Date()): { start: string; end: string } | null {
  const y = today.getFullYear();
  const m = today.getMonth();
  switch (period) {
    case "this_month":
      return { start: isoDay(new Date(y, m, 1)), end: isoDay(new Date(y, m + 1, 0)) };
    case "last_month":
      return { start: isoDay(new Date(y, m - 1, 1)), end: isoDay(new Date(y, m, 0)) };
    case "this_year":
      return { start: isoDay(new Date(y, 0, 1)), end: isoDay(new Date(y, 11, 31)) };
    default:
      return null;
  }
}

/** An image entity's picture, only while it has an image: without one Home Assistant answers
 * the picture's address with an error (the state is then unknown or unavailable). */
export function pictureOf(state: HassEntityState | undefined): string | undefined {
  if (!state || state.state === "unknown" || state.state === "unavailable") return undefined;
  return state.attributes.entity_picture as string | undefined;
}
