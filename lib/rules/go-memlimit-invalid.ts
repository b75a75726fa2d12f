import { parseGoMemLimit } from '../core/quantity';
import { ALL_RESOURCE_CONTAINERS } from './scopes';
import { NONE, defineRule } from './types';

export default defineRule({
  meta: {
    id: 'go-memlimit-invalid',
    defaultSeverity: 'error',
    summary: 'A `GOMEMLIMIT` value the Go runtime cannot parse (`512Mi`, `512M`, `1.5GiB`).',
    rationale:
      'GOMEMLIMIT uses Go\'s byte-count syntax, not Kubernetes quantities: plain bytes or B, KiB, MiB, GiB, TiB, or `off`. The runtime reads the value exactly as written, spaces included. A Go 1.19+ program given `512Mi` or ` 900MiB` exits at start-up with "malformed GOMEMLIMIT", a crash loop that looks like a bad release.',
    remediation: 'Write GOMEMLIMIT with Go units and no spaces: `512Mi` becomes `512MiB`, `1G` becomes `1000000000` or `953MiB`.',
    // Any container: a malformed GOMEMLIMIT is wrong whatever the detected runtime.
    scope: ALL_RESOURCE_CONTAINERS,
    messages: {
      invalid: 'container "{{container}}" sets GOMEMLIMIT: {{reason}}',
    },
    fixable: true,
  },
  checkContainer({ container, go: current }) {
    if (!current || current.parsed.ok) return NONE;
    const value = current.variable.value ?? '';
    const trimmed = value.trim();
    // `512Mi` and `512M` are the usual slips, and stray spaces; each has one exact Go spelling.
    const slip = /^(\d+)(Ki|Mi|Gi|Ti)$/.exec(trimmed);
    const replacement = slip ? `${slip[1]}${slip[2]}B` : trimmed !== value && parseGoMemLimit(trimmed).ok ? trimmed : undefined;
    return [{
      messageId: 'invalid',
      data: { container: container.name, reason: current.parsed.reason },
      path: [...current.variable.path, 'value'],
      ...(replacement ? { fix: { description: `write GOMEMLIMIT=${replacement}`, edits: [{ op: 'set' as const, path: [...current.variable.path, 'value'], value: replacement }] } } : {}),
    }];
  },
});
