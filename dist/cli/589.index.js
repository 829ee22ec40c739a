export const id = 589;
export const ids = [589];
export const modules = {

/***/ 4025:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Lo: () => (/* binding */ readExactly),
/* harmony export */   m: () => (/* binding */ MAX_ATTEMPTS),
/* harmony export */   uu: () => (/* binding */ linkedSignal)
/* harmony export */ });
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(452);
/* harmony import */ var _util_chunks_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(404);


// What both S3 backends share, kept free of the SDK: the lookup backend must not load it.
/** Tries per request (the SDK's retries), and per range whose body breaks off (ours). */
const MAX_ATTEMPTS = 4;
/**
 * Read a response body of exactly `length` bytes (into `into` when given): a body that ends
 * short or runs long throws.
 */
async function readExactly(body, length, 
/** Bytes of this body received so far. */
onData, into) {
    const got = new _util_chunks_js__WEBPACK_IMPORTED_MODULE_1__/* .BodyCollector */ .Yr(length, into);
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
        ? setTimeout(() => abort(new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .TimeoutError */ .MU(`S3 transfer ran past its ${timeoutMs / 1000} s deadline`)), timeoutMs)
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

/***/ 5931:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   CA: () => (/* binding */ errorCode),
/* harmony export */   c2: () => (/* binding */ statusOf),
/* harmony export */   gz: () => (/* binding */ isMissingObject),
/* harmony export */   rV: () => (/* binding */ isConditionalConflict),
/* harmony export */   ye: () => (/* binding */ describeS3Error)
/* harmony export */ });
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(452);
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
        return new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .TimeoutError */ .MU(`${what}: no progress${stall} (${e.message ?? code})`, { cause: err });
    }
    return new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .StorageError */ .aq(message, hintFor(code, status, e, ctx), { cause: err });
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


/***/ }),

/***/ 6970:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  createS3Backend: () => (/* binding */ createS3Backend)
});

// UNUSED EXPORTS: S3LookupBackend

// EXTERNAL MODULE: external "node:stream"
var external_node_stream_ = __webpack_require__(7075);
// EXTERNAL MODULE: ./lib/errors.js
var errors = __webpack_require__(452);
// EXTERNAL MODULE: ./lib/storage/s3-common.js
var s3_common = __webpack_require__(4025);
// EXTERNAL MODULE: ./lib/storage/s3-errors.js
var s3_errors = __webpack_require__(5931);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./lib/storage/s3-sign.js

/** SHA-256 of an empty payload: every lookup is a HEAD or GET without a body. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** The headers that sign `req`: host, x-amz-date, x-amz-content-sha256, the token, Authorization. */
function signRequest(req) {
    const longDate = req.date
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
    const shortDate = longDate.slice(0, 8);
    const headers = {
        host: req.host,
        'x-amz-content-sha256': EMPTY_SHA256,
        'x-amz-date': longDate,
    };
    if (req.credentials.sessionToken)
        headers['x-amz-security-token'] = req.credentials.sessionToken;
    const names = Object.keys(headers).sort();
    const canonical = [
        req.method,
        req.path,
        canonicalQuery(req.query),
        ...names.map((n) => `${n}:${headers[n].trim().replace(/\s+/g, ' ')}`),
        '',
        names.join(';'),
        EMPTY_SHA256,
    ].join('\n');
    const scope = `${shortDate}/${req.region}/s3/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', longDate, scope, sha256Hex(canonical)].join('\n');
    let key = hmac(`AWS4${req.credentials.secretAccessKey}`, shortDate);
    for (const part of [req.region, 's3', 'aws4_request'])
        key = hmac(key, part);
    const signature = (0,external_node_crypto_.createHmac)('sha256', key).update(toSign, 'utf8').digest('hex');
    headers.authorization =
        `AWS4-HMAC-SHA256 Credential=${req.credentials.accessKeyId}/${scope}, ` +
            `SignedHeaders=${names.join(';')}, Signature=${signature}`;
    return headers;
}
/** RFC 3986 encoding, as SigV4 wants it: encodeURIComponent plus !'()*. */
function escapeUri(value) {
    return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
/** An object key as a URL path: each segment escaped, the slashes kept (as the S3 client does). */
function escapeKey(key) {
    return key.split('/').map(escapeUri).join('/');
}
/** The query string as sent and as signed: names and values escaped, sorted by escaped name. */
function canonicalQuery(query) {
    return Object.entries(query)
        .map(([k, v]) => [escapeUri(k), escapeUri(v)])
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${k}=${v}`)
        .join('&');
}
function hmac(key, data) {
    return (0,external_node_crypto_.createHmac)('sha256', key).update(data, 'utf8').digest();
}
function sha256Hex(data) {
    return (0,external_node_crypto_.createHash)('sha256').update(data, 'utf8').digest('hex');
}

