import { RestError } from '@azure/storage-blob';

import {
  AlreadyExistsError,
  NotFoundError,
  StorageError,
  TimeoutError,
  ValidationError,
} from '../../../src/errors.js';
import type { AzureStorage, TransferSettings } from '../../../src/settings.js';
import { AzureBackend } from '../../../src/storage/azure-backend.js';
import { type AzureErrorContext, explainAzureError } from '../../../src/storage/azure-errors.js';

const ctx = (over: Partial<AzureErrorContext> = {}): AzureErrorContext => ({
  op: 'put',
  target: 'cache/key',
  auth: 'account-key',
  account: 'acct',
  container: 'builds',
  endpoint: 'https://acct.blob.core.windows.net',
  endpointInput: 'azure-account-name',
  now: new Date('2030-01-01T00:00:00Z'),
  ...over,
});

/** A service error as the SDK raises it: code from the body, or only the header on HEAD. */
function serviceError(status: number, code: string, message = '', head = false): RestError {
  const err = new RestError(message, head ? { statusCode: status } : { statusCode: status, code });
  return Object.assign(err, { details: { errorCode: code } });
}

/** A network failure as the SDK raises it. */
const networkError = (code: string, message: string): RestError => new RestError(message, { code });

const hintOf = (err: unknown, c = ctx()): string | undefined => {
  const out = explainAzureError(err, c);
  expect(out).toBeInstanceOf(StorageError);
  return (out as StorageError).hint;
};

describe('explainAzureError', () => {
  test('our own errors and errors not from Azure pass through unchanged', () => {
    for (const err of [
      new NotFoundError('x'),
      new AlreadyExistsError('x'),
      new TimeoutError('slow'),
      new StorageError('m', 'h'),
      new Error('producer died'),
    ]) {
      expect(explainAzureError(err, ctx())).toBe(err);
    }
  });

  test('the message names the operation, object, account and container, and keeps the cause', () => {
    const cause = serviceError(500, 'InternalError', 'Server encountered an internal error.');
    const err = explainAzureError(cause, ctx({ op: 'get' })) as StorageError;
    expect(err.message).toBe(
      "Azure get of 'cache/key' in acct/builds failed: 500 InternalError Server encountered an internal error.",
    );
    expect(err.hint).toBeUndefined();
    expect(err.cause).toBe(cause);
  });

  test.each([
    ['a body', false],
    ['only the error-code header (HEAD)', true],
  ])('a bad account key, reported with %s, points at azure-account-key', (_, head) => {
    for (const code of ['AuthenticationFailed', 'AuthorizationFailure']) {
      expect(hintOf(serviceError(403, code, '', head))).toMatch(
        /check azure-account-key is a current key of account 'acct'/,
      );
    }
  });

  test('a rejected connection-string credential points at azure-connection-string', () => {
    expect(
      hintOf(serviceError(403, 'AuthenticationFailed'), ctx({ auth: 'connection-string' })),
    ).toMatch(/azure-connection-string/);
  });

  test('an expired SAS is reported with its expiry, from the token itself', () => {
    const c = ctx({ auth: 'sas', sas: { expiresOn: new Date('2029-12-31T23:00:00Z') } });
    expect(hintOf(serviceError(403, 'AuthorizationFailure', '', true), c)).toBe(
      'azure-sas-token expired at 2029-12-31T23:00:00.000Z (se=): create a new one',
    );
  });

  test("an expired SAS is recognised from the service's message when the token has no se", () => {
    const msg =
      'Server failed to authenticate the request.\nSigned expiry time [Tue, 01 Jan 2030] must be after signed start time';
    expect(hintOf(serviceError(403, 'AuthenticationFailed', msg), ctx({ auth: 'sas' }))).toMatch(
      /expired or not yet valid.*azure-sas-token/,
    );
  });

  test('a SAS that is unexpired but rejected names account and container', () => {
    const c = ctx({ auth: 'sas', sas: { expiresOn: new Date('2031-01-01T00:00:00Z') } });
    expect(hintOf(serviceError(403, 'AuthenticationFailed'), c)).toMatch(
      /azure-sas-token was rejected.*account 'acct' and container 'builds'/,
    );
  });

  test('a SAS without a permission lists what read-write and read-only need', () => {
    const c = ctx({ auth: 'sas', sas: { permissions: 'rl' } });
    expect(hintOf(serviceError(403, 'AuthorizationPermissionMismatch'), c)).toBe(
      'azure-sas-token lacks a permission for put (this token has sp=rl): read-write (save) ' +
        'needs read, write, delete and list (sp=rwdl; sp=racwdl also works); ' +
        'read-only (restore) needs read and list (sp=rl)',
    );
  });

  test('an Entra ID identity without a data role is told which role to grant', () => {
    const hint = hintOf(
      serviceError(403, 'AuthorizationPermissionMismatch'),
      ctx({ auth: 'entra-id' }),
    );
    expect(hint).toMatch(/"Storage Blob Data Contributor"/);
    expect(hint).toMatch(/"Storage Blob Data Reader" for restore only/);
  });

  test('no Entra ID login at all points at azure/login and the secret inputs', () => {
    const err = Object.assign(new Error('DefaultAzureCredential failed to retrieve a token'), {
      name: 'AggregateAuthenticationError',
    });
    expect(hintOf(err, ctx({ auth: 'entra-id' }))).toMatch(
      /run azure\/login \(OIDC\).*azure-account-key, azure-sas-token or azure-connection-string/,
    );
  });

  test('an account that forbids shared keys points at Entra ID', () => {
    expect(hintOf(serviceError(403, 'KeyBasedAuthenticationNotPermitted'))).toMatch(/Entra ID/);
  });

  test('a missing container says how to create it and names azure-container', () => {
    for (const head of [false, true]) {
      expect(hintOf(serviceError(404, 'ContainerNotFound', '', head))).toBe(
        "container 'builds' does not exist: create it (az storage container create --name builds) or fix azure-container",
      );
    }
  });

  test('an account host that does not resolve points at the input that named it', () => {
    const err = networkError('ENOTFOUND', 'getaddrinfo ENOTFOUND acct.blob.core.windows.net');
    expect(hintOf(err)).toMatch(
      /^acct\.blob\.core\.windows\.net does not resolve: check azure-account-name/,
    );
    const viaEndpoint = ctx({
      endpoint: 'https://cache.privatelink.example',
      endpointInput: 'azure-endpoint',
    });
    expect(hintOf(err, viaEndpoint)).toMatch(/^cache\.privatelink\.example .*check azure-endpoint/);
  });

  test('a refused connection names the endpoint and its input', () => {
    const err = networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:10000');
    const c = ctx({
      endpoint: 'http://127.0.0.1:10000/devstoreaccount1',
      endpointInput: 'azure-endpoint',
    });
    expect(hintOf(err, c)).toBe(
      'nothing accepts connections at http://127.0.0.1:10000/devstoreaccount1: check azure-endpoint (is the emulator or private endpoint up?)',
    );
  });

  test('other service conditions get a specific hint', () => {
    expect(hintOf(serviceError(400, 'InvalidResourceName'))).toMatch(/azure-container must be/);
    expect(hintOf(serviceError(412, 'ConditionNotMet'))).toMatch(
      /replaced while it was being read/,
    );
    expect(hintOf(serviceError(413, 'RequestBodyTooLarge'))).toMatch(/lower part-size/);
    expect(hintOf(serviceError(503, 'ServerBusy'))).toMatch(/lower concurrency/);
    expect(hintOf(serviceError(403, 'AuthorizationResourceTypeMismatch'))).toMatch(/sr=c/);
  });
});

