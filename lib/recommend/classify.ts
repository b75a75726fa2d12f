/**
 * Leak or spike, from a container's memory over the window. Pure: numbers in, a verdict out.
 *
 * The seed's definitions: a leak grows without returning to its baseline (its daily minimums rise
 * day after day: the garbage collector never brings it back down); a spike returns to its baseline.
 * A leak must not get a bigger limit (it would only be killed later); a spike gets the sized one.
 *
 * Input: one point per step, `max` the highest and `min` the lowest working set of any of the
 * container's pods within the step (NaN where no pod ran).
 */

const DAY = 86_400;

/** A daily minimum must rise by at least this share of the first day's minimum, every day, for a leak. */
export const LEAK_DAILY_RISE = 0.02;
/** Days of minimums a leak verdict needs: two rises in a row, not one step up. */
export const LEAK_MIN_DAYS = 3;
/** A peak this far above the baseline is an excursion (below it, the container is steady). */
export const SPIKE_RATIO = 1.25;
/** Back within this share above the baseline after the peak counts as returned. */
export const RETURN_TOLERANCE = 1.1;

export interface MemorySeries {
  /** Unix seconds of each point, ascending, `step` apart. */
  readonly times: ArrayLike<number>;
  readonly max: ArrayLike<number>;
  readonly min: ArrayLike<number>;
  readonly step: number;
  /** The window's end (the last point's time). */
  readonly end: number;
}

export type Verdict =
  | {
    readonly kind: 'leak';
    /** Lowest working set of each whole day of the window, oldest first. */
    readonly dailyMinimums: readonly number[];
    /** Least-squares slope of the daily minimums, bytes per day. */
    readonly growthPerDay: number;
    /** Highest working set in the window's last day: where it stands now. */
    readonly currentBytes: number;
    /** Days until `currentBytes` reaches the limit at `growthPerDay`; undefined without a limit. */
    readonly daysToLimit?: number;
  }
  | {
    readonly kind: 'spike';
    readonly baselineBytes: number;
    readonly peakBytes: number;
    /** Unix seconds of the step holding the peak. */
    readonly peakAt: number;
    /** The lowest working set after the peak: back at the baseline. */
    readonly returnedBytes: number;
    readonly returnedAt: number;
  }
  | { readonly kind: 'rising'; readonly baselineBytes: number; readonly peakBytes: number; readonly peakAt: number; readonly lowestAfterBytes?: number }
  | { readonly kind: 'steady'; readonly baselineBytes: number; readonly peakBytes: number }
  | {
    /**
     * A Job's or CronJob's containers: each run is a new pod that starts, works and exits, so its
     * series is many short processes, not one; sized from the highest peak of any run.
     */
    readonly kind: 'job';
    readonly pods: number;
    readonly peakBytes: number;
    /** Unix seconds of the step holding the peak. */
    readonly peakAt: number;
  }
  | { readonly kind: 'unknown'; readonly reason: string };

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Least-squares slope of y over x = 0, 1, 2, ... */
function slope(values: readonly number[]): number {
  const n = values.length;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((sum, value) => sum + value, 0) / n;
  let numerator = 0;
  let denominator = 0;
  values.forEach((value, x) => {
    numerator += (x - meanX) * (value - meanY);
    denominator += (x - meanX) ** 2;
  });
  return denominator === 0 ? 0 : numerator / denominator;
}

/** The lowest `min` of each whole day counted back from the window's end, oldest first (NaN for a day without data). */
export function dailyMinimums(series: MemorySeries, days: number): number[] {
  const result = new Array<number>(days).fill(Number.NaN);
  for (let i = 0; i < series.times.length; i++) {
    const value = series.min[i];
    if (!Number.isFinite(value)) continue;
    // A point at t covers (t - step, t]: day d (0 = oldest) is (end - (days - d)·DAY, end - (days - d - 1)·DAY].
    const back = Math.floor((series.end - series.times[i]) / DAY);
    const day = days - 1 - back;
    if (day < 0 || day >= days) continue;
    if (!(result[day] <= value)) result[day] = value;
  }
  return result;
}

export interface ClassifyOptions {
  /**
   * The container's pods run to completion (a Job's, a CronJob's runs), this many in the window: no
   * leak or spike verdict, whose daily minimums and baseline need one long-running process (an hourly
   * CronJob's runs tile the window and their minimums can rise by chance), but the peak of the runs.
   */
  readonly shortLivedPods?: number;
}

export function classify(series: MemorySeries, limitBytes?: number, options: ClassifyOptions = {}): Verdict {
  const mins: number[] = [];
  let peakBytes = -Infinity;
  let peakIndex = -1;
  for (let i = 0; i < series.times.length; i++) {
    if (Number.isFinite(series.min[i])) mins.push(series.min[i]);
    if (Number.isFinite(series.max[i]) && series.max[i] > peakBytes) {
      peakBytes = series.max[i];
      peakIndex = i;
    }
  }
  if (options.shortLivedPods !== undefined && peakIndex >= 0) return { kind: 'job', pods: options.shortLivedPods, peakBytes, peakAt: series.times[peakIndex] };
  if (mins.length < 2 || peakIndex < 0) return { kind: 'unknown', reason: `${mins.length} point${mins.length === 1 ? '' : 's'} of data in the window` };

  const first = series.times[0];
  const days = Math.floor((series.end - first + series.step) / DAY);
  // A leak lives in one process: a container with steps where none of its pods ran (a CronJob's
  // runs, a workload scaled to zero) is not judged by daily minimums, which would compare processes.
  let continuous = true;
  for (let i = 0; i < series.times.length; i++) if (!Number.isFinite(series.min[i])) continuous = false;
  if (days >= LEAK_MIN_DAYS && continuous) {
    const daily = dailyMinimums(series, days);
    const rising = daily.every(Number.isFinite) && daily.every((value, d) => d === 0 || value - daily[d - 1] >= LEAK_DAILY_RISE * daily[0]);
    if (rising) {
      const growthPerDay = slope(daily);
      let currentBytes = 0;
      for (let i = 0; i < series.times.length; i++) {
        if (series.end - series.times[i] < DAY && Number.isFinite(series.max[i])) currentBytes = Math.max(currentBytes, series.max[i]);
      }
      const daysToLimit = limitBytes !== undefined && growthPerDay > 0 ? Math.max(0, (limitBytes - currentBytes) / growthPerDay) : undefined;
      return { kind: 'leak', dailyMinimums: daily, growthPerDay, currentBytes, ...(daysToLimit !== undefined ? { daysToLimit } : {}) };
    }
  }

  const baselineBytes = median(mins);
  if (peakBytes < SPIKE_RATIO * baselineBytes) return { kind: 'steady', baselineBytes, peakBytes };
  let returnedBytes = Infinity;
  let returnedAt = 0;
  for (let i = peakIndex + 1; i < series.times.length; i++) {
    if (Number.isFinite(series.min[i]) && series.min[i] < returnedBytes) {
      returnedBytes = series.min[i];
      returnedAt = series.times[i];
    }
  }
  const peakAt = series.times[peakIndex];
  if (returnedBytes <= RETURN_TOLERANCE * baselineBytes) return { kind: 'spike', baselineBytes, peakBytes, peakAt, returnedBytes, returnedAt };
  return { kind: 'rising', baselineBytes, peakBytes, peakAt, ...(Number.isFinite(returnedBytes) ? { lowestAfterBytes: returnedBytes } : {}) };
}
