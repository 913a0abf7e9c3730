// The parts of Home Assistant's frontend objects that Printernizer uses.

export interface HassEntityState {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown> & { entity_picture?: string; friendly_name?: string };
}

export interface HassEntityDisplay {
  entity_id: string;
  device_id?: string | null;
  platform?: string;
  translation_key?: string | null;
}

export interface HassDevice {
  id: string;
  name?: string | null;
  name_by_user?: string | null;
  model?: string | null;
}

export interface HassLocale {
  language: string;
  number_format?: string;
  time_format?: string;
  date_format?: string;
  time_zone?: string;
}

export interface HassConnection {
  subscribeMessage<T>(
    callback: (message: T) => void,
    message: Record<string, unknown>,
  ): Promise<() => Promise<void>>;
}

export interface HomeAssistant {
  language: string;
  locale: HassLocale;
  config: { time_zone: string; currency?: string };
  user?: { id: string; name: string; is_admin: boolean };
  themes?: { darkMode?: boolean };
  states: Record<string, HassEntityState>;
  entities?: Record<string, HassEntityDisplay>;
  devices?: Record<string, HassDevice>;
  connection: HassConnection;
  callWS<T>(message: Record<string, unknown>): Promise<T>;
  callService(domain: string, service: string, data?: Record<string, unknown>): Promise<unknown>;
  formatEntityState?(stateObj: HassEntityState, state?: string): string;
  localize(key: string, values?: Record<string, unknown>): string;
  loadBackendTranslation?(category: string, integration?: string): Promise<unknown>;
}

/** The error a websocket command answers with (HA sends the translation key along). */
export interface WsError {
  code?: string;
  message?: string;
  translation_key?: string;
  translation_placeholders?: Record<string, string>;
}

export interface PrinterState {
  entry_id: string;
  name: string;
  family: "bambu" | "prusa";
  model: string | null;
  online: boolean;
  status: string;
  progress: number | null;
  remaining_min: number | null;
  end_time: string | null;
  job_name: string | null;
  job_id: number | null;
  job_cost: number | null;
  today_cost?: number;
  nozzle_temperature: number | null;
  nozzle_target_temperature: number | null;
  bed_temperature: number | null;
  bed_target_temperature: number | null;
  chamber_temperature: number | null;
  current_layer: number | null;
  total_layers: number | null;
  entities: Record<string, string | null>;
}

export interface Job {
  job_id: number;
  printer: string;
  entry_id: string;
  name: string | null;
  file_name: string | null;
  status: string;
  started_at: string;
  ended_at: string | null;
  duration_s: number | null;
  material_g: number | null;
  materials: { material: string; grams: number }[];
  energy_kwh: number | null;
  energy_source: string | null;
  category: string;
  customer: string | null;
  note: string | null;
  material_cost: number | null;
  energy_cost: number | null;
  machine_cost: number | null;
  net: number | null;
  vat: number | null;
  gross: number | null;
  currency: string;
  revision: number;
  complete: boolean;
  /** `/media/local/printernizer/photos/<id>.jpg`, or null without a photo. */
  photo: string | null;
}

export interface JobRevision extends Job {
  prices: Record<string, string>;
  revised_at: string | null;
  reason: string | null;
  changed_fields: string[];
}

export interface PrinterFile {
  file_id: number;
  entry_id: string;
  name: string;
  remote_path: string;
  size: number | null;
  status: string;
  local_path: string | null;
  remote_mtime: string | null;
  downloaded_at: string | null;
  job_id: number | null;
  printer: string;
}

export interface CleanupResult {
  candidates: {
    kind: "file" | "photo";
    file_id?: number;
    job_id?: number;
    local_path: string;
    size: number | null;
    printer: string;
  }[];
  deleted: number;
  freed_bytes: number;
}

export interface ReportFigures {
  jobs: number;
  unpriced_jobs: number;
  material_g: number;
  energy_kwh: number | null;
  material_cost: number;
  energy_cost: number | null;
  machine_cost: number | null;
  net: number | null;
  vat: number | null;
  gross: number | null;
}

export interface Report {
  start: string;
  end: string;
  group_by: string;
  currency: string;
  totals: ReportFigures;
  groups: (ReportFigures & { key: string })[];
}

export interface QueueItem {
  queue_id: number;
  position: number | null;
  name: string;
  printers: string[];
  status: string;
  attempts: number;
  job_id: number | null;
  error: string | null;
  config_entry_id: string | null;
  source: "local" | "file" | "remote";
  path: string | null;
  file_id: number | null;
  not_before: string | null;
}

export interface QueuePrinter {
  entry_id: string;
  name: string;
  plate_clear: boolean;
  queue_length: number;
}

export interface QueueState {
  items: QueueItem[];
  printers: QueuePrinter[];
}

export interface PrinterStatsRow {
  config_entry_id: string | null;
  name: string;
  jobs: number;
  finished: number;
  failed: number;
  cancelled: number;
  success_rate: number | null;
  print_hours: number;
  utilisation: number | null;
  avg_job_hours: number | null;
  estimate_accuracy: number | null;
  material_g: Record<string, number>;
  energy_kwh: number;
  net: number;
  gross: number;
  first_job_at: string | null;
  last_job_at: string | null;
}

export interface PrinterStats {
  start: string;
  end: string;
  period_hours: number;
  printers: PrinterStatsRow[];
}

export interface MaterialUsage {
  start: string;
  end: string;
  group_by: string;
  currency: string;
  totals: { material_g: number; material_cost: number; jobs: number };
  groups: { key: string; material_g: number; material_cost: number; jobs: number; config_entry_id?: string | null }[];
}

export interface MaintenanceTask {
  task: string;
  name: string;
  interval_hours: number | null;
  interval_jobs: number | null;
  interval_days: number | null;
  last_done: string | null;
  counting_since: string;
  print_hours: number;
  jobs: number;
  due: boolean;
  due_date: string | null;
}

export interface MaintenanceOverview {
  printers: { config_entry_id: string; name: string; due: number; tasks: MaintenanceTask[] }[];
}

export type LiveEvent =
  | { kind: "printer"; printer: PrinterState }
  | { kind: "printers" }
  | { kind: "job"; event: string; entry_id: string; job_id: number | null }
  | { kind: "files"; entry_id: string }
  | { kind: "queue" };
