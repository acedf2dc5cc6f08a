import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { editYamlText } from '../../src/config/edit.js';

const edit = (text: string, ...changes: [string, unknown][]) =>
  editYamlText(text, changes.map(([path, value]) => ({ path: path.split('.'), value })));

describe('editing config YAML in place', () => {
  it('should change one scalar and leave every other byte alone', () => {
    const text = 'a:   1    # one\nb:\n  c: "x"   # quoted\n  d: true\n';
    expect(edit(text, ['b.d', false])).toBe('a:   1    # one\nb:\n  c: "x"   # quoted\n  d: false\n');
  });

  it('should keep the comments of list items that stay when one is removed or added', () => {
    const text = 'ips:\n  - 10.0.0.0/8     # office\n  - 192.0.2.1      # vpn\n  - 198.51.100.0/24 # lab\n';
    const out = edit(text, ['ips', ['10.0.0.0/8', '198.51.100.0/24', '203.0.113.9']]);
    expect(out).toBe('ips:\n  - 10.0.0.0/8     # office\n  - 198.51.100.0/24 # lab\n  - 203.0.113.9\n');
  });

  it('should turn an empty section into a mapping and keep its comment', () => {
    const text = 'twoFactor:\n  exempt:   # nobody yet\n  enforce: true\n';
    const out = edit(text, ['twoFactor.exempt.users', ['bob']]);
    expect(YAML.parse(out)).toEqual({ twoFactor: { exempt: { users: ['bob'] }, enforce: true } });
    expect(out).toContain('# nobody yet');
  });

  it('should create missing sections at the right indentation, 4 spaces or 2', () => {
    const four = 'server:\n    prefix: /_gatehouse\ntwoFactor:\n    enforce: true\n';
    const out = edit(four, ['twoFactor.rememberDevices.enabled', false]);
    expect(out).toBe('server:\n    prefix: /_gatehouse\ntwoFactor:\n    enforce: true\n    rememberDevices:\n        enabled: false\n');
    expect(YAML.parse(edit('x: 1\n', ['twoFactor.trustedIps', ['10.0.0.0/8']]))).toEqual({ x: 1, twoFactor: { trustedIps: ['10.0.0.0/8'] } });
  });

  it('should follow a file whose lists are not indented under their key', () => {
    const text = 'bypass:\n- /login\n- /assets/**\nother: 1\n';
    expect(edit(text, ['bypass', ['/login', '/assets/**', '/health']])).toBe('bypass:\n- /login\n- /assets/**\n- /health\nother: 1\n');
  });

  it('should add a key inside a flow mapping without rewriting its neighbours', () => {
    const text = 'lockout: { maxFailures: 5 }   # strict\nnext: 1\n';
    const out = edit(text, ['lockout.window', '10m']);
    expect(YAML.parse(out)).toEqual({ lockout: { maxFailures: 5, window: '10m' }, next: 1 });
    expect(out).toContain('# strict');
    expect(out.endsWith('next: 1\n')).toBe(true);
  });

  it('should not keep a quoted string as a string when the new value is a number', () => {
    expect(YAML.parse(edit("days: '30'\n", ['days', 45]))).toEqual({ days: 45 });
    expect(YAML.parse(edit('name: 30\n', ['name', '30']))).toEqual({ name: '30' });
  });

  it('should keep Windows line endings', () => {
    const out = edit('a: 1\r\nb: 2\r\n', ['b', 3]);
    expect(out).toBe('a: 1\r\nb: 3\r\n');
  });

  it('should remove a key when the value is undefined, and start from an empty file', () => {
    expect(edit('a: 1\nb: 2\n', ['a', undefined])).toBe('b: 2\n');
    expect(YAML.parse(edit('', ['pages.title', 'Intranet']))).toEqual({ pages: { title: 'Intranet' } });
  });

  it('should replace a map of texts, keeping entries that stay', () => {
    const text = 'texts:\n  en:\n    challenge.title: Code please   # shorter\n    enrol.title: Set up\n';
    const out = edit(text, ['texts', { en: { 'challenge.title': 'Code please' }, fr: { 'challenge.title': 'Votre code' } }]);
    expect(YAML.parse(out)).toEqual({ texts: { en: { 'challenge.title': 'Code please' }, fr: { 'challenge.title': 'Votre code' } } });
    expect(out).toContain('# shorter');
  });

  it('should keep ${ENV} references it did not change', () => {
    const text = 'secrets:\n  encryptionKey: ${GATEHOUSE_KEY}\ntwoFactor:\n  issuer: Example\n';
    expect(edit(text, ['twoFactor.issuer', 'Example Intranet'])).toBe('secrets:\n  encryptionKey: ${GATEHOUSE_KEY}\ntwoFactor:\n  issuer: Example Intranet\n');
  });

  it('should refuse text that is not well-formed YAML', () => {
    expect(() => edit('a: [1,\n', ['a', 1])).toThrow(/syntax/);
  });
});
