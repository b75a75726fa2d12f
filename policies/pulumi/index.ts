/**
 * The oomguard CrossGuard policy pack: `pulumi preview --policy-pack <this folder>`.
 * Constructing the pack starts the analyzer's gRPC server, so the policies live in `policies.ts`.
 */
import { PolicyPack } from '@pulumi/policy';
import { policies } from './policies';

new PolicyPack('oomguard', {
  description: 'oomguard: Kubernetes workloads sized so they never die with exit code 137 (memory limits, request = limit, runtime heap flags, probes).',
  displayName: 'oomguard',
  policies: [...policies],
});
