import { AlreadyExistsError, NotFoundError, StorageError, TimeoutError } from '../errors.js';

// Turns Azure SDK and network failures into StorageErrors whose hint names the input to change.
// Pure and SDK-free, so it is unit-tested with constructed errors.

export type AzureAuth = 'connection-string' | 'account-key' | 'sas' | 'entra-id';

export interface SasInfo {
  /** `sp`, e.g. 'racwdl'. */
  permissions?: string;
  /** `se`. */
  expiresOn?: Date;
}

export interface AzureErrorBase {
  auth: AzureAuth;
  account: string;
  container: string;
  /** Blob service URL, without any SAS. */
  endpoint: string;
  /** The input that decides the endpoint, named when the host cannot be reached. */
  endpointInput: 'azure-connection-string' | 'azure-endpoint' | 'azure-account-name';
  sas?: SasInfo;
}

export interface AzureErrorContext extends AzureErrorBase {
  /** 'put', 'get', 'stat', 'list' or 'delete'. */
  op: string;
  /** Object name or list prefix. */
  target: string;
  /** For the SAS expiry check; defaults to now. */
  now?: Date;
}

const SAS_PERMISSIONS =
  'read-write (save) needs read, write, delete and list (sp=rwdl; sp=racwdl also works); ' +
  'read-only (restore) needs read and list (sp=rl)';

/**
 * Turn an SDK or network failure into a StorageError whose hint names the input to change.
 * Errors that are already ours, and errors that did not come from Azure, pass through.
 */
export function explainAzureError(err: unknown, ctx: AzureErrorContext): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  if (
    err instanceof StorageError ||
    err instanceof NotFoundError ||
    err instanceof AlreadyExistsError ||
    err instanceof TimeoutError
  ) {
    return err;
  }
  const code = errorCode(err);
  const status = statusOf(err);
  const where = `${ctx.account}/${ctx.container}`;
  const fail = (hint: string | undefined, detail?: string): StorageError =>
    new StorageError(
      `Azure ${ctx.op} of '${ctx.target}' in ${where} failed: ${detail ?? summarize(err, code, status)}`,
      hint,
      { cause: err },
    );

  if (/CredentialUnavailable|AggregateAuthentication|AuthenticationRequired/.test(err.name)) {
    return fail(
      'no Microsoft Entra ID login was found: run azure/login (OIDC) before this step, or set ' +
        'azure-account-key, azure-sas-token or azure-connection-string',
      err.message.split('\n')[0],
    );
  }
  if (err.name === 'DownloadInterrupted') {
    return fail(
      `the connection to ${ctx.endpoint} kept breaking mid-download: check network, proxy and firewall settings`,
      err.message,
    );
  }
  if (err.name !== 'RestError' && !code) return err;

  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail(
        `${hostOf(ctx.endpoint)} does not resolve: check ${ctx.endpointInput} (no storage account or DNS record by that name)`,
      );
    case 'ECONNREFUSED':
      return fail(
        `nothing accepts connections at ${ctx.endpoint}: check ${ctx.endpointInput} (is the emulator or private endpoint up?)`,
      );
    case 'ECONNRESET':
    case 'ETIMEDOUT':
    case 'EPIPE':
      return fail('the connection failed repeatedly: check network, proxy and firewall settings');
    case 'ContainerNotFound':
      return fail(
        `container '${ctx.container}' does not exist: create it (az storage container create --name ${ctx.container}) or fix azure-container`,
      );
    case 'InvalidResourceName':
    case 'OutOfRangeInput':
      return fail('azure-container must be 3-63 lowercase letters, digits and single hyphens');
    case 'AuthenticationFailed':
    case 'AuthorizationFailure':
    case 'NoAuthenticationInformation':
      return fail(authHint(err.message, ctx));
    case 'AuthorizationPermissionMismatch':
      return fail(permissionHint(ctx));
    case 'AuthorizationResourceTypeMismatch':
    case 'AuthorizationServiceMismatch':
      return fail(
        'azure-sas-token is not valid for blobs in a container: use a container SAS (sr=c), or an account SAS with ss=b and srt=co',
      );
    case 'AuthorizationSourceIPMismatch':
      return fail(
        "the SAS is limited to other IP addresses (sip=): widen or drop the token's IP range",
      );
    case 'AuthorizationProtocolMismatch':
      return fail('the SAS requires https (spr=https): use an https azure-endpoint');
    case 'KeyBasedAuthenticationNotPermitted':
      return fail(
        'the account disallows shared-key access: use Microsoft Entra ID (azure/login) or a user delegation SAS',
      );
    case 'InvalidAuthenticationInfo':
      return fail(
        'the Microsoft Entra ID token was rejected: check azure/login targets the tenant that owns the account',
      );
    case 'AccountIsDisabled':
      return fail('the storage account is disabled: check azure-account-name and the subscription');
    case 'InvalidBlockList':
      return fail(
        'another writer replaced this object while it was being uploaded; retry the save',
      );
    case 'ConditionNotMet':
      return fail('the object was replaced while it was being read; retry the restore');
    case 'RequestBodyTooLarge':
      return fail('a block was too large for the service: lower part-size');
    case 'ServerBusy':
    case 'OperationTimedOut':
      return fail('the account is throttling or overloaded: lower concurrency or retry later');
  }
  if (status === 403) return fail(authHint(err.message, ctx));
  return fail(undefined);
}

