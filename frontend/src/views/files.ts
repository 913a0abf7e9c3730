// Files: every printer's files in one list with their status, downloads, and a cleanup that
// shows what it would delete before anything is deleted.
import { css, html, nothing } from "lit";
import { formatBytes, formatDateTime } from "../format";
import { baseStyles, PanelView, statusClass, sumBy } from "../shared";
import type { CleanupResult, LiveEvent, PrinterFile, PrinterState } from "../types";

const ICONS: Record<string, string> = {
  remote: "mdi:cloud-outline",
  downloading: "mdi:progress-download",
  downloaded: "mdi:check-circle-outline",
  failed: "mdi:alert-circle-outline",
  local_only: "mdi:harddisk",
  deleted: "mdi:delete-outline",
};

export class FilesView extends PanelView {
  static properties = {
    ...PanelView.properties,
    files: { state: true },
    printers: { state: true },
    printer: { state: true },
    status: { state: true },
    search: { state: true },
    days: { state: true },
    includeBusiness: { state: true },
    preview: { state: true },
    cleaned: { state: true },
  };
  declare files: PrinterFile[] | null;
  declare printers: PrinterState[];
  declare printer: string;
  declare status: string;
  declare search: string;
  declare days: number;
  declare includeBusiness: boolean;
  declare preview: CleanupResult | null;
  declare cleaned: CleanupResult | null;
  private searchTimer?: number;

  constructor() {
    super();
    this.files = null;
    this.printers = [];
    this.printer = "";
    this.status = "";
    this.search = "";
    this.days = 30;
    this.includeBusiness = false;
    this.preview = null;
    this.cleaned = null;
  }

  protected async load(): Promise<void> {
    if (!this.printers.length) {
      const { printers } = await this.hass.callWS<{ printers: PrinterState[] }>({ type: "printernizer/printers" });
      this.printers = printers;
    }
    const message: Record<string, unknown> = { type: "printernizer/files" };
    if (this.printer) message.config_entry_id = this.printer;
    if (this.status) message.status = this.status;
    if (this.search) message.name_contains = this.search;
    const { files } = await this.hass.callWS<{ files: PrinterFile[] }>(message);
    this.files = files;
  }

  protected handleLive(event: LiveEvent): void {
    if (event.kind === "files" || event.kind === "printers") void this.run(() => this.load());
  }

  private refilter(change: () => void) {
    change();
    void this.run(() => this.load());
  }

  private onSearch(value: string) {
    window.clearTimeout(this.searchTimer);
    this.searchTimer = window.setTimeout(() => this.refilter(() => (this.search = value)), 300);
  }

  private async download(file: PrinterFile) {
    await this.run(async () => {
      const answer = await this.hass.callWS<{ status: string }>({
        type: "printernizer/files/download",
        config_entry_id: file.entry_id,
        file_id: file.file_id,
      });
      this.files = (this.files ?? []).map((f) => (f.file_id === file.file_id ? { ...f, status: answer.status } : f));
    });
  }

  private async runPreview() {
    this.cleaned = null;
    await this.run(async () => {
      this.preview = await this.hass.callWS<CleanupResult>({
        type: "printernizer/files/cleanup",
        older_than_days: this.days,
        include_business: this.includeBusiness,
        dry_run: true,
      });
    });
  }

  private async runCleanup() {
    const preview = this.preview!;
    const size = formatBytes(this.hass, sumBy(preview.candidates, (c) => c.size));
    const ok = await this.confirm(this.t("confirm_delete", { count: preview.candidates.length, size }), this.t("delete_files", { count: preview.candidates.length }));
    if (!ok) return;
    await this.run(async () => {
      this.cleaned = await this.hass.callWS<CleanupResult>({
        type: "printernizer/files/cleanup",
        older_than_days: this.days,
        include_business: this.includeBusiness,
        dry_run: false,
      });
      this.preview = null;
      await this.load();
    });
  }

  private renderStatus(file: PrinterFile) {
    return html`<span class="chip ${statusClass(file.status)}" data-status=${file.status}>
      <ha-icon icon=${ICONS[file.status] ?? "mdi:file-outline"}></ha-icon>${this.t(`file.${file.status}`)}
    </span>
    ${file.status === "downloading"
      ? html`<div class="indeterminate" role="progressbar" aria-label=${this.t("file.downloading")}><div></div></div>`
      : nothing}`;
  }

