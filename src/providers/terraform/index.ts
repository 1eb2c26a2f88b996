// The `terraform` access provider (HCP Terraform / Terraform Enterprise). See README.md.
export { terraformProviderFactory, TerraformAccessProvider, type TerraformGrantData, type TeamHold, type TerraformProviderOptions } from './provider.js';
export { terraformConfigSchema, DEFAULT_ADDRESS, type TerraformConfig } from './config.js';
