import { GeneralError, type EvaluationContext } from '@openfeature/core';

/** What a gate needs of the provider it wraps to share it with other gates. */
export interface SharedInner {
  readonly metadata: { readonly name: string };
  readonly domainScoped?: boolean;
  initialize?(context?: EvaluationContext, domain?: string): Promise<void>;
  onClose?(): Promise<void>;
}

interface Binding {
  /** Gates currently open over this inner provider, with the domain each is bound to ('' for the default). */
  readonly open: Map<object, string>;
  initializing: Promise<void> | undefined;
}

const bindings = new WeakMap<SharedInner, Binding>();

/**
 * The lifecycle one inner provider has when several gates wrap it, kept as the SDK keeps a provider registered under
 * several domains: initialized once while any gate over it is open, closed when the last one closes, and a
 * domain-scoped provider never bound to two domains.
 */
export const innerBindings = {
  /** Opens `gate` over `inner` for `domain`; initializes the inner provider unless an open gate already did. */
  open(
    inner: SharedInner,
    gate: object,
    context: EvaluationContext | undefined,
    domain: string | undefined,
  ): Promise<void> {
    let binding = bindings.get(inner);
    if (!binding) {
      binding = { open: new Map(), initializing: undefined };
      bindings.set(inner, binding);
    }
    const requested = domain ?? '';
    if (inner.domainScoped) {
      for (const [other, bound] of binding.open) {
        if (other !== gate && bound !== requested) {
          return Promise.reject(
            new GeneralError(`Cannot bind domain-scoped provider '${inner.metadata.name}' to more than one domain.`),
          );
        }
      }
    }
    binding.open.set(gate, requested);
    if (binding.initializing) return binding.initializing;
    const current = binding;
    const started = Promise.resolve(inner.initialize?.(context, domain));
    current.initializing = started;
    // a failed start is retried by the next gate that opens (as the SDK retries on the next registration)
    started.catch(() => {
      if (current.initializing === started) current.initializing = undefined;
    });
    return started;
  },

  /** Closes `gate`; closes the inner provider when no gate over it is open any more. */
  async close(inner: SharedInner, gate: object): Promise<void> {
    const binding = bindings.get(inner);
    if (!binding || !binding.open.delete(gate)) return;
    if (binding.open.size > 0) return;
    binding.initializing = undefined;
    await inner.onClose?.();
  },
};
