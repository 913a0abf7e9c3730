// Costs: totals for a period, grouped by printer, category, material or month, as a bar chart
// and a table, and the export (csv_de / csv / json) downloaded in the browser.
import { css, html, nothing, svg } from "lit";
import { formatMoney, formatNumber, isoDay, periodDays, type PeriodKey } from "../format";
import { baseStyles, PanelView } from "../shared";
import type { LiveEvent, Report, ReportFigures } from "../types";

type CostPeriod = Exclude<PeriodKey, "all">;

export class CostsView extends PanelView {
  static properties = {
    ...PanelView.properties,
    report: { state: true },
    period: { state: true },
    customStart: { state: true },
    customEnd: { state: true },
    groupBy: { state: true },
    format: { state: true },
    exported: { state: true },
  };
  declare report: Report | null;
  declare period: CostPeriod;
  declare customStart: string;
  declare customEnd: string;
  declare groupBy: string;
  declare format: string;
  declare exported: string | null;

  constructor() {
    super();
    const today = new Date();
    this.report = null;
    this.period = "this_month";
    this.customStart = isoDay(new Date(today.getFullYear(), today.getMonth(), 1));
    this.customEnd = isoDay(today);
    this.groupBy = "printer";
    this.format = "csv_de";
    this.exported = null;
  }

  private days(): { start: string; end: string } {
    return periodDays(this.period) ?? { start: this.customStart, end: this.customEnd };
  }

  protected async load(): Promise<void> {
    this.report = await this.hass.callWS<Report>({ type: "printernizer/report", ...this.days(), group_by: this.groupBy });
  }

  protected handleLive(event: LiveEvent): void {
    if (event.kind === "job" && ["finished", "failed", "cancelled", "revised"].includes(event.event)) {
      void this.run(() => this.load());
    }
  }

  private change(update: () => void) {
    update();
    this.exported = null;
    void this.run(() => this.load());
  }

  private async export() {
    await this.run(async () => {
      const result = await this.hass.callWS<{ url: string; name: string; rows: number }>({
        type: "printernizer/export",
        ...this.days(),
        format: this.format,
      });
      const link = document.createElement("a");
      link.href = result.url;
      link.download = result.name;
      link.rel = "noopener";
      this.shadowRoot!.appendChild(link);
      link.click();
      link.remove();
      this.exported = this.t("exported", { rows: result.rows, name: result.name });
    });
  }

  /** The figure a bar shows: gross, or the material cost for material groups (no VAT split). */
  private figure(group: ReportFigures): number {
    return (this.groupBy === "material" ? group.material_cost : group.gross) ?? 0;
  }

  private renderChart(report: Report) {
    const groups = report.groups;
    if (!groups.length) return nothing;
    const max = Math.max(...groups.map((g) => this.figure(g)), 0.01);
    const barHeight = 28;
    const figureLabel = this.t(this.groupBy === "material" ? "material_cost" : "gross");
    return html`<figure class="chart">
      <figcaption>${this.t("chart_title", { figure: figureLabel, group: this.t(`group.${this.groupBy}`) })}</figcaption>
      <div class="bars" role="list">
        ${groups.map((g) => {
          const value = this.figure(g);
          return html`<div class="bar-row" role="listitem">
            <span class="label" title=${g.key}>${this.groupLabel(g.key)}</span>
            <svg viewBox="0 0 100 ${barHeight}" preserveAspectRatio="none" height=${barHeight} aria-hidden="true">
              ${svg`<rect x="0" y="0" height=${barHeight} width=${(value / max) * 100} rx="1"></rect>`}
            </svg>
            <span class="value">${formatMoney(this.hass, value, report.currency)}</span>
          </div>`;
        })}
      </div>
    </figure>`;
  }

  private groupLabel(key: string): string {
    if (this.groupBy === "category") return this.t(`category.${key}`);
    if (this.groupBy === "month" && /^\d{4}-\d{2}$/.test(key)) {
      const [y, m] = key.split("-").map(Number);
      return new Intl.DateTimeFormat(this.hass.locale?.language ?? this.hass.language, { month: "long", year: "numeric" }).format(new Date(y, m - 1, 1));
    }
    return key;
  }

  private renderTotals(report: Report) {
    const t = report.totals;
    const money = (v: number | null) => formatMoney(this.hass, v, report.currency);
    const tiles: [string, string, string][] = [
      ["net", this.t("net"), money(t.net)],
      ["vat", this.t("vat"), money(t.vat)],
      ["gross", this.t("gross"), money(t.gross)],
      ["material_g", this.t("material_g"), `${formatNumber(this.hass, t.material_g, 1)} g`],
      ["energy_kwh", this.t("energy_kwh"), `${formatNumber(this.hass, t.energy_kwh, 2)} kWh`],
      ["jobs", this.t("jobs_count"), formatNumber(this.hass, t.jobs)],
    ];
    return html`<div class="totals" aria-label=${this.t("totals")}>
      ${tiles.map(
        ([key, label, value]) => html`<div class="card total" data-total=${key}>
          <div class="muted">${label}</div>
          <div class="amount">${value}</div>
        </div>`,
      )}
    </div>
    ${t.unpriced_jobs ? html`<p class="muted">${this.t("unpriced", { count: t.unpriced_jobs })}</p>` : nothing}`;
  }

