export const id = 456;
export const ids = [456];
export const modules = {

/***/ 4456:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  AzureBackend: () => (/* binding */ AzureBackend)
});

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
// EXTERNAL MODULE: external "node:timers/promises"
var promises_ = __webpack_require__(8500);
// EXTERNAL MODULE: ./node_modules/@azure/identity/dist/esm/index.js + 155 modules
var esm = __webpack_require__(3952);
// EXTERNAL MODULE: ./node_modules/@azure/storage-blob/dist/esm/index.js + 150 modules
var dist_esm = __webpack_require__(8053);
// EXTERNAL MODULE: ./lib/errors.js
var errors = __webpack_require__(452);
// EXTERNAL MODULE: ./lib/util/chunks.js
var chunks = __webpack_require__(404);
// EXTERNAL MODULE: ./lib/storage/azure-config.js
var azure_config = __webpack_require__(9585);
;// CONCATENATED MODULE: ./lib/storage/azure-errors.js

const SAS_PERMISSIONS = 'read-write (save) needs read, write, delete and list (sp=rwdl; sp=racwdl also works); ' +
    'read-only (restore) needs read and list (sp=rl)';
/**
 * Turn an SDK or network failure into a StorageError whose hint names the input to change.
 * Errors that are already ours, and errors that did not come from Azure, pass through.
 */