function authHint(message: string, ctx: AzureErrorContext): string {
  const now = ctx.now ?? new Date();
  const expiry = ctx.sas?.expiresOn;
  if (ctx.auth === 'sas' && expiry && expiry.getTime() <= now.getTime()) {
    return `azure-sas-token expired at ${expiry.toISOString()} (se=): create a new one`;
  }
  if (/Signed expiry time|not valid in the specified time frame/i.test(message)) {
    return 'the SAS is expired or not yet valid (se=, st=): create a new azure-sas-token';
  }
  switch (ctx.auth) {
    case 'account-key':
      return `the request signature did not match: check azure-account-key is a current key of account '${ctx.account}'`;
    case 'connection-string':
      return 'the credential in azure-connection-string was rejected: copy a current one from the account\'s "Access keys" page';
    case 'sas':
      return `azure-sas-token was rejected: check it was signed for account '${ctx.account}' and container '${ctx.container}' and is unexpired; the account's firewall may also block this runner`;
    case 'entra-id':
      return "access was denied: check the identity's role on the account and the account's firewall";
  }
}

function permissionHint(ctx: AzureErrorContext): string {
  switch (ctx.auth) {
    case 'sas': {
      const has = ctx.sas?.permissions ? ` (this token has sp=${ctx.sas.permissions})` : '';
      return `azure-sas-token lacks a permission for ${ctx.op}${has}: ${SAS_PERMISSIONS}`;
    }
    case 'entra-id':
      return (
        `the identity may not ${ctx.op} blobs: grant it "Storage Blob Data Contributor" on the ` +
        'account or container ("Storage Blob Data Reader" for restore only)'
      );
    default:
      return `the credential may not ${ctx.op} blobs in container '${ctx.container}'`;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function summarize(err: Error, code: string | undefined, status: number | undefined): string {
  const first = err.message.split('\n')[0] ?? '';
  return [status, code, first].filter((x) => x !== undefined && x !== '').join(' ');
}

/** The service error code (from the body, or the x-ms-error-code header on HEAD), else the Node code. */
export function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; details?: { errorCode?: unknown } } | undefined;
  const code = e?.details?.errorCode ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

export function statusOf(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Longest Retry-After we honour: a throttled step should fail over to a miss, not hang. */
const MAX_RETRY_AFTER_MS = 30_000;

/**
 * The wait a 429 (Too Many Requests) asks for, or undefined for any other error. Blob storage
 * throttles with 503, which the SDK retries; a 429 comes from what sits in front of it (a
 * gateway, a proxy, an S3-style front end) and the SDK gives up on it at once.
 */
export function throttledFor(err: unknown): number | undefined {
  if (statusOf(err) !== 429) return undefined;
  const headers = (err as { response?: { headers?: { get?(name: string): string | undefined } } })
    .response?.headers;
  const value = headers?.get?.('retry-after')?.trim();
  let ms = 1000;
  if (value && /^\d+$/.test(value)) ms = Number(value) * 1000;
  else if (value && !Number.isNaN(Date.parse(value))) ms = Date.parse(value) - Date.now();
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}
