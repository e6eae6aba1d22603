/** A problem in a config document, with where it is: what the editor underlines and the apply step lists. */
export interface ConfigDiagnostic {
  severity: 'error' | 'warning';
  message: string;
  /** Dotted path in the document ("storage.files.0.mode"), or '' for the document itself. */
  path: string;
  /** Character offsets of the offending text. */
  from: number;
  to: number;
  /** 1-based, for messages a person reads. */
  line: number;
  column: number;
}

export function hasErrors(diagnostics: readonly ConfigDiagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** "line 7, column 3: …": how a diagnostic reads outside the editor. */
export function describeDiagnostic(d: ConfigDiagnostic): string {
  return `line ${d.line}, column ${d.column}${d.path ? ` (${d.path})` : ''}: ${d.message}`;
}
