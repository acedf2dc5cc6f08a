import { describe, expect, it } from 'vitest';
import { describeRedisUrl, parseRedisUrl, RedisUrlError } from '../../src/store/redis-connection.js';
import { clusterSafePrefix } from '../../src/store/redis.js';

describe('parseRedisUrl', () => {
  it.each(['redis://127.0.0.1:6379/0', 'rediss://:pw@redis.example:6380', 'redis://user:pw@host'])(
    'should hand single-server URLs to ioredis unchanged: %s',
    (url) => {
      expect(parseRedisUrl(url)).toEqual({ mode: 'single', url });
    },
  );

  it('should read Sentinel URLs', () => {
    expect(parseRedisUrl('redis-sentinel://:s3cr%40t@s1:26379,s2,[fd00::3]:26380/mymaster/2?sentinelPassword=sp')).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
        { host: 'fd00::3', port: 26380 },
      ],
      name: 'mymaster',
      db: 2,
      password: 's3cr@t',
      sentinelPassword: 'sp',
      tls: false,
    });
    expect(parseRedisUrl('rediss-sentinel://app:pw@s1/main')).toMatchObject({ mode: 'sentinel', username: 'app', password: 'pw', tls: true, db: 0 });
  });

  it('should read Cluster URLs', () => {
    expect(parseRedisUrl('redis-cluster://n1:7000,n2:7001')).toEqual({
      mode: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
      tls: false,
    });
    expect(parseRedisUrl('rediss-cluster://:pw@n1')).toMatchObject({ mode: 'cluster', password: 'pw', tls: true, nodes: [{ host: 'n1', port: 6379 }] });
  });

  it.each([
    'http://host',
    'redis-sentinel://s1:26379',
    'redis-sentinel://s1/a/b/c',
    'redis-sentinel://s1/m/x',
    'redis-cluster://n1/3',
    'redis-cluster://n1:99999',
    'redis-cluster://n1:7000,',
  ])('should refuse %s without echoing it', (url) => {
    try {
      parseRedisUrl(url.replace('//', '//:hunter2@'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RedisUrlError);
      expect((e as Error).message).not.toContain('hunter2');
    }
  });
});

describe('clusterSafePrefix', () => {
  it('should put every key in one hash slot', () => {
    expect(clusterSafePrefix('gatehouse:')).toBe('{gatehouse}:');
    expect(clusterSafePrefix('{gh}:prod:')).toBe('{gh}:prod:');
    expect(clusterSafePrefix('')).toBe('{gatehouse}:');
  });
});

describe('describeRedisUrl', () => {
  it.each([
    ['redis://user:s3cret@10.0.0.5:6380/2', 'redis://10.0.0.5:6380/2'],
    ['rediss://:s3cret@redis.example', 'rediss://redis.example'],
    ['redis-sentinel://:s3cret@s1:26379,s2/mymaster?sentinelPassword=s3cret', 'sentinel s1:26379,s2:26379 (master mymaster)'],
    ['redis-cluster://u:s3cret@[fd00::1]:7000,n2:7001', 'cluster fd00::1:7000,n2:7001'],
    ['not a url s3cret', 'the configured Redis'],
  ])('should name %s for messages without its password', (url, expected) => {
    expect(describeRedisUrl(url)).toBe(expected);
    expect(describeRedisUrl(url)).not.toContain('s3cret');
  });
});
