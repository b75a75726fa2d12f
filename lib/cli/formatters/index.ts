import type { Formatter, FormatterOptions } from './types';

export const FORMATS = ['stylish', 'json', 'sarif', 'github', 'junit'] as const;
export type FormatName = (typeof FORMATS)[number];

/** Formatters load on demand: SARIF pulls in the rule registry's docs, stylish the colour library. */
export function createFormatter(name: FormatName, options: FormatterOptions): Formatter {
  switch (name) {
    case 'json': return (require('./json') as typeof import('./json')).createJsonFormatter(options);
    case 'sarif': return (require('./sarif') as typeof import('./sarif')).createSarifFormatter(options);
    case 'junit': return (require('./junit') as typeof import('./junit')).createJunitFormatter(options);
    case 'github': return (require('./github') as typeof import('./github')).createGithubFormatter(options);
    default: return (require('./stylish') as typeof import('./stylish')).createStylishFormatter(options);
  }
}
export type { Formatter, Summary } from './types';
