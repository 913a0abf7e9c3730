// Queue: the prints waiting for a free printer with a clear plate, in order; move, cancel, add;
// each printer's plate flag with the action that marks it clear.
import { css, html, nothing } from "lit";
import { formatDateTime } from "../format";
import { baseStyles, PanelView, statusClass } from "../shared";
import type { LiveEvent, PrinterFile, QueueItem, QueuePrinter, QueueState } from "../types";

const ICONS: Record<string, string> = {
  waiting: "mdi:timer-sand",
  uploading: "mdi:upload",
  starting: "mdi:play-circle-outline",
  printing: "mdi:printer-3d-nozzle",
  done: "mdi:check-circle-outline",
  failed: "mdi:alert-circle-outline",
  cancelled: "mdi:cancel",
};

// Queue states in the colours of the shared status chips.
const CHIP: Record<string, string> = { waiting: "idle", uploading: "printing", starting: "printing" };

export class QueueView extends PanelView {
  static properties = {
    ...PanelView.properties,
    queue: { state: true },
    files: { state: true },
    sourceKind: { state: true },
    fileId: { state: true },
    path: { state: true },
    chosen: { state: true },
    copies: { state: true },
    added: { state: true },
  };
  declare queue: QueueState | null;
  declare files: PrinterFile[];
  declare sourceKind: "file" | "remote";
  declare fileId: string;
  declare path: string;
  declare chosen: string[];
  declare copies: number;
  declare added: number | null;

  constructor() {
    super();
    this.queue = null;
    this.files = [];
    this.sourceKind = "file";
    this.fileId = "";
    this.path = "";
    this.chosen = [];
    this.copies = 1;
    this.added = null;
  }

  protected async load(): Promise<void> {
    const [queue, files] = await Promise.all([
      this.hass.callWS<QueueState>({ type: "printernizer/queue" }),
      this.hass.callWS<{ files: PrinterFile[] }>({ type: "printernizer/files" }),
    ]);
    this.queue = queue;
    this.files = files.files.filter((f) => f.status === "downloaded" || f.status === "local_only");
    const known = new Set(queue.printers.map((p) => p.entry_id));
    this.chosen = this.chosen.filter((id) => known.has(id));
  }

  protected handleLive(event: LiveEvent): void {
    if (event.kind === "queue" || event.kind === "printers" || event.kind === "files") {
      void this.run(() => this.load());
    }
  }

  private printerName(entryId: string): string {
    return this.queue?.printers.find((p) => p.entry_id === entryId)?.name ?? entryId;
  }

  private async move(item: QueueItem, position: number) {
    await this.run(async () => {
      await this.hass.callWS({ type: "printernizer/queue/move", queue_id: item.queue_id, position });
      await this.load();
    });
  }

  private async cancelItem(item: QueueItem) {
    const ok = await this.confirm(this.t("confirm_cancel_item", { name: item.name }), this.t("remove_from_queue"));
    if (!ok) return;
    await this.run(async () => {
      await this.hass.callWS({ type: "printernizer/queue/cancel", queue_id: item.queue_id });
      await this.load();
    });
  }

  private async clearPlate(printer: QueuePrinter) {
    await this.run(async () => {
      await this.hass.callWS({ type: "printernizer/queue/plate", config_entry_id: printer.entry_id });
      await this.load();
    });
  }

  private async add() {
    const message: Record<string, unknown> = {
      type: "printernizer/queue/add",
      config_entry_id: this.chosen,
      copies: this.copies,
    };
    if (this.sourceKind === "file") message.file_id = Number(this.fileId);
    else message.path = this.path.trim();
    await this.run(async () => {
      const answer = await this.hass.callWS<{ queue_ids: number[] }>(message);
      this.added = answer.queue_ids.length;
      await this.load();
    });
  }

  private toggle(entryId: string, on: boolean) {
    this.chosen = on ? [...this.chosen.filter((id) => id !== entryId), entryId] : this.chosen.filter((id) => id !== entryId);
  }