;// CONCATENATED MODULE: ./lib/storage/s3-xml.js
// The two XML documents the S3 lookups read without the SDK: a ListObjectsV2 page and an error
// body. A small strict reader: elements, text, CDATA and the XML entities; no DTDs (so no entity
// expansion), and anything malformed throws rather than yielding a partial listing.
const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** Parse a whole document into its root element. Throws on anything not well formed. */
function parseXml(xml) {
    const stack = [];
    let root;
    let at = 0;
    const fail = (what) => {
        throw new Error(`malformed XML from the store: ${what} at offset ${at}`);
    };
    while (at < xml.length) {
        const lt = xml.indexOf('<', at);
        const text = xml.slice(at, lt < 0 ? xml.length : lt);
        if (text) {
            const top = stack[stack.length - 1];
            if (top)
                top.text += decodeEntities(text, fail);
            else if (text.trim())
                fail('text outside the root element');
        }
        if (lt < 0)
            break;
        at = lt;
        if (xml.startsWith('<?', at)) {
            at = endOf(xml, '?>', at, fail);
        }
        else if (xml.startsWith('<!--', at)) {
            at = endOf(xml, '-->', at, fail);
        }
        else if (xml.startsWith('<![CDATA[', at)) {
            const end = endOf(xml, ']]>', at, fail);
            const top = stack[stack.length - 1] ?? fail('CDATA outside the root element');
            top.text += xml.slice(at + 9, end - 3);
            at = end;
        }
        else if (xml.startsWith('<!', at)) {
            fail('a DTD or declaration');
        }
        else if (xml.startsWith('</', at)) {
            const end = endOf(xml, '>', at, fail);
            const name = xml.slice(at + 2, end - 1).trim();
            const open = stack.pop();
            if (!open || open.name !== name)
                fail(`</${name}> closes ${open ? `<${open.name}>` : 'nothing'}`);
            at = end;
        }
        else {
            const end = endOf(xml, '>', at, fail);
            const inner = xml.slice(at + 1, end - 1);
            const selfClosing = inner.endsWith('/');
            const name = /^[^\s/>]+/.exec(inner)?.[0] ?? fail('an element without a name');
            const element = { name, children: [], text: '' };
            const parent = stack[stack.length - 1];
            if (parent)
                parent.children.push(element);
            else if (root)
                fail('a second root element');
            else
                root = element;
            if (!selfClosing)
                stack.push(element);
            at = end;
        }
    }
    if (stack.length)
        fail(`<${stack[stack.length - 1].name}> is not closed`);
    return root ?? fail('no root element');
}
/** A ListObjectsV2 answer (ListBucketResult), read as the S3 client reads it. */
function readListPage(xml) {
    const root = parseXml(xml);
    if (localName(root.name) !== 'ListBucketResult') {
        throw new Error(`malformed XML from the store: a listing answered with <${root.name}>`);
    }
    const objects = [];
    let isTruncated = false;
    let nextContinuationToken;
    for (const child of root.children) {
        const name = localName(child.name);
        if (name === 'IsTruncated')
            isTruncated = readBoolean(leafText(child));
        else if (name === 'NextContinuationToken')
            nextContinuationToken = leafText(child);
        else if (name === 'Contents')
            objects.push(readObject(child));
    }
    return { objects, isTruncated, nextContinuationToken };
}
/** The fields of an S3 error body (<Error><Code>…), or {} when there is no readable body. */
function readErrorFields(xml) {
    if (!xml.trim())
        return {};
    let root;
    try {
        root = parseXml(xml);
    }
    catch {
        return {};
    }
    const fields = {};
    for (const child of root.children)
        fields[localName(child.name)] = leafText(child);
    return fields;
}
function readObject(el) {
    const out = {};
    for (const child of el.children) {
        const text = leafText(child);
        switch (localName(child.name)) {
            case 'Key':
                out.key = text;
                break;
            case 'Size':
                if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
                    throw new Error(`malformed XML from the store: Size ${JSON.stringify(text)}`);
                }
                out.size = Number(text);
                break;
            case 'LastModified': {
                const date = new Date(text);
                if (Number.isNaN(date.getTime())) {
                    throw new Error(`malformed XML from the store: LastModified ${JSON.stringify(text)}`);
                }
                out.lastModified = date;
                break;
            }
            case 'ETag':
                out.etag = text;
                break;
        }
    }
    if (out.key === undefined)
        throw new Error('malformed XML from the store: Contents without Key');
    return out;
}
/** Text as the S3 client's parser keeps it: verbatim, except whitespace with a newline is ''. */
function leafText(el) {
    return el.text.trim() === '' && el.text.includes('\n') ? '' : el.text;
}
function readBoolean(text) {
    if (text === 'true')
        return true;
    if (text === 'false')
        return false;
    throw new Error(`malformed XML from the store: boolean ${JSON.stringify(text)}`);
}
function localName(name) {
    return name.slice(name.indexOf(':') + 1);
}
function endOf(xml, marker, from, fail) {
    const i = xml.indexOf(marker, from + 1);
    return i < 0 ? fail(`unterminated ${xml.slice(from, from + 9)}`) : i + marker.length;
}
function decodeEntities(text, fail) {
    if (!text.includes('&'))
        return text;
    return text.replace(/&([^;&\s]*);?/g, (whole, name) => {
        if (!whole.endsWith(';'))
            return fail(`a bare & in ${JSON.stringify(text.slice(0, 40))}`);
        if (name in ENTITIES)
            return ENTITIES[name];
        const code = /^#x([0-9a-f]+)$/i.exec(name)
            ? parseInt(name.slice(2), 16)
            : /^#(\d+)$/.exec(name)
                ? parseInt(name.slice(1), 10)
                : NaN;
        if (!(code >= 0 && code <= 0x10ffff))
            return fail(`the entity &${name};`);
        return String.fromCodePoint(code);
    });
}

