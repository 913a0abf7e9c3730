// Jobs: the ledger as a table (filters, server-side paging and sorting) and a job's details:
// cost breakdown, every price used, revisions, and corrections of category/customer/note.
import { css, html, nothing } from "lit";
import { formatDate, formatDateTime, formatDuration, formatMoney, formatNumber, periodDays, type PeriodKey } from "../format";
import { baseStyles, PanelView, statusClass } from "../shared";
import type { Job, JobRevision, LiveEvent, PrinterState } from "../types";

const PAGE = 50;
const COLUMNS: { key: string; order: string; label: string; num?: boolean; optional?: boolean }[] = [
  { key: "date", order: "started_at", label: "date" },
  { key: "printer", order: "printer", label: "printer", optional: true },
  { key: "job", order: "name", label: "job" },
  { key: "status", order: "status", label: "status" },
  { key: "duration", order: "duration", label: "duration", num: true, optional: true },
  { key: "material", order: "material", label: "material", num: true, optional: true },
  { key: "gross", order: "gross", label: "gross", num: true },
];

export class JobsView extends PanelView {
  static properties = {
    ...PanelView.properties,
    jobs: { state: true },
    total: { state: true },
    offset: { state: true },
    orderBy: { state: true },
    descending: { state: true },
    period: { state: true },
    customStart: { state: true },
    customEnd: { state: true },
    printer: { state: true },
    status: { state: true },
    category: { state: true },
    printers: { state: true },
    detail: { state: true },
    revisions: { state: true },
    photoUrl: { state: true },
    saved: { state: true },
  };
  declare jobs: Job[] | null;
  declare total: number;
  declare offset: number;
  declare orderBy: string;
  declare descending: boolean;
  declare period: PeriodKey;
  declare customStart: string;
  declare customEnd: string;
  declare printer: string;
  declare status: string;
  declare category: string;
  declare printers: PrinterState[];
  declare detail: JobRevision | null;
  declare revisions: JobRevision[];
  /** The job's photo, signed for this user (HA serves /media only with a login). */
  declare photoUrl: string | null;
  declare saved: boolean;

  constructor() {
    super();
    this.jobs = null;
    this.total = 0;
    this.offset = 0;
    this.orderBy = "started_at";
    this.descending = true;
    this.period = "all";
    this.customStart = "";
    this.customEnd = "";
    this.printer = "";
    this.status = "";
    this.category = "";
    this.printers = [];
    this.detail = null;
    this.revisions = [];
    this.photoUrl = null;
    this.saved = false;
  }

  protected async load(): Promise<void> {
    if (!this.printers.length) {
      const { printers } = await this.hass.callWS<{ printers: PrinterState[] }>({ type: "printernizer/printers" });
      this.printers = printers;
    }
    await this.loadPage();
  }

  private query(): Record<string, unknown> {
    const message: Record<string, unknown> = {
      type: "printernizer/jobs",
      limit: PAGE,
      offset: this.offset,
      order_by: this.orderBy,
      descending: this.descending,
    };
    const days = this.period === "custom" ? null : periodDays(this.period);
    if (days) Object.assign(message, days);
    if (this.period === "custom") {
      if (this.customStart) message.start = this.customStart;
      if (this.customEnd) message.end = this.customEnd;
    }
    if (this.printer) message.config_entry_id = this.printer;
    if (this.status) message.status = this.status;
    if (this.category) message.category = this.category;
    return message;
  }

  private async loadPage(): Promise<void> {
    const result = await this.hass.callWS<{ jobs: Job[]; total: number }>(this.query());
    this.jobs = result.jobs;
    this.total = result.total;
  }

  protected handleLive(event: LiveEvent): void {
    if (event.kind !== "job") return;
    if (["started", "finished", "failed", "cancelled", "revised"].includes(event.event)) {
      void this.run(() => this.loadPage());
      if (this.detail && this.detail.job_id === event.job_id) void this.run(() => this.openJob(event.job_id!));
    }
  }

  private refilter(change: () => void) {
    change();
    this.offset = 0;
    void this.run(() => this.loadPage());
  }

  private sort(order: string) {
    this.refilter(() => {
      if (this.orderBy === order) this.descending = !this.descending;
      else {
        this.orderBy = order;
        this.descending = order === "started_at" || order === "gross" || order === "duration" || order === "material";
      }
    });
  }

  private page(delta: number) {
    this.offset = Math.max(0, this.offset + delta * PAGE);
    void this.run(() => this.loadPage());
  }

