/** Reading peaks from a Prometheus server (network I/O: an adapter, not part of the pure core). */
export { createPrometheusClient, PrometheusError, type PrometheusClient, type PrometheusClientOptions, type VectorSample, type MatrixSeries, type RangeSpec } from './client';
export { queryPeak, peakQueries, type PeakQuery, type PeakResult, type ContainerPeak } from './peak';
export { setAnnotation, type WorkloadRef, type AnnotateResult } from './annotate';