;// CONCATENATED MODULE: ./lib/storage/s3-lite.js


// The standard retry strategy of @smithy/core/retry (Retry.v2026): which errors, how long, how many.
const THROTTLING_CODES = new Set([
    'BandwidthLimitExceeded',
    'EC2ThrottledException',
    'LimitExceededException',
    'PriorRequestNotComplete',
    'ProvisionedThroughputExceededException',
    'RequestLimitExceeded',
    'RequestThrottled',
    'RequestThrottledException',
    'SlowDown',
    'ThrottledException',
    'Throttling',
    'ThrottlingException',
    'TooManyRequestsException',
    'TransactionInProgressException',
]);
const TRANSIENT_CODES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);
const NODE_TRANSIENT = new Set([
    'ECONNRESET',
    'ECONNREFUSED',
    'EPIPE',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'ENOTFOUND',
    'EAI_AGAIN',
]);
/** Node errors that @smithy/node-http-handler renames TimeoutError. */
const NODE_TIMEOUT = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
const BASE_DELAY_MS = 50;
const THROTTLING_DELAY_MS = 1_000;
const MAX_DELAY_MS = 20_000;
const RETRY_CAPACITY = 500;
const RETRY_COST = 14;
const THROTTLING_RETRY_COST = 5;
/** The signer's clock correction: a store clock this far off replaces ours. */
const CLOCK_SKEW_MS = 300_000;
class S3Lite {
    route;
    options;
    transport;
    clockOffsetMs = 0;
    capacity = RETRY_CAPACITY;
    constructor(route, options) {
        this.route = route;
        this.options = options;
    }
    /** HeadObject: the object's size, time and ETag, or the S3 client's error for it. */
    async head(key, signal) {
        const { method, path, query } = headTarget(this.route, key);
        const answer = await this.send(method, path, query, signal);
        const length = answer.headers['content-length'];
        const modified = answer.headers['last-modified'];
        const lastModified = modified === undefined ? undefined : new Date(modified);
        if (lastModified && Number.isNaN(lastModified.getTime())) {
            throw new Error(`the store answered a HEAD with Last-Modified ${JSON.stringify(modified)}`);
        }
        return {
            size: length === undefined ? undefined : Number(length),
            lastModified,
            etag: answer.headers.etag,
        };
    }
    /** One ListObjectsV2 page of `prefix`, after `token`. */
    async listPage(prefix, token, signal, maxKeys) {
        const { method, path, query } = listTarget(this.route, prefix, token, maxKeys);
        const answer = await this.send(method, path, query, signal);
        return readListPage(answer.body);
    }
    /**
     * GetObject of the whole object, answered once the headers are in: the body is the caller's
     * to read (as the SDK hands out a streaming body; its retries end at the headers too).
     */
    async getObject(key, signal) {
        const { path } = headTarget(this.route, key);
        const answer = await this.send('GET', path, {}, signal, true);
        return {
            length: Number(answer.headers['content-length'] ?? 0),
            etag: answer.headers.etag,
            body: answer.stream,
        };
    }
    close() {
        void this.transport?.then((t) => t.agent.destroy());
    }
    /**
     * node:http or node:https with a keep-alive agent, as the SDK's handler makes it. Loaded on
     * first use: node:https brings TLS, which costs a plain-http store's miss 30 ms for nothing.
     */
    connect() {
        this.transport ??= (this.route.protocol === 'https:' ? Promise.resolve(/* import() */).then(__webpack_require__.t.bind(__webpack_require__, 4708, 19)) : Promise.resolve(/* import() */).then(__webpack_require__.t.bind(__webpack_require__, 7067, 19))).then(({ request, Agent }) => ({
            request,
            agent: new Agent({ keepAlive: true, maxSockets: this.options.maxSockets }),
        }));
        return this.transport;
    }
    /** One request with the SDK's retries: a 2xx answer, or the last error. */
    async send(method, path, query, signal, stream = false) {
        let retries = 0;
        let cost;
        let totalRetryDelay = 0;
        for (;;) {
            let error;
            try {
                const answer = await this.attempt(method, path, query, signal, stream);
                if (answer.status >= 200 && answer.status < 300) {
                    this.correctClock(answer.headers.date);
                    this.capacity = Math.min(RETRY_CAPACITY, this.capacity + (cost ?? 1));
                    return answer;
                }
                error = serviceError(answer);
                const serverTime = error.ServerTime ?? answer.headers.date;
                if (this.correctClock(serverTime))
                    error.$metadata.clockSkewCorrected = true;
            }
            catch (err) {
                if (signal.aborted)
                    throw err;
                error = err;
            }
            const kind = retryKind(error);
            const price = kind === 'THROTTLING' ? THROTTLING_RETRY_COST : RETRY_COST;
            if (!kind || retries + 1 >= this.options.maxAttempts || this.capacity < price) {
                error.$metadata = { ...error.$metadata, attempts: retries + 1, totalRetryDelay };
                throw error;
            }
            const base = kind === 'THROTTLING' ? THROTTLING_DELAY_MS : BASE_DELAY_MS;
            let delay = Math.floor(Math.random() * Math.min(base * 2 ** retries, MAX_DELAY_MS));
            const hint = retryAfter(error.$response?.headers['retry-after']);
            if (hint !== undefined)
                delay = Math.max(delay, Math.min(hint, delay + 5_000));
            this.capacity -= price;
            cost = price;
            retries++;
            totalRetryDelay += delay;
            await sleep(Math.min(delay, MAX_DELAY_MS), signal);
        }
    }
    /** The signer's clock skew correction; true when the offset changed. */
    correctClock(serverTime) {
        const server = serverTime === undefined ? NaN : Date.parse(serverTime);
        if (Number.isNaN(server))
            return false;
        if (Math.abs(Date.now() + this.clockOffsetMs - server) < CLOCK_SKEW_MS)
            return false;
        this.clockOffsetMs = server - Date.now();
        return true;
    }
    /** One try, timed and aborted as @smithy/node-http-handler does it. */
    async attempt(method, path, query, signal, stream) {
        const { route } = this;
        const { request, agent } = await this.connect();
        const qs = canonicalQuery(query);
        const headers = signRequest({
            method,
            host: route.host,
            path,
            query,
            region: route.region,
            credentials: route.credentials,
            date: new Date(Date.now() + this.clockOffsetMs),
        });
        return new Promise((resolve, reject) => {
            if (signal.aborted)
                return reject(abortError(signal));
            const connectMs = Math.min(this.options.stallTimeoutMs, 30_000);
            const idleMs = this.options.stallTimeoutMs;
            const req = request({
                host: route.hostname,
                port: route.port,
                method,
                path: qs ? `${path}?${qs}` : path,
                headers,
                agent,
            }, (res) => {
                response = res;
                const status = res.statusCode ?? -1;
                if (stream && status >= 200 && status < 300) {
                    // The body's own errors (a cut connection, the idle timeout, an abort, which
                    // destroys the request) reach its reader.
                    clearTimeout(connectTimer);
                    req.once('close', () => signal.removeEventListener('abort', onAbort));
                    return resolve({ status, headers: flatHeaders(res.headers), body: '', stream: res });
                }
                const chunks = [];
                res.on('data', (c) => chunks.push(c));
                res.on('error', (err) => fail(err));
                res.on('end', () => {
                    done();
                    resolve({
                        status,
                        headers: flatHeaders(res.headers),
                        body: Buffer.concat(chunks).toString('utf8'),
                    });
                });
            });
            let response;
            const fail = (err) => {
                done();
                reject(err);
            };
            const connectTimer = setTimeout(() => {
                req.destroy();
                fail(Object.assign(new Error(`@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of ${connectMs} ms.`), { name: 'TimeoutError' }));
            }, connectMs);
            const onIdle = () => {
                const err = Object.assign(new Error(`@smithy/node-http-handler - the request socket timed out after ${idleMs} ms of inactivity (configured by client requestHandler).`), { name: 'TimeoutError' });
                response?.destroy(err);
                req.destroy();
                fail(err);
            };
            req.once('socket', (socket) => {
                const watch = () => {
                    clearTimeout(connectTimer);
                    socket.setTimeout(idleMs, onIdle);
                    req.once('close', () => socket.removeListener('timeout', onIdle));
                };
                if (socket.connecting)
                    socket.once('connect', watch);
                else
                    watch();
            });
            req.on('error', (err) => fail(NODE_TIMEOUT.has(err.code ?? '') ? Object.assign(err, { name: 'TimeoutError' }) : err));
            const onAbort = () => {
                req.destroy();
                fail(abortError(signal));
            };
            signal.addEventListener('abort', onAbort, { once: true });
            const done = () => {
                clearTimeout(connectTimer);
                signal.removeEventListener('abort', onAbort);
            };
            req.end();
        });
    }
}
/** HeadObject of `key`: the bucket path and the key, each segment escaped. */
function headTarget(route, key) {
    return { method: 'HEAD', path: `${route.bucketPath}/${escapeKey(key)}`, query: {} };
}
/** ListObjectsV2 of `prefix` (a page after `token`, at most `maxKeys`). */
function listTarget(route, prefix, token, maxKeys) {
    const query = { 'list-type': '2', prefix };
    if (token !== undefined)
        query['continuation-token'] = token;
    if (maxKeys !== undefined)
        query['max-keys'] = String(maxKeys);
    return { method: 'GET', path: `${route.bucketPath}/`, query };
}
/** A non-2xx answer as the S3 client's error: name from the Code (or the status), body fields. */
function serviceError(answer) {
    const fields = readErrorFields(answer.body);
    const { status, headers } = answer;
    const err = new Error(fields.Message || 'UnknownError');
    err.name = fields.Code ?? (status === 404 ? 'NotFound' : 'Unknown');
    err.$fault = status < 500 ? 'client' : 'server';
    err.$metadata = {
        httpStatusCode: status,
        requestId: headers['x-amzn-requestid'] ?? headers['x-amzn-request-id'] ?? headers['x-amz-request-id'],
        extendedRequestId: headers['x-amz-id-2'],
        cfId: headers['x-amz-cf-id'],
    };
    Object.defineProperty(err, '$response', {
        value: { statusCode: status, headers, body: answer.body },
        enumerable: false,
    });
    for (const [k, v] of Object.entries(fields)) {
        if (k !== 'Message' && (err[k] === undefined || err[k] === null || err[k] === ''))
            err[k] = v;
    }
    return err;
}
/** THROTTLING and TRANSIENT errors are retried; others (and an abort) are not. */
function retryKind(err) {
    if (err.$metadata?.httpStatusCode === 429 || THROTTLING_CODES.has(err.name))
        return 'THROTTLING';
    return isTransient(err) ? 'TRANSIENT' : undefined;
}
function isTransient(err, depth = 0) {
    if (!err || err.name === 'AbortError')
        return false;
    return (err.$retryable !== undefined ||
        err.$metadata?.clockSkewCorrected === true ||
        TRANSIENT_CODES.has(err.name) ||
        NODE_TRANSIENT.has(err.code ?? '') ||
        TRANSIENT_STATUS.has(err.$metadata?.httpStatusCode ?? 0) ||
        (err.code === 'ERR_HTTP2_STREAM_ERROR' && err.message.includes('NGHTTP2_REFUSED_STREAM')) ||
        (err.cause !== undefined && depth <= 10 && isTransient(err.cause, depth + 1)));
}
/** Retry-After as milliseconds from now: seconds, or an HTTP date. */
function retryAfter(value) {
    if (!value)
        return undefined;
    const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
    return Number.isNaN(ms) ? undefined : ms;
}
function flatHeaders(headers) {
    const out = {};
    for (const [k, v] of Object.entries(headers)) {
        if (v !== undefined)
            out[k] = Array.isArray(v) ? v.join(',') : v;
    }
    return out;
}
function abortError(signal) {
    // As @smithy/node-http-handler builds it; our callers throw the signal's reason instead.
    const reason = signal.reason;
    const err = reason instanceof Error
        ? new Error('Request aborted', { cause: reason })
        : new Error(typeof reason === 'string' ? reason : 'Request aborted');
    err.name = 'AbortError';
    return err;
}
function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal.aborted)
            return reject(abortError(signal));
        const onAbort = () => {
            clearTimeout(timer);
            reject(abortError(signal));
        };
        const timer = setTimeout(() => {
            signal.removeEventListener('abort', onAbort);
            resolve();
        }, ms);
        signal.addEventListener('abort', onAbort, { once: true });
    });
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./lib/storage/s3-lite-route.js



