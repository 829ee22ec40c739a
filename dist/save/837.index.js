export const id = 837;
export const ids = [837];
export const modules = {

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
        const lent = {
            paused: false,
            failed: false,
        };
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
        if (!h || this.pumping || lent.paused || this.destroyed)
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

/***/ 3218:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  S3Backend: () => (/* binding */ S3Backend)
});

// UNUSED EXPORTS: MAX_PARTS, MIN_PART_SIZE, choosePartSize

// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-s3/dist-cjs/index.js
var dist_cjs = __webpack_require__(3711);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/lib-storage/dist-cjs/index.js
var lib_storage_dist_cjs = __webpack_require__(2358);
// EXTERNAL MODULE: ./node_modules/@smithy/node-http-handler/dist-cjs/index.js
var node_http_handler_dist_cjs = __webpack_require__(1279);
// EXTERNAL MODULE: ./lib/errors.js
var errors = __webpack_require__(452);
// EXTERNAL MODULE: ./lib/util/chunks.js
var chunks = __webpack_require__(404);
// EXTERNAL MODULE: ./lib/storage/ranged-reader.js
var ranged_reader = __webpack_require__(780);
;// CONCATENATED MODULE: ./lib/storage/s3-errors.js
// SDK and network failures → StorageError with a hint a person can act on. Pure and SDK-free,
// so it is unit-tested with constructed errors.

