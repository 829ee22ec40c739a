export const id = 974;
export const ids = [974];
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

/***/ 974:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   MAX_PARTS: () => (/* binding */ MAX_PARTS),
/* harmony export */   MIN_PART_SIZE: () => (/* binding */ MIN_PART_SIZE),
/* harmony export */   S3Backend: () => (/* binding */ S3Backend),
/* harmony export */   choosePartSize: () => (/* binding */ choosePartSize)
/* harmony export */ });
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7075);
/* harmony import */ var _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(3711);
/* harmony import */ var _aws_sdk_lib_storage__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(2358);
/* harmony import */ var _smithy_node_http_handler__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(1279);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(452);
/* harmony import */ var _ranged_reader_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(780);
/* harmony import */ var _s3_common_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(4025);
/* harmony import */ var _s3_errors_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(5931);
/* harmony import */ var _watchdog_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(9550);









const MiB = 1024 * 1024;
/** S3's multipart limits: at most 10,000 parts, each at least 5 MiB except the last. */
const MAX_PARTS = 10_000;
const MIN_PART_SIZE = 5 * MiB;
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
        this.client = new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_7__.S3Client({
            // SigV4 needs a region; S3-compatible stores mostly accept any.
            region: storage.region ?? (storage.endpoint && !process.env.AWS_REGION ? 'us-east-1' : undefined),
            endpoint: storage.endpoint,
            forcePathStyle: storage.forcePathStyle,
            credentials: storage.credentials, // undefined: the SDK's default chain (env, OIDC, profiles)
            requestChecksumCalculation: checksum,
            responseChecksumValidation: checksum,
            maxAttempts: _s3_common_js__WEBPACK_IMPORTED_MODULE_4__/* .MAX_ATTEMPTS */ .m,
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
            const out = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_7__.HeadObjectCommand({ Bucket: this.storage.bucket, Key: name }), { abortSignal: watch.signal });
            return {
                name,
                size: out.ContentLength ?? 0,
                lastModified: out.LastModified ?? new Date(0),
                etag: out.ETag,
            };
        }
        catch (err) {
            if ((0,_s3_errors_js__WEBPACK_IMPORTED_MODULE_5__/* .isMissingObject */ .gz)(err))
                return undefined;
            if ((0,_s3_errors_js__WEBPACK_IMPORTED_MODULE_5__/* .statusOf */ .c2)(err) === 403 && !watch.signal.aborted) {
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
        return (0,_watchdog_js__WEBPACK_IMPORTED_MODULE_6__/* .watchdog */ .u)(`S3 ${operation} of ${name}`, stallTimeoutMs, timeoutMs, outer);
    }
    /**
     * S3 answers a HEAD of a missing object with 403 unless s3:ListBucket covers it without
     * conditions, so least-privilege roles (ListBucket limited by s3:prefix) see 403 for every miss.
     * A listing tells a miss from a real denial, and its errors have a body to name the cause.
     */
    async statByListing(name, headError, signal) {
        let page;
        try {
            page = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_7__.ListObjectsV2Command({ Bucket: this.storage.bucket, Prefix: name, MaxKeys: 1 }), { abortSignal: signal });
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
                const page = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_7__.ListObjectsV2Command({
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
                    throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .StorageError */ .aq(`S3 list s3://${this.storage.bucket}/${prefix}: the store said the listing goes on but gave no new continuation token`);
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
        const transfer = (0,_s3_common_js__WEBPACK_IMPORTED_MODULE_4__/* .linkedSignal */ .uu)(opts.signal, this.transfer.timeoutMs);
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
            if ((0,_s3_errors_js__WEBPACK_IMPORTED_MODULE_5__/* .isMissingObject */ .gz)(err))
                throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .NotFoundError */ .m_(name);
            throw this.fail(err, 'get', name, firstWatch.signal);
        }
        finally {
            firstWatch.dispose();
        }
        const { etag } = first;
        const out = (0,_ranged_reader_js__WEBPACK_IMPORTED_MODULE_3__/* .createRangedReader */ .b)({
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
        const transfer = (0,_s3_common_js__WEBPACK_IMPORTED_MODULE_4__/* .linkedSignal */ .uu)(opts.signal, this.transfer.timeoutMs);
        const { signal } = transfer;
        // Stop reading the body on abort: lib-storage then fails and aborts the multipart upload.
        // No error is passed: nobody may be listening for one, and a premature close fails the read.
        const stopBody = () => void body.destroy();
        signal.addEventListener('abort', stopBody, { once: true });
        try {
            if (signal.aborted)
                stopBody();
            signal.throwIfAborted();
            const upload = new _aws_sdk_lib_storage__WEBPACK_IMPORTED_MODULE_1__/* .Upload */ ._({
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
            if (conditional && ((0,_s3_errors_js__WEBPACK_IMPORTED_MODULE_5__/* .isConditionalConflict */ .rV)(err) || (opts.ifMatch && (0,_s3_errors_js__WEBPACK_IMPORTED_MODULE_5__/* .isMissingObject */ .gz)(err)))) {
                throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .AlreadyExistsError */ .Tm(name);
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
            await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_7__.DeleteObjectCommand({ Bucket: this.storage.bucket, Key: name }));
        }
        catch (err) {
            if (!(0,_s3_errors_js__WEBPACK_IMPORTED_MODULE_5__/* .isMissingObject */ .gz)(err))
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
                const page = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_7__.ListMultipartUploadsCommand({
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
                    throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .StorageError */ .aq(`S3 list-uploads s3://${this.storage.bucket}/${prefix}: the store said the listing goes on but gave no new marker`);
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
            await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_7__.AbortMultipartUploadCommand({
                Bucket: this.storage.bucket,
                Key: name,
                UploadId: upload.id,
            }));
        }
        catch (err) {
            if ((0,_s3_errors_js__WEBPACK_IMPORTED_MODULE_5__/* .errorCode */ .CA)(err) !== 'NoSuchUpload')
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
        const arrived = (0,_watchdog_js__WEBPACK_IMPORTED_MODULE_6__/* .newBytes */ .a)(onData);
        for (let attempt = 1;; attempt++) {
            let out;
            try {
                out = await this.client.send(new _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_7__.GetObjectCommand({
                    Bucket: this.storage.bucket,
                    Key: name,
                    Range: range && `bytes=${range[0]}-${range[1]}`,
                    IfMatch: etag,
                }), { abortSignal: signal });
            }
            catch (err) {
                // A range on an empty object is unsatisfiable: that is the whole (empty) object.
                if (range?.[0] === 0 && (0,_s3_errors_js__WEBPACK_IMPORTED_MODULE_5__/* .errorCode */ .CA)(err) === 'InvalidRange')
                    return { data: [], total: 0 };
                throw err;
            }
            const length = out.ContentLength ?? 0;
            const total = range ? Number(/\/(\d+)$/.exec(out.ContentRange ?? '')?.[1] ?? length) : length;
            if (range && length > range[1] - range[0] + 1) {
                out.Body?.destroy();
                throw new _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .StorageError */ .aq(`S3 get s3://${this.storage.bucket}/${name}: the store ignored the Range header`, 'This store does not support ranged reads, which downloads need.');
            }
            try {
                const data = await (0,_s3_common_js__WEBPACK_IMPORTED_MODULE_4__/* .readExactly */ .Lo)(out.Body, length, arrived, into);
                return { data, total, etag: out.ETag };
            }
            catch (err) {
                if (signal.aborted || attempt >= _s3_common_js__WEBPACK_IMPORTED_MODULE_4__/* .MAX_ATTEMPTS */ .m)
                    throw err;
                await new Promise((r) => setTimeout(r, 250 * attempt));
            }
        }
    }
    /** The error to throw: the abort reason if we were aborted, else a mapped storage error. */
    fail(err, operation, name, signal) {
        if (signal?.aborted)
            return signal.reason;
        if (err instanceof _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .StorageError */ .aq ||
            err instanceof _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .TimeoutError */ .MU ||
            err instanceof _errors_js__WEBPACK_IMPORTED_MODULE_2__/* .NotFoundError */ .m_) {
            return err;
        }
        return (0,_s3_errors_js__WEBPACK_IMPORTED_MODULE_5__/* .describeS3Error */ .ye)(err, {
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
        const progress = onProgress ? { onBodyProgress: (0,_watchdog_js__WEBPACK_IMPORTED_MODULE_6__/* .newBytes */ .a)(onProgress) } : {};
        if (command instanceof _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_7__.UploadPartCommand) {
            const part = send(command, { ...options, ...progress, abortSignal: signal });
            parts.add(part);
            return part.finally(() => parts.delete(part));
        }
        if (command instanceof _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_7__.AbortMultipartUploadCommand) {
            // A part still in flight when the upload is aborted may be stored after it (AWS says to
            // abort again; s3rver re-creates the upload): let every part request end first.
            await Promise.allSettled([...parts]);
        }
        if (command instanceof _aws_sdk_client_s3__WEBPACK_IMPORTED_MODULE_7__.PutObjectCommand)
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
class ProgressHttpHandler extends _smithy_node_http_handler__WEBPACK_IMPORTED_MODULE_8__.NodeHttpHandler {
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
            body: node_stream__WEBPACK_IMPORTED_MODULE_0__.Readable.from(slices(), { objectMode: false, highWaterMark: BODY_SLICE }),
        });
        return super.handle(copy, options);
    }
}


/***/ })

};
