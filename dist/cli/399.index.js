export const id = 399;
export const ids = [399];
export const modules = {

/***/ 7399:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   FsBackend: () => (/* binding */ FsBackend)
/* harmony export */ });
/* harmony import */ var node_crypto__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7598);
/* harmony import */ var node_fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3024);
/* harmony import */ var node_fs_promises__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(1455);
/* harmony import */ var node_os__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(8161);
/* harmony import */ var node_path__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(6760);
/* harmony import */ var node_stream__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(7075);
/* harmony import */ var node_stream_promises__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(6466);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(452);
/* harmony import */ var _util_map_limit_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(1792);









/**
 * Top-level directory for temp files and commit locks. Every writer sharing a root must agree on
 * it and on the lock names below, so both are part of the on-disk format.
 */
const TEMP_DIR = '.bucket-cache-tmp';
/** Temp files and locks untouched this long were orphaned by a killed writer. */
const ORPHAN_AGE_MS = 24 * 60 * 60 * 1000;
/** A commit lock is held for one lstat and one rename; one this old belongs to a dead writer. */
const STALE_LOCK_MS = 60_000;
/** link(2) errors meaning "this filesystem has no hard links" (some SMB/CIFS and FAT mounts). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS']);
/** Parallel lstat calls while listing: network mounts pay a round trip per file. */
const STAT_CONCURRENCY = 32;
const HOST = (0,node_os__WEBPACK_IMPORTED_MODULE_3__.hostname)()
    .replace(/[^A-Za-z0-9.-]/g, '_')
    .slice(0, 64);
