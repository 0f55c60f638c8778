/**
 * Status Tracker card: every media request the status_tracker integration follows, from Jellyseerr to Jellyfin.
 *
 * Selecting a request opens its detail view (a modal dialog): poster, state, episode grid, the cause of a stuck
 * request, the remedy actions that apply to it and its timeline (from the get_requests action).
 *
 * A plain ES module with no imports and no build step: Home Assistant serves this file as it is, and there may be
 * no internet at runtime. All text that comes from entities (titles, requesters, reasons) goes into the DOM through
 * textContent or attributes, never through innerHTML, so a title such as `<img onerror=...>` stays text.
 *
 *   type: custom:status-tracker-card
 *   title: Media requests     # header text (default "Media requests")
 *   filter: active            # active | all | failed: the tab shown first (default active)
 *   max_items: 20             # at most this many requests (default 20)
 *   show_posters: true        # poster column (default true)
 *   entities:                 # optional: only these request sensors (default: every status_tracker request sensor)
 *     - sensor.dune_part_two_2024
 */

const CARD_VERSION = "0.1.0";
const CARD_TYPE = "status-tracker-card";
const EDITOR_TYPE = "status-tracker-card-editor";
const PLATFORM = "status_tracker";
const DOCUMENTATION_URL = "https://github.com/status-tracker/status_tracker#the-dashboard-card";

const FILTERS = ["active", "all", "failed"];
const FILTER_LABELS = { active: "Active", all: "All", failed: "Failed" };
const DEFAULTS = { title: "Media requests", filter: "active", max_items: 20, show_posters: true };

// One entry per request state (the sensor's state). `color` names an HA theme variable with a fallback, so a
// theme can recolour the chips; the label is always rendered, the icon only when HA's ha-icon exists.
const REQUEST_STATES = {
  requested: { label: "Requested", icon: "mdi:clock-outline", color: "var(--grey-color, #8a8a8a)" },
  approved: { label: "Approved", icon: "mdi:thumb-up-outline", color: "var(--indigo-color, #3f51b5)" },
  grabbing: { label: "Grabbing", icon: "mdi:magnify", color: "var(--cyan-color, #00acc1)" },
  downloading: { label: "Downloading", icon: "mdi:download", color: "var(--blue-color, #2196f3)" },
  downloaded: { label: "Downloaded", icon: "mdi:download-circle", color: "var(--teal-color, #009688)" },
  importing: { label: "Importing", icon: "mdi:folder-move", color: "var(--deep-purple-color, #673ab7)" },
  anime_matching: { label: "Anime matching", icon: "mdi:link-variant", color: "var(--purple-color, #9c27b0)" },
  available: { label: "Available", icon: "mdi:check-circle", color: "var(--success-color, #43a047)" },
  failed: { label: "Failed", icon: "mdi:alert-circle", color: "var(--error-color, #db4437)" },
};
// Episode rows have the same states, except that "pending" replaces the request-level ones before a grab.
const EPISODE_STATES = {
  ...REQUEST_STATES,
  pending: { label: "queued", icon: "mdi:clock-outline", color: "var(--disabled-text-color, #bdbdbd)" },
};
const UNKNOWN_STATE = {
  label: "Unknown",
  icon: "mdi:help-circle-outline",
  color: "var(--disabled-text-color, #9e9e9e)",
};

// The card's own words for times, in one place, with `{name}` placeholders as in the integration's translations
// (fillPlaceholders). Two forms that cannot be mixed up: how long the request has been in its current state (a
// duration "in this state"), and when the stuck check flagged it (a moment, "… ago").
const TIME_TEXTS = {
  in_state: "{duration} in this state",
  just_now: "just now",
  ago: "{duration} ago",
  stuck: "Stuck (flagged {ago})",
};

// Relative times ("2 h in this state") must age even when no entity changes, so the list re-renders on this period.
const CLOCK_TICK_MS = 60 * 1000;

// The remedy actions the detail view offers, in the order shown. `offered` mirrors the refusals in remedies.py
// (the action refuses anyway; a button that can only be refused would be noise).
const REMEDIES = [
  { service: "approve", label: "Approve", offered: (state) => state === "requested" },
  { service: "decline", label: "Decline", offered: (state) => state === "requested" },
  {
    service: "search",
    label: "Search again",
    // Nothing grabbed yet, or nothing left: approved, grabbing without a download, failed, or no release found.
    offered: (state, attrs) =>
      inProgress(state, attrs) &&
      (["approved", "grabbing", "failed"].includes(state) || attrs.cause === "no_release_found"),
  },
  {
    service: "replace_download",
    label: "Replace download",
    offered: (state, attrs) =>
      inProgress(state, attrs) &&
      (Boolean(attrs.download_id) || ["stalled", "import_blocked", "import_failed"].includes(attrs.cause)),
  },
  {
    service: "rescan_library",
    label: "Rescan library",
    offered: (state, attrs) => state !== "available" && importedPaths(attrs).length > 0,
  },
];
// The parts of status_tracker.delete_media the detail view's "Delete…" confirmation offers, in order, and whether
// each starts checked. `needs`: shown only while that part is checked (a file option belongs to its part).
const DELETE_PARTS = [
  { key: "seerr", label: "Jellyseerr request", on: true },
  { key: "arr", label: "Movie or series in Radarr/Sonarr", on: true },
  { key: "delete_files", label: "with its files", on: true, needs: "arr" },
  { key: "add_import_exclusion", label: "and exclude it from import lists", on: false, needs: "arr" },
  { key: "torrents", label: "Torrents in qBittorrent", on: true },
  { key: "torrent_data", label: "with their data", on: true, needs: "torrents" },
  { key: "record", label: "This tracked request", on: true },
];
// How the delete_media response's lists read in the confirmation.
const DELETE_LISTS = [
  ["would_delete", "Deletes"],
  ["deleted", "Deleted"],
  ["already_gone", "Already gone"],
  ["kept", "Keeps"],
  ["failed", "Failed"],
];
// How the timeline names a kind of entry (the entry's message says the rest).
const TIMELINE_KINDS = { state: "State", cause: "Cause", remedy: "Action", note: "Note" };
// The dot of a timeline entry: a state entry takes its state's colour.
const TIMELINE_MARKS = {
  cause: "var(--warning-color, #ffa600)",
  remedy: "var(--primary-color, #03a9f4)",
  note: "var(--secondary-text-color, #727272)",
};

console.info(
  `%c STATUS-TRACKER-CARD %c v${CARD_VERSION} `,
  "color: white; background: #03a9f4; font-weight: 700;",
  "color: #03a9f4; background: white; font-weight: 700;",
);

/* ------------------------------------------------------------------------------------------------------------ */
/* DOM helpers: everything is created with createElement and text nodes, so nothing is parsed as HTML.          */
/* ------------------------------------------------------------------------------------------------------------ */

/** Create an element. `props`: class, attributes (attrs), style properties (style), listeners (on). */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  for (const [name, value] of Object.entries(props.attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const [name, value] of Object.entries(props.style || {})) node.style.setProperty(name, value);
  for (const [name, handler] of Object.entries(props.on || {})) node.addEventListener(name, handler);
  append(node, children);
  return node;
}

/** Append children; strings and numbers become text nodes (escaped by construction); null/false are skipped. */
function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An mdi icon through HA's ha-icon, or nothing outside HA (every icon sits next to a text label). */
function icon(name, cls = "icon") {
  if (!customElements.get("ha-icon")) return null;
  const node = el("ha-icon", { class: cls, attrs: { "aria-hidden": "true" } });
  node.icon = name;
  node.setAttribute("icon", name);
  return node;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Formatting                                                                                                    */
/* ------------------------------------------------------------------------------------------------------------ */

function parseTime(value) {
  const ms = typeof value === "string" ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? null : ms;
}

/** A duration as people say it on a phone: "45 s", "12 min", "2 h 5 min", "3 d". */
function formatDuration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const rest = minutes % 60;
    // Minutes matter for the first hours ("1 h 20 min left"), not after.
    return rest && hours < 3 ? `${hours} h ${rest} min` : `${Math.round(minutes / 60)} h`;
  }
  return `${Math.round(hours / 24)} d`;
}

