import { describe, expect, it } from 'vitest';
import { serialize } from './report.js';

describe('serialize', () => {
  it('keeps number arrays on one line, rounds, and stays valid JSON', () => {
    const value = { a: [1.23456789, 2, -3e-7], b: { c: 'x', d: [] as number[], e: [[1, 2], [3]] }, f: ['s', 't'] };
    const text = serialize(value);
    expect(text).toContain('"a": [1.23457, 2, -3e-7]');
    expect(text).toContain('[1, 2]');
    expect(JSON.parse(text)).toEqual({ ...value, a: [1.23457, 2, -3e-7] });
  });
});
