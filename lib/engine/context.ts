/**
 * The context rules read is the container's facts (lib/facts): runtime, declared peak, limit, budget
 * and recommendation, computed once per container. Kept here for the engine's and older callers' imports.
 */
export { annotationFor, runtimeOf, peakOf, containerFacts as containerContext } from '../facts';
