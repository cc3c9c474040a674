/**
 * Counts over categories, declared or found: the vector a party adds for declared categories,
 * and the histogram (StatisticsFrequency) or table (StatisticsContingency) read from the totals,
 * with Simon's output names, min_count applied and the mode chosen.
 * Suppression: a cell or bar below min_count is null when its category was declared and left out
 * when it was found (its label was revealed only through the sum); a total below min_count
 * suppresses every figure. The mode is the most frequent unsuppressed category, the first in
 * category order (declared order, or sorted by label) among equals.
 */
import { pairLabel, splitPairLabel } from './labels.js'

/** Declared frequency categories: this party's count of each, in declared order. */
export function frequencyVector (counts: ReadonlyMap<string, number>, categories: readonly string[]): bigint[] {
  return categories.map(c => BigInt(counts.get(c) ?? 0))
}

/** Declared contingency categories: this party's count of each cell, row by row. */
export function contingencyVector (counts: ReadonlyMap<string, number>, rows: readonly string[], columns: readonly string[]): bigint[] {
  return rows.flatMap(r => columns.map(c => BigInt(counts.get(pairLabel(r, c)) ?? 0)))
}

export interface FrequencyResult {
  readonly samples: number | null
  readonly mode: string | null
  readonly histogram: Record<string, number | null> | null
}

export interface ContingencyResult {
  readonly samples: number | null
  readonly mode: [string, string] | null
  readonly table: Record<string, Record<string, number | null>> | null
}

function total (counts: Iterable<bigint>): bigint {
  let s = 0n
  for (const c of counts) s += c
  return s
}

const byLabel = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The histogram from total counts.
 * @param counts total count per label (from the buckets, or zipped with declared categories)
 * @param declared the declared categories in order, or undefined when found
 */
export function histogramOf (counts: ReadonlyMap<string, bigint>, declared: readonly string[] | undefined, minCount: number): FrequencyResult {
  const samples = total(counts.values())
  if (samples < BigInt(minCount)) return { samples: null, mode: null, histogram: null }
  const labels = declared ?? [...counts.keys()].sort(byLabel)
  const histogram: Record<string, number | null> = {}
  let mode: string | null = null
  let best = -1n
  for (const label of labels) {
    const c = counts.get(label) ?? 0n
    if (c < BigInt(minCount)) {
      if (declared !== undefined) histogram[label] = null
      continue
    }
    histogram[label] = Number(c)
    if (c > best) { best = c; mode = label }
  }
  return { samples: Number(samples), mode, histogram }
}

/**
 * The contingency table from total counts per pair label; found rows and columns are sorted and
 * every pair of them gets a cell (a pair not found is 0: the found pairs are revealed anyway).
 */
export function tableOf (counts: ReadonlyMap<string, bigint>, declared: readonly [readonly string[], readonly string[]] | undefined, minCount: number): ContingencyResult {
  const samples = total(counts.values())
  if (samples < BigInt(minCount)) return { samples: null, mode: null, table: null }
  let rows = declared?.[0]
  let columns = declared?.[1]
  if (rows === undefined || columns === undefined) {
    const pairs = [...counts.keys()].map(splitPairLabel).filter((p): p is [string, string] => p !== undefined)
    rows = [...new Set(pairs.map(p => p[0]))].sort(byLabel)
    columns = [...new Set(pairs.map(p => p[1]))].sort(byLabel)
  }
  const table: Record<string, Record<string, number | null>> = {}
  let mode: [string, string] | null = null
  let best = -1n
  for (const r of rows) {
    const row: Record<string, number | null> = {}
    for (const c of columns) {
      const n = counts.get(pairLabel(r, c)) ?? 0n
      if (n < BigInt(minCount)) {
        if (declared !== undefined) row[c] = null
        continue
      }
      row[c] = Number(n)
      if (n > best) { best = n; mode = [r, c] }
    }
    if (declared !== undefined || Object.keys(row).length > 0) table[r] = row
  }
  return { samples: Number(samples), mode, table }
}

/** Totals of a declared vector as counts per label (frequency: labels; contingency: pair labels). */
export function declaredCounts (totals: readonly bigint[], labels: readonly string[]): Map<string, bigint> {
  return new Map(labels.map((label, i) => [label, totals[i] ?? 0n]))
}
