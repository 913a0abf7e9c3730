// The Printernizer panel at /printernizer: a toolbar, one tab per view, live updates.
import { css, html, LitElement, type PropertyValues } from "lit";
import { html as staticHtml, unsafeStatic } from "lit/static-html.js";
import { baseStyles, LiveEvents, t } from "./shared";
import type { HomeAssistant, LiveEvent } from "./types";
import { VIEWS } from "./views/index";

export class PrinternizerPanel extends LitElement {
  static properties = {
    hass: { attribute: false },
    narrow: { type: Boolean },
    route: { attribute: false },
    view: { state: true },
  };
  declare hass: HomeAssistant;
  declare narrow: boolean;
  declare route: { prefix: string; path: string } | undefined;
  declare view: string;
  private readonly live = new LiveEvents();
  private unsubscribe?: Promise<() => Promise<void>>;

  constructor() {
    super();
    this.narrow = false;
    this.view = VIEWS[0].id;
  }

  connectedCallback(): void {
    super.connectedCallback();
    if (this.hass) this.subscribe();
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    void unsubscribe?.then((stop) => stop()).catch(() => undefined);
  }

  protected willUpdate(changed: PropertyValues): void {
    if (changed.has("hass") && this.hass && !changed.get("hass")) {
      this.subscribe();
      // error texts of the commands, in the user's language
      void this.hass.loadBackendTranslation?.("exceptions", "printernizer");
    }
    if (changed.has("route") && this.route) {
      const id = this.route.path.split("/")[1];
      this.view = VIEWS.some((v) => v.id === id) ? id : VIEWS[0].id;
    }
  }

  private subscribe() {
    if (this.unsubscribe || !this.isConnected) return;
    this.unsubscribe = this.hass.connection.subscribeMessage<LiveEvent>((event) => this.live.emit(event), {
      type: "printernizer/subscribe",
    });
    this.unsubscribe.catch(() => {
      this.unsubscribe = undefined;
    });
  }

  private select(id: string) {
    if (id === this.view) return;
    this.view = id;
    const prefix = this.route?.prefix ?? "/printernizer";
    history.pushState(null, "", `${prefix}/${id}`);
    window.dispatchEvent(new CustomEvent("location-changed", { detail: { replace: false } }));
  }

  private onTabKey(event: KeyboardEvent) {
    const index = VIEWS.findIndex((v) => v.id === this.view);
    let next = index;
    if (event.key === "ArrowRight") next = (index + 1) % VIEWS.length;
    else if (event.key === "ArrowLeft") next = (index - 1 + VIEWS.length) % VIEWS.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = VIEWS.length - 1;
    else return;
    event.preventDefault();
    this.select(VIEWS[next].id);
    void this.updateComplete.then(() =>
      this.shadowRoot!.querySelector<HTMLButtonElement>(`button[data-view="${VIEWS[next].id}"]`)?.focus(),
    );
  }

  private toggleMenu() {
    this.dispatchEvent(new CustomEvent("hass-toggle-menu", { bubbles: true, composed: true }));
  }

  render() {
    if (!this.hass) return html``;
    const readOnly = !this.hass.user?.is_admin;
    const view = VIEWS.find((v) => v.id === this.view) ?? VIEWS[0];
    const tag = unsafeStatic(view.tag);
    return html`<header class="toolbar">
        ${this.narrow
          ? html`<button class="menu" aria-label=${t(this.hass, "menu")} @click=${this.toggleMenu}>
              <ha-icon icon="mdi:menu"></ha-icon>
            </button>`
          : null}
        <h1>${t(this.hass, "title")}</h1>
        ${readOnly ? html`<span class="chip">${t(this.hass, "read_only")}</span>` : null}
      </header>
      <nav role="tablist" aria-label=${t(this.hass, "title")} @keydown=${this.onTabKey}>
        ${VIEWS.map(
          (v) => html`<button
            role="tab"
            data-view=${v.id}
            aria-selected=${v.id === view.id ? "true" : "false"}
            tabindex=${v.id === view.id ? "0" : "-1"}
            @click=${() => this.select(v.id)}
          >
            <ha-icon icon=${v.icon}></ha-icon><span>${t(this.hass, v.label)}</span>
          </button>`,
        )}
      </nav>
      <main role="tabpanel">
        ${staticHtml`<${tag} .hass=${this.hass} .narrow=${this.narrow} .readOnly=${readOnly} .live=${this.live}></${tag}>`}
      </main>`;
  }

  static styles = [
    baseStyles,
    css`
      :host {
        min-height: 100vh;
        background: var(--primary-background-color);
      }
      .toolbar {
        display: flex;
        align-items: center;
        gap: 8px;
        height: var(--header-height, 56px);
        padding: 0 16px;
        box-sizing: border-box;
        background: var(--app-header-background-color, var(--primary-color));
        color: var(--app-header-text-color, var(--text-primary-color, #fff));
        border-bottom: var(--app-header-border-bottom, none);
      }
      .toolbar h1 {
        margin: 0;
        font-size: 20px;
        font-weight: 400;
        flex: 1;
      }
      .toolbar .chip {
        color: inherit;
        background: rgba(255, 255, 255, 0.2);
      }
      button.menu {
        border: none;
        color: inherit;
        padding: 8px;
        margin-left: -8px;
        --mdc-icon-size: 24px;
      }
      nav {
        display: flex;
        gap: 4px;
        padding: 0 8px;
        overflow-x: auto;
        background: var(--app-header-background-color, var(--primary-color));
        border-bottom: 1px solid var(--divider-color);
      }
      nav button {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        border: none;
        border-radius: 0;
        border-bottom: 2px solid transparent;
        padding: 10px 14px;
        color: var(--app-header-text-color, var(--text-primary-color, #fff));
        opacity: 0.8;
        white-space: nowrap;
      }
      nav button[aria-selected="true"] {
        opacity: 1;
        border-bottom-color: var(--app-header-text-color, var(--text-primary-color, #fff));
      }
      main {
        padding: 16px;
        max-width: 1280px;
        margin: 0 auto;
        box-sizing: border-box;
      }
      @media (max-width: 600px) {
        main {
          padding: 12px 8px;
        }
        nav button {
          padding: 10px 10px;
        }
      }
    `,
  ];
}
customElements.define("printernizer-panel", PrinternizerPanel);
