// Statistics: per-printer success rate and utilisation (printernizer/stats, as printer_stats),
// material by month as bars (printernizer/material_usage) and the maintenance lists
// (printernizer/maintenance). Plain SVG bars, no chart library.
import { css, html, nothing, svg } from "lit";
import { formatMoney, formatNumber, isoDay, periodDays } from "../format";
import { baseStyles, PanelView } from "../shared";
import type {
  LiveEvent,
  MaintenanceOverview,
  MaintenanceTask,
  MaterialUsage,
  PrinterStats,
  PrinterStatsRow,
} from "../types";

type StatsPeriod = "last_30" | "this_month" | "last_month" | "this_year";

export class StatsView extends PanelView {
  static properties = {
    ...PanelView.properties,
    stats: { state: true },
    months: { state: true },
    maintenance: { state: true },
    period: { state: true },
  };
  declare stats: PrinterStats | null;
  declare months: MaterialUsage | null;
  declare maintenance: MaintenanceOverview | null;
  declare period: StatsPeriod;

  constructor() {
    super();
    this.stats = null;
    this.months = null;
    this.maintenance = null;
    this.period = "last_30";
  }

  protected async load(): Promise<void> {
    const days = this.period === "last_30" ? {} : periodDays(this.period);
    const today = new Date();
    const [stats, months, maintenance] = await Promise.all([
      this.hass.callWS<PrinterStats>({ type: "printernizer/stats", ...days }),
      this.hass.callWS<MaterialUsage>({
        type: "printernizer/material_usage",
        group_by: "month",
        start: isoDay(new Date(today.getFullYear(), today.getMonth() - 11, 1)),
        end: isoDay(today),
      }),
      this.hass.callWS<MaintenanceOverview>({ type: "printernizer/maintenance" }),
    ]);
    this.stats = stats;
    this.months = months;
    this.maintenance = maintenance;
  }

  protected handleLive(event: LiveEvent): void {
    if (event.kind === "printers" || (event.kind === "job" && ["finished", "failed", "cancelled", "revised"].includes(event.event))) {
      void this.run(() => this.load());
    }
  }

  private percent(value: number | null): string {
    return value === null ? this.t("none") : `${formatNumber(this.hass, value, 1)} %`;
  }

  private renderPrinters(stats: PrinterStats) {
    if (!stats.printers.length) return html`<p class="notice">${this.t("no_printers")}</p>`;
    return html`<table class="printers">
      <thead>
        <tr>
          <th>${this.t("printer")}</th>
          <th class="num">${this.t("jobs_count")}</th>
          <th>${this.t("stats.success_rate")}</th>
          <th>${this.t("stats.utilisation")}</th>
          <th class="num optional">${this.t("stats.print_hours")}</th>
          <th class="num optional">${this.t("material_g")}</th>
          <th class="num optional">${this.t("gross")}</th>
        </tr>
      </thead>
      <tbody>
        ${stats.printers.map((p) => this.renderPrinter(p))}
      </tbody>
    </table>`;
  }

  private renderPrinter(p: PrinterStatsRow) {
    const grams = Object.values(p.material_g).reduce((sum, g) => sum + g, 0);
    const bar = (value: number | null) =>
      html`<span class="meter" aria-hidden="true"><span style="width:${Math.min(value ?? 0, 100)}%"></span></span>`;
    return html`<tr data-printer=${p.config_entry_id ?? p.name}>
      <td>${p.name}${p.config_entry_id ? nothing : html` <span class="chip">${this.t("stats.not_set_up")}</span>`}</td>
      <td class="num jobs">${formatNumber(this.hass, p.jobs)}</td>
      <td class="rate"><span class="success">${this.percent(p.success_rate)}</span>${bar(p.success_rate)}</td>
      <td class="rate"><span class="utilisation">${this.percent(p.utilisation)}</span>${bar(p.utilisation)}</td>
      <td class="num optional hours">${formatNumber(this.hass, p.print_hours, 2)} h</td>
      <td class="num optional">${formatNumber(this.hass, grams, 1)} g</td>
      <td class="num optional">${formatMoney(this.hass, p.gross)}</td>
    </tr>`;
  }

  private monthLabel(key: string): string {
    const [y, m] = key.split("-").map(Number);
    return new Intl.DateTimeFormat(this.hass.locale?.language ?? this.hass.language, { month: "short", year: "2-digit" }).format(
      new Date(y, m - 1, 1),
    );
  }

  private renderMonths(usage: MaterialUsage) {
    if (!usage.groups.length) return html`<p class="muted">${this.t("no_jobs")}</p>`;
    const max = Math.max(...usage.groups.map((g) => g.material_g), 1);
    const height = 120;
    return html`<div class="months" role="list">
      ${usage.groups.map((g) => {
        const h = (g.material_g / max) * height;
        return html`<div class="month" role="listitem" data-month=${g.key}
          title=${`${this.monthLabel(g.key)}: ${formatNumber(this.hass, g.material_g, 1)} g, ${formatMoney(this.hass, g.material_cost, usage.currency)}`}>
          <span class="grams">${formatNumber(this.hass, g.material_g, 0)} g</span>
          <svg viewBox="0 0 20 ${height}" preserveAspectRatio="none" height=${height} aria-hidden="true">
            ${svg`<rect x="2" y=${height - h} width="16" height=${h} rx="1"></rect>`}
          </svg>
          <span class="label">${this.monthLabel(g.key)}</span>
        </div>`;
      })}
    </div>`;
  }

