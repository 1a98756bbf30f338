// Slipway dashboard: renders the controller's snapshots as they arrive over server-sent events, and sends the
// actions a user confirms. Plain DOM and hand-drawn SVG: nothing is loaded from anywhere but this server.
'use strict';

const csrf = document.querySelector('meta[name="slipway-csrf"]').content;
const $ = (id) => document.getElementById(id);
let latest = null;
let clockOffset = 0; // server time minus browser time, for the pause countdown

// ------------------------------------------------------------------ live stream

function connect() {
  const source = new EventSource('/api/v1/dashboard/events');
  source.addEventListener('open', () => setConnection('', 'connected'));
  source.addEventListener('error', () => setConnection('down', 'reconnecting…'));
  source.addEventListener('status', (event) => {
    const snapshot = JSON.parse(event.data);
    if (snapshot.error) {
      setConnection('down', 'controller error');
      return;
    }
    latest = snapshot;
    clockOffset = Date.parse(snapshot.now) - Date.now();
    render(snapshot);
    setConnection('live', 'live'); // only once the page shows the controller's state
  });
}

function setConnection(kind, text) {
  const badge = $('connection');
  badge.className = 'badge ' + kind;
  badge.textContent = text;
}

// ------------------------------------------------------------------ rendering

function render(s) {
  const status = s.status;
  $('updated').textContent = 'updated ' + new Date(s.now).toLocaleTimeString();
  renderRollout(s);
  renderRelease($('stable'), 'stable', status.stable, null);
  renderRelease($('canary'), 'canary', status.canary, status.canary ? status.canaryWeight : null);
  renderSchema(s);
  renderGuard(status.actions);
  renderTimeline(status.recentEvents);
  renderAudit(s.history);
  renderCharts(s);
  renderAnalyses(status.analyses || []);
  updateButtons(s);
}

function renderRollout(s) {
  const rollout = s.status.rollout;
  const phase = $('phase');
  if (!rollout) {
    phase.textContent = 'no rollout yet';
    phase.className = 'phase';
    $('rollout-versions').textContent = '';
    $('rollout-message').textContent = '';
    $('step').textContent = '';
    $('steps').replaceChildren();
    $('rollout-progress').style.width = '0';
    return;
  }
  phase.textContent = rollout.phase;
  phase.className = 'phase ' + rollout.phase;
  $('rollout-versions').textContent = (rollout.from ? rollout.from : '(first deploy)') + ' → ' + rollout.to
      + (s.strategy ? ' · ' + s.strategy : '');
  $('rollout-message').textContent = rollout.message || '';
  const finished = rollout.phase === 'PROMOTED' || rollout.phase === 'ABORTED';
  const total = s.steps.length;
  $('step').textContent = finished ? '' : (total ? 'step ' + Math.min(rollout.step + 1, total) + ' of ' + total
      : 'step ' + rollout.step) + ' · canary weight ' + rollout.weight + '%';
  $('step').dataset.step = rollout.step;
  const done = rollout.phase === 'PROMOTED' ? total : rollout.step;
  $('rollout-progress').style.width = (total ? Math.round(100 * done / total) : rollout.weight) + '%';
  $('steps').replaceChildren(...s.steps.map((text, index) => {
    const item = document.createElement('li');
    item.textContent = text;
    if (rollout.phase === 'PROMOTED' || index < rollout.step) item.className = 'done';
    else if (index === rollout.step && !finished) item.className = 'current';
    return item;
  }));
  updatePause();
}

function updatePause() {
  const pause = $('pause');
  const rollout = latest && latest.status.rollout;
  if (!rollout || rollout.phase !== 'PAUSED') {
    pause.hidden = true;
    return;
  }
  pause.hidden = false;
  if (latest.pauseEndsAt) {
    const left = Math.max(0, Math.round((Date.parse(latest.pauseEndsAt) - (Date.now() + clockOffset)) / 1000));
    pause.textContent = 'Paused: ' + formatDuration(left) + ' left, or promote now.';
  } else {
    pause.textContent = 'Paused until promoted.';
  }
}