  private renderGroups(report: Report) {
    if (!report.groups.length) return html`<p class="notice">${this.t("no_jobs")}</p>`;
    const material = this.groupBy === "material";
    const money = (v: number | null) => formatMoney(this.hass, v, report.currency);
    return html`<table>
      <thead>
        <tr>
          <th>${this.t(`group.${this.groupBy}`)}</th>
          <th class="num">${this.t("jobs_count")}</th>
          <th class="num optional">${this.t("material_g")}</th>
          ${material
            ? html`<th class="num">${this.t("material_cost")}</th>`
            : html`<th class="num optional">${this.t("net")}</th><th class="num">${this.t("gross")}</th>`}
        </tr>
      </thead>
      <tbody>
        ${report.groups.map(
          (g) => html`<tr>
            <td>${this.groupLabel(g.key)}</td>
            <td class="num">${formatNumber(this.hass, g.jobs)}</td>
            <td class="num optional">${formatNumber(this.hass, g.material_g, 1)} g</td>
            ${material
              ? html`<td class="num">${money(g.material_cost)}</td>`
              : html`<td class="num optional">${money(g.net)}</td><td class="num">${money(g.gross)}</td>`}
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  render() {
    return html`<div class="filters">
        <label class="field">${this.t("period")}
          <select @change=${(e: Event) => this.change(() => (this.period = (e.target as HTMLSelectElement).value as CostPeriod))}>
            ${(["this_month", "last_month", "this_year", "custom"] as const).map(
              (p) => html`<option value=${p} ?selected=${this.period === p}>${this.t(`period.${p}`)}</option>`,
            )}
          </select>
        </label>
        ${this.period === "custom"
          ? html`<label class="field">${this.t("from")}
                <input type="date" .value=${this.customStart} @change=${(e: Event) => this.change(() => (this.customStart = (e.target as HTMLInputElement).value))} />
              </label>
              <label class="field">${this.t("to")}
                <input type="date" .value=${this.customEnd} @change=${(e: Event) => this.change(() => (this.customEnd = (e.target as HTMLInputElement).value))} />
              </label>`
          : nothing}
        <label class="field">${this.t("group_by")}
          <select @change=${(e: Event) => this.change(() => (this.groupBy = (e.target as HTMLSelectElement).value))}>
            ${["printer", "category", "material", "month"].map(
              (g) => html`<option value=${g} ?selected=${this.groupBy === g}>${this.t(`group.${g}`)}</option>`,
            )}
          </select>
        </label>
        ${this.readOnly
          ? nothing
          : html`<label class="field">${this.t("format")}
                <select @change=${(e: Event) => (this.format = (e.target as HTMLSelectElement).value)}>
                  ${["csv_de", "csv", "json"].map(
                    (f) => html`<option value=${f} ?selected=${this.format === f}>${this.t(`format.${f}`)}</option>`,
                  )}
                </select>
              </label>
              <button class="primary export" @click=${() => this.export()}>${this.t("export")}</button>`}
      </div>
      ${this.renderError()}
      ${this.exported ? html`<p class="notice" role="status">${this.exported}</p>` : nothing}
      ${this.report === null
        ? html`<p class="muted">${this.t("loading")}</p>`
        : html`${this.renderTotals(this.report)}
            <div class="card">${this.renderChart(this.report)} ${this.renderGroups(this.report)}</div>`}`;
  }

  static styles = [
    baseStyles,
    css`
      .totals {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(140px, 1fr));
        gap: 12px;
        margin-bottom: 16px;
      }
      .total .amount {
        font-size: 1.35em;
        font-weight: 500;
        margin-top: 4px;
        font-variant-numeric: tabular-nums;
      }
      figure.chart {
        margin: 0 0 16px;
      }
      figcaption {
        font-weight: 500;
        margin-bottom: 8px;
      }
      .bar-row {
        display: grid;
        grid-template-columns: minmax(80px, 160px) 1fr auto;
        gap: 10px;
        align-items: center;
        margin-bottom: 6px;
      }
      .bar-row .label {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .bar-row svg {
        width: 100%;
        display: block;
      }
      .bar-row rect {
        fill: var(--primary-color, #03a9f4);
      }
      .bar-row .value {
        font-variant-numeric: tabular-nums;
        white-space: nowrap;
      }
      @media (max-width: 600px) {
        .optional {
          display: none;
        }
        .bar-row {
          grid-template-columns: 80px 1fr auto;
        }
        .card {
          padding: 8px;
        }
      }
    `,
  ];
}
customElements.define("printernizer-costs", CostsView);