const TLS_TRUST = new Set([
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'CERT_UNTRUSTED',
]);
const PERMISSION = {
    stat: 's3:GetObject',
    list: 's3:ListBucket',
    get: 's3:GetObject',
    put: 's3:PutObject',
    delete: 's3:DeleteObject',
    'list-uploads': 's3:ListBucketMultipartUploads',
    'abort-upload': 's3:AbortMultipartUpload',
};
const GENERIC_NAMES = new Set(['Error', 'Unknown', 'UnknownError', 'AggregateError']);
/** The S3 error code (service errors) or Node error code (network), looking through wrappers. */
function errorCode(err) {
    const e = (err ?? {});
    if (e.name && !GENERIC_NAMES.has(e.name))
        return e.name;
    if (e.code)
        return e.code;
    const inner = e.errors?.[0] ?? e.cause;
    if (inner)
        return errorCode(inner);
    // A Node error can reach us without its code (the SDK re-wraps values that fail `instanceof
    // Error`, e.g. from another VM realm), but its message names it.
    return /\b(E[A-Z]{4,}|ERR_[A-Z_]+)\b/.exec(e.message ?? '')?.[1] ?? e.name;
}
/** Map an SDK or network error to a StorageError with a hint (or a TimeoutError). Pure. */
function describeS3Error(err, ctx) {
    const e = (err ?? {});
    const code = errorCode(err);
    const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
    const what = `S3 ${ctx.operation} s3://${ctx.bucket}/${ctx.name}`;
    const detail = [code !== 'Unknown' && code, status && `HTTP ${status}`]
        .filter(Boolean)
        .join(', ');
    // Answers without a body (HEAD) leave the SDK nothing better than "UnknownError".
    const said = e.message && e.message !== 'UnknownError' ? `: ${e.message}` : '';
    const message = `${what} failed${detail ? ` (${detail})` : ''}${said}`;
    if (code === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'RequestTimeout') {
        const stall = ctx.stallTimeoutMs ? ` for ${ctx.stallTimeoutMs / 1000} s` : '';
        return new errors/* TimeoutError */.MU(`${what}: no progress${stall} (${e.message ?? code})`, { cause: err });
    }
    return new errors/* StorageError */.aq(message, hintFor(code, status, e, ctx), { cause: err });
}
function hintFor(code, status, e, ctx) {
    const { endpoint, forcePathStyle, region } = ctx.storage;
    const store = endpoint ?? 'AWS';
    const text = e.message ?? '';
    if (ctx.storage.checksum === 'when-supported' &&
        /checksum|aws-chunked|trailer|content-?sha256/i.test(`${code} ${text}`)) {
        return "If this store rejects the SDK's default checksums (R2 and some others do), set s3-checksum: when-required.";
    }
    switch (code) {
        case 'InvalidAccessKeyId':
            return `The access key ID is unknown to ${store}: check aws-access-key-id (or the credentials your configure-aws-credentials step exported).`;
        case 'SignatureDoesNotMatch':
            return 'The secret key does not match the access key ID: check aws-secret-access-key. A wrong system clock or a proxy that rewrites requests can cause this too.';
        case 'ExpiredToken':
        case 'TokenRefreshRequired':
        case 'InvalidToken':
            return 'The session credentials are invalid or have expired: check aws-session-token, or make the role session (role-duration-seconds) outlast the job.';
        case 'RequestTimeTooSkewed':
            return "This machine's clock is too far off for request signing: sync it (NTP).";
        case 'CredentialsProviderError':
            return 'No AWS credentials were found: run aws-actions/configure-aws-credentials before this step, or set aws-access-key-id and aws-secret-access-key.';
        case 'NoSuchBucket':
            return `Bucket "${ctx.bucket}" does not exist${endpoint ? ` at ${endpoint}` : ''}: check s3-bucket${endpoint ? ' and s3-endpoint' : ' (and s3-region)'}.`;
        case 'PermanentRedirect':
        case 'TemporaryRedirect':
        case 'AuthorizationHeaderMalformed':
        case 'IllegalLocationConstraintException':
            return regionHint(e, region);
        case 'ENOTFOUND':
        case 'EAI_AGAIN': {
            const host = e.hostname ?? hostOf(e.cause) ?? /ENOTFOUND (\S+)/.exec(text)?.[1] ?? 'the endpoint';
            if (endpoint && !forcePathStyle && host.startsWith(`${ctx.bucket}.`)) {
                return `${host} does not resolve: this store wants the bucket in the path, not in the host name: set s3-force-path-style: true.`;
            }
            return `${host} does not resolve: check s3-endpoint${endpoint ? '' : ' and s3-region'} and the runner's DNS.`;
        }
        case 'ECONNREFUSED':
            return `Nothing accepts connections at ${store}: check s3-endpoint (scheme, host and port) and that the store is running.`;
        case 'CERT_HAS_EXPIRED':
            return "The store's TLS certificate has expired (or this machine's clock is wrong).";
        case 'ERR_TLS_CERT_ALTNAME_INVALID':
            return forcePathStyle
                ? "The store's TLS certificate does not name its host: check s3-endpoint."
                : "The store's TLS certificate does not cover the bucket's virtual host name (bucket names with dots cause this): set s3-force-path-style: true.";
        case 'EPROTO':
            return 'TLS handshake failed: check the scheme in s3-endpoint (http:// or https://).';
        case 'NotImplemented':
            return `The store does not implement this request (${ctx.operation}${ctx.operation === 'put' ? ', possibly If-None-Match conditional writes' : ''}).`;
    }
    if (code && TLS_TRUST.has(code)) {
        return "The store's TLS certificate is not trusted by Node.js: set NODE_EXTRA_CA_CERTS to a PEM file with your CA in the job's environment.";
    }
    if (code === 'AccessDenied' || code === 'Forbidden' || status === 403) {
        return accessHint(code, ctx, text);
    }
    if (status === 301 || status === 307)
        return regionHint(e, region);
    if (/region is missing/i.test(text)) {
        return 'No region is configured: set s3-region (or AWS_REGION).';
    }
    if (code === 'SlowDown' || status === 503) {
        return 'The store is throttling requests: lower concurrency, or retry later.';
    }
    return undefined;
}
function accessHint(code, ctx, text) {
    const { operation, bucket, name } = ctx;
    const resource = operation === 'list' || operation === 'list-uploads'
        ? `arn:aws:s3:::${bucket}`
        : `arn:aws:s3:::${bucket}/${name}`;
    let hint = `Access denied: the credentials likely lack ${PERMISSION[operation]} on ${resource}`;
    if (operation === 'put')
        hint += ' (and s3:AbortMultipartUpload to clean up failed uploads)';
    if (ctx.storage.sse?.type === 'aws:kms' || /kms/i.test(text)) {
        hint += '; with SSE-KMS also kms:Decrypt, and kms:GenerateDataKey to save, on the key';
    }
    hint += '. A bucket policy, permission boundary or SCP can deny it too.';
    if (code !== 'AccessDenied') {
        // A HEAD answer has no body: wrong credentials look the same as missing permissions.
        hint += ' If every request fails this way, check aws-access-key-id and aws-secret-access-key.';
    }
    return hint;
}
function regionHint(e, configured) {
    const region = e.$response?.headers?.['x-amz-bucket-region'] ??
        e.Region ??
        /expecting '([a-z0-9-]+)'/.exec(e.message ?? '')?.[1];
    const not = configured ? `, not ${configured}` : '';
    return region
        ? `The bucket is in ${region}${not}: set s3-region: ${region}.`
        : `The bucket is in another region${not}: set s3-region to the bucket's region.`;
}
function hostOf(err) {
    return err?.hostname;
}
function statusOf(err) {
    return err?.$metadata?.httpStatusCode;
}
function isMissingObject(err) {
    const code = errorCode(err);
    return (code === 'NoSuchKey' ||
        code === 'NotFound' ||
        (statusOf(err) === 404 && code !== 'NoSuchBucket'));
}
/** 412 from If-None-Match, or 409 when a concurrent conditional write to the key was in flight. */
function isConditionalConflict(err) {
    const code = errorCode(err);
    return (code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || statusOf(err) === 412);
}

