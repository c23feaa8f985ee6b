/** Text helpers shared by {@link Graph.summary} and the inspect report. */

/** An integer with thousands separators: `31021952` -> `31,021,952`. */
export function formatCount(value: number): string {
  const sign = value < 0 ? '-' : '';
  const digits = String(Math.round(Math.abs(value)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A shape with the batch dimension shown as `?`: `[28, 28, 16]` -> `[?, 28, 28, 16]`. */
export function formatShape(shape: readonly number[]): string {
  return `[?${shape.map((d) => `, ${d}`).join('')}]`;
}

/** A fraction as a percentage with one decimal: `0.1234` -> `12.3%`. */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** Column alignment of {@link formatTable}. */
export type Align = 'left' | 'right';

/**
 * A plain-text table: a header row, a rule, the rows; columns padded to their widest cell, separated by two
 * spaces, trailing spaces trimmed.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (align[i] === 'right' ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