  private renderPrinters(printers: QueuePrinter[]) {
    return html`<section class="card printers" aria-labelledby="printers-title">
      <h2 id="printers-title">${this.t("queue_printers")}</h2>
      <p class="muted">${this.t("queue_rule")}</p>
      <ul>
        ${printers.map(
          (p) => html`<li data-printer=${p.entry_id}>
            <span class="name">${p.name}</span>
            <span class="chip ${p.plate_clear ? "ok" : "warn"}" data-plate=${p.plate_clear ? "clear" : "not_clear"}>
              <ha-icon icon=${p.plate_clear ? "mdi:checkbox-blank-outline" : "mdi:layers-triple"}></ha-icon>
              ${this.t(p.plate_clear ? "plate_clear" : "plate_not_clear")}
            </span>
            <span class="muted">${this.t("waiting_for_printer", { count: p.queue_length })}</span>
            ${p.plate_clear
              ? nothing
              : html`<button class="plate" aria-label=${this.t("mark_plate_clear_of", { printer: p.name })} @click=${() => this.clearPlate(p)}>
                  ${this.t("mark_plate_clear")}
                </button>`}
          </li>`,
        )}
      </ul>
    </section>`;
  }

  private renderItems(items: QueueItem[]) {
    if (!items.length) return html`<p class="notice">${this.t("no_queue")}</p>`;
    const waiting = items.filter((i) => i.status === "waiting").length;
    return html`<table>
      <thead>
        <tr>
          <th class="num">${this.t("position")}</th>
          <th>${this.t("name")}</th>
          <th>${this.t("status")}</th>
          <th class="optional">${this.t("printer")}</th>
          <th class="num optional">${this.t("attempts")}</th>
          <th><span class="visually-hidden">${this.t("cancel_item")}</span></th>
        </tr>
      </thead>
      <tbody>
        ${items.map(
          (item) => html`<tr data-queue=${item.queue_id} data-status=${item.status}>
            <td class="num">${item.position ?? this.t("none")}</td>
            <td class="name" title=${item.path ?? item.name}>
              ${item.name}
              ${item.not_before ? html`<div class="muted">≥ ${formatDateTime(this.hass, item.not_before)}</div>` : nothing}
              ${item.error ? html`<div class="item-error">${item.error}</div>` : nothing}
            </td>
            <td>
              <span class="chip ${statusClass(CHIP[item.status] ?? item.status)}">
                <ha-icon icon=${ICONS[item.status] ?? "mdi:tray"}></ha-icon>${this.t(`queue.${item.status}`)}
              </span>
            </td>
            <td class="optional">
              ${item.config_entry_id ? this.printerName(item.config_entry_id) : item.printers.map((id) => this.printerName(id)).join(", ")}
            </td>
            <td class="num optional">${item.attempts}</td>
            <td class="num actions-cell">
              ${item.status === "waiting"
                ? html`<button class="icon" aria-label="${this.t("move_up")}: ${item.name}" title=${this.t("move_up")}
                      ?disabled=${item.position === 1} @click=${() => this.move(item, (item.position ?? 1) - 1)}>
                      <ha-icon icon="mdi:arrow-up"></ha-icon>
                    </button>
                    <button class="icon" aria-label="${this.t("move_down")}: ${item.name}" title=${this.t("move_down")}
                      ?disabled=${item.position === waiting} @click=${() => this.move(item, (item.position ?? 1) + 1)}>
                      <ha-icon icon="mdi:arrow-down"></ha-icon>
                    </button>`
                : nothing}
              ${item.status === "waiting" || item.status === "failed"
                ? html`<button class="icon cancel" aria-label="${this.t("cancel_item")}: ${item.name}" title=${this.t("cancel_item")} @click=${() => this.cancelItem(item)}>
                    <ha-icon icon="mdi:close"></ha-icon>
                  </button>`
                : nothing}
            </td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  private renderForm(printers: QueuePrinter[]) {
    const ready =
      this.chosen.length > 0 && this.copies >= 1 && (this.sourceKind === "file" ? this.fileId !== "" : this.path.trim() !== "");
    return html`<section class="card add" aria-labelledby="add-title">
      <h2 id="add-title">${this.t("queue_add")}</h2>
      <div class="filters">
        <label class="field">${this.t("queue_source")}
          <select class="source-kind" @change=${(e: Event) => (this.sourceKind = (e.target as HTMLSelectElement).value as "file" | "remote")}>
            <option value="file" ?selected=${this.sourceKind === "file"}>${this.t("source.file")}</option>
            <option value="remote" ?selected=${this.sourceKind === "remote"}>${this.t("source.remote")}</option>
          </select>
        </label>
        ${this.sourceKind === "file"
          ? html`<label class="field">${this.t("queue_file")}
              <select class="file" @change=${(e: Event) => (this.fileId = (e.target as HTMLSelectElement).value)}>
                <option value="" ?selected=${this.fileId === ""}>${this.files.length ? "" : this.t("no_downloads")}</option>
                ${this.files.map((f) => html`<option value=${String(f.file_id)} ?selected=${this.fileId === String(f.file_id)}>${f.name} (${f.printer})</option>`)}
              </select>
            </label>`
          : html`<label class="field">${this.t("queue_path")}
              <input class="path" type="text" placeholder="/usb/part.bgcode" .value=${this.path}
                @input=${(e: Event) => (this.path = (e.target as HTMLInputElement).value)} />
            </label>`}
        <label class="field">${this.t("copies")}
          <input class="copies" type="number" min="1" max="100" step="1" .value=${String(this.copies)}
            @change=${(e: Event) => (this.copies = Math.max(1, Math.floor(Number((e.target as HTMLInputElement).value) || 1)))} />
        </label>
      </div>
      <fieldset>
        <legend>${this.t("queue_for")}</legend>
        ${printers.map(
          (p) => html`<label class="check">
            <input type="checkbox" data-printer=${p.entry_id} .checked=${this.chosen.includes(p.entry_id)}
              @change=${(e: Event) => this.toggle(p.entry_id, (e.target as HTMLInputElement).checked)} />
            ${p.name}
          </label>`,
        )}
      </fieldset>
      <div class="actions">
        ${this.added !== null ? html`<span role="status" class="muted">${this.t("queued", { count: this.added })}</span>` : nothing}
        <button class="primary add-button" ?disabled=${!ready} @click=${() => this.add()}>${this.t("add_to_queue")}</button>
      </div>
    </section>`;
  }

  render() {
    const queue = this.queue;
    return html`${this.renderError()}
      ${queue === null
        ? html`<div class="card"><p class="muted">${this.t("loading")}</p></div>`
        : html`${this.renderPrinters(queue.printers)}
            <div class="card items">${this.renderItems(queue.items)}</div>
            ${this.renderForm(queue.printers)}`}`;
  }

  static styles = [
    baseStyles,
    css`
      section.card,
      .items {
        margin-bottom: 16px;
      }
      h2 {
        margin: 0 0 12px;
        font-size: 1.1em;
        font-weight: 500;
      }
      .printers ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      .printers li {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 12px;
        padding: 6px 0;
        border-bottom: 1px solid var(--divider-color);
      }
      .printers li .name {
        font-weight: 500;
        min-width: 140px;
      }
      td.name {
        max-width: 320px;
        overflow-wrap: anywhere;
      }
      .item-error {
        color: var(--error-color, #db4437);
        font-size: 0.9em;
      }
      .actions-cell {
        white-space: nowrap;
      }
      button.icon {
        border: none;
        padding: 6px;
        min-height: 0;
        border-radius: 50%;
        --mdc-icon-size: 22px;
      }
      fieldset {
        border: 1px solid var(--divider-color);
        border-radius: 8px;
        margin: 12px 0;
      }
      label.check {
        display: inline-flex;
        gap: 6px;
        align-items: center;
        margin-right: 16px;
      }
      .visually-hidden {
        position: absolute;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip: rect(0 0 0 0);
      }
      label.field,
      select.file {
        max-width: 100%;
        min-width: 0;
      }
      @media (max-width: 600px) {
        select.file {
          width: 100%;
        }
        .optional {
          display: none;
        }
      }
    `,
  ];
}
customElements.define("printernizer-queue", QueueView);