/** Time since an ISO timestamp: "2 h"; "" when unknown, "<1 min" when just now. */
function formatSince(iso, now) {
  const ms = parseTime(iso);
  if (ms === null) return "";
  const seconds = (now - ms) / 1000;
  return seconds < 60 ? "<1 min" : formatDuration(seconds);
}

/** A moment as time ago: "3 h ago", "just now" under a minute; "" when unknown. */
function formatAgo(iso, now) {
  const ms = parseTime(iso);
  if (ms === null) return "";
  const seconds = (now - ms) / 1000;
  if (seconds < 60) return TIME_TEXTS.just_now;
  return fillPlaceholders(TIME_TEXTS.ago, { duration: formatDuration(seconds) });
}

function formatPercent(value) {
  if (typeof value !== "number" || !Number.isFinite(value)) return "";
  const clamped = Math.min(100, Math.max(0, value));
  // Rounded down, never up: a download at 99.7 % reads "99%", so "100%" never sits next to a state that is still
  // downloading. One decimal only below 10 %, where a whole number would sit at "0%" for a long time.
  const tenths = Math.floor(clamped * 10) / 10;
  return `${tenths < 10 && tenths % 1 ? tenths.toFixed(1) : Math.floor(clamped)}%`;
}

/** The percent of a download still running: below 100 % even when the stored value rounded up to 100. */
function runningPercent(value) {
  return typeof value === "number" ? formatPercent(Math.min(value, 99.9)) : "";
}

/** The sensor's "45.0 %" (or a plain number) as 45; null when there is none. */
function parsePercent(value) {
  const number = typeof value === "string" ? Number.parseFloat(value) : value;
  return typeof number === "number" && Number.isFinite(number) ? number : null;
}