function renderRelease(element, role, revision, weight) {
  if (!revision) {
    element.replaceChildren(text('span', role, 'role ' + role), text('span', role === 'stable' ? 'none' : 'no canary', 'muted'));
    return;
  }
  element.replaceChildren(
      text('span', role, 'role ' + role),
      text('span', revision.version, 'version'),
      text('span', revision.readyReplicas + '/' + revision.replicas + ' ready', 'ready'),
      text('span', 'reads schema [' + revision.schema[0] + ', ' + revision.schema[1] + ']'
          + (weight === null ? '' : ' · ' + weight + '% of traffic'), 'detail'));
}

function renderSchema(s) {
  const status = s.status;
  $('schema-state').textContent = '{' + status.schemaState.join(', ') + '}';
  $('schema-pending').hidden = !status.schemaUpdatePending;
  const migration = status.migration;
  $('migration').textContent = migration
      ? 'Migration ' + migration.version + ' (' + migration.name + '): ' + migration.phase
        + (status.contractAt ? ' · contract at ' + new Date(status.contractAt).toLocaleString() : '')
      : 'No migration in flight.';
  // the backfill belongs to the migration in flight: once it is completed or rolled back, it is history
  const backfill = migration ? s.backfill : null;
  $('backfill').hidden = !backfill;
  if (backfill) {
    const percent = backfill.total > 0 ? Math.min(100, Math.round(100 * backfill.done / backfill.total)) : 100;
    $('backfill-bar').style.width = percent + '%';
    $('backfill-text').textContent = 'Backfill of ' + backfill.table + ': ' + backfill.done.toLocaleString() + ' of '
        + backfill.total.toLocaleString() + ' rows (' + percent + '%)'
        + (backfill.running ? ' · ' + backfill.rowsPerSecond.toLocaleString() + ' rows/s'
          + (backfill.etaSeconds !== null ? ' · ETA ' + formatDuration(backfill.etaSeconds) : '') : ' · done');
  }
}

function renderGuard(actions) {
  $('guard').tBodies[0].replaceChildren(...actions.map((check) => {
    const row = document.createElement('tr');
    row.append(text('td', check.action), text('td', check.allowed ? 'allowed' : 'refused',
        check.allowed ? 'allowed' : 'refused'), text('td', check.reason, 'reason'));
    return row;
  }));
}

function renderTimeline(events) {
  $('timeline').replaceChildren(...events.slice().reverse().map((entry) => {
    const item = document.createElement('li');
    const weights = Object.entries(entry.weights).map(([v, w]) => v + ' ' + w + '%').join(', ');
    item.append(time(entry.at), document.createTextNode(entry.event),
        text('span', weights ? ' · ' + weights : '', 'muted'));
    return item;
  }));
}

function renderAudit(entries) {
  $('audit').tBodies[0].replaceChildren(...entries.map((entry) => {
    const row = document.createElement('tr');
    const when = document.createElement('td');
    when.append(time(entry.at));
    row.append(when, text('td', entry.actor), text('td', entry.action),
        text('td', entry.outcome, entry.outcome === 'refused' ? 'refused' : ''), text('td', entry.detail, 'reason'));
    return row;
  }));
}

// ------------------------------------------------------------------ charts (hand-drawn SVG)

const CHART = { height: 160, left: 44, right: 10, top: 10, bottom: 22 };

function renderCharts(s) {
  const points = s.series;
  const stable = s.status.stable && s.status.stable.version;
  const canary = s.status.canary && s.status.canary.version;
  const versions = [];
  points.forEach((p) => Object.keys(p.weights).forEach((v) => { if (!versions.includes(v)) versions.push(v); }));
  chart($('weight-chart'), points, versions.map((v) => ({
    name: v, cls: v === canary ? 'canary' : v === stable ? 'stable' : 'other', area: v === canary,
    value: (p) => (p.weights[v] === undefined ? null : p.weights[v]),
  })), { max: 100, format: (v) => v + '%' });
  const limits = s.limits || {};
  const measured = (version, field) => (p) => {
    const m = version && p.versions[version];
    return m && m[field] !== null && m[field] !== undefined ? m[field] : null;
  };
  const lines = (field) => [
    stable && { name: 'stable ' + stable, cls: 'stable', value: measured(stable, field) },
    canary && { name: 'canary ' + canary, cls: 'canary', value: measured(canary, field) },
  ].filter(Boolean);
  chart($('error-chart'), points, lines('errorRate'),
      { limit: limits.errorRate, format: (v) => (v * 100).toFixed(v < 0.1 ? 1 : 0) + '%', minMax: 0.02 });
  chart($('latency-chart'), points, lines('p99'),
      { limit: limits.latencyP99Millis, format: (v) => Math.round(v) + ' ms', minMax: 10 });
}