describe('AzureBackend configuration', () => {
  const transfer: TransferSettings = {
    concurrency: 4,
    partSize: 8 << 20,
    stallTimeoutMs: 60_000,
    timeoutMs: 0,
  };
  const sas = 'sv=2024-08-04&sr=c&sp=rl&se=2030-01-01T00%3A00%3A00Z&sig=abc%3D';
  const create = (over: Partial<AzureStorage>): AzureBackend =>
    new AzureBackend({ kind: 'azure', container: 'builds', ...over }, transfer);
  const refusal = (over: Partial<AzureStorage>): ValidationError => {
    try {
      create(over);
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      return err as ValidationError;
    }
    throw new Error('expected a ValidationError');
  };

  // The same rules inputs.ts applies (tested there in full): settings built by hand are checked too.
  test.each([
    [{ container: '' }, 'azure-container'],
    [{ container: 'Builds_1', accountName: 'acct' }, 'azure-container'],
    [{}, 'azure-account-name'],
    [{ connectionString: 'garbage' }, 'azure-connection-string'],
    [{ accountName: 'acct', sasToken: 'sv=2024-08-04&sp=rl' }, 'azure-sas-token'],
    [{ accountName: 'acct', endpoint: 'acct.blob.core.windows.net' }, 'azure-endpoint'],
  ])('%j is refused naming the input', (over, input) => {
    expect(refusal(over).input).toBe(input);
  });

  test('valid modes construct without touching the network', () => {
    expect(create({ accountName: 'acct' }).description).toBe('azure://acct/builds');
    expect(create({ accountName: 'acct', sasToken: `?${sas}` }).description).toBe(
      'azure://acct/builds',
    );
    expect(create({ accountName: 'acct', sasToken: sas }).description).toBe('azure://acct/builds');
    expect(
      create({
        endpoint: 'https://acct.blob.core.usgovcloudapi.net/',
        accountName: 'acct',
        accountKey: 'a2V5',
      }).description,
    ).toBe('azure://acct/builds');
    expect(
      create({
        connectionString:
          'DefaultEndpointsProtocol=https;AccountName=other;AccountKey=a2V5;EndpointSuffix=core.windows.net',
      }).description,
    ).toBe('azure://other/builds');
  });
});