/**
 * Environment variables known to change nothing the lookups do when credentials are static:
 * the credentials themselves, the region (ours is resolved before), settings the client is
 * given explicitly (max attempts, checksums), and names the SDK only puts in its User-Agent.
 * Any other AWS_* variable (AWS_PROFILE, AWS_ENDPOINT_URL*, AWS_USE_FIPS_ENDPOINT,
 * AWS_USE_DUALSTACK_ENDPOINT, AWS_RETRY_MODE, AWS_S3_US_EAST_1_REGIONAL_ENDPOINT, ...) sends
 * the lookups through the SDK, which knows what it means.
 */
const NEUTRAL_ENV = new Set([
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_CREDENTIAL_EXPIRATION',
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_MAX_ATTEMPTS',
    'AWS_REQUEST_CHECKSUM_CALCULATION',
    'AWS_RESPONSE_CHECKSUM_VALIDATION',
    'AWS_EXECUTION_ENV',
    'AWS_SDK_UA_APP_ID',
    // Read by the CLI and other SDKs, not by the JavaScript SDK (Node reads NODE_EXTRA_CA_CERTS).
    'AWS_CA_BUNDLE',
    // Instance metadata (IMDS): consulted only for credentials or a region, both given here.
    'AWS_EC2_METADATA_DISABLED',
    'AWS_EC2_METADATA_V1_DISABLED',
    'AWS_EC2_METADATA_SERVICE_ENDPOINT',
    'AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE',
]);
/** Regions of the commercial partition (amazonaws.com); others (China, GovCloud, ISO) use the SDK. */
const AWS_REGION = /^(af|ap|ca|eu|il|me|mx|sa|us)-(central|north|south|east|west|northeast|northwest|southeast|southwest)-\d{1,2}$/;
/** A bucket name the SDK puts in the host name: a DNS label, no dots, not IP-like. */
const VIRTUAL_HOSTABLE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** Bucket names that need no escaping in a path (no ARNs, no access point aliases' colons). */
const PLAIN_BUCKET = /^[A-Za-z0-9._-]{1,255}$/;
/**
 * Decide whether stat and list can skip the SDK, and if so where they go. Only when the result
 * is provably what the SDK would do: static credentials (inputs first, else the environment's,
 * exactly as the SDK's fromEnv reads them), a region given, a plain endpoint, no shared config
 * file and no AWS_* setting that could change endpoints, retries or credentials. Otherwise the
 * reason, for a debug line, and the SDK as before.
 */
function routeLookups(storage, env = process.env, fileExists = external_node_fs_.existsSync) {
    const unknown = Object.keys(env).find((k) => k.startsWith('AWS_') && env[k] !== undefined && !NEUTRAL_ENV.has(k));
    if (unknown)
        return { sdk: `${unknown} is set` };
    const credentials = storage.credentials ?? envCredentials(env);
    if (!credentials)
        return { sdk: 'no static credentials (the SDK credential chain decides)' };
    const shared = sharedFiles(env).find((f) => fileExists(f));
    if (shared)
        return { sdk: `${shared} exists` };
    const region = storage.region;
    if (!region)
        return { sdk: 'no region given' };
    const bucket = storage.bucket;
    if (!PLAIN_BUCKET.test(bucket))
        return { sdk: 'bucket name needs the SDK' };
    if (storage.endpoint) {
        const url = new URL(storage.endpoint);
        if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
            return { sdk: 'endpoint has a path' };
        }
        if (url.hostname.startsWith('['))
            return { sdk: 'IPv6 endpoint' };
        const protocol = url.protocol;
        const port = url.port ? Number(url.port) : undefined;
        if (storage.forcePathStyle) {
            return { route: at(protocol, url.hostname, port, `/${bucket}`, region, credentials) };
        }
        if (!VIRTUAL_HOSTABLE.test(bucket) || /^[\d.]+$/.test(url.hostname)) {
            return { sdk: 'bucket cannot go in the host name' };
        }
        return { route: at(protocol, `${bucket}.${url.hostname}`, port, '', region, credentials) };
    }
    if (!AWS_REGION.test(region))
        return { sdk: `region ${region} is outside the aws partition` };
    const s3 = `s3.${region}.amazonaws.com`;
    if (storage.forcePathStyle) {
        return { route: at('https:', s3, undefined, `/${bucket}`, region, credentials) };
    }
    if (!VIRTUAL_HOSTABLE.test(bucket))
        return { sdk: 'bucket cannot go in the host name' };
    return { route: at('https:', `${bucket}.${s3}`, undefined, '', region, credentials) };
}
/** What the SDK's fromEnv provider reads: both keys, and the session token if set. */
function envCredentials(env) {
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey)
        return undefined;
    return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
}
/**
 * The SDK reads endpoint, FIPS, dual-stack and retry settings from the shared files (both of
 * them, merged per profile) even when the credentials are static. Where it looks for them.
 */