  private async openJob(jobId: number): Promise<void> {
    const result = await this.hass.callWS<{ job: JobRevision; revisions: JobRevision[] }>({
      type: "printernizer/job",
      job_id: jobId,
    });
    if (this.detail?.job_id !== jobId) this.saved = false;
    // an <img> sends no login: ask Home Assistant for a signed path to the photo
    this.photoUrl = result.job.photo
      ? (await this.hass.callWS<{ path: string }>({ type: "auth/sign_path", path: result.job.photo, expires: 3600 })).path
      : null;
    this.detail = result.job;
    this.revisions = result.revisions;
    await this.updateComplete;
    const dialog = this.shadowRoot!.querySelector<HTMLDialogElement>("dialog.detail");
    if (dialog && !dialog.open) dialog.showModal();
  }

  private closeDetail() {
    this.shadowRoot!.querySelector<HTMLDialogElement>("dialog.detail")?.close();
    this.detail = null;
  }

  private async save(event: Event) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const data = new FormData(form);
    const jobId = this.detail!.job_id;
    const ok = await this.run(async () => {
      await this.hass.callWS({
        type: "printernizer/job/update",
        job_id: jobId,
        category: data.get("category"),
        customer: data.get("customer") ?? "",
        note: data.get("note") ?? "",
      });
      await this.openJob(jobId);
    });
    this.saved = ok;
  }

  private jobName(job: Job) {
    return job.name ?? job.file_name ?? `#${job.job_id}`;
  }

  private materialText(job: Job) {
    return job.material_g === null ? this.t("none") : `${formatNumber(this.hass, job.material_g, 1)} g`;
  }

  private renderFilters() {
    return html`<div class="filters">
      <label class="field">${this.t("period")}
        <select
          .value=${this.period}
          @change=${(e: Event) => this.refilter(() => (this.period = (e.target as HTMLSelectElement).value as PeriodKey))}
        >
          ${(["all", "this_month", "last_month", "this_year", "custom"] as const).map(
            (p) => html`<option value=${p} ?selected=${this.period === p}>${this.t(`period.${p}`)}</option>`,
          )}
        </select>
      </label>
      ${this.period === "custom"
        ? html`<label class="field">${this.t("from")}
              <input type="date" .value=${this.customStart}
                @change=${(e: Event) => this.refilter(() => (this.customStart = (e.target as HTMLInputElement).value))} />
            </label>
            <label class="field">${this.t("to")}
              <input type="date" .value=${this.customEnd}
                @change=${(e: Event) => this.refilter(() => (this.customEnd = (e.target as HTMLInputElement).value))} />
            </label>`
        : nothing}
      <label class="field">${this.t("printer")}
        <select @change=${(e: Event) => this.refilter(() => (this.printer = (e.target as HTMLSelectElement).value))}>
          <option value="">${this.t("all")}</option>
          ${this.printers.map((p) => html`<option value=${p.entry_id} ?selected=${this.printer === p.entry_id}>${p.name}</option>`)}
        </select>
      </label>
      <label class="field">${this.t("status")}
        <select @change=${(e: Event) => this.refilter(() => (this.status = (e.target as HTMLSelectElement).value))}>
          <option value="">${this.t("all")}</option>
          ${["finished", "failed", "cancelled", "printing", "paused"].map(
            (s) => html`<option value=${s} ?selected=${this.status === s}>${this.t(`status.${s}`)}</option>`,
          )}
        </select>
      </label>
      <label class="field">${this.t("category")}
        <select @change=${(e: Event) => this.refilter(() => (this.category = (e.target as HTMLSelectElement).value))}>
          <option value="">${this.t("all")}</option>
          ${["business", "private"].map(
            (c) => html`<option value=${c} ?selected=${this.category === c}>${this.t(`category.${c}`)}</option>`,
          )}
        </select>
      </label>
    </div>`;
  }

  private renderTable(jobs: Job[]) {
    if (!jobs.length) return html`<p class="notice">${this.t("no_jobs")}</p>`;
    return html`<table>
      <thead>
        <tr>
          ${COLUMNS.map((c) => {
            const sorted = this.orderBy === c.order;
            return html`<th
              class="${c.num ? "num" : ""} ${c.optional ? "optional" : ""}"
              aria-sort=${sorted ? (this.descending ? "descending" : "ascending") : "none"}
            >
              <button class="sort" aria-label=${this.t("sort_by", { column: this.t(c.label) })} @click=${() => this.sort(c.order)}>
                ${this.t(c.label)}${sorted ? (this.descending ? " ↓" : " ↑") : ""}
              </button>
            </th>`;
          })}
        </tr>
      </thead>
      <tbody>
        ${jobs.map(
          (job) => html`<tr
            tabindex="0"
            data-job=${job.job_id}
            @click=${() => this.run(() => this.openJob(job.job_id))}
            @keydown=${(e: KeyboardEvent) => {
              if (e.key === "Enter" || e.key === " ") {
                e.preventDefault();
                void this.run(() => this.openJob(job.job_id));
              }
            }}
          >
            <td>${formatDate(this.hass, job.started_at)}</td>
            <td class="optional">${job.printer}</td>
            <td class="name">${this.jobName(job)}</td>
            <td><span class="chip ${statusClass(job.status)}">${this.t(`status.${job.status}`)}</span></td>
            <td class="num optional">${formatDuration(job.duration_s)}</td>
            <td class="num optional">${this.materialText(job)}</td>
            <td class="num gross">${formatMoney(this.hass, job.gross, job.currency)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <div class="pager">
      <span>${this.t("page", {
        first: formatNumber(this.hass, this.offset + 1),
        last: formatNumber(this.hass, Math.min(this.offset + PAGE, this.total)),
        total: formatNumber(this.hass, this.total),
      })}</span>
      <button aria-label=${this.t("previous_page")} ?disabled=${this.offset === 0} @click=${() => this.page(-1)}>‹</button>
      <button aria-label=${this.t("next_page")} ?disabled=${this.offset + PAGE >= this.total} @click=${() => this.page(1)}>›</button>
    </div>`;
  }

  private priceLabel(key: string, prices: Record<string, string>) {
    if (key.startsWith("material:")) {
      const material = key.slice(9);
      const label = this.t("price.material", { material });
      // a material missing from the price table was priced with the default price: say so
      return prices[`price_source:${material}`] === "default" ? `${label} ${this.t("price.from_default")}` : label;
    }
    const label = this.t(`price.${key}`);
    return label === `price.${key}` ? key : label;
  }

  private priceValue(value: string) {
    if (value === "true" || value === "false") return this.t(value === "true" ? "yes" : "no");
    const number = Number(value);
    if (Number.isNaN(number)) return value;
    const decimals = value.includes(".") ? Math.min(4, value.split(".")[1].length) : 0;
    return formatNumber(this.hass, number, decimals);
  }

  private reasonText(reason: string | null) {
    if (!reason) return "";
    const key = `reason.${reason.replace(/ /g, "_")}`;
    const text = this.t(key);
    return text === key ? reason : text;
  }

  private renderDetail() {
    const job = this.detail;
    if (!job) return html`<dialog class="detail"></dialog>`;
    const money = (value: number | null) => formatMoney(this.hass, value, job.currency);
    return html`<dialog class="detail" aria-labelledby="job-title" @close=${() => (this.detail = null)}>
      <h2 id="job-title">${this.t("job_details", { id: job.job_id })}: ${this.jobName(job)}</h2>
      ${this.photoUrl
        ? html`<img class="photo" src=${this.photoUrl} alt=${this.t("photo_of", { name: this.jobName(job) })} />`
        : nothing}
      <dl class="facts">
        <dt>${this.t("printer")}</dt><dd>${job.printer}</dd>
        <dt>${this.t("status")}</dt><dd><span class="chip ${statusClass(job.status)}">${this.t(`status.${job.status}`)}</span></dd>
        <dt>${this.t("started")}</dt><dd>${formatDateTime(this.hass, job.started_at)}</dd>
        <dt>${this.t("ended")}</dt><dd>${formatDateTime(this.hass, job.ended_at)}</dd>
        <dt>${this.t("duration")}</dt><dd>${formatDuration(job.duration_s)}</dd>
        <dt>${this.t("material")}</dt>
        <dd>${job.materials.length
          ? job.materials.map((m) => `${m.material} ${formatNumber(this.hass, m.grams, 1)} g`).join(", ")
          : this.t("none")}</dd>
        <dt>${this.t("energy")}</dt>
        <dd>${job.energy_kwh === null ? this.t("none") : `${formatNumber(this.hass, job.energy_kwh, 3)} kWh`}</dd>
        <dt>${this.t("category")}</dt><dd class="category">${this.t(`category.${job.category}`)}</dd>
        ${job.customer ? html`<dt>${this.t("customer")}</dt><dd>${job.customer}</dd>` : nothing}
        ${job.note ? html`<dt>${this.t("note")}</dt><dd>${job.note}</dd>` : nothing}
      </dl>
      ${job.complete ? nothing : html`<p class="notice">${this.t("incomplete")}</p>`}
      <h3>${this.t("cost_breakdown")}</h3>
      <table class="costs">
        <tr><td>${this.t("material")}</td><td class="num">${money(job.material_cost)}</td></tr>
        <tr><td>${this.t("energy")}</td><td class="num">${money(job.energy_cost)}</td></tr>
        <tr><td>${this.t("machine")}</td><td class="num">${money(job.machine_cost)}</td></tr>
        <tr><td>${this.t("net")}</td><td class="num">${money(job.net)}</td></tr>
        <tr><td>${this.t("vat")}</td><td class="num">${money(job.vat)}</td></tr>
        <tr class="total"><td>${this.t("gross")}</td><td class="num detail-gross">${money(job.gross)}</td></tr>
      </table>
      ${Object.keys(job.prices).length
        ? html`<h3>${this.t("prices_used")}</h3>
            <table class="prices">
              ${Object.entries(job.prices)
                .filter(([key]) => !key.startsWith("price_source:"))
                .map(
                  ([key, value]) =>
                    html`<tr><td>${this.priceLabel(key, job.prices)}</td><td class="num">${this.priceValue(value)}</td></tr>`,
                )}
            </table>`
        : nothing}
      <h3>${this.t("revisions")}</h3>
      <ol class="revisions">
        ${this.revisions.map(
          (r) => html`<li>
            <strong>${this.t("revision", { revision: r.revision })}</strong>
            <span class="muted">${formatDateTime(this.hass, r.revised_at)} · ${this.reasonText(r.reason)}</span>
            ${r.changed_fields.length
              ? html`<div>${this.t("changed", { fields: r.changed_fields.map((f) => this.t(f)).join(", ") })}</div>`
              : nothing}
          </li>`,
        )}
      </ol>
      ${this.readOnly || job.ended_at === null
        ? nothing
        : html`<h3>${this.t("edit")}</h3>
            <form class="edit" @submit=${this.save}>
              <label class="field">${this.t("category")}
                <select name="category">
                  ${["business", "private"].map(
                    (c) => html`<option value=${c} ?selected=${job.category === c}>${this.t(`category.${c}`)}</option>`,
                  )}
                </select>
              </label>
              <label class="field">${this.t("customer")}
                <input type="text" name="customer" .value=${job.customer ?? ""} />
              </label>
              <label class="field">${this.t("note")}
                <input type="text" name="note" .value=${job.note ?? ""} />
              </label>
              <div class="actions">
                ${this.saved ? html`<span class="muted" role="status">${this.t("saved")}</span>` : nothing}
                <button class="primary" type="submit">${this.t("save")}</button>
              </div>
            </form>`}
      ${this.renderError()}
      <div class="actions close">
        <button @click=${() => this.closeDetail()}>${this.t("close")}</button>
      </div>
    </dialog>`;
  }

  render() {
    return html`${this.renderFilters()} ${this.detail ? nothing : this.renderError()}
      <div class="card">
        ${this.jobs === null ? html`<p class="muted">${this.t("loading")}</p>` : this.renderTable(this.jobs)}
      </div>
      ${this.renderDetail()}`;
  }

  static styles = [
    baseStyles,
    css`
      tbody tr {
        cursor: pointer;
      }
      tbody tr:hover {
        background: var(--secondary-background-color, rgba(127, 127, 127, 0.08));
      }
      td.name {
        max-width: 280px;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      button.sort {
        border: none;
        padding: 0;
        min-height: 0;
        border-radius: 0;
        color: inherit;
        font-weight: 500;
        background: none;
      }
      .pager {
        display: flex;
        align-items: center;
        justify-content: flex-end;
        gap: 8px;
        margin-top: 12px;
      }
      dialog.detail {
        border: none;
        border-radius: 12px;
        padding: 20px 24px;
        width: min(640px, 94vw);
        max-height: 90vh;
        box-sizing: border-box;
        background: var(--card-background-color, #fff);
        color: var(--primary-text-color);
        box-shadow: 0 8px 32px rgba(0, 0, 0, 0.35);
      }
      dialog.detail::backdrop {
        background: rgba(0, 0, 0, 0.45);
      }
      dialog h2 {
        margin: 0 0 12px;
        font-size: 1.2em;
        font-weight: 500;
        overflow-wrap: anywhere;
      }
      dialog h3 {
        margin: 16px 0 6px;
        font-size: 1em;
        font-weight: 500;
      }
      img.photo {
        display: block;
        width: 100%;
        max-height: 40vh;
        object-fit: contain;
        border-radius: 8px;
        margin-bottom: 12px;
        background: var(--secondary-background-color, #eee);
      }
      dl.facts {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 4px 16px;
        margin: 0;
      }
      dl.facts dt {
        color: var(--secondary-text-color);
      }
      dl.facts dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      table.costs tr.total td {
        font-weight: 600;
      }
      ol.revisions {
        margin: 0;
        padding-left: 20px;
      }
      ol.revisions li {
        margin-bottom: 6px;
      }
      ol.revisions .muted {
        margin-left: 6px;
      }
      form.edit {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(160px, 1fr));
        gap: 12px;
        align-items: end;
      }
      form.edit .actions {
        grid-column: 1 / -1;
        align-items: center;
      }
      .actions.close {
        margin-top: 16px;
      }
      @media (max-width: 600px) {
        .optional {
          display: none;
        }
        .card {
          padding: 8px;
        }
        th,
        td {
          padding: 8px 4px;
        }
        td.name {
          max-width: 110px;
        }
        dialog.detail {
          padding: 16px;
        }
      }
    `,
  ];
}
customElements.define("printernizer-jobs", JobsView);
