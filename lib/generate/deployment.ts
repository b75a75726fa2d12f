/**
 * A whole Deployment from a sized container: what `oomguard generate` prints.
 */
import { sizeContainer, type SizedContainerInput } from './container';

export interface DeploymentInput extends SizedContainerInput {
  readonly name: string;
  readonly image: string;
  readonly namespace?: string;
  /** @default 1 */
  readonly replicas?: number;
}

export function buildDeployment(input: DeploymentInput): Record<string, unknown> {
  const sized = sizeContainer(input);
  const labels = { 'app.kubernetes.io/name': input.name };
  const container: Record<string, unknown> = {
    name: input.name,
    image: input.image,
    ...(input.port !== undefined ? { ports: [{ name: 'http', containerPort: input.port }] } : {}),
    env: sized.env,
    resources: sized.resources,
    ...(sized.probes ?? {}),
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: input.name,
      ...(input.namespace ? { namespace: input.namespace } : {}),
      labels,
      annotations: sized.annotations,
    },
    spec: {
      replicas: input.replicas ?? 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [container] },
      },
    },
  };
}