function sharedFiles(env) {
    const homes = [env.HOME, env.USERPROFILE, (0,external_node_os_.homedir)()].filter((h) => Boolean(h));
    return homes.flatMap((h) => [
        external_node_path_.join(h, '.aws', 'config'),
        external_node_path_.join(h, '.aws', 'credentials'),
    ]);
}
function at(protocol, hostname, port, bucketPath, region, credentials) {
    return {
        protocol,
        hostname,
        port,
        host: port === undefined ? hostname : `${hostname}:${port}`,
        bucketPath,
        region,
        credentials,
    };
}

// EXTERNAL MODULE: ./lib/storage/watchdog.js
var watchdog = __webpack_require__(9550);
;// CONCATENATED MODULE: ./lib/storage/s3-lookup-backend.js







/**
 * Objects read without the SDK: small ones of known size (a manifest is at most 256 KiB), read
 * whole. Archives of any real size, and anything read in ranges, go through S3Backend.
 */
const LITE_GET_MAX = 256 * 1024;
/**
 * The S3 backend for a step: lookups (stat, list) without the SDK when routeLookups proves
 * that equivalent, else S3Backend as it is. Loading the SDK is most of what a miss costs.
 */
async function createS3Backend(storage, transfer) {
    const decision = routeLookups(storage);
    if ('route' in decision)
        return new S3LookupBackend(storage, transfer, decision.route);
    const { S3Backend } = await Promise.all(/* import() */[__webpack_require__.e(358), __webpack_require__.e(974)]).then(__webpack_require__.bind(__webpack_require__, 974));
    return new S3Backend(storage, transfer);
}
/**
 * stat, list and reads of small objects (manifests) through S3Lite, with S3Backend's semantics
 * (its watchdogs, its 403 rule, its retries of a broken body, its error mapping); archive
 * transfers, deletes and upload housekeeping through S3Backend, whose SDK is loaded on first
 * use: a hit loads it after the lookup and the manifest read.
 */
