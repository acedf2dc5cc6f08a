/**
 * Static files of the demo intranet, embedded so that `tsc` output runs without
 * copying anything: built once into Buffers with strong ETags.
 */
import { createHash } from 'node:crypto';

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function asset(type: string, content: string | Buffer): Asset {
  const body = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return Object.freeze({ body, type, etag });
}

const STYLE_CSS = `/* Example Intranet: styles shared by all pages beyond the inline basics. */
table.data { border-collapse: collapse; width: 100%; margin: 1rem 0; font-variant-numeric: tabular-nums; }
table.data th, table.data td { text-align: left; padding: .45rem .7rem; border-bottom: 1px solid #e3e7ee; }
table.data th { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: #5b6475; }
table.data td.num { text-align: right; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 1rem; margin: 1rem 0; }
.card { display: block; padding: 1rem 1.1rem; border: 1px solid #dfe4ec; border-radius: 10px; background: #fff;
  color: inherit; text-decoration: none; transition: box-shadow .15s; }
.card:hover { box-shadow: 0 4px 14px rgba(20, 40, 80, .12); }
.card h3 { margin: 0 0 .3rem; font-size: 1rem; color: #1d4ed8; }
.card p { margin: 0; color: #5b6475; font-size: .9rem; }
.tag { display: inline-block; padding: .05rem .5rem; margin: 0 .25rem .25rem 0; border-radius: 999px;
  background: #e8efff; color: #1e3a8a; font-size: .8rem; }
.clock { color: #8a93a5; font-size: .8rem; }
`;

const APP_JS = `// Example Intranet: tiny progressive enhancement, nothing depends on it.
(function () {
  var here = location.pathname;
  document.querySelectorAll('nav a').forEach(function (a) {
    if (a.getAttribute('href') === here) a.setAttribute('aria-current', 'page');
  });
  var clock = document.getElementById('clock');
  if (clock) {
    var tick = function () { clock.textContent = new Date().toLocaleTimeString(); };
    tick();
    setInterval(tick, 1000);
  }
})();
`;

const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32" role="img" aria-label="Example Intranet">
<rect width="32" height="32" rx="7" fill="#1d4ed8"/>
<path d="M8 24V12l8-5 8 5v12h-5v-7h-6v7z" fill="#fff"/>
</svg>
`;

/** A 16x16 32-bit ICO (the same house as the logo), drawn pixel by pixel. */
function favicon(): Buffer {
  const size = 16;
  const header = Buffer.alloc(6 + 16 + 40);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // one image
  const pixels = Buffer.alloc(size * size * 4);
  const mask = Buffer.alloc(size * 4); // AND mask rows padded to 32 bits; all 0 = opaque
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Rows are stored bottom-up; (x, y) here is top-down.
      const o = ((size - 1 - y) * size + x) * 4;
      const corner = (x < 2 || x > 13) && (y < 2 || y > 13);
      const roof = y >= 3 && y <= 6 && Math.abs(x - 7.5) <= (y - 3) * 1.4 + 0.6;
      const wall = y >= 7 && y <= 12 && x >= 4 && x <= 11 && !(y >= 9 && x >= 7 && x <= 8);
      const white = roof || wall;
      pixels[o] = white ? 0xff : 0xd8; // B
      pixels[o + 1] = white ? 0xff : 0x4e; // G
      pixels[o + 2] = white ? 0xff : 0x1d; // R
      pixels[o + 3] = corner ? 0x00 : 0xff; // A
    }
  }
  const imageSize = 40 + pixels.length + mask.length;
  header.writeUInt8(size, 6); // width
  header.writeUInt8(size, 7); // height
  header.writeUInt8(0, 8); // palette
  header.writeUInt8(0, 9); // reserved
  header.writeUInt16LE(1, 10); // planes
  header.writeUInt16LE(32, 12); // bits per pixel
  header.writeUInt32LE(imageSize, 14);
  header.writeUInt32LE(22, 18); // offset of the image
  header.writeUInt32LE(40, 22); // BITMAPINFOHEADER size
  header.writeInt32LE(size, 26);
  header.writeInt32LE(size * 2, 30); // XOR + AND masks
  header.writeUInt16LE(1, 34);
  header.writeUInt16LE(32, 36);
  header.writeUInt32LE(0, 38); // BI_RGB
  header.writeUInt32LE(pixels.length + mask.length, 42);
  return Buffer.concat([header, pixels, mask]);
}

export const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ['/assets/style.css', asset('text/css; charset=utf-8', STYLE_CSS)],
  ['/assets/app.js', asset('text/javascript; charset=utf-8', APP_JS)],
  ['/assets/logo.svg', asset('image/svg+xml', LOGO_SVG)],
]);

export const FAVICON: Asset = asset('image/x-icon', favicon());
