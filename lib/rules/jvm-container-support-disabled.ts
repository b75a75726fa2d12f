import { readJvmOptions } from '../runtimes/jvm';
import { replaceOption } from './edits';
import { runtimeScope } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'jvm-container-support-disabled',
    defaultSeverity: 'error',
    summary: 'A JVM option source sets `-XX:-UseContainerSupport`.',
    rationale:
      'With container support off the JVM sizes its heap (25% by default) and its GC threads from the node\'s memory and CPUs, not the container\'s: on a 64 GiB node a 1 GiB container gets a 16 GiB heap ceiling and is killed by the kernel (exit 137) long before the JVM would throw OutOfMemoryError.',
    remediation: 'Remove the flag or change it to `-XX:+UseContainerSupport` (the default since JDK 10 and 8u191).',
    scope: runtimeScope('jvm'),
    messages: {
      disabled: 'container "{{container}}" disables JVM container support with -XX:-UseContainerSupport in {{source}}: the JVM sizes its heap from the node, not the container limit',
    },
    fixable: true,
  },
  checkContainer({ container }) {
    const { containerSupport } = readJvmOptions(container);
    if (!containerSupport || containerSupport.enabled) return NONE;
    return [{
      messageId: 'disabled',
      data: { container: container.name, source: containerSupport.at.source },
      path: containerSupport.at.path,
      fix: { description: 'turn JVM container support on', edits: [replaceOption(containerSupport.at, '-XX:+UseContainerSupport')] },
    }];
  },
});
