// The vocabulary of operations work: words people use for the same thing, and words that point
// at each other (someone who wants to "debug" needs to read logs). Both sides of a match are
// stemmed first (text.ts), so each entry is written in its plain form.

/**
 * Spellings of one thing: a text and a role match whichever spelling each uses. The first word
 * of a group is the one both are reduced to.
 */
export const EQUIVALENTS: readonly (readonly string[])[] = [
  ['prod', 'production', 'prd', 'live'],
  ['staging', 'stage', 'stg', 'preprod', 'uat'],
  ['dev', 'development', 'sandbox'],
  ['db', 'database', 'databases', 'rdbms'],
  ['postgres', 'postgresql', 'pg', 'psql'],
  ['mysql', 'mariadb'],
  ['kubernetes', 'k8s', 'kube', 'kubectl', 'eks', 'gke', 'aks'],
  ['aws', 'amazon'],
  ['gcp', 'google', 'gcloud'],
  ['azure', 'microsoft'],
  ['admin', 'administrator', 'superuser', 'sysadmin'],
  ['readonly', 'ro', 'viewer', 'reader'],
  ['read', 'view', 'get', 'list', 'describe', 'inspect', 'look', 'see', 'browse', 'query', 'select', 'check'],
  ['write', 'modify', 'change', 'edit', 'update', 'put', 'rw', 'readwrite'],
  ['delete', 'remove', 'drop', 'purge', 'destroy', 'wipe'],
  ['deploy', 'deployment', 'release', 'rollout', 'ship', 'publish'],
  ['restart', 'reboot', 'bounce', 'cycle'],
  ['log', 'logs', 'logging', 'journal', 'journalctl', 'cloudwatch'],
  ['debug', 'debugging', 'troubleshoot', 'diagnose', 'investigate', 'investigation'],
  ['incident', 'outage', 'sev', 'sev1', 'sev2', 'pagerduty', 'oncall'],
  ['secret', 'secrets', 'credential', 'credentials', 'password', 'passwords', 'vault'],
  ['key', 'keys', 'kms'],
  ['bucket', 's3', 'gcs', 'blob', 'storage'],
  ['vm', 'instance', 'instances', 'ec2', 'compute', 'machine'],
  ['host', 'hosts', 'server', 'servers', 'box', 'node', 'nodes'],
  ['ssh', 'shell'],
  ['root', 'sudo', 'su'],
  ['network', 'networking', 'vpc', 'firewall', 'subnet', 'dns'],
  ['iam', 'identity', 'permission', 'permissions', 'policy', 'policies'],
  ['billing', 'cost', 'costs', 'invoice', 'invoices', 'spend', 'budget'],
  ['backup', 'backups', 'snapshot', 'snapshots', 'restore'],
  ['queue', 'queues', 'sqs', 'kafka', 'topic', 'topics'],
  ['cache', 'redis', 'memcached'],
  ['repo', 'repository', 'repositories', 'git'],
  ['pod', 'pods', 'container', 'containers'],
  ['namespace', 'namespaces', 'ns'],
  ['customer', 'customers', 'client', 'clients', 'tenant', 'tenants'],
  ['payment', 'payments', 'card', 'cards', 'pci'],
  ['terraform', 'tf', 'iac'],
  ['okta', 'sso'],
  ['github', 'gh'],
  ['migration', 'migrations', 'migrate', 'schema'],
  ['scale', 'scaling', 'autoscale', 'resize'],
  ['certificate', 'certificates', 'cert', 'certs', 'tls', 'ssl'],
];

/**
 * Words that point at others: a text using the first word of a group also matches the others,
 * less strongly than the word itself (RELATED_WEIGHT). One direction only: someone who wants
 * to debug needs to read logs; someone who wants to read need not be debugging.
 */
export const RELATED: readonly (readonly string[])[] = [
  ['debug', 'log', 'read', 'readonly', 'metric', 'trace', 'monitor'],
  ['incident', 'debug', 'log', 'read', 'emergency', 'breakglass'],
  ['log', 'read', 'readonly', 'monitor'],
  ['readonly', 'read'],
  ['read', 'readonly'],
  ['deploy', 'write', 'pipeline', 'ci', 'cd', 'operator', 'developer'],
  ['write', 'readwrite', 'operator', 'editor', 'developer'],
  ['admin', 'root', 'full', 'owner', 'all', 'everything'],
  ['root', 'admin', 'full', 'all'],
  ['full', 'admin', 'all', 'owner'],
  ['owner', 'admin', 'full'],
  ['restart', 'operator', 'write', 'service'],
  ['scale', 'write', 'operator'],
  ['fix', 'write', 'debug'],
  ['patch', 'write', 'update'],
  ['migration', 'write', 'ddl'],
  ['db', 'sql', 'table', 'postgres', 'mysql', 'oracle'],
  ['sql', 'db', 'query'],
  ['kubernetes', 'cluster', 'pod', 'namespace'],
  ['cluster', 'kubernetes'],
  ['pod', 'kubernetes'],
  ['host', 'ssh', 'root', 'vm'],
  ['ssh', 'host'],
  ['login', 'ssh', 'host', 'console'],
  ['vm', 'host'],
  ['cloud', 'aws', 'gcp', 'azure'],
  ['bucket', 'object'],
  ['secret', 'key'],
  ['key', 'secret'],
  ['iam', 'access', 'role', 'user', 'group'],
  ['user', 'identity', 'account', 'group'],
  ['customer', 'data'],
  ['emergency', 'breakglass', 'incident'],
  ['audit', 'compliance', 'read', 'readonly'],
  ['compliance', 'audit'],
  ['pipeline', 'deploy', 'ci'],
  ['dashboard', 'monitor', 'metric', 'read'],
  ['metric', 'monitor', 'dashboard'],
  ['monitor', 'metric', 'dashboard', 'alert'],
  ['cost', 'billing'],
];

/** How much a related word counts against the word itself. */
export const RELATED_WEIGHT = 0.45;

/** Words that carry nothing about which role fits (they would match every role or none). */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be been but by can could do does for from get got give have having he her here his how i im ' +
    "i'd i'm id if in into is it its just let me more most my need needs needed of on or our please should so some " +
    'than that the their them then there these they this those to too up us want wanted wants was we what when where which who ' +
    'why will with would you your am pm about across after again all any because before being both during each few further ' +
    'having once only other out over own same such through under until till very while hours hour minutes minute min mins ' +
    'h m hr hrs day days end eod today tonight tomorrow morning afternoon evening now asap quickly quick urgent urgently ' +
    'new issue issues problem problems thing things stuff something bit help able access role roles permission-less work working'
  ).split(/\s+/),
);
