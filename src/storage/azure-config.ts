import { Inputs } from '../constants.js';
import { ValidationError } from '../errors.js';
import type { AzureStorage } from '../settings.js';

/** Container names: 3-63 lowercase letters, digits and single hyphens, or the root container. */
const CONTAINER = /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$|^\$root$/;
const ACCOUNT = /^[a-z0-9]{3,24}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** Connection string settings the SDK understands. */
const CONNECTION_KEYS = new Set([
  'defaultendpointsprotocol',
  'accountname',
  'accountkey',
  'endpointsuffix',
  'blobendpoint',
  'queueendpoint',
  'tableendpoint',
  'fileendpoint',
  'sharedaccesssignature',
  'usedevelopmentstorage',
  'developmentstorageproxyuri',
]);

/**
 * Checks Azure settings before anything is sent, so a typo fails the step with the input's name
 * instead of surfacing as a storage error (a warning and a miss). Pure: inputs.ts calls it when
 * inputs are read (action and CLI), and the backend again for callers that build settings.
 */
export function validateAzureStorage(s: AzureStorage): void {
  const fail = (input: Inputs, message: string): never => {
    throw new ValidationError(message, input);
  };
  if (!s.container) fail(Inputs.AzureContainer, `backend azure needs ${Inputs.AzureContainer}.`);
  if (!CONTAINER.test(s.container)) {
    fail(
      Inputs.AzureContainer,
      `Invalid Azure container name ${JSON.stringify(s.container)}: ${Inputs.AzureContainer} must be 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.`,
    );
  }
  if (s.connectionString) {
    const extra = (
      [
        [Inputs.AzureAccountName, s.accountName],
        [Inputs.AzureAccountKey, s.accountKey],
        [Inputs.AzureSasToken, s.sasToken],
        [Inputs.AzureEndpoint, s.endpoint],
      ] as const
    ).filter(([, v]) => v);
    if (extra.length > 0) {
      fail(
        Inputs.AzureConnectionString,
        `${Inputs.AzureConnectionString} cannot be combined with ${extra.map(([k]) => k).join(', ')}: the connection string already names the account, endpoint and credential; remove the others.`,
      );
    }
    checkConnectionString(s.connectionString);
    return;
  }
  if (s.accountKey && s.sasToken) {
    fail(
      Inputs.AzureSasToken,
      `Set ${Inputs.AzureAccountKey} or ${Inputs.AzureSasToken}, not both.`,
    );
  }
  if (s.accountName !== undefined && !ACCOUNT.test(s.accountName)) {
    fail(
      Inputs.AzureAccountName,
      `Invalid Azure storage account name ${JSON.stringify(s.accountName)}: ${Inputs.AzureAccountName} is the bare account name (3-24 lowercase letters and digits), not a URL.`,
    );
  }
  if (!s.accountName && !s.endpoint) {
    fail(
      Inputs.AzureAccountName,
      `backend azure needs ${Inputs.AzureConnectionString}, or ${Inputs.AzureAccountName} (with ${Inputs.AzureAccountKey}, ${Inputs.AzureSasToken}, or Microsoft Entra ID through azure/login).`,
    );
  }
  if (s.endpoint) checkEndpoint(s.endpoint, Inputs.AzureEndpoint);
  if (s.accountKey) {
    if (!s.accountName) {
      fail(
        Inputs.AzureAccountName,
        `${Inputs.AzureAccountKey} is set without ${Inputs.AzureAccountName}: set the account the key belongs to.`,
      );
    }
    if (!BASE64.test(s.accountKey)) {
      fail(
        Inputs.AzureAccountKey,
        `${Inputs.AzureAccountKey} is not an account key: it is the base64 "key1" or "key2" value from the account's "Access keys" page.`,
      );
    }
  } else if (s.sasToken) {
    checkSas(s.sasToken);
  } else if (s.endpoint && !s.endpoint.startsWith('https:')) {
    fail(
      Inputs.AzureEndpoint,
      `Microsoft Entra ID needs an https ${Inputs.AzureEndpoint}, not ${s.endpoint}; for Azurite or plain http set ${Inputs.AzureConnectionString} or ${Inputs.AzureAccountKey}.`,
    );
  }
}

/** An http(s) URL with a host and nothing a client would misread (query, fragment, user info). */
export function checkEndpoint(value: string, input: Inputs): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (
    !url ||
    !/^https?:$/.test(url.protocol) ||
    !url.hostname ||
    url.search ||
    url.hash ||
    url.username ||
    url.password
  ) {
    throw new ValidationError(
      `Input ${input} must be an http(s) URL without query, fragment or credentials, e.g. https://host:port; got ${JSON.stringify(value.split('?')[0])}${value.includes('?') ? ' with a query' : ''}.`,
      input,
    );
  }
}

/** A SAS is a query string with a signature and a signed version; a URL or a key is not. */
function checkSas(token: string): void {
  const query = token.trim().replace(/^\?/, '');
  const params = new URLSearchParams(query);
  if (/^https?:/i.test(query) || !params.get('sig') || !params.get('sv')) {
    throw new ValidationError(
      `${Inputs.AzureSasToken} is not a SAS token: it is the query string only ('sv=...&sig=...'), without the URL.`,
      Inputs.AzureSasToken,
    );
  }
}

function checkConnectionString(value: string): void {
  const settings = new Map<string, string>();
  let bad = false;
  for (const part of value.split(';')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim().toLowerCase();
    if (eq <= 0 || !CONNECTION_KEYS.has(key)) bad = true;
    settings.set(key, part.slice(eq + 1).trim());
  }
  const has = (k: string): boolean => Boolean(settings.get(k));
  const usable =
    settings.get('usedevelopmentstorage')?.toLowerCase() === 'true' ||
    (has('accountname') && has('accountkey')) ||
    (has('sharedaccesssignature') && has('blobendpoint'));
  const endpoint = settings.get('blobendpoint');
  let endpointOk = true;
  if (endpoint) {
    try {
      checkEndpoint(endpoint, Inputs.AzureConnectionString);
    } catch {
      endpointOk = false;
    }
  }
  if (bad || !usable || !endpointOk) {
    throw new ValidationError(
      `${Inputs.AzureConnectionString} is not a storage connection string: use the whole string from the account's "Access keys" page (AccountName=...;AccountKey=...), or BlobEndpoint=...;SharedAccessSignature=....`,
      Inputs.AzureConnectionString,
    );
  }
}
