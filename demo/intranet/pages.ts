/**
 * Server-rendered HTML of the demo intranet. Pure functions of their inputs (no
 * clock, no nonce): integration tests compare the bytes Gatehouse forwards with
 * the bytes the intranet serves directly.
 */
import { ACCOUNTS, type Identity } from './accounts.js';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

const TITLE = 'Example Intranet';

const INLINE_CSS = `*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2633;background:#f4f6fa}
a{color:#1d4ed8}
header{display:flex;align-items:center;gap:1rem;padding:.7rem 1.5rem;background:#0f1f4b;color:#fff}
header .brand{display:flex;align-items:center;gap:.6rem;color:#fff;text-decoration:none;font-weight:600;font-size:1.05rem}
header nav{display:flex;gap:1rem;flex:1}
header nav a{color:#c9d6ff;text-decoration:none}
header nav a:hover,header nav a[aria-current]{color:#fff;text-decoration:underline}
header .who{color:#c9d6ff;font-size:.9rem}
header .who a{color:#fff;margin-left:.6rem}
main{max-width:60rem;margin:2rem auto;padding:0 1.5rem}
h1{font-size:1.6rem;margin:.2rem 0 1rem}
.panel{background:#fff;border:1px solid #dfe4ec;border-radius:12px;padding:1.5rem 1.7rem;box-shadow:0 1px 3px rgba(20,40,80,.06)}
.login{max-width:24rem;margin:4rem auto}
.login h1{text-align:center}
label{display:block;margin:.8rem 0 .25rem;font-weight:500}
input[type=text],input[type=password]{width:100%;padding:.55rem .7rem;border:1px solid #c4ccd9;border-radius:8px;font:inherit}
input:focus{outline:2px solid #93b4ff;border-color:#1d4ed8}
button{margin-top:1.2rem;width:100%;padding:.6rem;border:0;border-radius:8px;background:#1d4ed8;color:#fff;font:inherit;font-weight:600;cursor:pointer}
button:hover{background:#1e40af}
.error{padding:.6rem .8rem;border-radius:8px;background:#fde8e8;color:#9b1c1c;margin-bottom:.5rem}
.note{color:#5b6475;font-size:.9rem}
.accounts{width:100%;border-collapse:collapse;font-size:.88rem;margin-top:.4rem}
.accounts td{padding:.2rem .3rem;border-top:1px solid #eef1f6}
.accounts code{background:#f1f4f9;padding:0 .3rem;border-radius:4px}
footer{max-width:60rem;margin:2rem auto;padding:0 1.5rem;color:#8a93a5;font-size:.8rem}`;