/** Names the Win32 layer maps to devices (CON, NUL, COM1...), with or without an extension. */
const WINDOWS_DEVICE = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(?:[. ].*)?$/i;
// ':' opens an NTFS alternate data stream; the rest are invalid in Windows file names.
// eslint-disable-next-line no-control-regex
const WINDOWS_BAD_CHARS = /[<>:"|?*\x00-\x1f]/;
/**
 * Objects as files under a root directory: self-hosted runners, act, NFS/SMB mounts, the demo.
 * Each '/'-separated name segment is one path component. Writes land in a temp file that is then
 * renamed (replace) or hard-linked (create-only) into place, so readers never see partial data.
 */
class FsBackend {
    description;
    root;
    tempDir;
    windowsNames;
    linkFile;
    hardLinks;
    swept;
    constructor(storage, options = {}) {
        if (!storage.root)
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .ValidationError */ .yI('fs-root must name a directory', 'fs-root');
        this.root = (0,node_path__WEBPACK_IMPORTED_MODULE_4__.resolve)(storage.root);
        this.tempDir = (0,node_path__WEBPACK_IMPORTED_MODULE_4__.join)(this.root, TEMP_DIR);
        this.description = `file://${this.root}`;
        this.hardLinks = options.hardLinks ?? true;
        this.linkFile = options.link ?? node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.link;
        this.windowsNames = options.windowsNames ?? process.platform === 'win32';
    }
    async stat(name) {
        const path = this.pathOf(name);
        try {
            const st = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.lstat)(path);
            return st.isFile() ? info(name, st) : undefined;
        }
        catch (err) {
            if (isMissing(err))
                return undefined;
            throw this.mapped(err, `cannot stat ${name}`);
        }
    }
    async list(prefix) {
        // Walk only the prefix's directory; its last, partial segment filters that directory's entries.
        const slash = prefix.lastIndexOf('/');
        const dirPath = slash < 0 ? this.root : this.pathOf(prefix.slice(0, slash));
        const out = [];
        try {
            await this.walk(dirPath, prefix.slice(0, slash + 1), prefix.slice(slash + 1), out);
        }
        catch (err) {
            throw this.mapped(err, `cannot list ${prefix}`);
        }
        return out;
    }
    async get(name, opts = {}) {
        const path = this.pathOf(name);
        opts.signal?.throwIfAborted();
        let fh;
        try {
            // O_NOFOLLOW: a symlink is not an object (stat and list agree), and may point outside root.
            fh = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.open)(path, node_fs__WEBPACK_IMPORTED_MODULE_1__.constants.O_RDONLY | (node_fs__WEBPACK_IMPORTED_MODULE_1__.constants.O_NOFOLLOW ?? 0));
        }
        catch (err) {
            if (isMissing(err) || code(err) === 'ELOOP' || code(err) === 'EISDIR') {
                throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .NotFoundError */ .m_(name);
            }
            throw this.mapped(err, `cannot read ${name}`);
        }
        try {
            // Opening a directory read-only succeeds on POSIX; it is still not an object.
            if (!(await fh.stat()).isFile())
                throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .NotFoundError */ .m_(name);
        }
        catch (err) {
            await fh.close().catch(() => undefined);
            throw this.mapped(err, `cannot read ${name}`);
        }
        const stream = fh.createReadStream({ highWaterMark: 1024 * 1024 });
        return opts.signal ? (0,node_stream__WEBPACK_IMPORTED_MODULE_5__.addAbortSignal)(opts.signal, stream) : stream;
    }
    async put(name, body, opts = {}) {
        const { signal } = opts;
        // Listen from the first tick: a body that fails before the pipeline is attached must reject
        // this put (pipeline sees it as errored), not crash the process as an unhandled 'error'.
        const ignore = () => undefined;
        body.on('error', ignore);
        let temp;
        try {
            const target = this.pathOf(name);
            signal?.throwIfAborted();
            await (this.swept ??= this.sweep());
            temp = await this.writeTemp(body, signal);
            signal?.throwIfAborted();
            await (opts.ifAbsent
                ? this.create(name, temp, target, signal)
                : opts.ifMatch !== undefined
                    ? this.swap(name, temp, target, opts.ifMatch, signal)
                    : this.replace(temp, target)).catch((err) => {
                throw this.mapped(err, `cannot store ${name}`);
            });
        }
        catch (err) {
            // Unblock the producer (tar | zstd) instead of leaving it writing into a dead pipe.
            body.destroy();
            if (signal?.aborted)
                throw signal.reason;
            throw err; // the body's own error, or one already mapped
        }
        finally {
            body.off('error', ignore);
            // After a rename the temp name is gone; after a link (or a failure) this removes it.
            if (temp)
                await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rm)(temp.path, { force: true }).catch(() => undefined);
        }
    }
    async delete(name) {
        const path = this.pathOf(name);
        try {
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.unlink)(path);
        }
        catch (err) {
            if (isMissing(err))
                return;
            // unlink of a directory: EISDIR on Linux, EPERM on macOS and Windows. Not an object.
            if ((code(err) === 'EISDIR' || code(err) === 'EPERM') && (await isDirectory(path)))
                return;
            throw this.mapped(err, `cannot delete ${name}`);
        }
        // Prune now-empty parents. rmdir fails on a non-empty directory, so a concurrent writer's
        // fresh file stops it; a writer whose directory vanished retries (withParents).
        for (let dir = (0,node_path__WEBPACK_IMPORTED_MODULE_4__.dirname)(path); this.isBelowRoot(dir); dir = (0,node_path__WEBPACK_IMPORTED_MODULE_4__.dirname)(dir)) {
            try {
                await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rmdir)(dir);
            }
            catch {
                return;
            }
        }
    }
    /**
     * Temp files of puts that never committed. They sit in one folder for the whole root and do not
     * record their target, so every one is reported whatever the prefix (our own puts sweep them the
     * same way).
     */
    async listIncompleteUploads(_prefix) {
        let names;
        try {
            names = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.readdir)(this.tempDir);
        }
        catch (err) {
            if (isMissing(err))
                return [];
            throw this.mapped(err, `cannot list ${this.tempDir}`);
        }
        const found = await (0,_util_map_limit_js__WEBPACK_IMPORTED_MODULE_8__/* .mapLimit */ .s)(names.filter((n) => n.endsWith('.tmp')), STAT_CONCURRENCY, async (id) => {
            const st = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.lstat)((0,node_path__WEBPACK_IMPORTED_MODULE_4__.join)(this.tempDir, id)).catch(() => undefined);
            return st?.isFile() ? { id, started: new Date(st.mtime.getTime()) } : undefined;
        });
        return found.filter((u) => u !== undefined);
    }
    async abortIncompleteUpload(upload) {
        // Only a temp file's own name: never a path that could leave the temp folder.
        if (!/^[A-Za-z0-9._-]+\.tmp$/.test(upload.id)) {
            throw new Error(`invalid temp file name ${JSON.stringify(upload.id)}`);
        }
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rm)((0,node_path__WEBPACK_IMPORTED_MODULE_4__.join)(this.tempDir, upload.id), { force: true }).catch((err) => {
            throw this.mapped(err, `cannot remove ${upload.id}`);
        });
    }
    async close() { }
    /** The file for `name`; throws for any name that could leave root or enter the temp dir. */
    pathOf(name) {
        const fail = (why) => {
            throw new Error(`invalid object name ${JSON.stringify(name)}: ${why}`);
        };
        if (name === '')
            fail('empty');
        if (name.includes('\0'))
            fail('contains NUL');
        if (name.includes('\\'))
            fail('contains a backslash');
        if (name.startsWith('/'))
            fail('absolute');
        const segments = name.split('/');
        for (const s of segments) {
            if (s === '')
                fail('empty segment');
            if (s === '.' || s === '..')
                fail(`"${s}" segment`);
            if (this.windowsNames &&
                (WINDOWS_BAD_CHARS.test(s) || /[. ]$/.test(s) || WINDOWS_DEVICE.test(s))) {
                fail(`"${s}" is not a safe Windows file name`);
            }
        }
        if (isTempDir(segments[0]))
            fail(`${TEMP_DIR} is reserved`);
        const path = (0,node_path__WEBPACK_IMPORTED_MODULE_4__.join)(this.root, ...segments);
        if (!this.isBelowRoot(path))
            fail('outside the root'); // unreachable after the checks above
        return path;
    }
    isBelowRoot(path) {
        const rel = (0,node_path__WEBPACK_IMPORTED_MODULE_4__.relative)(this.root, path);
        return rel !== '' && rel !== '..' && !rel.startsWith(`..${node_path__WEBPACK_IMPORTED_MODULE_4__.sep}`) && !(0,node_path__WEBPACK_IMPORTED_MODULE_4__.isAbsolute)(rel);
    }
    async walk(dirPath, dirName, filter, out) {
        let entries;
        try {
            entries = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.readdir)(dirPath, { withFileTypes: true });
        }
        catch (err) {
            if (isMissing(err))
                return;
            throw err;
        }
        const files = [];
        const dirs = [];
        for (const e of entries) {
            if (filter !== undefined && !e.name.startsWith(filter))
                continue;
            if (dirName === '' && isTempDir(e.name))
                continue;
            if (e.name.includes('\\'))
                continue; // not a name put could have written
            // Symlinks are skipped: not objects, and they could lead outside root.
            if (e.isFile())
                files.push(e.name);
            else if (e.isDirectory())
                dirs.push(e.name);
        }
        const infos = await (0,_util_map_limit_js__WEBPACK_IMPORTED_MODULE_8__/* .mapLimit */ .s)(files, STAT_CONCURRENCY, async (f) => {
            try {
                const st = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.lstat)((0,node_path__WEBPACK_IMPORTED_MODULE_4__.join)(dirPath, f));
                return st.isFile() ? info(dirName + f, st) : undefined;
            }
            catch (err) {
                if (isMissing(err))
                    return undefined; // deleted since readdir
                throw err;
            }
        });
        for (const i of infos)
            if (i)
                out.push(i);
        for (const d of dirs)
            await this.walk((0,node_path__WEBPACK_IMPORTED_MODULE_4__.join)(dirPath, d), `${dirName}${d}/`, undefined, out);
    }
    async writeTemp(body, signal) {
        // Unique across hosts sharing a mount: random id + pid + hostname.
        const path = (0,node_path__WEBPACK_IMPORTED_MODULE_4__.join)(this.tempDir, `${(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomBytes)(8).toString('hex')}-${process.pid}-${HOST}.tmp`);
        const fh = await this.openTemp(path);
        const fail = (err) => this.mapped(err, `cannot write ${path}`);
        try {
            // Errors from the body pass through as they are; the sink's are mapped.
            await (0,node_stream_promises__WEBPACK_IMPORTED_MODULE_6__.pipeline)(body, fileSink(fh, fail), { signal });
            // No fsync: NFS and SMB flush on close and report a full disk or quota there, and waiting
            // for the disk cost a save of 270 MB about 0.5 s that `tar | zstd > file` does not pay. A
            // crash before write-back can only leave an archive that fails its size or sha256 check,
            // which restore refuses (a miss) and the next save replaces.
            const clockOffsetMs = await (async () => {
                const { mtimeMs } = await fh.stat();
                await fh.close();
                return mtimeMs - Date.now();
            })().catch((err) => {
                throw fail(err);
            });
            return { path, clockOffsetMs };
        }
        catch (err) {
            await fh.close().catch(() => undefined);
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rm)(path, { force: true }).catch(() => undefined);
            throw err;
        }
    }
    async openTemp(path) {
        try {
            try {
                return await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.open)(path, 'wx');
            }
            catch (err) {
                if (code(err) !== 'ENOENT')
                    throw err;
            }
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.mkdir)(this.tempDir, { recursive: true });
            return await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.open)(path, 'wx');
        }
        catch (err) {
            if (code(err) === 'ENOSPC' || code(err) === 'EDQUOT')
                throw this.mapped(err, 'cannot write');
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .StorageError */ .aq(`cannot write under fs-root ${this.root}: ${errMessage(err)}`, `fs-root must be a directory (or a path that can be created) that the job's user can write to`, { cause: err });
        }
    }
    /** Normal put: rename is an atomic replace on POSIX filesystems, NFS, SMB and NTFS. */
    async replace(temp, target) {
        await withParents(target, () => (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rename)(temp.path, target));
    }
    /**
     * ifMatch put: compare-and-swap under the name's commit lock, which every conditional writer
     * of the name takes; the file in place must still be the one whose etag the caller saw.
     */
    async swap(name, temp, target, etag, signal) {
        await this.withLock(name, temp, signal, async () => {
            const st = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.lstat)(target).catch(() => undefined);
            if (!st?.isFile() || info(name, st).etag !== etag)
                throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .AlreadyExistsError */ .Tm(name);
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rename)(temp.path, target);
        });
    }
    /** ifAbsent put: link(2) fails with EEXIST if the name exists, atomically, even over NFS. */
    async create(name, temp, target, signal) {
        if (this.hardLinks) {
            try {
                await withParents(target, () => this.linkFile(temp.path, target));
                return;
            }
            catch (err) {
                if (code(err) === 'EEXIST') {
                    // NFS: a retransmitted link reports EEXIST though the first attempt succeeded.
                    if ((await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.stat)(temp.path)).nlink > 1)
                        return;
                    throw await existsError(name, target);
                }
                if (!NO_HARD_LINKS.has(code(err) ?? ''))
                    throw err;
                this.hardLinks = false;
            }
        }
        // Fallback for filesystems without hard links: mkdir is atomic on local filesystems, NFS and
        // SMB, so a per-name lock directory serialises create-only writers; under it, check-then-rename
        // is safe. Every writer uses the same lock name, so exactly one wins. Plain puts (overwrite)
        // take no lock: they replace by design.
        await this.withLock(name, temp, signal, async () => {
            if (await exists(target))
                throw await existsError(name, target);
            await withParents(target, () => (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rename)(temp.path, target));
        });
    }
    async withLock(name, temp, signal, fn) {
        const lock = (0,node_path__WEBPACK_IMPORTED_MODULE_4__.join)(this.tempDir, `${(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.createHash)('sha256').update(name).digest('hex')}.lock`);
        const giveUp = Date.now() + 3 * STALE_LOCK_MS;
        for (let delay = 5;; delay = Math.min(delay * 2, 200)) {
            try {
                await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.mkdir)(lock);
                break;
            }
            catch (err) {
                if (code(err) !== 'EEXIST')
                    throw err;
            }
            const held = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.lstat)(lock).catch(() => undefined);
            // Age by the filesystem's clock (our temp file's mtime), not this host's.
            if (held && Date.now() + temp.clockOffsetMs - held.mtimeMs > STALE_LOCK_MS) {
                // A killed writer's lock. Renaming it aside is atomic, so only one waiter breaks it.
                const aside = `${lock}.${(0,node_crypto__WEBPACK_IMPORTED_MODULE_0__.randomBytes)(6).toString('hex')}.stale`;
                await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rename)(lock, aside).then(() => (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rmdir)(aside), () => undefined);
                continue;
            }
            if (Date.now() > giveUp) {
                throw new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .StorageError */ .aq(`timed out waiting for the commit lock of ${name} (${lock})`, `if no other job is saving this key, remove ${lock}`);
            }
            signal?.throwIfAborted();
            await new Promise((r) => setTimeout(r, delay));
        }
        try {
            await fn();
        }
        finally {
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rmdir)(lock).catch(() => undefined);
        }
    }
    /** Best effort, once per instance: remove temp files and locks orphaned by killed writers. */
    async sweep() {
        const cutoff = Date.now() - ORPHAN_AGE_MS;
        const entries = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.readdir)(this.tempDir).catch(() => []);
        await (0,_util_map_limit_js__WEBPACK_IMPORTED_MODULE_8__/* .mapLimit */ .s)(entries, STAT_CONCURRENCY, async (e) => {
            const path = (0,node_path__WEBPACK_IMPORTED_MODULE_4__.join)(this.tempDir, e);
            const st = await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.lstat)(path).catch(() => undefined);
            if (st && st.mtimeMs < cutoff) {
                await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.rm)(path, { recursive: true, force: true }).catch(() => undefined);
            }
        });
    }
    /** Filesystem errors become StorageErrors with a hint; others (the body's, ours) pass through. */
    mapped(err, action) {
        const c = code(err);
        if (c === undefined || err instanceof _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .StorageError */ .aq)
            return err;
        const message = `${action}: ${errMessage(err)}`;
        const hint = (() => {
            switch (c) {
                case 'EACCES':
                case 'EPERM':
                case 'EROFS':
                    return `fs-root (${this.root}) must be readable and writable by the job's user`;
                case 'ENOSPC':
                case 'EDQUOT':
                    return `the filesystem holding fs-root (${this.root}) is full or over quota`;
                case 'ENAMETOOLONG':
                    return 'a name segment is longer than this filesystem allows (usually 255 bytes): use shorter keys or prefix';
                case 'ENOTDIR':
                case 'EISDIR':
                case 'ENOTEMPTY':
                case 'EEXIST':
                    return 'a file cannot also be a directory: another object name is a path prefix of this one, or the reverse';
                default:
                    return undefined;
            }
        })();
        return new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .StorageError */ .aq(message, hint, { cause: err });
    }
}
/**
 * A Writable over an open file that never closes it: the caller closes. Chunks that queue while
 * a write is in flight go down together in one writev: a pipe delivers 64 KiB at a time, and a
 * syscall and a thread-pool round trip per chunk cost a 270 MB save about 0.3 CPU-s.
 */