function explainAzureError(err, ctx) {
    if (!(err instanceof Error))
        return new Error(String(err));
    if (err instanceof errors/* StorageError */.aq ||
        err instanceof errors/* NotFoundError */.m_ ||
        err instanceof errors/* AlreadyExistsError */.Tm ||
        err instanceof errors/* TimeoutError */.MU) {
        return err;
    }
    const code = errorCode(err);
    const status = statusOf(err);
    const where = `${ctx.account}/${ctx.container}`;
    const fail = (hint, detail) => new errors/* StorageError */.aq(`Azure ${ctx.op} of '${ctx.target}' in ${where} failed: ${detail ?? summarize(err, code, status)}`, hint, { cause: err });
    if (/CredentialUnavailable|AggregateAuthentication|AuthenticationRequired/.test(err.name)) {
        return fail('no Microsoft Entra ID login was found: run azure/login (OIDC) before this step, or set ' +
            'azure-account-key, azure-sas-token or azure-connection-string', err.message.split('\n')[0]);
    }
    if (err.name === 'DownloadInterrupted') {
        return fail(`the connection to ${ctx.endpoint} kept breaking mid-download: check network, proxy and firewall settings`, err.message);
    }
    if (err.name !== 'RestError' && !code)
        return err;
    switch (code) {
        case 'ENOTFOUND':
        case 'EAI_AGAIN':
            return fail(`${hostOf(ctx.endpoint)} does not resolve: check ${ctx.endpointInput} (no storage account or DNS record by that name)`);
        case 'ECONNREFUSED':
            return fail(`nothing accepts connections at ${ctx.endpoint}: check ${ctx.endpointInput} (is the emulator or private endpoint up?)`);
        case 'ECONNRESET':
        case 'ETIMEDOUT':
        case 'EPIPE':
            return fail('the connection failed repeatedly: check network, proxy and firewall settings');
        case 'ContainerNotFound':
            return fail(`container '${ctx.container}' does not exist: create it (az storage container create --name ${ctx.container}) or fix azure-container`);
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
            return fail('azure-sas-token is not valid for blobs in a container: use a container SAS (sr=c), or an account SAS with ss=b and srt=co');
        case 'AuthorizationSourceIPMismatch':
            return fail("the SAS is limited to other IP addresses (sip=): widen or drop the token's IP range");
        case 'AuthorizationProtocolMismatch':
            return fail('the SAS requires https (spr=https): use an https azure-endpoint');
        case 'KeyBasedAuthenticationNotPermitted':
            return fail('the account disallows shared-key access: use Microsoft Entra ID (azure/login) or a user delegation SAS');
        case 'InvalidAuthenticationInfo':
            return fail('the Microsoft Entra ID token was rejected: check azure/login targets the tenant that owns the account');
        case 'AccountIsDisabled':
            return fail('the storage account is disabled: check azure-account-name and the subscription');
        case 'InvalidBlockList':
            return fail('another writer replaced this object while it was being uploaded; retry the save');
        case 'ConditionNotMet':
            return fail('the object was replaced while it was being read; retry the restore');
        case 'RequestBodyTooLarge':
            return fail('a block was too large for the service: lower part-size');
        case 'ServerBusy':
        case 'OperationTimedOut':
            return fail('the account is throttling or overloaded: lower concurrency or retry later');
    }
    if (status === 403)
        return fail(authHint(err.message, ctx));
    return fail(undefined);
}
function authHint(message, ctx) {
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
function permissionHint(ctx) {
    switch (ctx.auth) {
        case 'sas': {
            const has = ctx.sas?.permissions ? ` (this token has sp=${ctx.sas.permissions})` : '';
            return `azure-sas-token lacks a permission for ${ctx.op}${has}: ${SAS_PERMISSIONS}`;
        }
        case 'entra-id':
            return (`the identity may not ${ctx.op} blobs: grant it "Storage Blob Data Contributor" on the ` +
                'account or container ("Storage Blob Data Reader" for restore only)');
        default:
            return `the credential may not ${ctx.op} blobs in container '${ctx.container}'`;
    }
}
function hostOf(url) {
    try {
        return new URL(url).host;
    }
    catch {
        return url;
    }
}
function summarize(err, code, status) {
    const first = err.message.split('\n')[0] ?? '';
    return [status, code, first].filter((x) => x !== undefined && x !== '').join(' ');
}
/** The service error code (from the body, or the x-ms-error-code header on HEAD), else the Node code. */
function errorCode(err) {
    const e = err;
    const code = e?.details?.errorCode ?? e?.code;
    return typeof code === 'string' ? code : undefined;
}
function statusOf(err) {
    const status = err?.statusCode;
    return typeof status === 'number' ? status : undefined;
}
/** Longest Retry-After we honour: a throttled step should fail over to a miss, not hang. */
const MAX_RETRY_AFTER_MS = 30_000;
/**
 * The wait a 429 (Too Many Requests) asks for, or undefined for any other error. Blob storage
 * throttles with 503, which the SDK retries; a 429 comes from what sits in front of it (a
 * gateway, a proxy, an S3-style front end) and the SDK gives up on it at once.
 */
function throttledFor(err) {
    if (statusOf(err) !== 429)
        return undefined;
    const headers = err
        .response?.headers;
    const value = headers?.get?.('retry-after')?.trim();
    let ms = 1000;
    if (value && /^\d+$/.test(value))
        ms = Number(value) * 1000;
    else if (value && !Number.isNaN(Date.parse(value)))
        ms = Date.parse(value) - Date.now();
    return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

// EXTERNAL MODULE: ./lib/storage/ranged-reader.js
var ranged_reader = __webpack_require__(780);
// EXTERNAL MODULE: ./lib/storage/watchdog.js
var watchdog = __webpack_require__(9550);
;// CONCATENATED MODULE: ./lib/storage/azure-backend.js











/** Tries per request, for the SDK's retry of transient errors and for our stall retries. */
const MAX_TRIES = 4;
/** Service limits: blocks per blob and bytes per block. */
const MAX_BLOCKS = 50_000;
const MAX_BLOCK_SIZE = 4000 * 1024 * 1024;
/**
 * Azure Blob Storage. put stages blocks in parallel and commits them with one Put Block List,
 * the atomic point; get reads ranges in parallel, pinned to the first range's ETag.
 * Memory: at most (concurrency + 1) × partSize per upload, concurrency × rangeSize per lent download.
 */
class AzureBackend {
    transfer;
    description;
    client;
    context;
    closed = new AbortController();
    pageSize;
    constructor(storage, transfer, options = {}) {
        this.transfer = transfer;
        const pipeline = {
            // tryTimeoutInMs is left unset: in 12.x it only adds the server-side `timeout` query
            // parameter and never stops a client waiting on a dead socket. `attempt` does that.
            retryOptions: {
                maxTries: MAX_TRIES,
                retryDelayInMs: options.retryDelayMs ?? 1000,
                maxRetryDelayInMs: 30_000,
            },
        };
        const { client, ...context } = connect(storage, pipeline);
        this.client = client;
        this.pageSize = options.listPageSize;
        this.context = { ...context, account: client.accountName, container: storage.container };
        this.description = `azure://${client.accountName}/${storage.container}`;
    }
    async stat(name) {
        const op = this.begin('stat', name);
        try {
            const blob = this.client.getBlobClient(name);
            const p = await this.attempt(op.signal, (abortSignal) => blob.getProperties({ abortSignal }), {
                retryStalls: false,
            });
            return {
                name,
                size: p.contentLength ?? 0,
                lastModified: p.lastModified ?? new Date(0),
                etag: p.etag,
            };
        }
        catch (err) {
            if (errorCode(err) === 'BlobNotFound')
                return undefined;
            throw op.fail(err);
        }
    }
    async list(prefix) {
        const found = [];
        for (const b of await this.listing(prefix, false)) {
            found.push({
                name: b.name,
                size: b.properties.contentLength ?? 0,
                lastModified: b.properties.lastModified,
                etag: b.properties.etag,
            });
        }
        return found;
    }
    /**
     * Blobs holding only uncommitted blocks: a listing that includes uncommitted blobs, less the
     * committed ones. The service would discard them after a week; until then they are billed.
     */
    async listIncompleteUploads(prefix) {
        const all = await this.listing(prefix, true);
        const committed = new Set((await this.listing(prefix, false)).map((b) => b.name));
        return all
            .filter((b) => !committed.has(b.name))
            .map((b) => ({
            name: b.name,
            id: b.name,
            started: b.properties.createdOn ?? b.properties.lastModified,
        }));
    }
    /**
     * Deleting a blob that has no committed blocks is not reliably possible, so commit an empty
     * block list, only if nothing is committed there (a late writer wins), which discards the
     * uncommitted blocks, then delete that empty blob, only if it is still the one we made.
     */
    async abortIncompleteUpload(upload) {
        const name = upload.name ?? upload.id;
        const op = this.begin('abort-upload', name);
        const blob = this.client.getBlockBlobClient(name);
        try {
            const made = await this.attempt(op.signal, (abortSignal) => blob.commitBlockList([], { conditions: { ifNoneMatch: '*' }, abortSignal })).catch((err) => {
                if (errorCode(err) === 'BlobAlreadyExists' || statusOf(err) === 409)
                    return undefined;
                throw err;
            });
            if (!made?.etag)
                return;
            const etag = made.etag;
            await this.attempt(op.signal, (abortSignal) => blob.deleteIfExists({ conditions: { ifMatch: etag }, abortSignal })).catch((err) => {
                if (statusOf(err) !== 412)
                    throw err; // 412: replaced meanwhile by a real commit
            });
        }
        catch (err) {
            throw op.fail(err);
        }
    }
    async listing(prefix, includeUncommitedBlobs) {
        const op = this.begin(includeUncommitedBlobs ? 'list-uploads' : 'list', prefix);
        const found = [];
        try {
            let continuationToken;
            do {
                const page = await this.attempt(op.signal, (abortSignal) => this.client
                    .listBlobsFlat({ prefix, abortSignal, includeUncommitedBlobs })
                    .byPage({ continuationToken, maxPageSize: this.pageSize })
                    .next(), { retryStalls: false });
                if (page.done)
                    break;
                found.push(...page.value.segment.blobItems);
                continuationToken = page.value.continuationToken || undefined;
            } while (continuationToken);
            return found;
        }
        catch (err) {
            throw op.fail(err);
        }
    }
    async get(name, opts = {}) {
        const op = this.begin('get', name, opts.signal);
        const blob = this.client.getBlobClient(name);
        const arrived = opts.onProgress ?? (() => { });
        let first;
        try {
            // The first range reports the total size and the ETag every later range is pinned to, so
            // no stat is needed and an overwrite mid-read fails (412) instead of mixing versions.
            first = await this.readRange(blob, 0, this.rangeSize(), op.signal, undefined, arrived);
        }
        catch (err) {
            if (errorCode(err) === 'BlobNotFound')
                throw new errors/* NotFoundError */.m_(name);
            throw op.fail(err);
        }
        const { etag } = first;
        return (0,ranged_reader/* createRangedReader */.b)({
            total: first.total,
            first: first.data,
            partSize: this.rangeSize(),
            concurrency: this.transfer.concurrency,
            signal: op.signal,
            fetchRange: async (offset, count, signal, into) => {
                try {
                    return (await this.readRange(blob, offset, count, signal, etag, arrived, into)).data;
                }
                catch (err) {
                    throw op.fail(err);
                }
            },
        });
    }
    async put(name, body, opts = {}) {
        const op = this.begin('put', name, opts.signal);
        const blob = this.client.getBlockBlobClient(name);
        const conditions = opts.ifAbsent
            ? { ifNoneMatch: '*' }
            : opts.ifMatch !== undefined
                ? { ifMatch: opts.ifMatch }
                : undefined;
        const onAbort = () => void body.destroy(new Error('put aborted'));
        op.signal.addEventListener('abort', onAbort, { once: true });
        const blocks = splitBlocks(body, this.blockSize(opts.size))[Symbol.asyncIterator]();
        const sent = opts.onProgress ?? (() => { });
        try {
            const first = await blocks.next();
            const second = await blocks.next();
            if (second.done) {
                // Fits in one block: a single Put Blob, atomic by itself.
                const data = first.value;
                const position = (0,watchdog/* newBytes */.a)(sent);
                await this.attempt(op.signal, (abortSignal, touch) => blob.upload(sliced(data), data.length, {
                    conditions,
                    abortSignal,
                    onProgress: progressOf(touch, position),
                }));
                return;
            }
            const ids = await this.stageAll(blob, [first.value, second.value], blocks, op, sent);
            // The commit is the atomic point. Blocks staged by a put that never gets here stay
            // uncommitted: invisible to stat, list and get, and discarded by the service after a week.
            await this.attempt(op.signal, (abortSignal) => blob.commitBlockList(ids, { conditions, abortSignal }));
        }
        catch (err) {
            op.abort();
            body.destroy();
            if (opts.ifAbsent && (await this.lostRace(err, name)))
                throw new errors/* AlreadyExistsError */.Tm(name);
            // ifMatch on a blob replaced (412) or removed (404) since: another writer changed it.
            if (opts.ifMatch !== undefined && [404, 412].includes(statusOf(err) ?? 0)) {
                throw new errors/* AlreadyExistsError */.Tm(name);
            }
            throw op.fail(err);
        }
        finally {
            op.signal.removeEventListener('abort', onAbort);
            await blocks.return(undefined);
        }
    }
    async delete(name) {
        const op = this.begin('delete', name);
        try {
            const blob = this.client.getBlobClient(name);
            await this.attempt(op.signal, (abortSignal) => blob.deleteIfExists({ abortSignal, deleteSnapshots: 'include' }));
        }
        catch (err) {
            throw op.fail(err);
        }
    }
    /** Stops whatever is still in flight; the SDK's keep-alive sockets are unref'd when idle. */
    close() {
        this.closed.abort();
        return Promise.resolve();
    }
    /** Stage blocks with at most `concurrency` in flight; returns the block list in order. */
    async stageAll(blob, head, rest, op, sent) {
        // A random prefix per put: racing writers of one name must never share block ids.
        const prefix = (0,external_node_crypto_.randomUUID)();
        const ids = [];
        const inflight = new Set();
        const stage = (data) => {
            if (ids.length >= MAX_BLOCKS) {
                throw new errors/* StorageError */.aq(`object exceeds ${MAX_BLOCKS} blocks of ${data.length} bytes`, 'raise part-size');
            }
            const id = Buffer.from(`${prefix}-${String(ids.length).padStart(6, '0')}`).toString('base64');
            ids.push(id);
            const position = (0,watchdog/* newBytes */.a)(sent);
            const p = this.attempt(op.signal, (abortSignal, touch) => blob.stageBlock(id, sliced(data), data.length, {
                abortSignal,
                onProgress: progressOf(touch, position),
            })).finally(() => inflight.delete(p));
            p.catch(() => { }); // observed through race/all below; this only marks it handled
            inflight.add(p);
        };
        try {
            for (;;) {
                while (inflight.size >= this.transfer.concurrency)
                    await Promise.race(inflight);
                let data = head.shift();
                if (!data) {
                    const next = await rest.next();
                    if (next.done)
                        break;
                    data = next.value;
                }
                stage(data);
            }
            await Promise.all(inflight);
            return ids;
        }
        catch (err) {
            op.abort();
            await Promise.allSettled(inflight);
            throw err;
        }
    }
    async readRange(blob, offset, count, signal, etag, onData = () => { }, into) {
        const position = (0,watchdog/* newBytes */.a)(onData);
        return this.attempt(signal, async (abortSignal, touch) => {
            const res = await blob
                .download(offset, count, {
                abortSignal,
                conditions: etag ? { ifMatch: etag } : undefined,
                maxRetryRequests: MAX_TRIES,
            })
                .catch((err) => {
                // A range on an empty blob is 416; the blob exists and has no bytes.
                if (offset === 0 && errorCode(err) === 'InvalidRange')
                    return undefined;
                throw err;
            });
            if (!res)
                return { data: [], total: 0, etag: '' };
            const expected = res.contentLength ?? 0;
            const data = await readBody(res.readableStreamBody, expected, abortSignal, into, (got) => {
                touch();
                position(got);
            });
            const total = Number(/\/(\d+)$/.exec(res.contentRange ?? '')?.[1] ?? expected);
            return { data, total, etag: res.etag ?? '' };
        });
    }
    /**
     * Run one request under a stall watchdog: `touch` marks progress, and a try that makes none
     * for stallTimeoutMs is aborted and retried, up to MAX_TRIES, as is a download cut off
     * mid-body. The SDK retries failures before the response (resets, 500, 503) itself; a 429 is
     * retried here after the wait its Retry-After asks for.
     */
    async attempt(signal, request, { retryStalls = true } = {}) {
        const ms = this.transfer.stallTimeoutMs;
        for (let tries = 1;; tries++) {
            const stall = new AbortController();
            const timer = setTimeout(() => stall.abort(), ms);
            let settled = false;
            const touch = () => void (settled || timer.refresh());
            try {
                return await request(AbortSignal.any([signal, stall.signal]), touch);
            }
            catch (err) {
                // Stat and list give up after one silent stall timeout: a dead endpoint must not cost
                // four of them before the step even starts transferring.
                if (signal.aborted || tries >= MAX_TRIES || (stall.signal.aborted && !retryStalls)) {
                    if (stall.signal.aborted && !signal.aborted) {
                        throw new errors/* TimeoutError */.MU(`Azure request made no progress for ${ms} ms, ${tries} tries`);
                    }
                    throw err;
                }
                const throttled = throttledFor(err);
                if (throttled !== undefined) {
                    clearTimeout(timer);
                    await (0,promises_.setTimeout)(throttled, undefined, { signal });
                    continue;
                }
                if (!stall.signal.aborted && !(err instanceof DownloadInterrupted))
                    throw err;
            }
            finally {
                settled = true;
                clearTimeout(timer);
            }
        }
    }
    /** After a failed conditional put: did another writer take the name first? */
    async lostRace(err, name) {
        const code = errorCode(err);
        if (code === 'BlobAlreadyExists' || statusOf(err) === 412)
            return true;
        // The winner's commit discards our uncommitted blocks, so ours can fail as InvalidBlockList.
        return (code === 'InvalidBlockList' && (await this.stat(name).catch(() => undefined)) !== undefined);
    }
    rangeSize() {
        return Math.max(this.transfer.rangeSize ?? this.transfer.partSize, 1);
    }
    partSize() {
        return Math.min(Math.max(this.transfer.partSize, 1), MAX_BLOCK_SIZE);
    }
    /** Part size, grown when the known size would need more than MAX_BLOCKS blocks. */
    blockSize(size) {
        return Math.min(Math.max(this.partSize(), Math.ceil((size ?? 0) / MAX_BLOCKS)), MAX_BLOCK_SIZE);
    }
    begin(op, target, user) {
        const own = new AbortController();
        const deadline = this.transfer.timeoutMs > 0 ? AbortSignal.timeout(this.transfer.timeoutMs) : undefined;
        const signals = [own.signal, this.closed.signal, user, deadline];
        const signal = AbortSignal.any(signals.filter((s) => s !== undefined));
        return {
            signal,
            abort: () => own.abort(),
            fail: (err) => {
                if (user?.aborted)
                    return user.reason instanceof Error ? user.reason : new Error('aborted');
                if (deadline?.aborted) {
                    return new errors/* TimeoutError */.MU(`Azure ${op} of ${target} ran past ${this.transfer.timeoutMs} ms`);
                }
                if (this.closed.signal.aborted)
                    return new Error(`Azure ${op} of ${target}: backend closed`);
                return explainAzureError(err, { ...this.context, op, target });
            },
        };
    }
}
/** The SDK's upload progress (bytes of this try) as a touch of the try's stall timer and a position. */
function progressOf(touch, position) {
    return ({ loadedBytes }) => {
        touch();
        position(loadedBytes);
    };
}
/** Cut a stream into blocks of exactly `size` bytes (the last may be shorter; at least one). */
async function* splitBlocks(body, size) {
    let parts = [];
    let length = 0;
    let yielded = false;
    for await (const chunk of body) {
        let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
        while (length + buf.length >= size) {
            const take = size - length;
            parts.push(buf.subarray(0, take));
            yield Buffer.concat(parts, size);
            yielded = true;
            parts = [];
            length = 0;
            buf = buf.subarray(take);
        }
        if (buf.length > 0) {
            parts.push(buf);
            length += buf.length;
        }
    }
    if (length > 0 || !yielded)
        yield Buffer.concat(parts, length);
}
/**
 * A block as a stream of 64 KiB slices: with a Buffer body the SDK reports upload progress once,
 * up front, so the stall watchdog would time the whole block instead of watching it move.
 */
function sliced(data) {
    function* slices() {
        for (let at = 0; at < data.length; at += 64 * 1024)
            yield data.subarray(at, at + 64 * 1024);
    }
    return () => external_node_stream_.Readable.from(slices(), { objectMode: false });
}
/** A response body that broke off or ended short; the range is worth another try. */
class DownloadInterrupted extends Error {
    name = 'DownloadInterrupted';
}
/**
 * Read a response body whole (into `into` when given); fail rather than return short or long,
 * and give up on abort.
 */
async function readBody(stream, expected, signal, into, 
/** Bytes of this body received so far. */
touch) {
    if (!stream)
        throw new Error('download returned no body');
    const body = stream;
    const onAbort = () => void body.destroy(new Error('download aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    const got = new chunks/* BodyCollector */.Yr(expected, into);
    try {
        // The SDK's own resume does not engage on Node 20: a dropped socket surfaces as AbortError.
        for await (const chunk of body) {
            const fits = got.add(chunk);
            touch(got.received);
            if (!fits)
                break;
        }
    }
    catch (err) {
        if (signal.aborted)
            throw err;
        throw new DownloadInterrupted(`download broke off at ${got.received} of ${expected} bytes`, {
            cause: err,
        });
    }
    finally {
        signal.removeEventListener('abort', onAbort);
    }
    if (got.received !== expected) {
        body.destroy();
        throw new DownloadInterrupted(`download ended at ${got.received} of ${expected} bytes`);
    }
    return got.result();
}
/** Build the container client for the configured auth mode; the settings are validated first. */
function connect(s, pipeline) {
    (0,azure_config/* validateAzureStorage */.d)(s);
    if (s.connectionString) {
        try {
            const client = new dist_esm/* ContainerClient */.bM(s.connectionString, s.container, pipeline);
            // The client URL may carry a SAS from the connection string: keep only the service part.
            const endpoint = client.url.split('?')[0].slice(0, -(s.container.length + 1));
            return {
                client,
                auth: 'connection-string',
                endpoint,
                endpointInput: 'azure-connection-string',
            };
        }
        catch (err) {
            throw new errors/* ValidationError */.yI(`invalid azure-connection-string: ${err.message}. Use the whole string from the account's "Access keys" page.`, 'azure-connection-string');
        }
    }
    const base = s.endpoint
        ? s.endpoint.replace(/\/+$/, '')
        : `https://${s.accountName}.blob.core.windows.net`;
    const url = `${base}/${s.container}`;
    const where = {
        endpoint: base,
        endpointInput: s.endpoint ? 'azure-endpoint' : 'azure-account-name',
    };
    if (s.accountKey) {
        const credential = new dist_esm/* StorageSharedKeyCredential */.Z3(s.accountName, s.accountKey);
        return {
            client: new dist_esm/* ContainerClient */.bM(url, credential, pipeline),
            auth: 'account-key',
            ...where,
        };
    }
    if (s.sasToken) {
        const token = s.sasToken.trim().replace(/^\?/, '');
        const params = new URLSearchParams(token);
        const expiry = params.get('se');
        const sas = {
            permissions: params.get('sp') ?? undefined,
            expiresOn: expiry ? new Date(expiry) : undefined,
        };
        const client = new dist_esm/* ContainerClient */.bM(`${url}?${token}`, undefined, pipeline);
        return { client, auth: 'sas', sas, ...where };
    }
    // No secret: Microsoft Entra ID, e.g. after azure/login with OIDC or a managed identity.
    return {
        client: new dist_esm/* ContainerClient */.bM(url, new esm/* DefaultAzureCredential */.gv(), pipeline),
        auth: 'entra-id',
        ...where,
    };
}


/***/ }),

/***/ 780:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   b: () => (/* binding */ createRangedReader)
/* harmony export */ });
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7075);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(452);


