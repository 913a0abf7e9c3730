// What every view of the panel shares: texts, error messages, styles and the confirm dialog.
import { css, html, LitElement, type PropertyValues } from "lit";
import { makeLocalize } from "./i18n/localize";
import { PANEL_STRINGS } from "./i18n/panel-strings";
import type { HomeAssistant, LiveEvent, WsError } from "./types";

export const t = makeLocalize(PANEL_STRINGS);

/** The user's language text of a command's error (HA sends the translation key along). */
export function errorText(hass: HomeAssistant, err: unknown): string {
  const error = err as WsError;
  if (error?.translation_key) {
    const text = hass.localize(
      `component.printernizer.exceptions.${error.translation_key}.message`,
      error.translation_placeholders ?? {},
    );
    if (text) return text;
  }
  return error?.message ?? String(err);
}

/** The live events of `printernizer/subscribe`, handed from the panel to its views. */
export class LiveEvents extends EventTarget {
  emit(event: LiveEvent): void {
    this.dispatchEvent(new CustomEvent<LiveEvent>("live", { detail: event }));
  }
}

/** A view of the panel: gets hass, narrow, readOnly and the live events; loads when shown. */
export class PanelView extends LitElement {
  static properties = {
    hass: { attribute: false },
    narrow: { type: Boolean },
    readOnly: { type: Boolean },
    live: { attribute: false },
    error: { state: true },
  };

  declare hass: HomeAssistant;
  declare narrow: boolean;
  declare readOnly: boolean;
  declare live: LiveEvents;
  declare error: string | null;
  private loaded = false;
  private readonly onLive = (event: Event) => this.handleLive((event as CustomEvent<LiveEvent>).detail);

  constructor() {
    super();
    this.narrow = false;
    this.readOnly = true;
    this.error = null;
  }

  connectedCallback(): void {
    super.connectedCallback();
    this.live?.addEventListener("live", this.onLive);
    if (this.loaded) void this.run(() => this.load());
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    this.live?.removeEventListener("live", this.onLive);
  }

  protected willUpdate(changed: PropertyValues): void {
    if (changed.has("live")) {
      (changed.get("live") as LiveEvents | undefined)?.removeEventListener("live", this.onLive);
      this.live?.addEventListener("live", this.onLive);
    }
    if (!this.loaded && this.hass) {
      this.loaded = true;
      void this.run(() => this.load());
    }
  }

  /** Read the view's data (called when shown and when live events say it changed). */
  protected async load(): Promise<void> {}

  /** React to a live event (default: nothing). */
  protected handleLive(_event: LiveEvent): void {}

  /** Run an action; its error shows in the view instead of the console. */
  protected async run(action: () => Promise<void>): Promise<boolean> {
    try {
      await action();
      this.error = null;
      return true;
    } catch (err) {
      this.error = errorText(this.hass, err);
      return false;
    }
  }

  protected t(key: string, vars?: Record<string, unknown>): string {
    return t(this.hass, key, vars);
  }

  protected renderError() {
    return this.error ? html`<div class="error" role="alert">${this.error}</div>` : null;
  }

  /** Ask before acting; resolves true when the user confirms. */
  protected confirm(text: string, confirmLabel?: string): Promise<boolean> {
    const dialog = document.createElement("printernizer-confirm") as ConfirmDialog;
    dialog.text = text;
    dialog.confirmLabel = confirmLabel ?? this.t("confirm");
    dialog.cancelLabel = this.t("cancel");
    this.shadowRoot!.appendChild(dialog);
    return dialog.ask();
  }
}

/** A modal confirmation (native <dialog>: focus trap, Escape cancels). */
export class ConfirmDialog extends LitElement {
  static properties = { text: {}, confirmLabel: {}, cancelLabel: {} };
  declare text: string;
  declare confirmLabel: string;
  declare cancelLabel: string;
  private resolve?: (ok: boolean) => void;

