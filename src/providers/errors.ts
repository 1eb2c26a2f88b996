// Errors of the provider registry: configuration that cannot become provider instances.
import { LeaseError } from '../core/index.js';

/** `providers.<id>.config` does not match the provider type's schema (or an id is repeated). */
export class ProviderConfigInvalid extends LeaseError {
  constructor(message: string, field: string) {
    super('provider_config_invalid', message, { status: 500, field });
  }
}

/** Two factories claim the same type or alias; a programming error, caught at start-up. */
export class ProviderTypeConflict extends LeaseError {
  constructor(type: string) {
    super('provider_type_conflict', `provider type ${JSON.stringify(type)} is registered twice`, { status: 500 });
  }
}

/** A loaded factory's type, aliases or capabilities differ from what the registry declared for it; a programming error. */
export class ProviderTypeMismatch extends LeaseError {
  constructor(declared: string, loaded: string) {
    super('provider_type_mismatch', `provider type declared as ${declared} loaded a factory for ${loaded}`, { status: 500 });
  }
}