// EXTERNAL MODULE: ./lib/storage/watchdog.js
var watchdog = __webpack_require__(9550);
;// CONCATENATED MODULE: ./lib/storage/s3-backend.js









const MiB = 1024 * 1024;
/** S3's multipart limits: at most 10,000 parts, each at least 5 MiB except the last. */
const MAX_PARTS = 10_000;
const MIN_PART_SIZE = 5 * MiB;
/** Tries per request (the SDK's retries), and per range whose body breaks off (ours). */
const MAX_ATTEMPTS = 4;
/**
 * S3 and S3-compatible stores (MinIO, R2, Ceph, GCS interoperability). Uploads are multipart
 * through lib-storage; downloads are parallel ranged GETs. Memory stays near
 * (concurrency + 1) × partSize for an upload, and concurrency × rangeSize for a lent download.
 */
class S3Backend {
    storage;
    transfer;
    description;
    client;
    constructor(storage, transfer) {
        this.storage = storage;
        this.transfer = transfer;
        this.description = `s3://${storage.bucket}${storage.endpoint ? ` at ${storage.endpoint}` : ''}`;
        const checksum = storage.checksum === 'when-required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
        const agent = { keepAlive: true, maxSockets: Math.max(50, 2 * transfer.concurrency) };
        this.client = new dist_cjs.S3Client({
            // SigV4 needs a region; S3-compatible stores mostly accept any.
            region: storage.region ?? (storage.endpoint && !process.env.AWS_REGION ? 'us-east-1' : undefined),
            endpoint: storage.endpoint,
            forcePathStyle: storage.forcePathStyle,
            credentials: storage.credentials, // undefined: the SDK's default chain (env, OIDC, profiles)
            requestChecksumCalculation: checksum,
            responseChecksumValidation: checksum,
            maxAttempts: MAX_ATTEMPTS,
            // socketTimeout is the idle timer that also covers body transfer; requestTimeout in
            // @smithy/node-http-handler 4.x bounds a whole request and only warns by default.
            requestHandler: new ProgressHttpHandler({
                connectionTimeout: Math.min(transfer.stallTimeoutMs, 30_000),
                socketTimeout: transfer.stallTimeoutMs,
                httpAgent: agent,
                httpsAgent: agent,
            }),
        });
    }
    async stat(name) {
        const watch = this.watch('stat', name);
        try {
            const out = await this.client.send(new dist_cjs.HeadObjectCommand({ Bucket: this.storage.bucket, Key: name }), { abortSignal: watch.signal });
            return {
                name,
                size: out.ContentLength ?? 0,
                lastModified: out.LastModified ?? new Date(0),
                etag: out.ETag,
            };
        }
        catch (err) {
            if (isMissingObject(err))
                return undefined;
            if (statusOf(err) === 403 && !watch.signal.aborted) {
                return this.statByListing(name, err, watch.signal);
            }
            throw this.fail(err, 'stat', name, watch.signal);
        }
        finally {
            watch.dispose();
        }
    }
    /** Stat, list and manifest reads: one stall timeout and the deadline for all of their tries. */
    watch(operation, name, outer) {
        const { stallTimeoutMs, timeoutMs } = this.transfer;
        return (0,watchdog/* watchdog */.u)(`S3 ${operation} of ${name}`, stallTimeoutMs, timeoutMs, outer);
    }
    /**
     * S3 answers a HEAD of a missing object with 403 unless s3:ListBucket covers it without
     * conditions, so least-privilege roles (ListBucket limited by s3:prefix) see 403 for every miss.
     * A listing tells a miss from a real denial, and its errors have a body to name the cause.
     */
    async statByListing(name, headError, signal) {
        let page;
        try {
            page = await this.client.send(new dist_cjs.ListObjectsV2Command({ Bucket: this.storage.bucket, Prefix: name, MaxKeys: 1 }), { abortSignal: signal });
        }
        catch (err) {
            throw this.fail(err, 'stat', name, signal);
        }
        if (page.Contents?.some((o) => o.Key === name))
            throw this.fail(headError, 'stat', name);
        return undefined;
    }
    async list(prefix) {
        const found = [];
        let token;
        const watch = this.watch('list', prefix);
        try {
            do {
                const page = await this.client.send(new dist_cjs.ListObjectsV2Command({
                    Bucket: this.storage.bucket,
                    Prefix: prefix,
                    ContinuationToken: token,
                }), { abortSignal: watch.signal });
                watch.touch();
                for (const o of page.Contents ?? []) {
                    if (o.Key === undefined)
                        continue;
                    found.push({
                        name: o.Key,
                        size: o.Size ?? 0,
                        lastModified: o.LastModified ?? new Date(0),
                        etag: o.ETag,
                    });
                }
                const next = page.IsTruncated ? page.NextContinuationToken : undefined;
                if (page.IsTruncated && (!next || next === token)) {
                    throw new errors/* StorageError */.aq(`S3 list s3://${this.storage.bucket}/${prefix}: the store said the listing goes on but gave no new continuation token`);
                }
                token = next;
            } while (token);
        }
        catch (err) {
            throw this.fail(err, 'list', prefix, watch.signal);
        }
        finally {
            watch.dispose();
        }
        return found;
    }
    async get(name, opts = {}) {
        const transfer = linkedSignal(opts.signal, this.transfer.timeoutMs);
        const { concurrency } = this.transfer;
        const partSize = this.transfer.rangeSize ?? this.transfer.partSize;
        const arrived = opts.onProgress ?? (() => { });
        let first;
        // Until the stream is handed out nobody consumes: the first read (all of a manifest) gets
        // its own stall watchdog; later ranges are watched by the caller, fed by onProgress.
        const firstWatch = this.watch('get', name, transfer.signal);
        try {
            // A size known to fit one part: one plain GET. Otherwise the first range also tells the size.
            const whole = opts.size !== undefined && opts.size <= partSize;
            first = await this.readChunk(name, whole ? undefined : [0, partSize - 1], undefined, firstWatch.signal, (n) => {
                firstWatch.touch();
                arrived(n);
            });
        }
        catch (err) {
            transfer.dispose();
            if (isMissingObject(err))
                throw new errors/* NotFoundError */.m_(name);
            throw this.fail(err, 'get', name, firstWatch.signal);
        }
        finally {
            firstWatch.dispose();
        }
        const { etag } = first;
        const out = (0,ranged_reader/* createRangedReader */.b)({
            total: first.total,
            first: first.data,
            partSize,
            concurrency,
            signal: transfer.signal,
            fetchRange: async (offset, count, signal, into) => {
                try {
                    // If-Match: an object replaced mid-download fails instead of mixing two versions.
                    const range = [offset, offset + count - 1];
                    return (await this.readChunk(name, range, etag, signal, arrived, into)).data;
                }
                catch (err) {
                    throw this.fail(err, 'get', name, transfer.signal);
                }
            },
        });
        out.once('close', transfer.dispose);
        return out;
    }
    async put(name, body, opts = {}) {
        const transfer = linkedSignal(opts.signal, this.transfer.timeoutMs);
        const { signal } = transfer;
        // Stop reading the body on abort: lib-storage then fails and aborts the multipart upload.
        // No error is passed: nobody may be listening for one, and a premature close fails the read.
        const stopBody = () => void body.destroy();
        signal.addEventListener('abort', stopBody, { once: true });
        try {
            if (signal.aborted)
                stopBody();
            signal.throwIfAborted();
            const upload = new lib_storage_dist_cjs/* Upload */._({
                client: cancellableParts(this.client, signal, opts.onProgress),
                params: {
                    Bucket: this.storage.bucket,
                    Key: name,
                    Body: body,
                    IfNoneMatch: opts.ifAbsent ? '*' : undefined, // sent on PutObject and CompleteMultipartUpload
                    IfMatch: opts.ifMatch,
                    ServerSideEncryption: this.storage.sse?.type,
                    SSEKMSKeyId: this.storage.sse?.kmsKeyId,
                },
                queueSize: this.transfer.concurrency,
                partSize: choosePartSize(this.transfer.partSize, opts.size),
                leavePartsOnError: false, // abort the multipart upload on any failure
            });
            await upload.done();
        }
        catch (err) {
            // If-Match on a name that is gone: 404 NoSuchKey (AWS) or 412; either way it changed.
            const conditional = opts.ifAbsent || opts.ifMatch !== undefined;
            if (conditional && (isConditionalConflict(err) || (opts.ifMatch && isMissingObject(err)))) {
                throw new errors/* AlreadyExistsError */.Tm(name);
            }
            throw this.fail(err, 'put', name, signal);
        }
        finally {
            signal.removeEventListener('abort', stopBody);
            transfer.dispose();
        }
    }
    async delete(name) {
        try {
            await this.client.send(new dist_cjs.DeleteObjectCommand({ Bucket: this.storage.bucket, Key: name }));
        }
        catch (err) {
            if (!isMissingObject(err))
                throw this.fail(err, 'delete', name);
        }
    }
    /** Multipart uploads neither completed nor aborted: their parts are stored and billed. */
    async listIncompleteUploads(prefix) {
        const found = [];
        let keyMarker;
        let uploadIdMarker;
        try {
            for (;;) {
                const page = await this.client.send(new dist_cjs.ListMultipartUploadsCommand({
                    Bucket: this.storage.bucket,
                    Prefix: prefix,
                    KeyMarker: keyMarker,
                    UploadIdMarker: uploadIdMarker,
                }));
                for (const u of page.Uploads ?? []) {
                    if (u.Key === undefined || u.UploadId === undefined)
                        continue;
                    found.push({ name: u.Key, id: u.UploadId, started: u.Initiated ?? new Date(0) });
                }
                if (!page.IsTruncated)
                    break;
                if (page.NextKeyMarker === keyMarker && page.NextUploadIdMarker === uploadIdMarker) {
                    throw new errors/* StorageError */.aq(`S3 list-uploads s3://${this.storage.bucket}/${prefix}: the store said the listing goes on but gave no new marker`);
                }
                keyMarker = page.NextKeyMarker;
                uploadIdMarker = page.NextUploadIdMarker;
            }
        }
        catch (err) {
            throw this.fail(err, 'list-uploads', prefix);
        }
        return found;
    }
    async abortIncompleteUpload(upload) {
        const name = upload.name ?? '';
        try {
            await this.client.send(new dist_cjs.AbortMultipartUploadCommand({
                Bucket: this.storage.bucket,
                Key: name,
                UploadId: upload.id,
            }));
        }
        catch (err) {
            if (errorCode(err) !== 'NoSuchUpload')
                throw this.fail(err, 'abort-upload', name);
        }
    }
    close() {
        this.client.destroy();
        return Promise.resolve();
    }
    /**
     * One GET of `range` (or the whole object), read into memory as received (no copy into one
     * buffer, so a range costs its size once) or into `into`; a body that breaks off is fetched
     * again.
     */
    async readChunk(name, range, etag, signal, onData = () => { }, into) {
        const arrived = (0,watchdog/* newBytes */.a)(onData);
        for (let attempt = 1;; attempt++) {
            let out;
            try {
                out = await this.client.send(new dist_cjs.GetObjectCommand({
                    Bucket: this.storage.bucket,
                    Key: name,
                    Range: range && `bytes=${range[0]}-${range[1]}`,
                    IfMatch: etag,
                }), { abortSignal: signal });
            }
            catch (err) {
                // A range on an empty object is unsatisfiable: that is the whole (empty) object.
                if (range?.[0] === 0 && errorCode(err) === 'InvalidRange')
                    return { data: [], total: 0 };
                throw err;
            }
            const length = out.ContentLength ?? 0;
            const total = range ? Number(/\/(\d+)$/.exec(out.ContentRange ?? '')?.[1] ?? length) : length;
            if (range && length > range[1] - range[0] + 1) {
                out.Body?.destroy();
                throw new errors/* StorageError */.aq(`S3 get s3://${this.storage.bucket}/${name}: the store ignored the Range header`, 'This store does not support ranged reads, which downloads need.');
            }
            try {
                const data = await readExactly(out.Body, length, arrived, into);
                return { data, total, etag: out.ETag };
            }
            catch (err) {
                if (signal.aborted || attempt >= MAX_ATTEMPTS)
                    throw err;
                await new Promise((r) => setTimeout(r, 250 * attempt));
            }
        }
    }
    /** The error to throw: the abort reason if we were aborted, else a mapped storage error. */
    fail(err, operation, name, signal) {
        if (signal?.aborted)
            return signal.reason;
        if (err instanceof errors/* StorageError */.aq ||
            err instanceof errors/* TimeoutError */.MU ||
            err instanceof errors/* NotFoundError */.m_) {
            return err;
        }
        return describeS3Error(err, {
            operation,
            bucket: this.storage.bucket,
            name,
            storage: this.storage,
            stallTimeoutMs: this.transfer.stallTimeoutMs,
        });
    }
}
/**
 * Part size for an upload: the configured size (at least S3's 5 MiB), grown to whole MiB so a
 * body of known `size` fits in 10,000 parts. With unknown length the largest object is
 * partSize × 10,000: 8 MiB parts give 78 GiB, 16 MiB parts 156 GiB.
 */