  private renderMaintenance(overview: MaintenanceOverview) {
    if (!overview.printers.length) return html`<p class="notice">${this.t("no_printers")}</p>`;
    return html`<div class="maintenance">
      ${overview.printers.map(
        (p) => html`<section class="card printer-tasks" data-entry=${p.config_entry_id}>
          <h3>${p.name} <span class="chip ${p.due ? "due" : ""}">${p.due ? this.t("stats.due_count", { count: p.due }) : this.t("stats.all_done")}</span></h3>
          <ul>
            ${p.tasks.map(
              (task) => html`<li class=${task.due ? "due" : ""} data-task=${task.task}>
                <ha-icon icon=${task.due ? "mdi:wrench-clock" : "mdi:check-circle-outline"}></ha-icon>
                <span class="task-name">${this.taskName(task)}</span>
                <span class="muted">${this.taskProgress(task)}</span>
              </li>`,
            )}
          </ul>
        </section>`,
      )}
    </div>`;
  }

  /** A default task in the user's language; a task added by name is called by that name. */
  private taskName(task: MaintenanceTask): string {
    const key = `task.${task.task}`;
    const text = this.t(key);
    return text === key ? task.name : text;
  }

  private taskProgress(task: MaintenanceTask): string {
    const parts: string[] = [];
    if (task.interval_hours !== null)
      parts.push(this.t("stats.hours_of", { used: formatNumber(this.hass, task.print_hours, 1), every: formatNumber(this.hass, task.interval_hours, 0) }));
    if (task.interval_jobs !== null) parts.push(this.t("stats.jobs_of", { used: task.jobs, every: task.interval_jobs }));
    if (task.due_date) parts.push(this.t("stats.due_on", { date: new Date(task.due_date).toLocaleDateString(this.hass.locale?.language ?? this.hass.language) }));
    return parts.join(" · ");
  }

  render() {
    return html`<div class="filters">
        <label class="field">${this.t("period")}
          <select @change=${(e: Event) => {
            this.period = (e.target as HTMLSelectElement).value as StatsPeriod;
            void this.run(() => this.load());
          }}>
            ${(["last_30", "this_month", "last_month", "this_year"] as const).map(
              (p) => html`<option value=${p} ?selected=${this.period === p}>${this.t(`period.${p}`)}</option>`,
            )}
          </select>
        </label>
      </div>
      ${this.renderError()}
      ${this.stats === null
        ? html`<p class="muted">${this.t("loading")}</p>`
        : html`<div class="card">
              <h2>${this.t("stats.printers")}</h2>
              ${this.renderPrinters(this.stats)}
            </div>
            ${this.months ? html`<div class="card"><h2>${this.t("stats.material_by_month")}</h2>${this.renderMonths(this.months)}</div>` : nothing}
            ${this.maintenance ? html`<h2>${this.t("stats.maintenance")}</h2>${this.renderMaintenance(this.maintenance)}` : nothing}`}`;
  }

  static styles = [
    baseStyles,
    css`
      .card {
        margin-bottom: 16px;
      }
      h2 {
        font-size: 1.1em;
        font-weight: 500;
        margin: 0 0 12px;
      }
      h3 {
        font-size: 1em;
        font-weight: 500;
        margin: 0 0 8px;
        display: flex;
        gap: 8px;
        align-items: center;
      }
      td.rate {
        min-width: 110px;
      }
      .meter {
        display: block;
        height: 6px;
        margin-top: 4px;
        border-radius: 3px;
        background: var(--divider-color, #ddd);
        overflow: hidden;
      }
      .meter span {
        display: block;
        height: 100%;
        background: var(--primary-color, #03a9f4);
      }
      .months {
        display: flex;
        gap: 6px;
        align-items: flex-end;
        overflow-x: auto;
      }
      .month {
        display: flex;
        flex-direction: column;
        align-items: center;
        min-width: 44px;
        max-width: 72px;
        flex: 1;
      }
      .month svg {
        width: 100%;
        display: block;
      }
      .month rect {
        fill: var(--primary-color, #03a9f4);
      }
      .month .grams,
      .month .label {
        font-size: 0.8em;
        white-space: nowrap;
        font-variant-numeric: tabular-nums;
      }
      .maintenance {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(280px, 1fr));
        gap: 12px;
      }
      .maintenance ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      .maintenance li {
        display: grid;
        grid-template-columns: auto 1fr;
        column-gap: 8px;
        padding: 4px 0;
        --mdc-icon-size: 18px;
      }
      .maintenance li .muted {
        grid-column: 2;
        font-size: 0.85em;
      }
      .maintenance li.due .task-name {
        font-weight: 500;
        color: var(--warning-color, #ff9800);
      }
      .chip.due {
        background: var(--warning-color, #ff9800);
        color: #fff;
      }
      @media (max-width: 600px) {
        .optional {
          display: none;
        }
      }
    `,
  ];
}
customElements.define("printernizer-stats", StatsView);