/**
 * An object as one stream of consecutive `partSize` ranges: up to `concurrency` fetched ahead of
 * the consumer, emitted strictly in order. Memory stays near (concurrency + 1) × partSize. A
 * range that fails, or comes back with the wrong length, errors the stream (it never ends short)
 * and aborts the fetches still in flight; so does destroying the stream.
 *
 * Lent (see Lender), each range is read into one of `concurrency` reused buffers (at least 2, so
 * one downloads while the consumer holds another): memory is concurrency × partSize at most.
 */
function createRangedReader(options) {
    return new RangedReader(options);
}
class RangedReader extends node_stream__WEBPACK_IMPORTED_MODULE_0__.Readable {
    options;
    ahead = [];
    stop = new AbortController();
    /** What every fetch gets: the caller's signal and our own stop, held for the stream's life. */
    signal;
    first;
    offset;
    pumping = false;
    /** Set by lend(): then the chunk pump runs instead of _read. */
    lent;
    freeSlots = [];
    slotsMade = 0;
    constructor(options) {
        super();
        this.options = options;
        if (!(options.partSize >= 1))
            throw new RangeError(`partSize ${options.partSize} is below 1`);
        const { signal } = options;
        this.signal = signal ? AbortSignal.any([signal, this.stop.signal]) : this.stop.signal;
        this.first = buffers(options.first ?? []);
        this.offset = byteLength(this.first);
    }
    _read() {
        if (!this.pumping && !this.lent)
            void this.pump();
    }
    lend() {
        if (this.lent || this.readableDidRead)
            throw new Error('lend() after reading began');
        const lent = { paused: false, failed: false, ended: false };
        this.lent = lent;
        // An error from now on goes to the handlers (once), not to 'error' listeners.
        this.on('error', () => undefined);
        return {
            start: (handlers) => {
                lent.handlers = handlers;
                void this.lendPump();
            },
            resume: () => {
                lent.paused = false;
                void this.lendPump();
            },
        };
    }
    _destroy(err, cb) {
        this.stop.abort(err ?? new Error('download stream destroyed'));
        const lent = this.lent;
        if (lent?.handlers && !lent.failed) {
            lent.failed = true;
            lent.handlers.error(err ?? new Error('download stream destroyed'));
        }
        cb(err);
    }
    /** The lent counterpart of pump: ranges go out as chunks of their slots, in order. */
    async lendPump() {
        const lent = this.lent;
        const h = lent.handlers;
        if (!h || this.pumping || lent.paused || lent.ended || this.destroyed)
            return;
        this.pumping = true;
        try {
            const first = this.first;
            this.first = undefined;
            for (const b of first ?? [])
                if (b.length > 0 && !h.chunk(b, noop))
                    lent.paused = true;
            while (!lent.paused) {
                this.refill();
                const range = this.ahead.shift();
                if (!range) {
                    // Every slot is still held by the consumer: a release starts this pump again.
                    if (this.offset < this.options.total)
                        return;
                    lent.ended = true; // releases still to come must not end it again
                    h.end();
                    return;
                }
                const data = await range.data;
                if (this.destroyed)
                    return;
                this.checkLength(range, data);
                const release = this.releaser(range.slot, data.length);
                for (const b of data)
                    if (!h.chunk(b, release))
                        lent.paused = true;
                if (data.length === 0)
                    release();
            }
        }
        catch (err) {
            this.destroy(err);
        }
        finally {
            this.pumping = false;
        }
    }
    /** A release for each of `parts` chunks; the slot is free again after the last. */
    releaser(slot, parts) {
        let left = Math.max(1, parts);
        return () => {
            if (--left !== 0 || !slot)
                return;
            this.freeSlots.push(slot);
            if (this.destroyed)
                return;
            this.refill();
            void this.lendPump();
        };
    }
    /** A buffer to read the next range into, while fewer than `concurrency` exist. */
    takeSlot() {
        const made = this.freeSlots.pop();
        if (made)
            return made;
        if (this.slotsMade >= Math.max(2, this.options.concurrency))
            return undefined;
        this.slotsMade++;
        return Buffer.allocUnsafeSlow(Math.min(this.options.partSize, this.options.total));
    }
    async pump() {
        this.pumping = true;
        try {
            this.refill();
            const first = this.first;
            this.first = undefined;
            if (first && !this.hand(first))
                return;
            for (;;) {
                const range = this.ahead.shift();
                if (!range) {
                    this.push(null);
                    return;
                }
                const data = await range.data;
                if (this.destroyed)
                    return;
                this.checkLength(range, data);
                this.refill(); // the next range starts while this one is handed over
                if (!this.hand(data))
                    return;
            }
        }
        catch (err) {
            this.destroy(err);
        }
        finally {
            this.pumping = false;
        }
    }
    checkLength(range, data) {
        const got = byteLength(data);
        if (got !== range.count) {
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .StorageError */ .aq(`the range of ${range.count} bytes at ${range.offset} came back with ${got} bytes`);
        }
    }
    /**
     * Start fetches until `concurrency` are ahead of the consumer or the object is covered; lent,
     * also only while a slot is free.
     */
    refill() {
        const { total, partSize, concurrency, fetchRange } = this.options;
        while (this.ahead.length < Math.max(1, concurrency) && this.offset < total) {
            const slot = this.lent ? this.takeSlot() : undefined;
            if (this.lent && !slot)
                return;
            const offset = this.offset;
            const count = Math.min(partSize, total - offset);
            const into = slot?.subarray(0, count);
            const data = (async () => buffers(await fetchRange(offset, count, this.signal, into)))();
            data.catch(() => undefined); // a rejection surfaces when awaited in order, or not at all
            this.ahead.push({ offset, count, data, slot });
            this.offset += count;
        }
    }
    /** Push every buffer of a range, already in memory; false once the consumer wants no more. */
    hand(data) {
        let more = true;
        for (const b of data)
            if (b.length > 0)
                more = this.push(b);
        return more;
    }
}
const noop = () => undefined;
function buffers(data) {
    return Array.isArray(data) ? data : [data];
}
function byteLength(data) {
    return data.reduce((n, b) => n + b.length, 0);
}


