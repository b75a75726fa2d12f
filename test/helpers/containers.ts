/**
 * The container the Pulumi tests check (the policy pack over gRPC and the policies in process): a JVM
 * with a heap percentage, a 1000Mi limit equal to its request, and all three probes, which no rule
 * reports on its own (with the 400Mi peak the tests declare, the limit is 1000Mi = 400Mi × 1.5 + 400Mi).
 */
export const PROBES = {
  livenessProbe: { httpGet: { path: '/livez', port: 8080 } },
  readinessProbe: { httpGet: { path: '/readyz', port: 8080 } },
  startupProbe: { httpGet: { path: '/livez', port: 8080 }, failureThreshold: 30 },
};

export function jvmContainer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'app',
    image: 'eclipse-temurin:17-jre',
    env: [{ name: 'JAVA_TOOL_OPTIONS', value: '-XX:MaxRAMPercentage=60.0' }],
    resources: { limits: { memory: '1000Mi' }, requests: { memory: '1000Mi' } },
    ...PROBES,
    ...overrides,
  };
}