function formatSpeed(bytesPerSecond) {
  if (typeof bytesPerSecond !== "number" || bytesPerSecond <= 0) return "";
  const units = ["B/s", "kB/s", "MB/s", "GB/s"];
  let value = bytesPerSecond;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value < 10 && unit ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

function episodeCode(season, episode) {
  const pad = (n) => String(n ?? "?").padStart(2, "0");
  return `S${pad(season)}E${pad(episode)}`;
}

function displayTitle(attrs) {
  const title = attrs.title || "Untitled";
  return attrs.year ? `${title} (${attrs.year})` : title;
}

/** Past the approval, not finished and not gone from the *arr: where search and replace_download apply. */
function inProgress(state, attrs) {
  return state !== "requested" && state !== "available" && attrs.cause !== "removed";
}

/** The imported files: the movie's, or any episode's. */
function importedPaths(attrs) {
  const episodes = Array.isArray(attrs.episodes) ? attrs.episodes : [];
  return [attrs.final_path, ...episodes.map((episode) => episode.final_path)].filter(Boolean);
}

/** A point in time in the user's language, e.g. "20/05/2024, 18:04". */
function formatDateTime(iso, language) {
  const ms = parseTime(iso);
  if (ms === null) return "";
  try {
    return new Date(ms).toLocaleString(language || undefined, { dateStyle: "short", timeStyle: "short" });
  } catch (err) {
    return new Date(ms).toLocaleString();
  }
}

/** A local calendar date as the backend writes it into cause sentences (cause_text.py): "2024-05-20". */
function localDate(iso) {
  const ms = parseTime(iso);
  if (ms === null) return iso;
  const date = new Date(ms);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Fill `{name}` placeholders (Home Assistant's localize does the same for these plain sentences). */
function fillPlaceholders(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (values[name] !== undefined ? String(values[name]) : whole));
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Which entities are requests                                                                                   */
/* ------------------------------------------------------------------------------------------------------------ */

/**
 * A request sensor of this integration. The entity registry (hass.entities) names the platform when the frontend
 * has it; the attribute shape is the fallback. Summary sensors of the same platform have no request_id.
 */
function isRequestEntity(hass, entityId, stateObj) {
  if (!stateObj || !entityId.startsWith("sensor.")) return false;
  const attrs = stateObj.attributes || {};
  if (attrs.request_id === undefined || attrs.request_id === null) return false;
  const entry = hass.entities && hass.entities[entityId];
  if (entry && entry.platform) return entry.platform === PLATFORM;
  return typeof attrs.media_type === "string";
}

function matchesFilter(stateObj, filter) {
  if (filter === "failed") return stateObj.state === "failed";
  if (filter === "active") return stateObj.state !== "available" && stateObj.state !== "failed";
  return true;
}

/**
 * The list's order: newest request first, by when the tracker started following it (created_at, which no update
 * changes), so rows never move while the user watches and a new request appears at the top. A request without
 * created_at takes the moment the card first saw it (`seen`); equal times fall back to the entity id.
 */
function compareRequests(a, b, seen) {
  const key = (stateObj) => parseTime(stateObj.attributes.created_at) ?? seen.get(stateObj.entity_id) ?? 0;
  return key(b) - key(a) || (a.entity_id < b.entity_id ? -1 : a.entity_id > b.entity_id ? 1 : 0);
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Config                                                                                                        */
/* ------------------------------------------------------------------------------------------------------------ */

/** The config with defaults filled in; throws an Error with a readable message (HA shows it in the card). */
function normalizeConfig(config) {
  if (!config || typeof config !== "object" || Array.isArray(config)) {
    throw new Error("Invalid configuration: expected an object");
  }
  const result = { ...DEFAULTS, ...config };
  if (typeof result.title !== "string") throw new Error("title must be a string");
  if (!FILTERS.includes(result.filter)) throw new Error(`filter must be one of: ${FILTERS.join(", ")}`);
  if (!Number.isInteger(result.max_items) || result.max_items < 1) {
    throw new Error("max_items must be a whole number of at least 1");
  }
  if (typeof result.show_posters !== "boolean") throw new Error("show_posters must be true or false");
  if (result.entities !== undefined) {
    const isEntityId = (id) => typeof id === "string" && id.includes(".");
    const valid = Array.isArray(result.entities) && result.entities.every(isEntityId);
    if (!valid) throw new Error("entities must be a list of entity ids");
  }
  return result;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Styles: static text only. Colours come from HA's theme variables, with fallbacks for a page outside HA.      */
/* ------------------------------------------------------------------------------------------------------------ */

const CARD_STYLE = `
  :host { display: block; }
  .card {
    display: block;
    color: var(--primary-text-color, #212121);
    font-family: var(--paper-font-body1_-_font-family, var(--ha-font-family-body, Roboto, system-ui, sans-serif));
  }
  div.card {
    background: var(--ha-card-background, var(--card-background-color, #fff));
    border-radius: var(--ha-card-border-radius, 12px);
    border: var(--ha-card-border-width, 1px) solid var(--ha-card-border-color, var(--divider-color, #e0e0e0));
    box-shadow: var(--ha-card-box-shadow, none);
  }
  .header {
    display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 8px;
    padding: 12px 16px 8px;
  }
  .title { font-size: 1.25em; font-weight: 500; line-height: 1.4; margin: 0; }
  .filters { display: flex; gap: 4px; }
  .filters button {
    font: inherit; font-size: 0.85em; cursor: pointer;
    padding: 4px 10px; border-radius: 16px;
    border: 1px solid var(--divider-color, #e0e0e0);
    background: transparent; color: var(--secondary-text-color, #727272);
  }
  .filters button[aria-pressed="true"] {
    background: var(--primary-color, #03a9f4); border-color: var(--primary-color, #03a9f4);
    color: var(--text-primary-color, #fff);
  }
  .filters button:focus-visible, .item:focus-visible {
    outline: 2px solid var(--primary-color, #03a9f4); outline-offset: 2px;
  }
  .list { list-style: none; margin: 0; padding: 0 0 8px; }
  .item {
    display: flex; gap: 12px; padding: 10px 16px; cursor: pointer;
    border-top: 1px solid var(--divider-color, #e0e0e0);
  }
  .item:first-child { border-top: none; }
  .poster {
    flex: 0 0 48px; width: 48px; height: 72px; border-radius: 6px; object-fit: cover;
    background: var(--secondary-background-color, #e5e5e5);
  }
  .poster.placeholder {
    display: flex; align-items: center; justify-content: center;
    color: var(--secondary-text-color, #727272); font-size: 1.3em; font-weight: 500;
  }
  .body { flex: 1 1 auto; min-width: 0; display: flex; flex-direction: column; gap: 4px; }
  .top { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 4px 8px; }
  .name { font-weight: 500; overflow-wrap: anywhere; }
  .chip {
    display: inline-flex; align-items: center; gap: 4px; white-space: nowrap;
    padding: 2px 8px; border-radius: 12px; font-size: 0.8em; font-weight: 500;
    /* Mixed toward the theme's text colour: darker on light cards, lighter on dark ones, readable on both. */
    color: color-mix(in srgb, var(--chip-color) 70%, var(--primary-text-color, #212121));
    background: color-mix(in srgb, var(--chip-color) 16%, transparent);
  }
  .chip .icon { --mdc-icon-size: 16px; }
  .chip .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--chip-color); }
  .meta, .counts, .progress-text { font-size: 0.85em; color: var(--secondary-text-color, #727272); }
  .meta { display: flex; flex-wrap: wrap; gap: 2px 6px; }
  .tag {
    padding: 0 5px; border-radius: 4px; font-size: 0.9em;
    border: 1px solid var(--divider-color, #e0e0e0);
  }
  .bar {
    height: 6px; border-radius: 3px; overflow: hidden;
    background: var(--secondary-background-color, #e5e5e5);
  }
  .bar > div { height: 100%; background: var(--chip-color, var(--primary-color, #03a9f4)); }
  .episodes { display: flex; flex-wrap: wrap; gap: 4px 8px; }
  .season { display: flex; flex-wrap: wrap; align-items: center; gap: 2px; }
  .season-label { font-size: 0.7em; color: var(--secondary-text-color, #727272); margin-right: 2px; }
  .ep { width: 10px; height: 10px; border-radius: 2px; background: var(--chip-color); }
  .ep.pending { background: transparent; box-shadow: inset 0 0 0 1px var(--chip-color); }
  .warning, .notice { display: flex; align-items: flex-start; gap: 4px; font-size: 0.85em; overflow-wrap: anywhere; }
  .warning { color: var(--error-color, #db4437); }
  .warning.stuck { color: var(--warning-color, #ffa600); }
  .notice { color: var(--info-color, var(--primary-color, #039be5)); }
  .warning .icon, .notice .icon { --mdc-icon-size: 16px; flex: none; }
  .empty, .more { padding: 12px 16px; color: var(--secondary-text-color, #727272); font-size: 0.9em; }
  .more { padding-top: 0; }

  /* The detail view: a modal dialog over the dashboard; full screen on a phone. */
  dialog.detail {
    box-sizing: border-box; width: min(600px, calc(100vw - 32px)); max-height: calc(100dvh - 32px);
    padding: 0; border: none; border-radius: var(--ha-dialog-border-radius, 16px);
    background: var(--card-background-color, var(--ha-card-background, #fff));
    color: var(--primary-text-color, #212121);
    font-family: var(--paper-font-body1_-_font-family, var(--ha-font-family-body, Roboto, system-ui, sans-serif));
    box-shadow: 0 8px 32px rgba(0, 0, 0, 0.35);
    overflow-wrap: anywhere;
  }
  dialog.detail::backdrop { background: rgba(0, 0, 0, 0.5); }
  dialog.detail [hidden] { display: none; }
  @media (max-width: 600px) {
    dialog.detail {
      width: 100vw; max-width: 100vw; height: 100dvh; max-height: 100dvh; margin: 0; border-radius: 0;
    }
  }
  .detail-head { display: flex; gap: 16px; padding: 16px 16px 8px; align-items: flex-start; }
  .detail-head .poster { flex: 0 0 80px; width: 80px; height: 120px; border-radius: 8px; }
  .detail-head .body { gap: 6px; }
  .detail-title { font-size: 1.2em; font-weight: 500; line-height: 1.3; margin: 0; }
  .close {
    flex: none; margin: -4px -4px 0 auto; width: 40px; height: 40px; border-radius: 50%;
    border: none; background: transparent; color: var(--secondary-text-color, #727272);
    font: inherit; font-size: 1.6em; line-height: 1; cursor: pointer;
  }
  .close:hover { background: var(--secondary-background-color, #e5e5e5); }
  .detail-section { padding: 8px 16px; display: flex; flex-direction: column; gap: 6px; }
  .detail-section h4 {
    margin: 0; font-size: 0.8em; font-weight: 500; letter-spacing: 0.04em; text-transform: uppercase;
    color: var(--secondary-text-color, #727272);
  }
  .cause-text { font-size: 0.95em; }
  .cause-since { font-size: 0.85em; color: var(--secondary-text-color, #727272); }
  .season-grid { display: flex; flex-direction: column; gap: 6px; }
  .season-row { display: flex; flex-wrap: wrap; align-items: center; gap: 4px; }
  .season-row .season-label { font-size: 0.8em; min-width: 64px; }
  .ep-cell {
    box-sizing: border-box; min-width: 28px; height: 24px; padding: 0 4px; border-radius: 4px;
    display: inline-flex; align-items: center; justify-content: center; font-size: 0.75em; font-weight: 500;
    color: color-mix(in srgb, var(--chip-color) 70%, var(--primary-text-color, #212121));
    background: color-mix(in srgb, var(--chip-color) 22%, transparent);
  }
  .ep-cell.pending { background: transparent; box-shadow: inset 0 0 0 1px var(--chip-color); }
  .remedies { display: flex; flex-wrap: wrap; gap: 8px; }
  .remedies button, .detail-foot button {
    font: inherit; font-size: 0.9em; font-weight: 500; cursor: pointer; padding: 8px 14px; border-radius: 18px;
    border: 1px solid var(--primary-color, #03a9f4); background: transparent; color: var(--primary-color, #03a9f4);
  }
  .remedies button[data-service="approve"] {
    background: var(--primary-color, #03a9f4); color: var(--text-primary-color, #fff);
  }
  .remedies button:disabled { opacity: 0.5; cursor: default; }
  .remedy-result { font-size: 0.9em; }
  .remedy-result.ok { color: var(--success-color, #43a047); }
  .remedy-result.error { color: var(--error-color, #db4437); }
  .timeline { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 8px; }
  .timeline li { display: grid; grid-template-columns: auto 1fr; gap: 0 10px; font-size: 0.9em; }
  .timeline .mark {
    grid-row: span 2; width: 10px; height: 10px; margin-top: 4px; border-radius: 50%;
    background: var(--chip-color, var(--divider-color, #bdbdbd));
  }
  .timeline .when { font-size: 0.85em; color: var(--secondary-text-color, #727272); }
  .timeline-status { font-size: 0.9em; color: var(--secondary-text-color, #727272); }
  .detail-foot { display: flex; justify-content: flex-end; padding: 8px 16px 16px; }
  .detail-foot button { border-color: var(--divider-color, #e0e0e0); color: var(--primary-text-color, #212121); }
  dialog.detail button:focus-visible { outline: 2px solid var(--primary-color, #03a9f4); outline-offset: 2px; }
  .detail-foot { gap: 8px; }
  .detail-foot button.delete, dialog.confirm-delete button.confirm {
    border-color: var(--error-color, #db4437); color: var(--error-color, #db4437);
  }
  dialog.confirm-delete {
    box-sizing: border-box; width: min(480px, calc(100vw - 24px)); max-height: calc(100vh - 48px); padding: 16px;
    border: none; border-radius: 12px; overflow: auto;
    background: var(--card-background-color, var(--ha-card-background, #fff)); color: var(--primary-text-color, #212121);
    display: flex; flex-direction: column; gap: 12px;
  }
  dialog.confirm-delete:not([open]) { display: none; }
  dialog.confirm-delete::backdrop { background: rgba(0, 0, 0, 0.5); }
  dialog.confirm-delete h3 { margin: 0; font-size: 1.1em; font-weight: 500; }
  dialog.confirm-delete fieldset { border: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 4px; }
  dialog.confirm-delete legend { font-weight: 500; padding: 0 0 4px; }
  dialog.confirm-delete label.sub { padding-left: 24px; }
  dialog.confirm-delete label[hidden] { display: none; }
  .delete-plan { font-size: 0.9em; display: flex; flex-direction: column; gap: 8px; }
  .delete-plan h4 { margin: 0; font-size: 1em; font-weight: 500; }
  .delete-plan ul { margin: 2px 0 0; padding-left: 18px; }
  .delete-plan .why, .delete-plan .where { color: var(--secondary-text-color, #727272); }
  .delete-plan .failed, .delete-plan .error { color: var(--error-color, #db4437); }
  .delete-foot { display: flex; justify-content: flex-end; gap: 8px; }
  dialog.confirm-delete button {
    font: inherit; font-size: 0.9em; font-weight: 500; cursor: pointer; padding: 8px 14px; border-radius: 18px;
    border: 1px solid var(--divider-color, #e0e0e0); background: transparent; color: var(--primary-text-color, #212121);
  }
  dialog.confirm-delete button:disabled { opacity: 0.5; cursor: default; }
  dialog.confirm-delete button:focus-visible { outline: 2px solid var(--primary-color, #03a9f4); outline-offset: 2px; }
`;

/* ------------------------------------------------------------------------------------------------------------ */
/* The card                                                                                                      */
/* ------------------------------------------------------------------------------------------------------------ */

class StatusTrackerCard extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._config = null;
    this._hass = null;
    this._filter = DEFAULTS.filter;
    // entity_id -> state object of the requests last rendered, to skip re-rendering when nothing relevant changed.
    this._tracked = new Map();
    // entity_id -> when the card first saw the request: the order key of a request without created_at.
    this._seen = new Map();
    this._timer = null;
    // The open detail view (see _openDetail), or null.
    this._detail = null;
    // The integration's translated sentences (causes, errors): a localize function once loaded, per language.
    this._texts = null;
  }

  static getConfigElement() {
    return document.createElement(EDITOR_TYPE);
  }

  static getStubConfig() {
    return { ...DEFAULTS };
  }

  setConfig(config) {
    this._config = normalizeConfig(config);
    this._filter = this._config.filter;
    this._buildSkeleton();
    this._tracked = this._hass ? this._collect(this._hass) : new Map();
    this._renderList();
  }

  set hass(hass) {
    this._hass = hass;
    if (!this._config) return;
    const tracked = this._collect(hass);
    if (sameStates(tracked, this._tracked)) return;
    this._tracked = tracked;
    this._renderList();
    if (this._detail) this._renderDetail();
  }

  get hass() {
    return this._hass;
  }

  getCardSize() {
    const shown = Math.min(this._visible().length, this._config ? this._config.max_items : DEFAULTS.max_items);
    return 1 + Math.max(1, shown) * 2;
  }

  // Sections view: full width by default, usable at half width.
  getGridOptions() {
    return { columns: 12, min_columns: 6 };
  }

  connectedCallback() {
    clearInterval(this._timer);
    this._timer = setInterval(() => {
      this._renderList();
      if (this._detail) this._renderDetail();
    }, CLOCK_TICK_MS);
  }

  disconnectedCallback() {
    clearInterval(this._timer);
    this._timer = null;
    this._closeDetail();
  }

  /** Request entities to show, keyed by entity_id. */
  _collect(hass) {
    const states = hass.states || {};
    const ids = this._config.entities || Object.keys(states);
    const tracked = new Map();
    const now = Date.now();
    for (const id of ids) {
      if (!isRequestEntity(hass, id, states[id])) continue;
      tracked.set(id, states[id]);
      if (!this._seen.has(id)) this._seen.set(id, now);
    }
    return tracked;
  }

  _visible() {
    return [...this._tracked.values()]
      .filter((stateObj) => matchesFilter(stateObj, this._filter))
      .sort((a, b) => compareRequests(a, b, this._seen));
  }

  /** Header and list container, built once per config so clicks on the filter buttons keep their focus. */
  _buildSkeleton() {
    this._closeDetail();
    const root = this.shadowRoot;
    root.replaceChildren();
    root.append(el("style", {}, CARD_STYLE));
    // ha-card is HA's card frame (theme background, border, shadow); outside HA a styled div stands in.
    const card = el(customElements.get("ha-card") ? "ha-card" : "div", { class: "card" });
    this._filterButtons = FILTERS.map((filter) =>
      el("button", {
        attrs: { type: "button", "data-filter": filter, "aria-pressed": String(filter === this._filter) },
        on: { click: () => this._setFilter(filter) },
      }),
    );
    const header = el(
      "div",
      { class: "header" },
      this._config.title ? el("h2", { class: "title" }, this._config.title) : null,
      el("div", { class: "filters", attrs: { role: "group", "aria-label": "Filter requests" } }, this._filterButtons),
    );
    this._list = el("ul", { class: "list" });
    this._footer = el("div");
    card.append(header, this._list, this._footer);
    root.append(card);
  }

  _setFilter(filter) {
    if (filter === this._filter) return;
    this._filter = filter;
    this._renderList();
  }

  _renderList() {
    if (!this._list) return;
    for (const button of this._filterButtons) {
      const filter = button.dataset.filter;
      const count = [...this._tracked.values()].filter((stateObj) => matchesFilter(stateObj, filter)).length;
      button.textContent = `${FILTER_LABELS[filter]} (${count})`;
      button.setAttribute("aria-pressed", String(filter === this._filter));
    }
    const visible = this._visible();
    const shown = visible.slice(0, this._config.max_items);
    const now = Date.now();
    this._list.replaceChildren(...shown.map((stateObj) => this._renderItem(stateObj, now)));
    this._footer.replaceChildren();
    if (!shown.length) {
      const what = this._filter === "all" ? "" : `${FILTER_LABELS[this._filter].toLowerCase()} `;
      this._footer.append(el("div", { class: "empty" }, `No ${what}requests`));
    } else if (visible.length > shown.length) {
      this._footer.append(el("div", { class: "more" }, `+${visible.length - shown.length} more`));
    }
  }

  _renderItem(stateObj, now) {
    const attrs = stateObj.attributes;
    const info = REQUEST_STATES[stateObj.state] || UNKNOWN_STATE;
    const item = el("li", {
      class: "item",
      attrs: {
        "data-entity-id": stateObj.entity_id,
        "data-state": stateObj.state,
        tabindex: "0",
        role: "button",
        "aria-haspopup": "dialog",
      },
      style: { "--chip-color": info.color },
      on: {
        click: () => this._openDetail(stateObj.entity_id),
        keydown: (event) => {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            this._openDetail(stateObj.entity_id);
          }
        },
      },
    });
    const isTv = attrs.media_type === "tv";
    const body = el(
      "div",
      { class: "body" },
      el("div", { class: "top" }, el("span", { class: "name" }, displayTitle(attrs)), this._chip(stateObj, info)),
      renderMeta(attrs, stateObj, now),
      renderProgress(attrs, stateObj.state),
      isTv ? renderEpisodes(attrs) : null,
      renderWarning(attrs, stateObj.state, now),
      attrs.already_available
        ? el("div", { class: "notice" }, icon("mdi:information-outline"), "Already available in the library")
        : null,
    );
    if (this._config.show_posters) item.append(renderPoster(attrs, isTv));
    item.append(body);
    return item;
  }

  /** The state chip; HA's own translation of the state when the frontend offers it, else our English label. */
  _chip(stateObj, info) {
    let label = info.label;
    if (this._hass && typeof this._hass.formatEntityState === "function") {
      const translated = this._hass.formatEntityState(stateObj);
      if (translated && translated !== stateObj.state) label = translated;
    }
    return el(
      "span",
      { class: "chip", attrs: { "data-state": stateObj.state } },
      icon(info.icon) || el("span", { class: "dot" }),
      el("span", { class: "label" }, label),
    );
  }

  _moreInfo(entityId) {
    this.dispatchEvent(new CustomEvent("hass-more-info", { detail: { entityId }, bubbles: true, composed: true }));
  }

  /* ---------------------------------------------------------------------------------------------------------- */
  /* The detail view: poster, state, episodes, cause, remedies and timeline of one request, in a modal dialog.  */
  /* A native <dialog> gives the focus handling and Escape of a modal without a library.                         */
  /* ---------------------------------------------------------------------------------------------------------- */

  _openDetail(entityId) {
    this._closeDetail();
    if (!this._tracked.has(entityId)) return;
    const close = el(
      "button",
      { class: "close", attrs: { type: "button", "aria-label": "Close" }, on: { click: () => this._closeDetail() } },
      "×",
    );
    const detail = {
      entityId,
      head: el("div", { class: "body" }),
      poster: el("div", { attrs: { "aria-hidden": "true" } }),
      status: el("div"),
      remedies: el("section", { class: "detail-section", attrs: { "aria-label": "Actions" } }),
      timeline: el("section", { class: "detail-section", attrs: { "aria-labelledby": "detail-timeline" } }),
      remedyKey: null,
      busy: false,
      result: null,
      entries: null,
      timelineError: null,
      fetchedFor: null,
      confirm: null,
    };
    detail.dialog = el(
      "dialog",
      {
        class: "detail",
        attrs: { "aria-labelledby": "detail-title", "data-entity-id": entityId },
        // A click on the backdrop lands on the dialog itself: close, as HA's own dialogs do.
        on: { click: (event) => event.target === detail.dialog && this._closeDetail() },
      },
      el("div", { class: "detail-head" }, detail.poster, detail.head, close),
      detail.status,
      detail.remedies,
      detail.timeline,
      el(
        "div",
        { class: "detail-foot" },
        el(
          "button",
          {
            class: "more-info",
            attrs: { type: "button" },
            on: {
              click: () => {
                this._closeDetail();
                this._moreInfo(entityId);
              },
            },
          },
          "Entity details",
        ),
        // delete_media is admin only: a user who is not an admin is not offered it (it would be refused).
        this._hass && this._hass.user && !this._hass.user.is_admin
          ? null
          : el(
              "button",
              { class: "delete", attrs: { type: "button" }, on: { click: () => this._openDelete(detail) } },
              "Delete…",
            ),
      ),
    );
    // Escape asks a modal dialog to close ("cancel"): close it at once, as the close button does. The "close" event
    // covers any other way it closes.
    detail.dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      this._closeDetail();
    });
    detail.dialog.addEventListener("close", () => this._detailClosed(detail));
    this._detail = detail;
    this.shadowRoot.append(detail.dialog);
    this._renderDetail();
    detail.dialog.showModal();
    close.focus();
    this._loadTexts().then(() => this._detail === detail && this._renderDetail());
  }

  _closeDetail() {
    const detail = this._detail;
    if (!detail) return;
    // The "close" event comes a task later; the view is gone at once (a new one may open right after).
    if (detail.dialog.open) detail.dialog.close();
    this._detailClosed(detail);
  }

  _detailClosed(detail) {
    if (this._detail !== detail) return;
    this._detail = null;
    detail.dialog.remove();
    // Back to the request that opened it (the list may have been rebuilt meanwhile).
    const row = this.shadowRoot.querySelector(`li.item[data-entity-id="${CSS.escape(detail.entityId)}"]`);
    if (row) row.focus();
  }

  /** Bring the open detail view up to date with the entity; fetch the timeline when the request moved. */
  _renderDetail() {
    const detail = this._detail;
    const stateObj = this._tracked.get(detail.entityId);
    if (!stateObj) {
      // Removed. A delete that removed it keeps its result on screen until the user closes it, then the view goes.
      if (detail.confirm && (detail.confirm.busy || detail.confirm.done)) return;
      this._closeDetail();
      return;
    }
    const attrs = stateObj.attributes;
    const info = REQUEST_STATES[stateObj.state] || UNKNOWN_STATE;
    const isTv = attrs.media_type === "tv";
    const now = Date.now();
    detail.dialog.style.setProperty("--chip-color", info.color);
    detail.poster.replaceChildren(renderPoster(attrs, isTv));
    detail.head.replaceChildren(
      el("h3", { class: "detail-title", attrs: { id: "detail-title" } }, displayTitle(attrs)),
      el("div", {}, this._chip(stateObj, info)),
      renderMeta(attrs, stateObj, now),
    );
    detail.status.replaceChildren(
      ...[
        renderProgress(attrs, stateObj.state),
        isTv ? renderSeasonGrid(attrs) : null,
        this._renderCause(stateObj, now),
      ]
        .filter(Boolean)
        .map((part) =>
          part.classList.contains("detail-section") ? part : el("div", { class: "detail-section" }, part),
        ),
    );
    this._renderRemedies(stateObj);
    // A state or cause change adds a timeline entry: fetch again then, not on every progress update.
    const moved = `${stateObj.state}|${attrs.cause ?? ""}|${attrs.cause_since ?? ""}`;
    if (detail.fetchedFor !== moved) {
      detail.fetchedFor = moved;
      this._fetchTimeline(detail, stateObj);
    }
    this._renderTimeline(detail);
  }

  /** Why the request does not move, in the integration's translated sentence, and since when. */
  _renderCause(stateObj, now) {
    const attrs = stateObj.attributes;
    if (!attrs.cause) return null;
    const details = { ...(attrs.cause_details || {}) };
    if (details.date) details.date = localDate(details.date);
    const key = `component.${PLATFORM}.exceptions.cause_${details.sentence || attrs.cause}.message`;
    // Without the translations (an old frontend), the tracker's own reason says it in English, else the code.
    const text = this._translate(key, details) || attrs.reason || attrs.cause;
    const since = formatSince(attrs.cause_since, now);
    return el(
      "section",
      { class: "detail-section cause", attrs: { "aria-labelledby": "detail-cause", "data-cause": attrs.cause } },
      el("h4", { attrs: { id: "detail-cause" } }, "Why it is not moving"),
      el("div", { class: "cause-text" }, text),
      since
        ? el(
            "div",
            { class: "cause-since" },
            `For ${since}, since ${formatDateTime(attrs.cause_since, this._language())}`,
          )
        : null,
    );
  }

  _renderRemedies(stateObj) {
    const detail = this._detail;
    const offered = REMEDIES.filter((remedy) => remedy.offered(stateObj.state, stateObj.attributes));
    const key = offered.map((remedy) => remedy.service).join(",");
    // Rebuilt only when the set changes, so a focused button keeps its focus across updates.
    if (key !== detail.remedyKey) {
      detail.remedyKey = key;
      detail.buttons = offered.map((remedy) =>
        el(
          "button",
          {
            attrs: { type: "button", "data-service": remedy.service },
            on: { click: () => this._runRemedy(detail, remedy) },
          },
          remedy.label,
        ),
      );
    }
    for (const button of detail.buttons) button.disabled = detail.busy;
    const result = detail.result
      ? el(
          "div",
          {
            class: `remedy-result ${detail.result.ok ? "ok" : "error"}`,
            attrs: { role: detail.result.ok ? "status" : "alert" },
          },
          detail.result.text,
        )
      : null;
    if (!offered.length && !result) {
      detail.remedies.hidden = true;
      detail.remedies.replaceChildren();
      return;
    }
    detail.remedies.hidden = false;
    if (detail.remedies.firstChild === null) {
      detail.remedies.append(el("h4", {}, "Fix it"), el("div", { class: "remedies" }), el("div"));
    }
    const [, row, slot] = detail.remedies.children;
    if (row.children.length !== detail.buttons.length || [...row.children].some((b, i) => b !== detail.buttons[i])) {
      row.replaceChildren(...detail.buttons);
    }
    slot.replaceChildren(...(result ? [result] : []));
  }

  async _runRemedy(detail, remedy) {
    detail.busy = true;
    detail.result = { ok: true, text: `${remedy.label}…` };
    this._renderDetail();
    try {
      await this._hass.callWS({
        type: "call_service",
        domain: PLATFORM,
        service: remedy.service,
        service_data: { entity_id: detail.entityId },
      });
      detail.result = { ok: true, text: `${remedy.label}: done.` };
      detail.fetchedFor = null; // the action wrote a timeline entry
    } catch (err) {
      await this._loadTexts();
      detail.result = { ok: false, text: `${remedy.label} failed: ${this._errorText(err)}` };
    }
    detail.busy = false;
    if (this._detail === detail) this._renderDetail();
  }

  /* ---------------------------------------------------------------------------------------------------------- */
  /* "Delete…": a confirmation dialog over the detail view. It shows the chosen parts and the dry run of          */
  /* status_tracker.delete_media for them (asked again whenever a part changes); only its Delete button calls    */
  /* the action with dry_run false, with the same parts.                                                         */
  /* ---------------------------------------------------------------------------------------------------------- */

  _openDelete(detail) {
    const stateObj = this._tracked.get(detail.entityId);
    if (!stateObj || detail.confirm) return;
    const confirm = {
      boxes: {},
      labels: {},
      plan: el("section", { class: "delete-plan", attrs: { "aria-live": "polite", "aria-label": "What happens" } }),
      asked: 0,
      answer: null,
      busy: false,
      done: false,
    };
    const parts = DELETE_PARTS.map((part) => {
      const box = el("input", {
        attrs: { type: "checkbox", name: part.key, checked: part.on },
        on: { change: () => this._dryRun(detail, confirm) },
      });
      confirm.boxes[part.key] = box;
      confirm.labels[part.key] = el("label", { class: part.needs ? "sub" : "" }, box, ` ${part.label}`);
      return confirm.labels[part.key];
    });
    confirm.cancel = el(
      "button",
      { class: "cancel", attrs: { type: "button" }, on: { click: () => this._closeDelete(detail) } },
      "Cancel",
    );
    confirm.button = el(
      "button",
      { class: "confirm", attrs: { type: "button", disabled: true }, on: { click: () => this._runDelete(detail, confirm) } },
      "Delete",
    );
    confirm.dialog = el(
      "dialog",
      { class: "confirm-delete", attrs: { "aria-labelledby": "delete-title" } },
      el("h3", { attrs: { id: "delete-title" } }, `Delete ${displayTitle(stateObj.attributes)}?`),
      el("fieldset", {}, el("legend", {}, "What to delete"), parts),
      confirm.plan,
      el("div", { class: "delete-foot" }, confirm.cancel, confirm.button),
    );
    // Escape closes this dialog only, not the detail view under it.
    confirm.dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      this._closeDelete(detail);
    });
    detail.confirm = confirm;
    detail.dialog.append(confirm.dialog);
    confirm.dialog.showModal();
    confirm.cancel.focus();
    this._dryRun(detail, confirm);
  }

  _closeDelete(detail) {
    const confirm = detail.confirm;
    if (!confirm) return;
    detail.confirm = null;
    if (confirm.dialog.open) confirm.dialog.close();
    confirm.dialog.remove();
    if (!this._tracked.get(detail.entityId)) {
      this._closeDetail(); // the delete removed the request: nothing is left to show
      return;
    }
    const opener = detail.dialog.querySelector(".detail-foot button.delete");
    if (opener && detail.dialog.open) opener.focus();
  }

  /** The chosen parts, as the action's fields (a part's own options only while the part is chosen). */
  _deleteOptions(confirm) {
    const options = {};
    for (const part of DELETE_PARTS) {
      const shown = !part.needs || confirm.boxes[part.needs].checked;
      confirm.labels[part.key].hidden = !shown;
      options[part.key] = shown && confirm.boxes[part.key].checked;
    }
    return options;
  }

  _callDelete(detail, options, dryRun) {
    return this._hass.callWS({
      type: "call_service",
      domain: PLATFORM,
      service: "delete_media",
      service_data: { entity_id: detail.entityId, dry_run: dryRun, ...options },
      return_response: true,
    });
  }

  /** Ask what the chosen parts would delete; only the answer to the latest choice is shown. */
  async _dryRun(detail, confirm) {
    const options = this._deleteOptions(confirm);
    const asked = ++confirm.asked;
    confirm.answer = null;
    confirm.button.disabled = true;
    if (!Object.entries(options).some(([key, on]) => on && !DELETE_PARTS.find((p) => p.key === key).needs)) {
      confirm.plan.replaceChildren(el("div", { class: "why" }, "Choose what to delete."));
      return;
    }
    confirm.plan.replaceChildren(el("div", { class: "why" }, "Asking the services what this would delete…"));
    let answer = null;
    let error = null;
    try {
      answer = (await this._callDelete(detail, options, true)).response;
    } catch (err) {
      await this._loadTexts();
      error = this._errorText(err);
    }
    if (detail.confirm !== confirm || confirm.asked !== asked) return;
    if (error !== null) {
      confirm.plan.replaceChildren(el("div", { class: "error", attrs: { role: "alert" } }, error));
      return;
    }
    confirm.answer = answer;
    confirm.options = options;
    confirm.plan.replaceChildren(...renderDeletePlan(answer));
    const planned = Object.values(answer.services || {}).some((view) => (view.would_delete || []).length);
    confirm.button.disabled = !planned;
  }

  /** Delete what the dry run showed, with the same parts; then show what happened. */
  async _runDelete(detail, confirm) {
    if (!confirm.answer || confirm.busy) return;
    confirm.busy = true;
    confirm.button.disabled = true;
    for (const box of Object.values(confirm.boxes)) box.disabled = true;
    confirm.plan.replaceChildren(el("div", { class: "why" }, "Deleting…"));
    let answer = null;
    let error = null;
    try {
      answer = (await this._callDelete(detail, confirm.options, false)).response;
    } catch (err) {
      await this._loadTexts();
      error = this._errorText(err);
    }
    confirm.busy = false;
    confirm.done = true;
    confirm.cancel.textContent = "Close";
    if (detail.confirm !== confirm) return;
    detail.fetchedFor = null; // a real run writes a timeline entry
    if (error !== null) {
      confirm.plan.replaceChildren(el("div", { class: "error", attrs: { role: "alert" } }, `Not deleted: ${error}`));
      return;
    }
    const summary = answer.half_removed
      ? `Partly deleted: ${answer.failed.join(", ")} failed. The request is kept; try again once that is fixed.`
      : answer.failed.length
        ? `Not everything was asked: ${answer.failed.join(", ")} failed.`
        : "Deleted.";
    const failed = answer.failed.length > 0;
    confirm.plan.replaceChildren(
      el("div", { class: failed ? "failed" : "", attrs: { role: failed ? "alert" : "status" } }, summary),
      ...renderDeletePlan(answer),
    );
  }

  /** The request's timeline from get_requests (not an attribute: the recorder would keep it with every state). */
  async _fetchTimeline(detail, stateObj) {
    const asked = detail.fetchedFor;
    if (detail.entries === null) detail.timelineError = null;
    let entries = null;
    let error = null;
    try {
      const answer = await this._hass.callWS({
        type: "call_service",
        domain: PLATFORM,
        service: "get_requests",
        service_data: { entity_id: [detail.entityId], include_episodes: false },
        return_response: true,
      });
      const requests = (answer && answer.response && answer.response.requests) || [];
      const found = requests.find((request) => request.entity_id === detail.entityId);
      entries = found && Array.isArray(found.timeline) ? found.timeline : [];
    } catch (err) {
      await this._loadTexts();
      error = this._errorText(err);
    }
    // A later fetch (the request moved again) or a closed view makes this answer stale.
    if (this._detail !== detail || detail.fetchedFor !== asked) return;
    if (error === null) detail.entries = entries;
    detail.timelineError = error;
    this._renderTimeline(detail);
  }

  _renderTimeline(detail) {
    const parts = [el("h4", { attrs: { id: "detail-timeline" } }, "Timeline")];
    if (detail.timelineError !== null) {
      parts.push(
        el(
          "div",
          { class: "timeline-status", attrs: { role: "alert" } },
          `Timeline not loaded: ${detail.timelineError}`,
        ),
      );
    }
    if (detail.entries === null) {
      if (detail.timelineError === null) parts.push(el("div", { class: "timeline-status" }, "Loading…"));
    } else if (!detail.entries.length) {
      parts.push(el("div", { class: "timeline-status" }, "Nothing recorded yet"));
    } else {
      const language = this._language();
      // Newest first: what happened last is what the user opened the view for.
      const rows = [...detail.entries].reverse().map((entry) => {
        const state = entry.kind === "state" ? REQUEST_STATES[entry.code] : null;
        const markColor = state ? state.color : TIMELINE_MARKS[entry.kind];
        return el(
          "li",
          { attrs: { "data-kind": entry.kind }, style: markColor ? { "--chip-color": markColor } : {} },
          el("span", { class: "mark", attrs: { "aria-hidden": "true" } }),
          el("span", { class: "message" }, entry.message),
          el(
            "span",
            { class: "when" },
            [formatDateTime(entry.at, language), TIMELINE_KINDS[entry.kind] || entry.kind, entry.source]
              .filter(Boolean)
              .join(" · "),
          ),
        );
      });
      parts.push(el("ol", { class: "timeline" }, rows));
    }
    detail.timeline.replaceChildren(...parts);
  }

  _language() {
    const hass = this._hass || {};
    return (hass.locale && hass.locale.language) || hass.language;
  }

  /** Load the integration's translated sentences once per language (HA's frontend loads them on demand). */
  _loadTexts() {
    const hass = this._hass;
    const language = this._language();
    if (!hass || typeof hass.loadBackendTranslation !== "function") return Promise.resolve();
    if (!this._texts || this._texts.language !== language) {
      const texts = { language, localize: null };
      texts.ready = Promise.resolve(hass.loadBackendTranslation("exceptions", PLATFORM))
        .then((localize) => {
          texts.localize = typeof localize === "function" ? localize : null;
        })
        .catch(() => {});
      this._texts = texts;
    }
    return this._texts.ready;
  }

  /** A translated sentence, or "" when it is not there (HA's localize answers "" for an unknown key). */
  _translate(key, values) {
    const localize = this._texts && this._texts.localize;
    if (!localize) return "";
    try {
      return localize(key, values) || "";
    } catch (err) {
      return "";
    }
  }

  /** An action's error as Home Assistant's frontend shows it: its translated message where there is one. */
  _errorText(err) {
    if (err && err.translation_domain === PLATFORM && err.translation_key) {
      const key = `component.${PLATFORM}.exceptions.${err.translation_key}.message`;
      const text = this._translate(key, err.translation_placeholders || {});
      if (text) return text;
    }
    return (err && err.message) || String(err);
  }
}