function fileSink(fh, mapError) {
    const done = (callback) => (err) => callback(err === undefined ? null : mapError(err));
    return new node_stream__WEBPACK_IMPORTED_MODULE_5__.Writable({
        highWaterMark: 1024 * 1024,
        write(chunk, _encoding, callback) {
            writeAll(fh, [chunk]).then(() => done(callback)(), done(callback));
        },
        writev(chunks, callback) {
            writeAll(fh, chunks.map((c) => c.chunk)).then(() => done(callback)(), done(callback));
        },
    });
}
async function writeAll(fh, bufs) {
    let rest = bufs;
    while (rest.length > 0) {
        const { bytesWritten } = await fh.writev(rest);
        if (bytesWritten === 0)
            throw new Error('write made no progress');
        rest = skipBytes(rest, bytesWritten);
    }
}
/** What is left of `bufs` after its first `n` bytes (a short write). */
function skipBytes(bufs, n) {
    let i = 0;
    while (i < bufs.length && n >= bufs[i].length)
        n -= bufs[i++].length;
    if (i === bufs.length)
        return [];
    return [bufs[i].subarray(n), ...bufs.slice(i + 1)];
}
/** Run `op` (a rename or link into `target`) after creating its parent directories. */
async function withParents(target, op) {
    for (let attempt = 1;; attempt++) {
        try {
            await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.mkdir)((0,node_path__WEBPACK_IMPORTED_MODULE_4__.dirname)(target), { recursive: true });
            return await op();
        }
        catch (err) {
            // A concurrent delete may prune the parents between mkdir and op, or during mkdir, which
            // then reports ENOTDIR. A file really in the way fails every attempt.
            if (!isMissing(err) || attempt >= 10)
                throw err;
        }
    }
}
async function existsError(name, target) {
    if (await isDirectory(target)) {
        return new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .StorageError */ .aq(`cannot store ${name}: a directory of longer names is in the way`, 'a file cannot also be a directory: another object name is a path prefix of this one');
    }
    return new _errors_js__WEBPACK_IMPORTED_MODULE_7__/* .AlreadyExistsError */ .Tm(name);
}
async function exists(path) {
    try {
        await (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.lstat)(path);
        return true;
    }
    catch (err) {
        if (isMissing(err))
            return false;
        throw err;
    }
}
async function isDirectory(path) {
    return (0,node_fs_promises__WEBPACK_IMPORTED_MODULE_2__.lstat)(path).then((st) => st.isDirectory(), () => false);
}
/** The temp dir, as any case-insensitive or normalising filesystem might alias it. */
function isTempDir(segment) {
    return (segment
        .normalize('NFKC')
        .toLowerCase()
        .replace(/[. ]+$/, '') === TEMP_DIR);
}
function info(name, st) {
    // Built here rather than st.mtime: Node core makes that Date in its own realm, which fails
    // `instanceof Date` inside vm contexts such as jest's.
    // A replace renames a new file into place, so the inode changes with every write.
    const etag = `"${st.dev.toString(36)}-${st.ino.toString(36)}-${st.size}-${Math.round(st.mtimeMs * 1000).toString(36)}"`;
    return { name, size: st.size, lastModified: new Date(st.mtime.getTime()), etag };
}
function code(err) {
    const c = err?.code;
    return typeof c === 'string' ? c : undefined;
}
function isMissing(err) {
    return code(err) === 'ENOENT' || code(err) === 'ENOTDIR';
}
function errMessage(err) {
    return err instanceof Error ? err.message : String(err);
}


/***/ })

};
