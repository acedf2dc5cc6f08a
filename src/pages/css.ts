/**
 * The one stylesheet, served from {prefix}/static/ so the CSP can forbid
 * inline styles. The accent colour comes from config through theme.css
 * (see theme.ts), which also derives the link and on-accent colours that
 * keep text readable in light and dark mode whatever colour is configured.
 */
import { themeCss, DEFAULT_ACCENT } from './theme.js';

export { themeCss } from './theme.js';

export const BASE_CSS = `${themeCss(DEFAULT_ACCENT)}
:root{--bg:#f3f5f8;--card:#fff;--text:#1a2230;--muted:#566072;--border:#dde2ea;--field:#fff;--field-border:#8a94a6;--soft:#f6f8fb;--danger:#b42318;--ok:#067647;--radius:14px;--shadow:0 1px 2px rgba(16,24,40,.05),0 10px 30px rgba(16,24,40,.07);color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#0e1217;--card:#171c24;--text:#e6eaf0;--muted:#a3acba;--border:#2b333f;--field:#0e1217;--field-border:#5d6878;--soft:#1d232d;--danger:#fd8b80;--ok:#47cd89;--shadow:0 1px 2px rgba(0,0,0,.4)}}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-size:16px;line-height:1.5;background:var(--bg);color:var(--text);-webkit-text-size-adjust:100%}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;padding:clamp(1rem,6vh,4rem) 1rem 2rem}
header.brand{display:flex;align-items:center;justify-content:center;gap:.6rem;margin:0 0 1.25rem;font-weight:650;font-size:1.05rem;color:var(--text)}
header.brand img{height:32px;width:auto;max-width:160px}
main.card{background:var(--card);border:1px solid var(--border);border-radius:var(--radius);padding:2rem;width:100%;max-width:30rem;box-shadow:var(--shadow)}
main.card.medium{max-width:36rem}
main.card.wide{max-width:64rem}
.badge{width:3rem;height:3rem;border-radius:50%;display:grid;place-items:center;margin:0 0 1rem;background:color-mix(in srgb,var(--accent) 13%,var(--card));color:var(--link)}
.badge.danger{background:color-mix(in srgb,var(--danger) 13%,var(--card));color:var(--danger)}
.badge svg{width:1.5rem;height:1.5rem}
h1{font-size:1.45rem;line-height:1.25;margin:0 0 .6rem;letter-spacing:-.01em}
h2{font-size:1.05rem;margin:1.25rem 0 .5rem}
p{margin:.5rem 0}
a{color:var(--link);text-underline-offset:.15em}
.lead{color:var(--text)}
.muted{color:var(--muted);font-size:.92rem}
.account{display:flex;align-items:center;gap:.6rem;margin:0 0 1.1rem;padding:.45rem .85rem .45rem .45rem;border:1px solid var(--border);border-radius:1.5rem;background:var(--soft);color:var(--muted);font-size:.92rem;width:fit-content;max-width:100%}
.account strong{color:var(--text);font-weight:650;overflow-wrap:anywhere}
.avatar{flex:none;width:1.9rem;height:1.9rem;border-radius:50%;display:grid;place-items:center;background:var(--accent);color:var(--on-accent);font-weight:700;font-size:.9rem;text-transform:uppercase}
label{display:block;font-weight:600;margin:1rem 0 .4rem}
input[type=text],input[type=search],input[type=number],input[type=password],select,textarea{width:100%;font:inherit;padding:.65rem .75rem;border:1px solid var(--field-border);border-radius:10px;background:var(--field);color:var(--text)}
input.code{font-size:1.75rem;font-weight:600;letter-spacing:.4em;text-indent:.4em;text-align:center;font-variant-numeric:tabular-nums;padding:.55rem .5rem}
input.recovery{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:1.15rem;letter-spacing:.08em;text-align:center}
input:focus-visible,textarea:focus-visible,button:focus-visible,a:focus-visible,summary:focus-visible,select:focus-visible{outline:3px solid var(--link);outline-offset:2px}
input[aria-invalid=true]{border-color:var(--danger)}
.check{display:flex;gap:.6rem;align-items:center;font-weight:400;margin:1rem 0 .25rem;cursor:pointer}
.check input{width:1.15rem;height:1.15rem;margin:0;accent-color:var(--accent);flex:none}
button,.button{display:inline-block;font:inherit;font-weight:600;line-height:1.3;padding:.75rem 1.15rem;border-radius:10px;border:1px solid var(--accent);background:var(--accent);color:var(--on-accent);cursor:pointer;text-decoration:none;text-align:center}
button:hover,.button:hover{filter:brightness(1.08)}
button.secondary,.button.secondary{background:transparent;color:var(--link);border-color:var(--field-border)}
button.quiet,.button.quiet{background:transparent;border-color:transparent;color:var(--link);padding-left:.5rem;padding-right:.5rem}
button.danger{background:var(--danger);border-color:var(--danger);color:#fff}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1.25rem}
.actions form{margin:0}
.actions.stack{flex-direction:column}
.full{width:100%}
.alert,.error,.notice,.ok{border-left:4px solid var(--danger);padding:.6rem .8rem;background:color-mix(in srgb,var(--danger) 9%,var(--card));border-radius:6px;margin:.75rem 0}
.notice{border-left-color:var(--accent);background:color-mix(in srgb,var(--accent) 9%,var(--card))}
.ok{border-left-color:var(--ok);background:color-mix(in srgb,var(--ok) 9%,var(--card))}
.divider{border:0;border-top:1px solid var(--border);margin:1.5rem 0 1rem}
.links{display:flex;flex-direction:column;gap:.35rem;font-size:.95rem}
.links p{margin:0}
ol.steps{list-style:none;counter-reset:step;padding:0;margin:1.5rem 0 0}
ol.steps>li{counter-increment:step;position:relative;padding-left:2.6rem;margin:0 0 1.5rem}
ol.steps>li::before{content:counter(step);position:absolute;left:0;top:0;width:1.8rem;height:1.8rem;border-radius:50%;background:var(--accent);color:var(--on-accent);font-weight:700;font-size:.9rem;display:grid;place-items:center}
ol.steps h2{font-size:1.05rem;line-height:1.8rem;margin:0 0 .15rem}
ol.steps p{margin:.15rem 0}
.apps{color:var(--muted)}
.apps b{color:var(--text);font-weight:600}
.qr-block{margin:.9rem 0 0;padding:1rem;border:1px solid var(--border);border-radius:12px;background:var(--soft)}
.qr{display:flex;justify-content:center;margin:0 0 .75rem}
.qr svg{display:block;width:208px;height:208px;border-radius:8px;background:#fff}
.qr-block label{font-weight:500;font-size:.92rem;margin:.25rem 0 .35rem;color:var(--muted)}
textarea.key{display:block;resize:none;overflow:auto;field-sizing:content;min-height:0;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:.98rem;font-weight:600;letter-spacing:.02em;line-height:1.45;text-align:center;padding:.55rem .6rem}
.copy-row{display:flex;align-items:center;gap:.75rem;margin-top:.6rem;min-height:1.5rem}
.copy-row button{padding:.5rem .9rem;font-size:.92rem}
.copied{margin:0;font-size:.9rem;color:var(--ok)}
.app-link{display:none;margin-top:.5rem}
@media (pointer:coarse){.app-link{display:block}}
ul.codes{list-style:none;padding:0;margin:1rem 0;display:grid;grid-template-columns:1fr 1fr;gap:.5rem;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:1.05rem;counter-reset:code}
ul.codes li{background:var(--soft);border:1px solid var(--border);border-radius:8px;padding:.45rem .5rem;text-align:center;letter-spacing:.03em}
footer{margin-top:1.5rem;color:var(--muted);font-size:.88rem;text-align:center;max-width:30rem;display:flex;flex-wrap:wrap;gap:.25rem 1rem;justify-content:center}
footer p{margin:0}
nav.tabs{display:flex;flex-wrap:wrap;gap:.25rem;border-bottom:1px solid var(--border);margin:0 0 1rem}
nav.tabs a{padding:.5rem .8rem;text-decoration:none;border-radius:8px 8px 0 0;color:var(--muted)}
nav.tabs a[aria-current=page]{color:var(--text);border:1px solid var(--border);border-bottom-color:var(--card);margin-bottom:-1px;background:var(--card)}
table{width:100%;border-collapse:collapse;font-size:.92rem}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--border);vertical-align:top}
.table-wrap{overflow-x:auto}
.pill{display:inline-block;padding:.1rem .55rem;border-radius:99px;font-size:.8rem;border:1px solid var(--border);white-space:nowrap;background:var(--soft)}
.pill[data-status=enrolled]{border-color:color-mix(in srgb,var(--ok) 45%,var(--border))}
.pill[data-status=locked]{border-color:color-mix(in srgb,var(--danger) 45%,var(--border))}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:1rem}
.stat{border:1px solid var(--border);border-radius:8px;padding:.75rem}
.stat b{display:block;font-size:1.5rem}
.inline{display:flex;gap:.5rem;align-items:flex-end;flex-wrap:wrap}
.inline label{margin:0 0 .35rem}
.inline select,.inline input{min-height:2.9rem}
.inline>div{flex:1 1 12rem;max-width:22rem}
.visually-hidden{position:absolute!important;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px){body{padding:1rem .75rem 1.5rem}header.brand{margin-bottom:1rem}main.card{padding:1.35rem 1.25rem;border-radius:12px}h1{font-size:1.3rem}ol.steps>li{padding-left:0}ol.steps>li::before{position:static;display:inline-grid;margin:0 .6rem 0 0;vertical-align:top}ol.steps h2{display:inline}ol.steps>li>p{margin-top:.35rem}}
@media print{body{background:#fff;color:#000;padding:0}header.brand,footer,.actions,.badge{display:none}main.card{border:0;box-shadow:none}}
`;