// ------------------------------------------------------------------ analyses: each metric's measurements

/** The first number in a measurement's value ("score 85", "212.5", "[0.01]"), or null (a job, no data). */
function numberIn(value) {
  const match = /-?\d+(\.\d+)?(e[-+]?\d+)?/i.exec(value || '');
  return match ? Number(match[0]) : null;
}

function renderAnalyses(analyses) {
  const container = $('analyses');
  if (!analyses.length) {
    container.replaceChildren(text('p', 'no analysis yet', 'muted'));
    return;
  }
  container.replaceChildren(...analyses.slice().reverse().map((analysis) => {
    const block = document.createElement('div');
    block.className = 'analysis';
    const head = document.createElement('div');
    head.append(text('strong', analysis.name), text('span', analysis.phase, 'measurement-phase ' + analysis.phase),
        text('span', analysis.message || '', 'muted small'));
    block.append(head);
    analysis.metrics.forEach((metric) => {
      const row = document.createElement('div');
      row.className = 'analysis-metric';
      const label = document.createElement('div');
      label.append(text('strong', metric.name), text('span', metric.phase, 'measurement-phase ' + metric.phase),
          text('span', ' ' + metric.provider + (metric.dryRun ? ' (dry run)' : '') + ' · ' + metric.successful
              + ' successful, ' + metric.failed + ' failed, ' + metric.inconclusive + ' inconclusive, '
              + metric.errors + ' errors', 'muted small'));
      const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
      svg.setAttribute('class', 'chart measurements');
      svg.setAttribute('role', 'img');
      svg.setAttribute('aria-label', 'measurements of ' + metric.name);
      const last = metric.measurements[metric.measurements.length - 1];
      row.append(label, svg, text('div', last ? last.message : 'not measured yet', 'muted small reason'));
      block.append(row);
      // drawn once in the page, so the chart knows its width
      requestAnimationFrame(() => measurementChart(svg, metric));
    });
    return block;
  }));
}

function measurementChart(svg, metric) {
  const points = metric.measurements.map((m) => ({ at: Date.parse(m.finishedAt), value: numberIn(m.value), phase: m.phase }));
  const numeric = points.some((p) => p.value !== null);
  chart(svg, points, [{
    name: numeric ? 'value' : 'outcome', cls: 'canary',
    value: (p) => (numeric ? p.value : 0), mark: (p) => p.phase,
  }], { format: (v) => (Math.abs(v) >= 100 ? Math.round(v) : Number(v.toPrecision(2))) + '', minMax: numeric ? 0 : 1,
    height: 110, empty: 'not measured yet' });
}

