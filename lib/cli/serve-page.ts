// The web view's one page: a sidebar of models and objects; the selected object's history; the
// field diff of the selected version against the one before; its blame. Every value from the
// repository reaches the page as JSON and is put in the DOM as text (textContent), never as HTML.
// Each panel drops answers to requests it has since replaced (a token per request), and
// <body data-state> is "settled" once no request is pending: what tests wait for.
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>gitmodel</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; display: grid; grid-template-columns: 16rem 1fr; height: 100vh; color: #222; }
  nav { border-right: 1px solid #ddd; overflow: auto; padding: .5rem; background: #fafafa; }
  main { overflow: auto; padding: .5rem 1rem; }
  h1 { font-size: 1rem; margin: .25rem 0 .5rem; }
  h2 { font-size: .95rem; margin: 1rem 0 .25rem; }
  ul { list-style: none; margin: 0; padding: 0; }
  li button, td button { all: unset; cursor: pointer; display: block; padding: .1rem .3rem; border-radius: 3px; }
  li button:hover, tr:hover { background: #eef; }
  .selected, tr.selected { background: #dde4ff; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .15rem .4rem; border-bottom: 1px solid #eee; vertical-align: top; font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; word-break: break-word; }
  th { font-family: system-ui, sans-serif; color: #666; }
  del { background: #ffe0e0; color: #a00; }
  ins { background: #dcffdc; color: #060; text-decoration: none; }
  .error { color: #a00; }
  .muted { color: #888; }
</style>
</head>
<body data-state="loading">
<nav>
  <h1>Models</h1>
  <ul id="models"></ul>
  <h1 id="objects-title">Objects</h1>
  <ul id="objects"></ul>
</nav>
<main>
  <h1 id="title" class="muted">Pick a model, then an object</h1>
  <h2>History</h2>
  <table id="history"><thead><tr><th>commit</th><th>status</th><th>date</th><th>author</th><th>message</th></tr></thead><tbody></tbody></table>
  <h2 id="diff-title">Changes</h2>
  <table id="diff"><thead><tr><th>field</th><th>before</th><th>after</th></tr></thead><tbody></tbody></table>
  <h2 id="blame-title">Blame</h2>
  <table id="blame"><thead><tr><th>field</th><th>commit</th><th>author</th><th>date</th><th>value</th></tr></thead><tbody></tbody></table>
</main>
<script type="module">
const $ = (id) => document.getElementById(id);
let pending = 0;
const tokens = {};

/** An element with text children only: repository values are never parsed as HTML. */
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}
const show = (v) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const short = (oid) => (oid ? oid.slice(0, 7) : '');
const day = (d) => String(d).slice(0, 19).replace('T', ' ');

/**
 * Loads a route for a panel; the answer is used only if no newer request for that panel was made
 * meanwhile (a slow answer must not overwrite a newer one).
 */
async function load(panel, url, render) {
  const token = (tokens[panel] = (tokens[panel] ?? 0) + 1);
  pending++;
  document.body.dataset.state = 'loading';
  try {
    const res = await fetch(url);
    const body = await res.json();
    if (token !== tokens[panel]) return;
    if (!res.ok) throw new Error(body.error ? body.error.code + ': ' + body.error.message : res.statusText);
    render(body);
  } catch (error) {
    if (token === tokens[panel]) fail(panel, error);
  } finally {
    if (--pending === 0) document.body.dataset.state = 'settled';
  }
}
function fail(panel, error) {
  const target = $(panel).tagName === 'TABLE' ? $(panel).tBodies[0] : $(panel);
  target.replaceChildren(el($(panel).tagName === 'TABLE' ? 'tr' : 'li', { className: 'error' }, el($(panel).tagName === 'TABLE' ? 'td' : 'span', { colSpan: 5 }, String(error.message ?? error))));
}
const q = (params) => new URLSearchParams(params).toString();
function select(list, button) {
  for (const b of list.querySelectorAll('.selected')) b.classList.remove('selected');
  button.classList.add('selected');
}

function models() {
  load('models', '/api/models', (rows) => {
    $('models').replaceChildren(...rows.map((m) => {
      const b = el('button', { className: 'model', onclick: () => { select($('models'), b); objects(m.name); } }, m.name + ' ', el('span', { className: 'muted' }, '(' + m.objects + ')'));
      b.dataset.model = m.name;
      return el('li', {}, b);
    }));
  });
}

function objects(model) {
  $('objects-title').textContent = 'Objects of ' + model;
  load('objects', '/api/objects?' + q({ model }), (rows) => {
    $('objects').replaceChildren(...rows.map((o) => {
      const b = el('button', { className: 'object', onclick: () => { select($('objects'), b); object(model, o.id); } }, o.id);
      b.dataset.id = o.id;
      return el('li', {}, b);
    }));
  });
}

function object(model, id) {
  $('title').textContent = model + '/' + id;
  $('title').className = '';
  load('history', '/api/history?' + q({ model, id }), (versions) => {
    const rows = versions.map((v, i) => {
      const tr = el('tr', { className: 'version' },
        el('td', {}, el('button', { onclick: () => version(model, id, v, tr) }, short(v.commit.oid))),
        el('td', {}, v.status + (v.movedFrom !== undefined ? ' from ' + v.movedFrom : '')),
        el('td', {}, day(v.commit.author.date)),
        el('td', {}, v.commit.author.name),
        el('td', {}, v.commit.message.split('\\n')[0]));
      tr.dataset.commit = v.commit.oid;
      return tr;
    });
    $('history').tBodies[0].replaceChildren(...rows);
    if (versions.length) version(model, id, versions[0], rows[0]);
  });
}

function version(model, id, v, tr) {
  select($('history'), tr);
  const at = v.commit.oid;
  $('diff-title').textContent = 'Changes in ' + short(at) + ' (against the version before)';
  load('diff', '/api/diff?' + q({ model, id, to: at }), (d) => {
    $('diff').tBodies[0].replaceChildren(...d.changes.map((c) =>
      el('tr', { className: 'change' }, el('td', {}, c.field),
        el('td', {}, c.fromUnset ? el('span', { className: 'muted' }, '(unset)') : el('del', {}, show(c.from))),
        el('td', {}, c.unset ? el('span', { className: 'muted' }, '(unset)') : el('ins', {}, show(c.to))))));
  });
  $('blame-title').textContent = 'Blame at ' + short(at);
  if (v.status === 'deleted') {
    tokens.blame = (tokens.blame ?? 0) + 1;
    $('blame').tBodies[0].replaceChildren(el('tr', {}, el('td', { colSpan: 5, className: 'muted' }, 'deleted in this commit')));
    return;
  }
  load('blame', '/api/blame?' + q({ model, id, at }), (rows) => {
    $('blame').tBodies[0].replaceChildren(...rows.map((r) =>
      el('tr', { className: 'blame' }, el('td', {}, r.field), el('td', {}, short(r.commit.oid)), el('td', {}, r.commit.author.name),
        el('td', {}, day(r.commit.author.date)), el('td', {}, r.unset ? '(unset)' : show(r.value)))));
  });
}

models();
</script>
</body>
</html>
`;