/***/ }),

/***/ 9550:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   a: () => (/* binding */ newBytes),
/* harmony export */   u: () => (/* binding */ watchdog)
/* harmony export */ });
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(452);

/**
 * One budget for a whole operation, retries included: aborted when nothing arrives for
 * `stallMs`, or after `deadlineMs` (0: no deadline). An SDK retrying a silent endpoint on its
 * own would otherwise spend a stall timeout per try.
 */
function watchdog(what, stallMs, deadlineMs, outer) {
    const ac = new AbortController();
    const abort = (reason) => {
        if (!ac.signal.aborted)
            ac.abort(reason);
    };
    const stall = setTimeout(() => abort(new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .TimeoutError */ .MU(`${what} made no progress for ${stallMs / 1000} s (stall-timeout)`)), stallMs);
    const deadline = deadlineMs > 0
        ? setTimeout(() => abort(new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .TimeoutError */ .MU(`${what} ran past its ${deadlineMs / 1000} s deadline (timeout)`)), deadlineMs)
        : undefined;
    stall.unref();
    deadline?.unref();
    const onOuter = () => abort(outer?.reason);
    if (outer?.aborted)
        onOuter();
    outer?.addEventListener('abort', onOuter, { once: true });
    return {
        signal: ac.signal,
        touch: () => void (ac.signal.aborted || stall.refresh()),
        dispose: () => {
            clearTimeout(stall);
            clearTimeout(deadline);
            outer?.removeEventListener('abort', onOuter);
        },
    };
}
/**
 * Positions within one body, across its tries, as bytes never seen before: a retry resending or
 * re-reading what an earlier try moved is not progress, or a store that never answers would
 * look alive for every try the SDK makes.
 */
