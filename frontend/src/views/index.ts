// The panel's views, in tab order. A later view (queue, statistics, photos) is one more module
// here: its element, its icon and the key of its tab label.
import "./farm";
import "./jobs";
import "./files";
import "./costs";
import "./queue";
import "./stats";

export interface ViewDefinition {
  /** URL segment: /printernizer/<id> */
  id: string;
  /** The custom element that renders it (a PanelView). */
  tag: string;
  icon: string;
  /** Key of its tab label in the panel's texts. */
  label: string;
}

export const VIEWS: ViewDefinition[] = [
  { id: "farm", tag: "printernizer-farm", icon: "mdi:printer-3d", label: "view_farm" },
  { id: "jobs", tag: "printernizer-jobs", icon: "mdi:format-list-bulleted", label: "view_jobs" },
  { id: "queue", tag: "printernizer-queue", icon: "mdi:tray-full", label: "view_queue" },
  { id: "files", tag: "printernizer-files", icon: "mdi:folder-multiple-outline", label: "view_files" },
  { id: "costs", tag: "printernizer-costs", icon: "mdi:cash-multiple", label: "view_costs" },
  { id: "stats", tag: "printernizer-stats", icon: "mdi:chart-bar", label: "view_stats" },
];