function chart(svg, points, lines, options) {
  const { left, right, top, bottom } = CHART;
  const height = options.height || CHART.height;
  // drawn in the element's own pixels, so labels keep their size however wide the card is
  const width = Math.max(200, Math.round(svg.getBoundingClientRect().width) || 600);
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const plotWidth = width - left - right;
  const plotHeight = height - top - bottom;
  const values = [];
  lines.forEach((line) => points.forEach((p) => { const v = line.value(p); if (v !== null) values.push(v); }));
  let max = options.max;
  if (max === undefined) {
    max = Math.max(options.minMax || 1, options.limit ? options.limit * 1.25 : 0, ...values.map((v) => v * 1.1));
  }
  const t0 = points.length ? points[0].at : 0;
  const t1 = points.length ? points[points.length - 1].at : 1;
  const span = Math.max(t1 - t0, 60000);
  const x = (at) => left + plotWidth * (1 - (t1 - at) / span);
  const y = (v) => top + plotHeight * (1 - Math.min(v, max) / max);
  const parts = [];
  for (const fraction of [0, 0.5, 1]) {
    const v = max * fraction;
    parts.push(`<line class="${fraction ? 'grid' : 'axis'}" x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}"/>`,
        `<text x="${left - 4}" y="${y(v) + 3}" text-anchor="end">${escapeXml(options.format(v))}</text>`);
  }
  parts.push(`<text x="${left}" y="${height - 6}">−${Math.round(span / 1000)} s</text>`,
      `<text x="${width - right}" y="${height - 6}" text-anchor="end">now</text>`);
  if (options.limit !== undefined && options.limit !== null) {
    parts.push(`<line class="limit" x1="${left}" x2="${width - right}" y1="${y(options.limit)}" y2="${y(options.limit)}"/>`);
  }
  lines.forEach((line) => {
    const segments = [];
    let current = [];
    points.forEach((p) => {
      const v = line.value(p);
      if (v === null) { if (current.length) segments.push(current); current = []; return; }
      current.push([x(p.at), y(v)]);
    });
    if (current.length) segments.push(current);
    segments.forEach((segment) => {
      const path = segment.map(([px, py], i) => (i ? 'L' : 'M') + px.toFixed(1) + ' ' + py.toFixed(1)).join(' ');
      if (line.area) {
        const last = segment[segment.length - 1];
        parts.push(`<path class="area" d="${path} L${last[0].toFixed(1)} ${y(0)} L${segment[0][0].toFixed(1)} ${y(0)} Z"/>`);
      }
      parts.push(`<path class="line ${line.cls}" d="${path}"/>`);
    });
    if (line.mark) {
      // each point's outcome as a dot: green successful, red failed, amber inconclusive, grey error
      points.forEach((p) => {
        const v = line.value(p);
        if (v !== null) {
          parts.push(`<circle class="mark ${escapeXml(line.mark(p))}" cx="${x(p.at).toFixed(1)}" cy="${y(v).toFixed(1)}" r="4"/>`);
        }
      });
    }
  });
  let legendX = left + 6;
  const legend = lines.map((line) => ({ name: line.name, cls: 'legend-' + line.cls }));
  if (options.limit !== undefined && options.limit !== null) legend.push({ name: 'limit', cls: 'legend-limit' });
  legend.forEach((item) => {
    parts.push(`<rect x="${legendX}" y="${top + 2}" width="10" height="4" class="${item.cls}"/>`,
        `<text x="${legendX + 14}" y="${top + 8}">${escapeXml(item.name)}</text>`);
    legendX += 24 + item.name.length * 6;
  });
  if (!points.length || (!values.length && options.max === undefined)) {
    parts.push(`<text x="${left + plotWidth / 2}" y="${top + plotHeight / 2}" text-anchor="middle">${escapeXml(options.empty || 'no requests measured yet')}</text>`);
  }
  svg.innerHTML = parts.join('');
}

// ------------------------------------------------------------------ actions

const ACTIONS = {
  'promote': { title: 'Promote', verb: 'promote requested', path: () => '/api/v1/rollout/promote',
    text: (s) => 'End the current pause of ' + target(s) + ' and go on with the next step.' },
  'promote-full': { title: 'Promote fully', verb: 'promoting now', path: () => '/api/v1/rollout/promote?full=true',
    text: (s) => 'Skip every remaining step: ' + target(s) + ' gets all traffic now.' },
  'abort': { title: 'Abort', verb: 'abort requested', path: () => '/api/v1/rollout/abort', danger: true,
    text: (s) => 'Send all traffic back to ' + (s.status.stable ? s.status.stable.version : 'stable')
        + ' and remove ' + target(s) + '.' },
  'retry': { title: 'Retry', verb: 'retry started', path: () => '/api/v1/rollout/retry',
    text: (s) => 'Run the rollout of ' + (s.status.rollout ? s.status.rollout.to : '?') + ' again from its first step.' },
  'undo': { title: 'Undo', verb: 'undo started', danger: true, forceable: true,
    path: (s) => '/api/v1/rollout/undo' + (undoTarget(s) ? '?to=' + encodeURIComponent(undoTarget(s)) : ''),
    text: (s) => 'Go back to ' + (undoTarget(s) || 'the previous release') + ' on all replicas.' },
};

function target(s) {
  return s.status.canary ? s.status.service + ' ' + s.status.canary.version : 'the rollout';
}

