import type { Catalog } from "./localize";

// Texts of the printer card (its own bundle: nothing of the panel's texts comes along).
export const CARD_STRINGS: Catalog = {
  en: {
    card_name: "Printernizer printer",
    card_description: "A 3D printer: status, progress, times, temperatures, job cost and controls.",
    no_printer: "Choose a printer in the card's settings.",
    printer: "Printer",
    remaining: "Remaining",
    ends: "Ends",
    nozzle: "Nozzle",
    bed: "Bed",
    job_cost: "Job cost",
    pause: "Pause",
    resume: "Resume",
    stop: "Stop",
    confirm_stop: "Stop the print on {printer}? It cannot be resumed.",
    cancel: "Cancel",
    no_printers: "No Printernizer printer is set up.",
  },
  de: {
    card_name: "Printernizer-Drucker",
    card_description: "Ein 3D-Drucker: Status, Fortschritt, Zeiten, Temperaturen, Auftragskosten und Steuerung.",
    no_printer: "Wähle in den Einstellungen der Karte einen Drucker.",
    printer: "Drucker",
    remaining: "Verbleibend",
    ends: "Ende",
    nozzle: "Düse",
    bed: "Bett",
    job_cost: "Auftragskosten",
    pause: "Pausieren",
    resume: "Fortsetzen",
    stop: "Stoppen",
    confirm_stop: "Den Druck auf {printer} stoppen? Er lässt sich nicht fortsetzen.",
    cancel: "Abbrechen",
    no_printers: "Es ist kein Printernizer-Drucker eingerichtet.",
  },
};
