/**
 * Config problems and the error that carries all of them at once.
 *
 * Validation never stops at the first mistake: an admin fixing a config file
 * wants the whole list, each with the file position a text editor can jump to.
 */

export interface ConfigProblem {
  file: string;
  /** 1-based; 0 when the problem is about the file as a whole (e.g. unreadable). */
  line: number;
  column: number;
  /** Key path such as `twoFactor.trustedIps[2]`; '' for YAML syntax errors. */
  path: string;
  message: string;
}

export interface Pos {
  line: number;
  column: number;
}

/** A problem before it is bound to a file name. */
export interface RawProblem {
  pos: Pos;
  path: string;
  message: string;
}

export const FILE_POS: Pos = { line: 1, column: 1 };

/** `FILE:LINE:COL: path: message`, the form compilers use so editors can jump to it. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return p.path ? `${where}: ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

export class ConfigError extends Error {
  /** Stable code for logs and the errors registry (STYLE 5). */
  readonly code = 'GH_ERR_CONFIG_INVALID';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
  }
}

/** Collects problems in file order; one instance per validation run. */
export class Problems {
  private readonly list: RawProblem[] = [];
  /** Paths whose value was rejected, so cross-field checks don't pile on. */
  readonly invalid = new Set<string>();

  add(pos: Pos, path: string, message: string): void {
    this.list.push({ pos, path, message });
    if (path) this.invalid.add(path);
  }

  get size(): number {
    return this.list.length;
  }

  toError(file: string): ConfigError {
    const sorted = [...this.list].sort(
      (a, b) => a.pos.line - b.pos.line || a.pos.column - b.pos.column,
    );
    return new ConfigError(
      sorted.map((p) => ({ file, line: p.pos.line, column: p.pos.column, path: p.path, message: p.message })),
    );
  }
}

export type PathSegment = string | number;

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `a.b[2].c`; keys that aren't identifiers (text keys like `challenge.title`) are quoted. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENT.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
