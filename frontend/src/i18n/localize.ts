// Texts in the user's language (hass.language); English when a text or language is missing.
import type { HomeAssistant } from "../types";

export type Strings = Record<string, string>;
export type Catalog = Record<string, Strings>;

export function makeLocalize(catalog: Catalog) {
  return (hass: HomeAssistant | undefined, key: string, vars: Record<string, unknown> = {}) => {
    const language = (hass?.language ?? "en").split("-")[0];
    const text = catalog[language]?.[key] ?? catalog.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ""));
  };
}
