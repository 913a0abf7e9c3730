// printernizer-printer-card: one printer on any dashboard, from its entities (states and button
// services), so it works for every user. Its own bundle: nothing of the panel comes along.
import { css, html, LitElement, nothing, svg } from "lit";
import { formatNumber, formatTime, pictureOf } from "./format";
import { CARD_STRINGS } from "./i18n/card-strings";
import { makeLocalize } from "./i18n/localize";
import type { HassEntityState, HomeAssistant } from "./types";

const t = makeLocalize(CARD_STRINGS);
const CARD = "printernizer-printer-card";
const EDITOR = "printernizer-printer-card-editor";
const ACTIVE = ["printing", "preparing", "paused"];

interface CardConfig {
  type: string;
  device_id?: string;
}

/** The printer's entities by key (translation key), e.g. "status" -> "sensor.p1s_status". */
function printerEntities(hass: HomeAssistant, deviceId: string | undefined): Record<string, string> {
  const found: Record<string, string> = {};
  if (!deviceId) return found;
  for (const entity of Object.values(hass.entities ?? {})) {
    if (entity.device_id === deviceId && entity.platform === "printernizer" && entity.translation_key) {
      found[entity.translation_key] = entity.entity_id;
    }
  }
  return found;
}

/** Devices that have Printernizer entities: the printers. */
function printerDevices(hass: HomeAssistant): { id: string; name: string }[] {
  const ids = new Set<string>();
  for (const entity of Object.values(hass.entities ?? {})) {
    if (entity.platform === "printernizer" && entity.device_id) ids.add(entity.device_id);
  }
  return [...ids]
    .map((id) => ({ id, name: hass.devices?.[id]?.name_by_user || hass.devices?.[id]?.name || id }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export class PrinternizerPrinterCard extends LitElement {
  static properties = { hass: { attribute: false }, config: { state: true } };
  declare hass: HomeAssistant;
  declare config: CardConfig;

  static getConfigElement(): HTMLElement {
    return document.createElement(EDITOR);
  }

  static getStubConfig(hass: HomeAssistant): CardConfig {
    return { type: `custom:${CARD}`, device_id: printerDevices(hass)[0]?.id };
  }

  setConfig(config: CardConfig): void {
    if (!config) throw new Error("Invalid configuration");
    this.config = config;
  }

  getCardSize(): number {
    return 4;
  }

  private state(entities: Record<string, string>, key: string): HassEntityState | undefined {
    const id = entities[key];
    return id ? this.hass.states[id] : undefined;
  }

  private shown(stateObj: HassEntityState | undefined): string {
    if (!stateObj || ["unknown", "unavailable"].includes(stateObj.state)) return "—";
    return this.hass.formatEntityState?.(stateObj) ?? stateObj.state;
  }

  private temperature(entities: Record<string, string>, key: string): string {
    const now = this.state(entities, `${key}_temperature`);
    const target = this.state(entities, `${key}_target_temperature`);
    const value = Number(now?.state);
    if (!now || Number.isNaN(value)) return "—";
    const targetValue = Number(target?.state);
    const text = `${formatNumber(this.hass, value, 0)} °C`;
    return targetValue ? `${text} / ${formatNumber(this.hass, targetValue, 0)} °C` : text;
  }

  private async press(entityId: string | undefined, confirmText?: string): Promise<void> {
    if (!entityId) return;
    if (confirmText && !window.confirm(confirmText)) return;
    await this.hass.callService("button", "press", { entity_id: entityId });
  }

  private ring(progress: number) {
    const radius = 42;
    const length = 2 * Math.PI * radius;
    return html`<svg class="ring" viewBox="0 0 100 100" role="img" aria-label="${formatNumber(this.hass, progress, 0)} %">
      ${svg`<circle class="track" cx="50" cy="50" r=${radius}></circle>
        <circle class="value" cx="50" cy="50" r=${radius}
          stroke-dasharray=${length} stroke-dashoffset=${length * (1 - progress / 100)}></circle>
        <text x="50" y="56" text-anchor="middle">${formatNumber(this.hass, progress, 0)} %</text>`}
    </svg>`;
  }

  render() {
    if (!this.hass || !this.config) return nothing;
    const entities = printerEntities(this.hass, this.config.device_id);
    const device = this.config.device_id ? this.hass.devices?.[this.config.device_id] : undefined;
    if (!device || !entities.status) {
      return html`<ha-card><div class="empty">${t(this.hass, "no_printer")}</div></ha-card>`;
    }
    const name = device.name_by_user || device.name || "";
    const status = this.state(entities, "status");
    const active = ACTIVE.includes(status?.state ?? "");
    const progress = Number(this.state(entities, "progress")?.state);
    const picture = pictureOf(this.state(entities, "thumbnail"));
    const remaining = this.state(entities, "remaining_time");
    const end = this.state(entities, "end_time")?.state;
    const jobName = this.state(entities, "job_name")?.state;
    return html`<ha-card>
      <div class="head">
        ${picture ? html`<img src=${picture} alt="" />` : html`<div class="noimg"><ha-icon icon="mdi:printer-3d"></ha-icon></div>`}
        <div class="title">
          <div class="name">${name}</div>
          <div class="status">${this.shown(status)}</div>
          ${active && jobName && !["unknown", "unavailable"].includes(jobName) ? html`<div class="job">${jobName}</div>` : nothing}
        </div>
        ${active && !Number.isNaN(progress) ? this.ring(progress) : nothing}
      </div>
      <dl>
        ${active
          ? html`<dt>${t(this.hass, "remaining")}</dt><dd>${this.shown(remaining)}</dd>
              <dt>${t(this.hass, "ends")}</dt><dd>${end && !["unknown", "unavailable"].includes(end) ? formatTime(this.hass, end) : "—"}</dd>`
          : nothing}
        <dt>${t(this.hass, "nozzle")}</dt><dd>${this.temperature(entities, "nozzle")}</dd>
        <dt>${t(this.hass, "bed")}</dt><dd>${this.temperature(entities, "bed")}</dd>
        <dt>${t(this.hass, "job_cost")}</dt><dd>${this.shown(this.state(entities, "job_cost"))}</dd>
      </dl>
      ${active
        ? html`<div class="buttons">
            ${status?.state === "paused"
              ? html`<button @click=${() => this.press(entities.resume)}><ha-icon icon="mdi:play"></ha-icon>${t(this.hass, "resume")}</button>`
              : html`<button @click=${() => this.press(entities.pause)}><ha-icon icon="mdi:pause"></ha-icon>${t(this.hass, "pause")}</button>`}
            <button class="stop" @click=${() => this.press(entities.stop, t(this.hass, "confirm_stop", { printer: name }))}>
              <ha-icon icon="mdi:stop"></ha-icon>${t(this.hass, "stop")}
            </button>
          </div>`
        : nothing}
    </ha-card>`;
  }

  static styles = css`
    ha-card {
      padding: 16px;
      color: var(--primary-text-color);
    }
    .empty {
      color: var(--secondary-text-color);
    }
    .head {
      display: flex;
      gap: 12px;
      align-items: center;
    }
    img,
    .noimg {
      width: 64px;
      height: 64px;
      border-radius: 8px;
      object-fit: contain;
      flex: none;
      background: var(--secondary-background-color, rgba(127, 127, 127, 0.1));
    }
    .noimg {
      display: flex;
      align-items: center;
      justify-content: center;
      color: var(--secondary-text-color);
      --mdc-icon-size: 32px;
    }
    .title {
      flex: 1;
      min-width: 0;
    }
    .name {
      font-size: 1.15em;
      font-weight: 500;
    }
    .status,
    .job {
      color: var(--secondary-text-color);
      overflow: hidden;
      text-overflow: ellipsis;
      white-space: nowrap;
    }
    .ring {
      width: 72px;
      height: 72px;
      flex: none;
    }
    .ring circle {
      fill: none;
      stroke-width: 9;
    }
    .ring .track {
      stroke: var(--divider-color, #e0e0e0);
    }
    .ring .value {
      stroke: var(--primary-color, #03a9f4);
      transform: rotate(-90deg);
      transform-origin: 50% 50%;
      stroke-linecap: round;
    }
    .ring text {
      fill: var(--primary-text-color);
      font-size: 20px;
    }
    dl {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 4px 12px;
      margin: 12px 0 0;
    }
    dt {
      color: var(--secondary-text-color);
    }
    dd {
      margin: 0;
      text-align: right;
      font-variant-numeric: tabular-nums;
    }
    .buttons {
      display: flex;
      gap: 8px;
      justify-content: flex-end;
      margin-top: 12px;
    }
    button {
      display: inline-flex;
      align-items: center;
      gap: 4px;
      font: inherit;
      font-weight: 500;
      border-radius: 18px;
      padding: 6px 14px;
      cursor: pointer;
      border: 1px solid var(--primary-color, #03a9f4);
      background: transparent;
      color: var(--primary-color, #03a9f4);
      --mdc-icon-size: 18px;
    }
    button.stop {
      border-color: var(--error-color, #db4437);
      color: var(--error-color, #db4437);
    }
    button:focus-visible {
      outline: 2px solid var(--primary-color, #03a9f4);
      outline-offset: 2px;
    }
  `;
}

export class PrinternizerPrinterCardEditor extends LitElement {
  static properties = { hass: { attribute: false }, config: { state: true } };
  declare hass: HomeAssistant;
  declare config: CardConfig;

  setConfig(config: CardConfig): void {
    this.config = config;
  }

  private changed(event: Event) {
    const deviceId = (event.target as HTMLSelectElement).value;
    this.config = { ...this.config, device_id: deviceId };
    this.dispatchEvent(new CustomEvent("config-changed", { detail: { config: this.config }, bubbles: true, composed: true }));
  }

  render() {
    if (!this.hass || !this.config) return nothing;
    const devices = printerDevices(this.hass);
    if (!devices.length) return html`<p>${t(this.hass, "no_printers")}</p>`;
    return html`<label>
      ${t(this.hass, "printer")}
      <select @change=${this.changed}>
        ${this.config.device_id ? nothing : html`<option value="" selected></option>`}
        ${devices.map((d) => html`<option value=${d.id} ?selected=${d.id === this.config.device_id}>${d.name}</option>`)}
      </select>
    </label>`;
  }

  static styles = css`
    label {
      display: flex;
      flex-direction: column;
      gap: 6px;
      color: var(--secondary-text-color);
    }
    select {
      font: inherit;
      font-size: 1rem;
      padding: 8px;
      border-radius: 6px;
      border: 1px solid var(--divider-color, #ccc);
      color: var(--primary-text-color);
      background: var(--card-background-color, transparent);
    }
  `;
}

if (!customElements.get(CARD)) {
  customElements.define(CARD, PrinternizerPrinterCard);
  customElements.define(EDITOR, PrinternizerPrinterCardEditor);
  const registry = window as unknown as { customCards?: Record<string, unknown>[] };
  registry.customCards = registry.customCards ?? [];
  registry.customCards.push({
    type: CARD,
    name: t(undefined, "card_name"),
    description: t(undefined, "card_description"),
    preview: true,
    documentationURL: "https://github.com/printernizer/printernizer-homeassistant#printer-card",
  });
}
