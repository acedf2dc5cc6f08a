/**
 * The one stylesheet, served from {prefix}/static/ so the CSP can forbid
 * inline styles. The accent colour comes from config through theme.css.
 */
export const BASE_CSS = `
:root{--accent:#2457c5;--bg:#f4f6f9;--card:#fff;--text:#1c2330;--muted:#5b6475;--border:#d8dde6;--danger:#b42318;--ok:#067647;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#11151c;--card:#1b212b;--text:#e8ecf2;--muted:#a4adbd;--border:#323b49;--danger:#f97066;--ok:#47cd89}}
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:16px;line-height:1.5;background:var(--bg);color:var(--text)}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;padding:2rem 1rem}
header.brand{display:flex;align-items:center;gap:.6rem;margin-bottom:1.25rem;font-weight:600;color:var(--muted)}
header.brand img{height:32px;width:auto}
main.card{background:var(--card);border:1px solid var(--border);border-radius:12px;padding:1.75rem;width:100%;max-width:28rem;box-shadow:0 1px 3px rgba(0,0,0,.06)}
main.card.wide{max-width:64rem}
h1{font-size:1.35rem;margin:0 0 .75rem}
h2{font-size:1.05rem;margin:1.25rem 0 .5rem}
p{margin:.5rem 0}
.muted{color:var(--muted);font-size:.9rem}
.account{color:var(--muted);font-size:.9rem;margin-bottom:1rem}
label{display:block;font-weight:600;margin:1rem 0 .35rem}
input[type=text],input[type=search],input[type=number],select,textarea{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid var(--border);border-radius:8px;background:var(--bg);color:var(--text)}
input.code{font-size:1.6rem;letter-spacing:.35rem;text-align:center;font-variant-numeric:tabular-nums}
input:focus-visible,button:focus-visible,a:focus-visible,summary:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.check{display:flex;gap:.5rem;align-items:center;font-weight:400;margin:1rem 0}
.check input{width:1.1rem;height:1.1rem}
button,.button{display:inline-block;font:inherit;font-weight:600;padding:.65rem 1.1rem;border-radius:8px;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;text-align:center}
button.secondary,.button.secondary{background:transparent;color:var(--accent)}
button.danger{background:var(--danger);border-color:var(--danger)}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.25rem}
.actions form{margin:0}
.full{width:100%}
a{color:var(--accent)}
.error{border-left:4px solid var(--danger);padding:.5rem .75rem;background:color-mix(in srgb,var(--danger) 8%,transparent);border-radius:4px}
.notice{border-left:4px solid var(--accent);padding:.5rem .75rem;background:color-mix(in srgb,var(--accent) 8%,transparent);border-radius:4px}
.ok{border-left:4px solid var(--ok);padding:.5rem .75rem;background:color-mix(in srgb,var(--ok) 8%,transparent);border-radius:4px}
.qr{display:flex;justify-content:center;margin:1rem 0}
.qr svg{width:220px;height:220px;background:#fff;padding:8px;border-radius:8px}
.key{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:1.05rem;letter-spacing:.05rem;width:100%;text-align:center}
ol.steps{padding-left:1.2rem}
ol.steps li{margin:.6rem 0}
ul.codes{list-style:none;padding:0;display:grid;grid-template-columns:1fr 1fr;gap:.4rem;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:1.05rem}
ul.codes li{background:var(--bg);border:1px solid var(--border);border-radius:6px;padding:.35rem;text-align:center}
footer{margin-top:1.25rem;color:var(--muted);font-size:.85rem;text-align:center;max-width:28rem}
nav.tabs{display:flex;flex-wrap:wrap;gap:.25rem;border-bottom:1px solid var(--border);margin:0 0 1rem}
nav.tabs a{padding:.5rem .8rem;text-decoration:none;border-radius:8px 8px 0 0;color:var(--muted)}
nav.tabs a[aria-current=page]{color:var(--text);border:1px solid var(--border);border-bottom-color:var(--card);margin-bottom:-1px;background:var(--card)}
table{width:100%;border-collapse:collapse;font-size:.92rem}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--border);vertical-align:top}
.table-wrap{overflow-x:auto}
.pill{display:inline-block;padding:.1rem .5rem;border-radius:99px;font-size:.8rem;border:1px solid var(--border)}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:1rem}
.stat{border:1px solid var(--border);border-radius:8px;padding:.75rem}
.stat b{display:block;font-size:1.5rem}
.inline{display:flex;gap:.5rem;align-items:flex-end;flex-wrap:wrap}
.inline label{margin:0}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:420px){body{padding:1rem .5rem}main.card{padding:1.25rem}ul.codes{grid-template-columns:1fr}}
`;

export function themeCss(accent: string): string {
  // accent is validated as a colour by the config schema; this guards against
  // anything that could close the rule if that ever changes.
  const safe = /^#[0-9a-fA-F]{3,8}$|^[a-zA-Z]{3,20}$/.test(accent) ? accent : '#2457c5';
  return `:root{--accent:${safe}}\n`;
}
