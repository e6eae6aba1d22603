/**
 * Every kind of connection Ironpane knows: one line per provider folder. The window's add forms, the
 * contract's checks of a new connection and the why-not texts all come from these descriptions.
 */
import { registerWhyNot } from '../../../shared/capabilities';
import type { ProviderDescriptor } from './descriptor';
import { inventory } from './inventory';
import { ipmi } from './ipmi';
import { ironic } from './ironic';
import { lab } from './lab';
import { metal } from './metal';
import { redfish } from './redfish';

export const PROVIDERS: readonly ProviderDescriptor[] = [lab, metal, inventory, redfish, ipmi, ironic];

/** The registry a process uses; tests add kinds of their own with `withProviders`. */
export class ProviderRegistry {
  private readonly byKind: Map<string, ProviderDescriptor>;
  constructor(descriptors: readonly ProviderDescriptor[] = PROVIDERS) {
    this.byKind = new Map(descriptors.map((d) => [d.info.kind, d]));
    registerWhyNot(descriptors.map((d) => d.info));
  }
  get(kind: string): ProviderDescriptor | undefined {
    return this.byKind.get(kind);
  }
  all(): ProviderDescriptor[] {
    return [...this.byKind.values()];
  }
}
