/** Resolves `use.secrets: [name]` from the environment variable LEASE_SECRET_<NAME> (upper case, `_` for other characters). */
export function environmentSecret(name: string): string | undefined {
  return process.env[`LEASE_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`];
}