  private renderFiles(files: PrinterFile[]) {
    if (!files.length) return html`<p class="notice">${this.t("no_files")}</p>`;
    return html`<table>
      <thead>
        <tr>
          <th>${this.t("name")}</th>
          <th class="optional">${this.t("printer")}</th>
          <th class="num optional">${this.t("size")}</th>
          <th>${this.t("status")}</th>
          <th class="optional">${this.t("date")}</th>
          <th><span class="visually-hidden">${this.t("download")}</span></th>
        </tr>
      </thead>
      <tbody>
        ${files.map(
          (f) => html`<tr data-file=${f.file_id}>
            <td class="name" title=${f.remote_path}>${f.name}</td>
            <td class="optional">${f.printer}</td>
            <td class="num optional">${formatBytes(this.hass, f.size)}</td>
            <td>${this.renderStatus(f)}</td>
            <td class="optional">${formatDateTime(this.hass, f.downloaded_at ?? f.remote_mtime)}</td>
            <td class="num">
              ${["remote", "failed"].includes(f.status) && !this.readOnly
                ? html`<button class="icon" aria-label="${this.t("download")}: ${f.name}" title=${this.t("download")} @click=${() => this.download(f)}>
                    <ha-icon icon="mdi:download"></ha-icon>
                  </button>`
                : nothing}
            </td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  private renderCleanup() {
    const preview = this.preview;
    return html`<section class="card cleanup" aria-labelledby="cleanup-title">
      <h2 id="cleanup-title">${this.t("cleanup")}</h2>
      <div class="filters">
        <label class="field">${this.t("older_than")}
          <input type="number" min="0" step="1" .value=${String(this.days)}
            @change=${(e: Event) => {
              this.days = Math.max(0, Math.floor(Number((e.target as HTMLInputElement).value) || 0));
              this.preview = null;
            }} />
        </label>
        <label class="check">
          <input type="checkbox" .checked=${this.includeBusiness}
            @change=${(e: Event) => {
              this.includeBusiness = (e.target as HTMLInputElement).checked;
              this.preview = null;
            }} />
          ${this.t("include_business")}
        </label>
        <button @click=${() => this.runPreview()}>${this.t("preview")}</button>
      </div>
      ${preview
        ? html`<div class="preview" role="status">
            ${preview.candidates.length
              ? html`<p>${this.t("preview_result", {
                    count: preview.candidates.length,
                    size: formatBytes(this.hass, sumBy(preview.candidates, (c) => c.size)),
                  })}</p>
                  <ul>
                    ${preview.candidates.map(
                      (c) => html`<li><span class="path">${c.local_path}</span> <span class="muted">${formatBytes(this.hass, c.size)}</span></li>`,
                    )}
                  </ul>
                  ${this.readOnly
                    ? nothing
                    : html`<div class="actions">
                        <button class="danger" @click=${() => this.runCleanup()}>
                          ${this.t("delete_files", { count: preview.candidates.length })}
                        </button>
                      </div>`}`
              : html`<p>${this.t("nothing_to_delete")}</p>`}
          </div>`
        : nothing}
      ${this.cleaned
        ? html`<p role="status">${this.t("deleted_result", {
            count: this.cleaned.deleted,
            size: formatBytes(this.hass, this.cleaned.freed_bytes),
          })}</p>`
        : nothing}
    </section>`;
  }

  render() {
    return html`<div class="filters">
        <label class="field">${this.t("printer")}
          <select @change=${(e: Event) => this.refilter(() => (this.printer = (e.target as HTMLSelectElement).value))}>
            <option value="">${this.t("all")}</option>
            ${this.printers.map((p) => html`<option value=${p.entry_id}>${p.name}</option>`)}
          </select>
        </label>
        <label class="field">${this.t("status")}
          <select @change=${(e: Event) => this.refilter(() => (this.status = (e.target as HTMLSelectElement).value))}>
            <option value="">${this.t("all")}</option>
            ${Object.keys(ICONS).map((s) => html`<option value=${s}>${this.t(`file.${s}`)}</option>`)}
          </select>
        </label>
        <label class="field">${this.t("search")}
          <input type="search" .value=${this.search} @input=${(e: Event) => this.onSearch((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      ${this.renderError()}
      <div class="card">${this.files === null ? html`<p class="muted">${this.t("loading")}</p>` : this.renderFiles(this.files)}</div>
      ${this.renderCleanup()}`;
  }

  static styles = [
    baseStyles,
    css`
      td.name {
        max-width: 320px;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .cleanup {
        margin-top: 16px;
      }
      .cleanup h2 {
        margin: 0 0 12px;
        font-size: 1.1em;
        font-weight: 500;
      }
      label.check {
        display: flex;
        gap: 8px;
        align-items: center;
        max-width: 420px;
      }
      .preview ul {
        margin: 0 0 8px;
        padding-left: 20px;
        max-height: 240px;
        overflow: auto;
      }
      .path {
        overflow-wrap: anywhere;
      }
      button.icon {
        border: none;
        padding: 6px;
        min-height: 0;
        border-radius: 50%;
        --mdc-icon-size: 22px;
      }
      .indeterminate {
        position: relative;
        height: 4px;
        margin-top: 4px;
        overflow: hidden;
        border-radius: 2px;
        background: var(--divider-color, #e0e0e0);
      }
      .indeterminate > div {
        position: absolute;
        width: 40%;
        height: 100%;
        background: var(--primary-color, #03a9f4);
        animation: slide 1.2s infinite ease-in-out;
      }
      @keyframes slide {
        from {
          left: -40%;
        }
        to {
          left: 100%;
        }
      }
      .visually-hidden {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip: rect(0 0 0 0);
      }
      @media (max-width: 600px) {
        .optional {
          display: none;
        }
        .card {
          padding: 8px;
        }
        td.name {
          max-width: 150px;
        }
      }
    `,
  ];
}
customElements.define("printernizer-files", FilesView);