function choosePartSize(configured, size) {
    const floor = Math.max(configured, MIN_PART_SIZE);
    if (size === undefined)
        return floor;
    return Math.max(floor, Math.ceil(size / MAX_PARTS / MiB) * MiB);
}
/**
 * Read a response body of exactly `length` bytes (into `into` when given): a body that ends
 * short or runs long throws.
 */
async function readExactly(body, length, 
/** Bytes of this body received so far. */
onData, into) {
    const got = new chunks/* BodyCollector */.Yr(length, into);
    for await (const chunk of body) {
        const fits = got.add(chunk);
        onData(got.received);
        if (!fits)
            break;
    }
    if (got.received !== length) {
        body.destroy();
        throw new Error(`response body had ${got.received > length ? 'more' : 'only ' + got.received} bytes of ${length}`);
    }
    return got.result();
}
/**
 * The client as lib-storage sees it: part uploads carry the put's signal, so an abort stops them
 * at once. Commits and the clean-up (AbortMultipartUpload) do not: a cancelled commit has an
 * unknown outcome, and the clean-up must run. Request bodies (parts, a single PutObject) report
 * their bytes as they go out, through ProgressHttpHandler.
 */
function cancellableParts(client, signal, onProgress) {
    const view = Object.create(client);
    const send = client.send.bind(client);
    const parts = new Set();
    view.send = (async (command, options) => {
        const progress = onProgress ? { onBodyProgress: (0,watchdog/* newBytes */.a)(onProgress) } : {};
        if (command instanceof dist_cjs.UploadPartCommand) {
            const part = send(command, { ...options, ...progress, abortSignal: signal });
            parts.add(part);
            return part.finally(() => parts.delete(part));
        }
        if (command instanceof dist_cjs.AbortMultipartUploadCommand) {
            // A part still in flight when the upload is aborted may be stored after it (AWS says to
            // abort again; s3rver re-creates the upload): let every part request end first.
            await Promise.allSettled([...parts]);
        }
        if (command instanceof dist_cjs.PutObjectCommand)
            return send(command, { ...options, ...progress });
        return send(command, options);
    });
    return view;
}
/** Body slices: small enough that progress follows the socket, large enough to cost nothing. */
const BODY_SLICE = 64 * 1024;
/**
 * The SDK's Node handler, except that a request sent with onBodyProgress streams its in-memory
 * body in slices and reports each as the socket takes it. The SDK writes a Buffer body in one
 * call and reports nothing until the answer, so a 16 MiB part on a slow link looked dead for
 * minutes. The request is copied, not changed: the SDK's retry sends the original again.
 */