function undoTarget(s) {
  const check = s.status.actions.find((a) => a.action.startsWith('rollout undo --to '));
  return check ? check.action.substring('rollout undo --to '.length) : null;
}

function allowed(s, name) {
  const check = s.status.actions.find((a) => a.action === name || a.action.startsWith(name + ' '));
  return !!(check && check.allowed);
}

function updateButtons(s) {
  const rollout = s.status.rollout;
  $('btn-promote').disabled = !allowed(s, 'rollout promote');
  $('btn-promote-full').disabled = !allowed(s, 'rollout promote');
  $('btn-abort').disabled = !allowed(s, 'rollout abort');
  $('btn-retry').disabled = !(rollout && rollout.phase === 'ABORTED' && !s.status.canary);
  // Undo stays clickable when the guard refuses it: the user sees why, and may override with a backup.
  $('btn-undo').disabled = !undoTarget(s);
  $('btn-undo').title = allowed(s, 'rollout undo') ? '' : 'the guard refuses this now: see Guard';
}

function confirmAction(name, force) {
  const action = ACTIONS[name];
  $('confirm-title').textContent = (force ? 'Force ' : '') + action.title + '?';
  $('confirm-text').textContent = action.text(latest);
  $('force-fields').hidden = !force;
  $('force-reason').required = !!force;
  $('confirm-ok').className = 'primary' + (action.danger || force ? ' danger' : '');
  $('confirm-ok').textContent = force ? 'Override the guard' : action.title;
  const dialog = $('confirm-dialog');
  dialog.returnValue = '';
  dialog.onclose = () => {
    if (dialog.returnValue === 'ok') send(name, force);
  };
  dialog.showModal();
}

async function send(name, force) {
  const action = ACTIONS[name];
  let path = action.path(latest);
  if (force) {
    const backup = $('force-backup').value.trim() || 'auto';
    path += (path.includes('?') ? '&' : '?') + 'force=true&backup=' + encodeURIComponent(backup)
        + '&reason=' + encodeURIComponent($('force-reason').value.trim());
  }
  showResult('…', false);
  let response;
  try {
    response = await fetch(path, { method: 'POST', headers: { 'X-Slipway-CSRF': csrf }, credentials: 'same-origin' });
  } catch (e) {
    showResult('The controller did not answer: ' + e.message, true);
    return;
  }
  const body = await response.json().catch(() => ({}));
  if (response.ok) {
    showResult((force ? 'forced: ' : '') + action.verb, false);
    return;
  }
  const message = body.error || ('HTTP ' + response.status);
  showResult(message, true, response.status === 409 && action.forceable && message.startsWith('refused:') ? name : null);
}

function showResult(message, refused, forceable) {
  const box = $('action-result');
  box.hidden = false;
  box.className = refused ? 'refused' : '';
  box.replaceChildren(text('div', message));
  box.firstChild.id = refused ? 'refusal' : 'accepted';
  if (forceable) {
    const button = text('button', 'Force with backup…', 'danger');
    button.type = 'button';
    button.id = 'btn-force';
    button.addEventListener('click', () => confirmAction(forceable, true));
    box.append(button);
  }
}

// ------------------------------------------------------------------ helpers

function text(tag, content, className) {
  const element = document.createElement(tag);
  element.textContent = content === null || content === undefined ? '' : String(content);
  if (className) element.className = className;
  return element;
}

function time(iso) {
  const element = document.createElement('time');
  element.dateTime = iso || '';
  element.textContent = iso ? new Date(iso).toLocaleTimeString() : '';
  return element;
}

function formatDuration(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const sec = seconds % 60;
  return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + sec + 's';
}

function escapeXml(value) {
  return String(value).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

document.addEventListener('DOMContentLoaded', () => {
  document.querySelectorAll('#actions button').forEach((button) =>
    button.addEventListener('click', () => confirmAction(button.dataset.action, false)));
  $('logout').addEventListener('click', async () => {
    await fetch('/logout', { method: 'POST', headers: { 'X-Slipway-CSRF': csrf }, credentials: 'same-origin' });
    location.reload();
  });
  setInterval(updatePause, 1000);
  connect();
});
