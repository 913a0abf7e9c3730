// Farm: a tile per printer with its live state, today's cost and pause/resume/stop.
import { css, html } from "lit";
import { formatMoney, formatNumber, formatTime, pictureOf } from "../format";
import { baseStyles, PanelView, statusClass } from "../shared";
import type { LiveEvent, PrinterState } from "../types";

export class FarmView extends PanelView {
  static properties = { ...PanelView.properties, printers: { state: true } };
  declare printers: PrinterState[] | null;

  constructor() {
    super();
    this.printers = null;
  }

  protected async load(): Promise<void> {
    const result = await this.hass.callWS<{ printers: PrinterState[] }>({ type: "printernizer/printers" });
    this.printers = result.printers;
  }

  protected handleLive(event: LiveEvent): void {
    if (event.kind === "printer" && this.printers) {
      this.printers = this.printers.map((p) =>
        p.entry_id === event.printer.entry_id ? { ...event.printer, today_cost: p.today_cost } : p,
      );
    } else if (event.kind === "printers" || (event.kind === "job" && event.event !== "revised")) {
      void this.run(() => this.load());
    }
  }

  private async control(printer: PrinterState, action: "pause" | "resume" | "stop") {
    const entity = printer.entities[action];
    if (!entity) return;
    const ok = await this.confirm(this.t(`confirm_${action}`, { printer: printer.name }), this.t(action));
    if (ok) await this.run(() => this.hass.callService("button", "press", { entity_id: entity }).then(() => undefined));
  }

  private thumbnail(printer: PrinterState) {
    const id = printer.entities.thumbnail;
    const url = id ? pictureOf(this.hass.states[id]) : undefined;
    return url
      ? html`<img class="thumb" src=${url} alt="" loading="lazy" />`
      : html`<div class="thumb placeholder"><ha-icon icon="mdi:printer-3d"></ha-icon></div>`;
  }

  private temperature(value: number | null, target: number | null) {
    if (value === null) return this.t("none");
    const now = `${formatNumber(this.hass, value, 0)} °C`;
    return target ? `${now} / ${formatNumber(this.hass, target, 0)} °C` : now;
  }

  private tile(p: PrinterState) {
    const active = ["printing", "preparing", "paused"].includes(p.status);
    return html`<article class="card tile" aria-label=${p.name}>
      <header>
        ${this.thumbnail(p)}
        <div class="title">
          <h2>${p.name}</h2>
          <div class="muted">${p.model ?? (p.family === "bambu" ? "Bambu Lab" : "Prusa")}</div>
          <span class="chip ${statusClass(p.status)}">${this.t(`status.${p.status}`)}</span>
        </div>
      </header>
      ${active
        ? html`<div class="job" title=${p.job_name ?? ""}>${p.job_name ?? this.t("none")}</div>
            <div
              class="bar"
              role="progressbar"
              aria-label=${this.t("progress")}
              aria-valuemin="0"
              aria-valuemax="100"
              aria-valuenow=${Math.round(p.progress ?? 0)}
            >
              <div style="width:${p.progress ?? 0}%"></div>
            </div>
            <dl>
              <dt>${this.t("progress")}</dt>
              <dd>${formatNumber(this.hass, p.progress, 0)} %</dd>
              <dt>${this.t("remaining")}</dt>
              <dd>${p.remaining_min === null ? this.t("none") : `${formatNumber(this.hass, p.remaining_min)} min`}</dd>
              <dt>${this.t("ends")}</dt>
              <dd>${formatTime(this.hass, p.end_time)}</dd>
              <dt>${this.t("job_cost")}</dt>
              <dd>${formatMoney(this.hass, p.job_cost)}</dd>
            </dl>`
        : null}
      <dl>
        <dt>${this.t("nozzle")}</dt>
        <dd>${this.temperature(p.nozzle_temperature, p.nozzle_target_temperature)}</dd>
        <dt>${this.t("bed")}</dt>
        <dd>${this.temperature(p.bed_temperature, p.bed_target_temperature)}</dd>
        ${p.chamber_temperature !== null
          ? html`<dt>${this.t("chamber")}</dt>
              <dd>${this.temperature(p.chamber_temperature, null)}</dd>`
          : null}
        <dt>${this.t("today_cost")}</dt>
        <dd class="today">${formatMoney(this.hass, p.today_cost ?? 0)}</dd>
      </dl>
      ${this.readOnly || !active
        ? null
        : html`<div class="actions">
            ${p.status === "paused"
              ? html`<button @click=${() => this.control(p, "resume")}>${this.t("resume")}</button>`
              : html`<button @click=${() => this.control(p, "pause")}>${this.t("pause")}</button>`}
            <button class="danger" @click=${() => this.control(p, "stop")}>${this.t("stop")}</button>
          </div>`}
    </article>`;
  }

  render() {
    if (this.printers === null) return html`${this.renderError()}<p class="muted">${this.t("loading")}</p>`;
    return html`${this.renderError()}
      ${this.printers.length === 0
        ? html`<p class="notice">${this.t("no_printers")}</p>`
        : html`<div class="grid">${this.printers.map((p) => this.tile(p))}</div>`}`;
  }

  static styles = [
    baseStyles,
    css`
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(300px, 1fr));
        gap: 16px;
      }
      header {
        display: flex;
        gap: 12px;
        align-items: center;
        margin-bottom: 12px;
      }
      .thumb {
        width: 72px;
        height: 72px;
        border-radius: 8px;
        object-fit: contain;
        background: var(--secondary-background-color, rgba(127, 127, 127, 0.1));
        flex: none;
      }
      .placeholder {
        display: flex;
        align-items: center;
        justify-content: center;
        --mdc-icon-size: 36px;
        color: var(--secondary-text-color);
      }
      h2 {
        margin: 0;
        font-size: 1.15em;
        font-weight: 500;
      }
      .title {
        display: flex;
        flex-direction: column;
        gap: 4px;
        align-items: flex-start;
        min-width: 0;
      }
      .job {
        font-weight: 500;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
        margin-bottom: 6px;
      }
      .bar {
        height: 8px;
        border-radius: 4px;
        background: var(--divider-color, #e0e0e0);
        overflow: hidden;
        margin-bottom: 8px;
      }
      .bar > div {
        height: 100%;
        background: var(--primary-color, #03a9f4);
        transition: width 0.5s;
      }
      dl {
        display: grid;
        grid-template-columns: auto 1fr;
        gap: 4px 12px;
        margin: 0 0 8px;
      }
      dt {
        color: var(--secondary-text-color);
      }
      dd {
        margin: 0;
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
    `,
  ];
}
customElements.define("printernizer-farm", FarmView);