class ProgressHttpHandler extends node_http_handler_dist_cjs.NodeHttpHandler {
    handle(request, options = {}) {
        const report = options.onBodyProgress;
        const body = request.body;
        // isView, not instanceof: Buffers may come from another realm (jest's sandbox does that).
        if (!report || !ArrayBuffer.isView(body) || body.byteLength <= BODY_SLICE) {
            return super.handle(request, options);
        }
        const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
        function* slices() {
            for (let at = 0; at < bytes.length; at += BODY_SLICE) {
                const slice = bytes.subarray(at, at + BODY_SLICE);
                report(at + slice.length);
                yield slice;
            }
        }
        const copy = Object.assign(Object.create(Object.getPrototypeOf(request)), request, {
            body: external_node_stream_.Readable.from(slices(), { objectMode: false, highWaterMark: BODY_SLICE }),
        });
        return super.handle(copy, options);
    }
}
/** An AbortSignal that follows `outer` and fires on its own after `timeoutMs` (0: never). */
function linkedSignal(outer, timeoutMs) {
    const ac = new AbortController();
    const abort = (reason) => {
        if (!ac.signal.aborted)
            ac.abort(reason);
    };
    const onOuter = () => abort(outer?.reason);
    if (outer?.aborted)
        onOuter();
    outer?.addEventListener('abort', onOuter, { once: true });
    const timer = timeoutMs > 0
        ? setTimeout(() => abort(new errors/* TimeoutError */.MU(`S3 transfer ran past its ${timeoutMs / 1000} s deadline`)), timeoutMs)
        : undefined;
    timer?.unref();
    return {
        signal: ac.signal,
        dispose: () => {
            clearTimeout(timer);
            outer?.removeEventListener('abort', onOuter);
        },
    };
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


/***/ })

};