/** The delete_media response, per service: what it deletes (or deleted), what is gone, kept or failed, and why. */
function renderDeletePlan(answer) {
  return Object.entries(answer.services || {}).map(([service, view]) => {
    const lists = DELETE_LISTS.filter(([key]) => (view[key] || []).length).map(([key, label]) =>
      el(
        "div",
        { class: key === "failed" ? "failed" : "", attrs: { "data-list": key } },
        `${label}:`,
        el("ul", {}, view[key].map((item) => renderDeleteItem(item))),
      ),
    );
    return el(
      "div",
      { attrs: { "data-service": service } },
      el("h4", {}, view.name),
      lists.length ? lists : el("div", { class: "why" }, "Nothing here."),
    );
  });
}

function renderDeleteItem(item) {
  const kind = (item.kind || "").replace(/_/g, " ");
  const name = item.title ? `${kind} ${item.title}` : `${kind} ${item.id ?? ""}`;
  const size = formatSize(item.size);
  return el(
    "li",
    {},
    name.trim(),
    item.path ? el("span", { class: "where" }, ` (${item.path}${size ? `, ${size}` : ""})`) : size ? ` (${size})` : null,
    item.reason ? el("span", { class: "why" }, `: ${item.reason}`) : null,
    item.error ? el("span", { class: "error" }, `: ${item.error}`) : null,
  );
}

