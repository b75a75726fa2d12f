import { readGoMemLimit } from '../runtimes/go';
import { ALL_RESOURCE_CONTAINERS } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'go-memlimit-invalid',
    defaultSeverity: 'error',
    summary: 'A `GOMEMLIMIT` value the Go runtime cannot parse (`512Mi`, `512M`, `1.5GiB`).',
    rationale:
      'GOMEMLIMIT uses Go\'s byte-count syntax, not Kubernetes quantities: plain bytes or B, KiB, MiB, GiB, TiB. A Go 1.19+ program given `512Mi` exits at start-up with "GOMEMLIMIT=512Mi malformed", a crash loop that looks like a bad release.',
    remediation: 'Write GOMEMLIMIT with Go units: `512Mi` becomes `512MiB`, `1G` becomes `1000000000` or `953MiB`.',
    // Any container: a malformed GOMEMLIMIT is wrong whatever the detected runtime.
    scope: ALL_RESOURCE_CONTAINERS,
    messages: {
      invalid: 'container "{{container}}" sets GOMEMLIMIT: {{reason}}',
    },
    fixable: true,
  },
  checkContainer({ container }) {
    const current = readGoMemLimit(container);
    if (!current || current.parsed.ok) return NONE;
    const value = current.variable.value ?? '';
    // `512Mi` and `512M` are the usual slips; both have one exact Go spelling.
    const slip = /^(\d+)(Ki|Mi|Gi|Ti)$/.exec(value.trim());
    return [{
      messageId: 'invalid',
      data: { container: container.name, reason: current.parsed.reason },
      path: [...current.variable.path, 'value'],
      ...(slip ? { fix: { description: `write GOMEMLIMIT=${slip[1]}${slip[2]}B`, edits: [{ op: 'set' as const, path: [...current.variable.path, 'value'], value: `${slip[1]}${slip[2]}B` }] } } : {}),
    }];
  },
});