function head(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · ${TITLE}</title>
<link rel="icon" href="/assets/logo.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/style.css">
<style>
${INLINE_CSS}
</style>
</head>
`;
}

const NAV: ReadonlyArray<readonly [string, string]> = [
  ['/', 'Home'],
  ['/reports', 'Reports'],
  ['/finance', 'Finance'],
  ['/secret', 'Secret'],
];

function layout(title: string, user: Identity, body: string): string {
  const nav = NAV.map(([href, label]) => `<a href="${href}">${label}</a>`).join('');
  // "Logged in as <name>" is plain text on purpose: Gatehouse's regex extractor reads it.
  return `${head(title)}<body>
<header>
<a class="brand" href="/"><img src="/assets/logo.svg" alt="" width="28" height="28">${TITLE}</a>
<nav>${nav}</nav>
<span class="who">Logged in as ${esc(user.username)}<a href="/logout">Log out</a></span>
</header>
<main>
${body}
</main>
<footer>${TITLE} · a demo upstream for Gatehouse · <span id="clock" class="clock"></span></footer>
<script src="/assets/app.js" defer></script>
</body>
</html>
`;
}

function tags(values: readonly string[]): string {
  return values.length ? values.map((v) => `<span class="tag">${esc(v)}</span>`).join('') : '<span class="note">none</span>';
}

export function homePage(user: Identity): string {
  return layout(
    'Home',
    user,
    `<h1>Welcome, ${esc(user.username)}</h1>
<div class="panel">
<p>Logged in as ${esc(user.username)}.</p>
<p>Groups: ${tags(user.groups)}</p>
<p>Roles: ${tags(user.roles)}</p>
</div>
<div class="cards">
<a class="card" href="/reports"><h3>Reports</h3><p>Quarterly figures for everyone on staff.</p></a>
<a class="card" href="/finance"><h3>Finance</h3><p>Budgets and approvals.</p></a>
<a class="card" href="/secret"><h3>Secret</h3><p>The page a second factor should protect.</p></a>
<a class="card" href="/logout"><h3>Log out</h3><p>End this intranet session.</p></a>
</div>`,
  );
}

export function reportsPage(user: Identity): string {
  const rows = [
    ['Q1', 'Customer satisfaction', '87 %', 'published'],
    ['Q2', 'Ticket backlog', '142', 'published'],
    ['Q3', 'Uptime', '99.95 %', 'draft'],
    ['Q4', 'Headcount', '318', 'planned'],
  ]
    .map((r) => `<tr><td>${r[0]}</td><td>${r[1]}</td><td class="num">${r[2]}</td><td>${r[3]}</td></tr>`)
    .join('\n');
  return layout(
    'Reports',
    user,
    `<h1>Reports</h1>
<div class="panel">
<table class="data"><thead><tr><th>Quarter</th><th>Report</th><th>Value</th><th>Status</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</div>`,
  );
}

export function financePage(user: Identity): string {
  const member = user.groups.includes('finance');
  return layout(
    'Finance',
    user,
    `<h1>Finance</h1>
<div class="panel">
<p class="note">${member ? 'You are a member of the finance group.' : 'You are not in the finance group; this demo shows the page anyway.'}</p>
<table class="data"><thead><tr><th>Cost centre</th><th>Budget</th><th>Spent</th></tr></thead>
<tbody>
<tr><td>Operations</td><td class="num">1,200,000</td><td class="num">874,310</td></tr>
<tr><td>Research</td><td class="num">650,000</td><td class="num">402,118</td></tr>
<tr><td>Facilities</td><td class="num">310,000</td><td class="num">299,990</td></tr>
</tbody></table>
<p>Pending approvals: 3${user.roles.includes('approver') ? ' — you can approve them.' : '.'}</p>
</div>`,
  );
}

export function secretPage(user: Identity): string {
  return layout(
    'Secret',
    user,
    `<h1>Secret</h1>
<div class="panel">
<p>TOP SECRET: the cafeteria's lasagne recipe is <code>S3CR3T-LASAGNE-42</code>.</p>
<p class="note">If you can read this without having entered a code, Gatehouse is not doing its job.</p>
</div>`,
  );
}

export interface LoginView {
  next: string;
  error?: string;
  username?: string;
  loggedInAs?: string;
}

export function loginPage(v: LoginView): string {
  const accounts = ACCOUNTS.map(
    (a) =>
      `<tr><td><code>${esc(a.username)}</code></td><td><code>${esc(a.password)}</code></td><td>${esc(a.groups.join(', '))}</td></tr>`,
  ).join('\n');
  const already = v.loggedInAs
    ? `<p class="note">You are signed in as ${esc(v.loggedInAs)}. <a href="/">Home</a> · <a href="/logout">Log out</a></p>\n`
    : '';
  return `${head('Sign in')}<body>
<main class="login">
<h1><img src="/assets/logo.svg" alt="" width="32" height="32" style="vertical-align:middle"> ${TITLE}</h1>
<div class="panel">
${already}${v.error ? `<div class="error" role="alert">${esc(v.error)}</div>\n` : ''}<form method="post" action="/login">
<input type="hidden" name="next" value="${esc(v.next)}">
<label for="username">User name</label>
<input id="username" name="username" type="text" autocomplete="username" value="${esc(v.username ?? '')}" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
</div>
<div class="panel" style="margin-top:1rem">
<p class="note" style="margin-top:0">Demo accounts (password = user name + <code>-pw</code>):</p>
<table class="accounts"><tbody>
${accounts}
</tbody></table>
</div>
</main>
</body>
</html>
`;
}

export function errorPage(status: number, message: string): string {
  return `${head(String(status))}<body>
<main class="login">
<div class="panel">
<h1>${status}</h1>
<p>${esc(message)}</p>
<p><a href="/">Home</a></p>
</div>
</main>
</body>
</html>
`;
}

/** A public page of about 2 KB: the benchmark's steady-state target. */
export function page2k(): Buffer {
  const rows: string[] = [];
  for (let i = 1; i <= 18; i++) rows.push(`<li>Item ${String(i).padStart(2, '0')}: static content for throughput tests</li>`);
  let html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Benchmark page · ${TITLE}</title></head>
<body>
<h1>Benchmark page</h1>
<ul>
${rows.join('\n')}
</ul>
`;
  const tail = '</body>\n</html>\n';
  // Pad with a comment to exactly 2048 bytes so benchmarks measure a known payload.
  const pad = 2048 - Buffer.byteLength(html) - Buffer.byteLength(tail) - '<!--  -->\n'.length;
  html += `<!-- ${'.'.repeat(Math.max(0, pad))} -->\n` + tail;
  return Buffer.from(html, 'utf8');
}