function formatSize(bytes) {
  if (typeof bytes !== "number" || bytes <= 0) return "";
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value < 10 && unit ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** True when both maps hold the same entities with the same state objects (HA replaces an object on change). */
function sameStates(a, b) {
  if (a.size !== b.size) return false;
  for (const [id, stateObj] of a) {
    if (b.get(id) !== stateObj) return false;
  }
  return true;
}

function renderPoster(attrs, isTv) {
  // The media type's icon inside HA; the title's first letter where there is no ha-icon.
  const mark = () =>
    icon(isTv ? "mdi:television-classic" : "mdi:movie-open-outline") ||
    (attrs.title || "?").trim().charAt(0).toUpperCase();
  const placeholder = () => el("div", { class: "poster placeholder", attrs: { "aria-hidden": "true" } }, mark());
  const url = attrs.entity_picture || attrs.poster_url;
  if (!url) return placeholder();
  const img = el("img", {
    class: "poster",
    attrs: { src: url, alt: "", loading: "lazy", referrerpolicy: "no-referrer" },
  });
  // A poster host that is unreachable (offline, expired link) leaves the neutral placeholder instead of a broken image.
  img.addEventListener("error", () => img.replaceWith(placeholder()), { once: true });
  return img;
}

function renderMeta(attrs, stateObj, now) {
  const parts = [];
  if (attrs.requested_by) parts.push(el("span", { class: "requester" }, `by ${attrs.requested_by}`));
  if (attrs.is_4k) parts.push(el("span", { class: "tag" }, "4K"));
  if (attrs.is_anime) parts.push(el("span", { class: "tag" }, "Anime"));
  if (attrs.quality) parts.push(el("span", { class: "tag" }, attrs.quality));
  const since = formatSince(attrs.state_changed_at || stateObj.last_changed, now);
  if (since) parts.push(el("span", { class: "since" }, fillPlaceholders(TIME_TEXTS.in_state, { duration: since })));
  return parts.length ? el("div", { class: "meta" }, parts) : null;
}

/**
 * A movie's download: a bar with "45% · 12 min left · 5.2 MB/s". Not for TV: there the request's download_progress
 * is one torrent's (the first grab's), which can read "100%" while other episodes still download; the episode
 * counts and grid, written from the same episode rows, say how far a TV request is.
 */
function renderProgress(attrs, state) {
  const progress = parsePercent(attrs.download_progress);
  if (state !== "downloading" || progress === null || attrs.media_type === "tv") return null;
  const pieces = [runningPercent(progress)];
  // The sensor shows the ETA and speed as text with units ("3 min 31 s", "273 kB/s"); numbers are formatted here.
  if (typeof attrs.download_eta === "string" && attrs.download_eta) {
    pieces.push(`${attrs.download_eta} left`);
  } else if (typeof attrs.download_eta === "number" && attrs.download_eta >= 0) {
    pieces.push(`${formatDuration(attrs.download_eta)} left`);
  }
  const speed = typeof attrs.download_speed === "string" ? attrs.download_speed : formatSpeed(attrs.download_speed);
  if (speed) pieces.push(speed);
  const width = `${Math.min(100, Math.max(0, progress))}%`;
  return el(
    "div",
    { class: "progress" },
    el(
      "div",
      {
        class: "bar",
        attrs: { role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": progress },
      },
      el("div", { style: { width } }),
    ),
    el("div", { class: "progress-text" }, pieces.join(" · ")),
  );
}

/** The counts line of a TV request ("3 downloaded, 5 downloading · Grabbed 8 eps"), or null. */
function renderCounts(attrs) {
  if (!attrs.state_text) return null;
  return el("div", { class: "counts" }, attrs.state_text, attrs.grabbed_text ? ` · ${attrs.grabbed_text}` : "");
}

/** Episode rows grouped by season, in the order they come (the sensor sorts them). */
function bySeason(episodes) {
  const seasons = new Map();
  for (const episode of episodes) {
    if (!seasons.has(episode.season)) seasons.set(episode.season, []);
    seasons.get(episode.season).push(episode);
  }
  return seasons;
}

/** TV: the episode counts line and one small cell per episode, grouped by season. */
function renderEpisodes(attrs) {
  const episodes = Array.isArray(attrs.episodes) ? attrs.episodes : [];
  const counts = renderCounts(attrs);
  if (!episodes.length) return counts;
  const seasons = bySeason(episodes);
  const grid = el("div", { class: "episodes" });
  for (const [season, rows] of seasons) {
    const group = el("div", { class: "season" });
    // The season label only helps when there are several seasons in the grid.
    if (seasons.size > 1) group.append(el("span", { class: "season-label" }, `S${season}`));
    group.append(...rows.map(renderEpisodeCell));
    grid.append(group);
  }
  return el("div", { class: "tv" }, counts, grid);
}

function renderEpisodeCell(episode) {
  const info = EPISODE_STATES[episode.state] || UNKNOWN_STATE;
  // Same words as the state_text line: "pending" reads "queued".
  const state = episode.state === "pending" ? "queued" : String(episode.state).replace("_", " ");
  let label = `${episodeCode(episode.season, episode.episode)} ${state}`;
  const percent = runningPercent(episode.download_progress);
  if (episode.state === "downloading" && percent) label += ` ${percent}`;
  if (episode.title) label += ` · ${episode.title}`;
  return el("span", {
    class: `ep ${episode.state}`,
    attrs: { title: label, "data-state": episode.state, role: "img", "aria-label": label },
    style: { "--chip-color": info.color },
  });
}

/** The detail view's per-episode grid: one labelled row per season, one numbered cell per episode. */
function renderSeasonGrid(attrs) {
  const episodes = Array.isArray(attrs.episodes) ? attrs.episodes : [];
  const counts = renderCounts(attrs);
  if (!episodes.length) return counts;
  const seasons = bySeason(episodes);
  const grid = el("div", { class: "season-grid" });
  for (const [season, rows] of seasons) {
    const cells = rows.map((episode) => {
      const cell = renderEpisodeCell(episode);
      cell.className = `ep-cell ${episode.state}`;
      cell.append(String(episode.episode ?? "?"));
      return cell;
    });
    grid.append(
      el("div", { class: "season-row" }, el("span", { class: "season-label" }, `Season ${season}`), cells),
    );
  }
  return el(
    "section",
    { class: "detail-section episodes-detail", attrs: { "aria-labelledby": "detail-episodes" } },
    el("h4", { attrs: { id: "detail-episodes" } }, "Episodes"),
    counts,
    grid,
  );
}

/** Why a request needs a look: failed, stuck or needs_attention, with the tracker's reason. */
function renderWarning(attrs, state, now) {
  let text = null;
  let cls = "warning";
  if (state === "failed") {
    text = attrs.reason ? `Failed: ${attrs.reason}` : "Failed";
  } else if (attrs.stuck_since) {
    // When it was flagged, not a duration: a "for" here would read like the time in this state beside it.
    const ago = formatAgo(attrs.stuck_since, now);
    text = `${ago ? fillPlaceholders(TIME_TEXTS.stuck, { ago }) : "Stuck"}${attrs.reason ? `: ${attrs.reason}` : ""}`;
    cls = "warning stuck";
  } else if (attrs.needs_attention) {
    text = `Needs attention${attrs.reason ? `: ${attrs.reason}` : ""}`;
  } else if (attrs.reason) {
    text = attrs.reason;
    cls = "warning stuck";
  }
  return text ? el("div", { class: cls }, icon("mdi:alert"), el("span", {}, text)) : null;
}

/* ------------------------------------------------------------------------------------------------------------ */
/* The visual editor: plain inputs; every change fires config-changed with the whole new config.                */
/* ------------------------------------------------------------------------------------------------------------ */

const EDITOR_STYLE = `
  :host { display: block; }
  form { display: grid; gap: 12px; padding: 4px 0; color: var(--primary-text-color, #212121); }
  label { display: grid; gap: 4px; font-size: 0.9em; color: var(--secondary-text-color, #727272); }
  label.check { display: flex; align-items: center; gap: 8px; color: var(--primary-text-color, #212121); }
  input:not([type="checkbox"]), select {
    font: inherit; padding: 8px; border-radius: 4px;
    border: 1px solid var(--divider-color, #bdbdbd);
    background: var(--card-background-color, #fff); color: var(--primary-text-color, #212121);
  }
`;

class StatusTrackerCardEditor extends HTMLElement {
  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this._config = { ...DEFAULTS };
    this._inputs = null;
  }

  // The editor needs no entity data; HA sets hass on it anyway.
  set hass(_hass) {}

  setConfig(config) {
    this._config = { ...config };
    if (!this._inputs) this._build();
    this._fill();
  }

  _build() {
    const onChange = () => this._changed();
    this._inputs = {
      title: el("input", { attrs: { type: "text", name: "title" }, on: { change: onChange } }),
      filter: el(
        "select",
        { attrs: { name: "filter" }, on: { change: onChange } },
        FILTERS.map((filter) => el("option", { attrs: { value: filter } }, FILTER_LABELS[filter])),
      ),
      max_items: el("input", {
        attrs: { type: "number", name: "max_items", min: 1, step: 1 },
        on: { change: onChange },
      }),
      show_posters: el("input", { attrs: { type: "checkbox", name: "show_posters" }, on: { change: onChange } }),
    };
    const form = el(
      "form",
      { on: { submit: (event) => event.preventDefault() } },
      el("label", {}, "Title", this._inputs.title),
      el("label", {}, "Show first", this._inputs.filter),
      el("label", {}, "Maximum requests", this._inputs.max_items),
      el("label", { class: "check" }, this._inputs.show_posters, "Show posters"),
    );
    this.shadowRoot.replaceChildren(el("style", {}, EDITOR_STYLE), form);
  }

  _fill() {
    const config = { ...DEFAULTS, ...this._config };
    // Leave the field being typed in alone: HA echoes each change back through setConfig.
    const active = this.shadowRoot.activeElement;
    if (active !== this._inputs.title) this._inputs.title.value = config.title ?? "";
    this._inputs.filter.value = FILTERS.includes(config.filter) ? config.filter : DEFAULTS.filter;
    if (active !== this._inputs.max_items) {
      this._inputs.max_items.value = String(config.max_items ?? DEFAULTS.max_items);
    }
    this._inputs.show_posters.checked = config.show_posters !== false;
  }

  _changed() {
    const config = { ...this._config, title: this._inputs.title.value, filter: this._inputs.filter.value };
    const maxItems = Number.parseInt(this._inputs.max_items.value, 10);
    // An empty or invalid number keeps the previous value rather than producing a config setConfig would reject.
    if (Number.isInteger(maxItems) && maxItems >= 1) config.max_items = maxItems;
    config.show_posters = this._inputs.show_posters.checked;
    this._config = config;
    this.dispatchEvent(new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }));
  }
}

