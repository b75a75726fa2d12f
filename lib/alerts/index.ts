/** Alert rules (PrometheusRule) and the PromQL they are built from. Pure. */
export * from './rules';
export { podNamePattern, matchers, parseDuration, formatDuration, escapeRegex, type ContainerSelector } from './promql';
export { toYaml, prometheusRuleYaml, ruleFileYaml, templateFiles } from './render';