  async ask(): Promise<boolean> {
    await this.updateComplete;
    const dialog = this.shadowRoot!.querySelector("dialog")!;
    dialog.showModal();
    return new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  private close(ok: boolean) {
    this.shadowRoot!.querySelector("dialog")!.close();
    this.resolve?.(ok);
    this.remove();
  }

  render() {
    return html`<dialog @cancel=${(e: Event) => { e.preventDefault(); this.close(false); }}>
      <p>${this.text}</p>
      <div class="actions">
        <button class="secondary" @click=${() => this.close(false)}>${this.cancelLabel}</button>
        <button class="primary" autofocus @click=${() => this.close(true)}>${this.confirmLabel}</button>
      </div>
    </dialog>`;
  }

  static styles = [
    css`
      dialog {
        border: none;
        border-radius: 12px;
        padding: 20px 24px 16px;
        max-width: min(420px, 90vw);
        background: var(--card-background-color, #fff);
        color: var(--primary-text-color, #212121);
        box-shadow: 0 8px 32px rgba(0, 0, 0, 0.35);
      }
      dialog::backdrop {
        background: rgba(0, 0, 0, 0.45);
      }
      p {
        margin: 0 0 20px;
        line-height: 1.5;
      }
    `,
  ];
}
customElements.define("printernizer-confirm", ConfirmDialog);

/** Buttons, inputs, tables and chips in HA's theme colours (light and dark themes). */
export const baseStyles = css`
  :host {
    display: block;
    color: var(--primary-text-color);
    font-family: var(--paper-font-body1_-_font-family, Roboto, sans-serif);
  }
  .error {
    margin: 12px 0;
    padding: 10px 14px;
    border-radius: 8px;
    color: var(--error-color, #db4437);
    background: rgba(219, 68, 55, 0.1);
  }
  .notice {
    margin: 12px 0;
    padding: 10px 14px;
    border-radius: 8px;
    background: var(--secondary-background-color, rgba(127, 127, 127, 0.12));
  }
  button {
    font: inherit;
    font-weight: 500;
    border-radius: 18px;
    padding: 6px 16px;
    min-height: 36px;
    cursor: pointer;
    border: 1px solid var(--primary-color, #03a9f4);
    background: transparent;
    color: var(--primary-color, #03a9f4);
  }
  button.primary {
    background: var(--primary-color, #03a9f4);
    color: var(--text-primary-color, #fff);
  }
  button.danger {
    border-color: var(--error-color, #db4437);
    color: var(--error-color, #db4437);
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  button:focus-visible,
  select:focus-visible,
  input:focus-visible,
  tr:focus-visible,
  a:focus-visible {
    outline: 2px solid var(--primary-color, #03a9f4);
    outline-offset: 2px;
  }
  .actions {
    display: flex;
    gap: 8px;
    justify-content: flex-end;
    flex-wrap: wrap;
  }
  label.field {
    display: flex;
    flex-direction: column;
    gap: 4px;
    font-size: 0.85em;
    color: var(--secondary-text-color);
  }
  select,
  input[type="text"],
  input[type="date"],
  input[type="number"],
  input[type="search"],
  textarea {
    font: inherit;
    font-size: 1rem;
    color: var(--primary-text-color);
    background: var(--input-fill-color, var(--secondary-background-color, transparent));
    border: 1px solid var(--divider-color, #ccc);
    border-radius: 6px;
    padding: 6px 8px;
    min-height: 36px;
    box-sizing: border-box;
    color-scheme: light dark;
  }
  .filters {
    display: flex;
    flex-wrap: wrap;
    gap: 12px;
    align-items: flex-end;
    margin-bottom: 12px;
  }
  .card {
    background: var(--card-background-color, #fff);
    border-radius: var(--ha-card-border-radius, 12px);
    border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
    box-shadow: var(--ha-card-box-shadow, none);
    padding: 16px;
  }
  table {
    width: 100%;
    border-collapse: collapse;
  }
  th,
  td {
    text-align: left;
    padding: 8px 6px;
    border-bottom: 1px solid var(--divider-color, #e0e0e0);
    vertical-align: middle;
  }
  th {
    font-weight: 500;
    color: var(--secondary-text-color);
    font-size: 0.85em;
    white-space: nowrap;
  }
  td.num,
  th.num {
    text-align: right;
    white-space: nowrap;
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    padding: 2px 10px;
    border-radius: 12px;
    font-size: 0.85em;
    white-space: nowrap;
    background: var(--secondary-background-color, rgba(127, 127, 127, 0.15));
  }
  .chip.ok {
    color: var(--success-color, #43a047);
  }
  .chip.busy {
    color: var(--primary-color, #03a9f4);
  }
  .chip.warn {
    color: var(--warning-color, #ffa600);
  }
  .chip.bad {
    color: var(--error-color, #db4437);
  }
  .muted {
    color: var(--secondary-text-color);
  }
  ha-icon {
    --mdc-icon-size: 18px;
  }
`;

export function statusClass(status: string): string {
  switch (status) {
    case "printing":
    case "preparing":
    case "downloading":
      return "busy";
    case "finished":
    case "downloaded":
    case "idle":
      return "ok";
    case "paused":
    case "cancelled":
    case "local_only":
      return "warn";
    case "failed":
    case "error":
    case "offline":
      return "bad";
    default:
      return "";
  }
}

export function sumBy<T>(items: T[], pick: (item: T) => number | null | undefined): number {
  return items.reduce((total, item) => total + (pick(item) ?? 0), 0);
}

export type { PropertyValues };