/* ------------------------------------------------------------------------------------------------------------ */
/* Registration (guarded: the module may be loaded twice, e.g. as an extra module and as a dashboard resource)   */
/* ------------------------------------------------------------------------------------------------------------ */

function registerElements() {
  for (const [tag, element] of [
    [CARD_TYPE, StatusTrackerCard],
    [EDITOR_TYPE, StatusTrackerCardEditor],
  ]) {
    if (customElements.get(tag)) continue;
    try {
      customElements.define(tag, element);
    } catch (err) {
      // Already known to the browser's own registry under a registry wrapper that cannot see it: harmless.
    }
  }
}

registerElements();
// Extra modules are imported in parallel with the frontend, which may then replace window.customElements with a
// scoped-registry polyfill that does not see elements defined before it (Lovelace would show "Custom element doesn't
// exist"). Define again on whatever registry is in place, until the swapped registry knows the card, for a minute.
{
  const initialRegistry = window.customElements;
  const started = Date.now();
  const timer = setInterval(() => {
    registerElements();
    const swapped = window.customElements !== initialRegistry;
    if ((swapped && customElements.get(CARD_TYPE)) || Date.now() - started > 60000) clearInterval(timer);
  }, 100);
}

window.customCards = window.customCards || [];
if (!window.customCards.some((card) => card.type === CARD_TYPE)) {
  window.customCards.push({
    type: CARD_TYPE,
    name: "Media Request Status Tracker",
    // The picker's search (Fuse, threshold 0.2) finds words near the start only: "Jellyseerr" first.
    description: "Jellyseerr requests on their way to Jellyfin: state, progress, episodes, what is stuck or failed.",
    preview: true,
    documentationURL: DOCUMENTATION_URL,
  });
}