class S3LookupBackend {
    storage;
    transfer;
    description;
    lite;
    sdk;
    constructor(storage, transfer, route) {
        this.storage = storage;
        this.transfer = transfer;
        this.description = `s3://${storage.bucket}${storage.endpoint ? ` at ${storage.endpoint}` : ''}`;
        this.lite = new S3Lite(route, {
            maxAttempts: s3_common/* MAX_ATTEMPTS */.m,
            stallTimeoutMs: transfer.stallTimeoutMs,
            maxSockets: Math.max(50, 2 * transfer.concurrency),
        });
    }
    async stat(name) {
        const watch = this.watch('stat', name);
        try {
            const out = await this.lite.head(name, watch.signal);
            return {
                name,
                size: out.size ?? 0,
                lastModified: out.lastModified ?? new Date(0),
                etag: out.etag,
            };
        }
        catch (err) {
            if ((0,s3_errors/* isMissingObject */.gz)(err))
                return undefined;
            if ((0,s3_errors/* statusOf */.c2)(err) === 403 && !watch.signal.aborted) {
                return this.statByListing(name, err, watch.signal);
            }
            throw this.fail(err, 'stat', name, watch.signal);
        }
        finally {
            watch.dispose();
        }
    }
    /** As S3Backend: a 403 on HEAD may be a miss under a prefix-limited ListBucket; a listing tells. */
    async statByListing(name, headError, signal) {
        let page;
        try {
            page = await this.lite.listPage(name, undefined, signal, 1);
        }
        catch (err) {
            throw this.fail(err, 'stat', name, signal);
        }
        if (page.objects.some((o) => o.key === name))
            throw this.fail(headError, 'stat', name);
        return undefined;
    }
    async list(prefix) {
        const found = [];
        let token;
        const watch = this.watch('list', prefix);
        try {
            do {
                const page = await this.lite.listPage(prefix, token, watch.signal);
                watch.touch();
                for (const o of page.objects) {
                    found.push({
                        name: o.key,
                        size: o.size ?? 0,
                        lastModified: o.lastModified ?? new Date(0),
                        etag: o.etag,
                    });
                }
                const next = page.isTruncated ? page.nextContinuationToken : undefined;
                if (page.isTruncated && (!next || next === token)) {
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
        const small = opts.size !== undefined && opts.size <= Math.min(LITE_GET_MAX, this.transfer.partSize);
        // With 'when-supported' the SDK asks for and checks the object's checksum: its job, not ours.
        if (!small || this.storage.checksum !== 'when-required') {
            return (await this.transfers()).get(name, opts);
        }
        return this.getWhole(name, opts);
    }
    /**
     * S3Backend.get for an object that fits one part: one plain GET, read whole under the stall
     * watchdog and the deadline, a body that breaks off fetched again, then handed out.
     */
    async getWhole(name, opts) {
        const transfer = (0,s3_common/* linkedSignal */.uu)(opts.signal, this.transfer.timeoutMs);
        const arrived = opts.onProgress ?? (() => { });
        const watch = this.watch('get', name, transfer.signal);
        let data;
        try {
            data = await this.readWhole(name, watch.signal, (n) => {
                watch.touch();
                arrived(n);
            });
        }
        catch (err) {
            transfer.dispose();
            if ((0,s3_errors/* isMissingObject */.gz)(err))
                throw new errors/* NotFoundError */.m_(name);
            throw this.fail(err, 'get', name, watch.signal);
        }
        finally {
            watch.dispose();
        }
        const out = external_node_stream_.Readable.from(data, { objectMode: false });
        const onAbort = () => void out.destroy(transfer.signal.reason);
        transfer.signal.addEventListener('abort', onAbort, { once: true });
        out.once('close', () => {
            transfer.signal.removeEventListener('abort', onAbort);
            transfer.dispose();
        });
        return out;
    }
    /** S3Backend.readChunk without a range: a body that ends short or breaks is fetched again. */
    async readWhole(name, signal, onData) {
        const arrived = (0,watchdog/* newBytes */.a)(onData);
        for (let attempt = 1;; attempt++) {
            const out = await this.lite.getObject(name, signal);
            try {
                return await (0,s3_common/* readExactly */.Lo)(out.body, out.length, arrived);
            }
            catch (err) {
                if (signal.aborted || attempt >= s3_common/* MAX_ATTEMPTS */.m)
                    throw err;
                await new Promise((r) => setTimeout(r, 250 * attempt));
            }
        }
    }
    async put(name, body, opts) {
        return (await this.transfers()).put(name, body, opts);
    }
    async delete(name) {
        return (await this.transfers()).delete(name);
    }
    async listIncompleteUploads(prefix) {
        return (await this.transfers()).listIncompleteUploads(prefix);
    }
    async abortIncompleteUpload(upload) {
        return (await this.transfers()).abortIncompleteUpload(upload);
    }
    async close() {
        this.lite.close();
        if (this.sdk)
            await (await this.sdk).close();
    }
    /** S3Backend, its SDK loaded on first use. */
    transfers() {
        this.sdk ??= Promise.all(/* import() */[__webpack_require__.e(358), __webpack_require__.e(974)]).then(__webpack_require__.bind(__webpack_require__, 974)).then(({ S3Backend }) => new S3Backend(this.storage, this.transfer));
        return this.sdk;
    }
    watch(operation, name, outer) {
        const { stallTimeoutMs, timeoutMs } = this.transfer;
        return (0,watchdog/* watchdog */.u)(`S3 ${operation} of ${name}`, stallTimeoutMs, timeoutMs, outer);
    }
    /** S3Backend's mapping: the abort reason if aborted, ours as they are, else describeS3Error. */
    fail(err, operation, name, signal) {
        if (signal?.aborted)
            return signal.reason;
        if (err instanceof errors/* StorageError */.aq ||
            err instanceof errors/* TimeoutError */.MU ||
            err instanceof errors/* NotFoundError */.m_) {
            return err;
        }
        return (0,s3_errors/* describeS3Error */.ye)(err, {
            operation,
            bucket: this.storage.bucket,
            name,
            storage: this.storage,
            stallTimeoutMs: this.transfer.stallTimeoutMs,
        });
    }
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