function newBytes(report) {
    let highest = 0;
    return (position) => {
        if (position > highest)
            report(position - highest);
        highest = Math.max(highest, position);
    };
}


/***/ }),

/***/ 404:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Yr: () => (/* binding */ BodyCollector)
/* harmony export */ });
/* unused harmony exports readableChunks, isLender */
const noop = () => undefined;
/** A Readable as a ChunkSource; its chunks are the stream's own and need no release. */
function readableChunks(readable) {
    return {
        start(h) {
            readable.on('data', (b) => {
                if (!h.chunk(b, noop))
                    readable.pause();
            });
            readable.once('end', () => h.end());
            readable.once('error', (err) => h.error(err));
        },
        resume: () => readable.resume(),
    };
}
function isLender(value) {
    return typeof value.lend === 'function';
}
/**
 * Gathers one response body of `length` bytes: copied into `into` as it arrives when a buffer
 * is lent (so the socket's chunks die young), else kept as received (no copy, so a range costs
 * its size once).
 */
class BodyCollector {
    length;
    into;
    chunks = [];
    /** Bytes received so far, also those beyond `length`. */
    received = 0;
    constructor(length, into) {
        this.length = length;
        this.into = into;
    }
    /** Takes one chunk; false once more than `length` bytes arrived (the excess is dropped). */
    add(chunk) {
        const at = this.received;
        this.received += chunk.length;
        if (this.received > this.length)
            return false;
        if (this.into)
            chunk.copy(this.into, at);
        else
            this.chunks.push(chunk);
        return true;
    }
    result() {
        return this.into ? [this.into.subarray(0, this.received)] : this.chunks;
    }
}


/***/ })

};
